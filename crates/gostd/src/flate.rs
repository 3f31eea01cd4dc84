//! Go's `compress/flate` compressor at the default level (6), and the
//! `compress/gzip` framing around it, reproduced bit for bit.
//!
//! Why this exists: Helm writes chart archives through Go's gzip writer,
//! and the archive's sha256 ends up in `.prov` signatures, `index.yaml`
//! digests and OCI layer digests.  Any other deflate implementation
//! (zlib, miniz) produces a valid but *different* stream, so a chart
//! packaged by capstan would sign and index differently from Helm's.  Here
//! the same choices Go makes are made in the same order: the hash-chain
//! matcher with lazy evaluation (`good 8, lazy 16, nice 128, chain 128`),
//! the window slide, a block every 16384 tokens, and per block the
//! smallest of stored, fixed-Huffman and dynamic-Huffman encodings, with
//! Go's length-limited code construction and its tie-breaking.
//!
//! Go's output also depends on how the input is split into `Write` calls
//! (the window slides at the first write after the matcher passes a
//! threshold), so [`Writer::write`] means exactly one Go `Write` call:
//! feed it the same chunks the Go program writes.

use std::cmp::Ordering;

const WINDOW_SIZE: i64 = 1 << 15;
const WINDOW_MASK: i64 = WINDOW_SIZE - 1;
/// The shortest length DEFLATE can express; tokens store `length - 3`.
const BASE_MATCH_LENGTH: i64 = 3;
/// The shortest match Go's matcher emits.
const MIN_MATCH_LENGTH: i64 = 4;
const MAX_MATCH_LENGTH: i64 = 258;
const BASE_MATCH_OFFSET: i64 = 1;
const MAX_FLATE_BLOCK_TOKENS: usize = 1 << 14;
const MAX_STORE_BLOCK_SIZE: usize = 65535;
const HASH_BITS: u32 = 17;
const HASH_SIZE: usize = 1 << HASH_BITS;
const MAX_HASH_OFFSET: i64 = 1 << 24;
const HASH_MUL: u32 = 0x1e35_a7bd;
/// Matching stops this far before the end of the window until the stream
/// is flushed, so every search sees a full `MAX_MATCH_LENGTH` lookahead.
const MIN_LOOKAHEAD: i64 = MIN_MATCH_LENGTH + MAX_MATCH_LENGTH;

// Level 6's row of Go's `levels` table.
const GOOD: i64 = 8;
const LAZY: i64 = 16;
const NICE: i64 = 128;
const CHAIN: i64 = 128;

// Tokens as Go packs them: a literal is its byte value (256 ends a block);
// a match is `1<<30 | (length-3)<<22 | (offset-1)`.
const LENGTH_SHIFT: u32 = 22;
const OFFSET_MASK: u32 = (1 << LENGTH_SHIFT) - 1;
const MATCH_TYPE: u32 = 1 << 30;
const END_BLOCK_MARKER: u32 = 256;

// RFC 1951 alphabets.
const MAX_NUM_LIT: usize = 286;
const OFFSET_CODE_COUNT: usize = 30;
const CODEGEN_CODE_COUNT: usize = 19;
const LENGTH_CODES_START: usize = 257;
/// Ends the run-length codegen sequence (not a valid code length).
const BAD_CODE: u8 = 255;

const LENGTH_EXTRA_BITS: [u8; 29] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
/// Base of each length code, as `length - 3`.
const LENGTH_BASE: [u32; 29] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 28, 32, 40, 48, 56, 64, 80, 96, 112, 128,
    160, 192, 224, 255,
];
const OFFSET_EXTRA_BITS: [u8; 30] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13,
    13,
];
/// Base of each distance code, as `distance - 1`.
const OFFSET_BASE: [u32; 30] = [
    0x0000, 0x0001, 0x0002, 0x0003, 0x0004, 0x0006, 0x0008, 0x000c, 0x0010, 0x0018, 0x0020, 0x0030,
    0x0040, 0x0060, 0x0080, 0x00c0, 0x0100, 0x0180, 0x0200, 0x0300, 0x0400, 0x0600, 0x0800, 0x0c00,
    0x1000, 0x1800, 0x2000, 0x3000, 0x4000, 0x6000,
];
/// The order code-length code lengths are sent in (RFC 1951 3.2.7).
const CODEGEN_ORDER: [usize; 19] = [
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
];

/// Length code (0..=28) of each `length - 3`.
const LENGTH_CODES: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut code = 0;
    let mut x = 0;
    while x < 256 {
        while code + 1 < LENGTH_BASE.len() && LENGTH_BASE[code + 1] <= x as u32 {
            code += 1;
        }
        t[x] = code as u8;
        x += 1;
    }
    t
};

/// Distance code of each `distance - 1` below 256; larger distances look
/// up `(d >> 7)` (+14) or `(d >> 14)` (+28), as the codes double in span.
const OFFSET_CODES: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut code = 0;
    let mut x = 0;
    while x < 256 {
        while code + 1 < OFFSET_BASE.len() && OFFSET_BASE[code + 1] <= x as u32 {
            code += 1;
        }
        t[x] = code as u8;
        x += 1;
    }
    t
};

fn length_code(xlength: u32) -> usize {
    LENGTH_CODES[(xlength & 0xff) as usize] as usize
}

fn offset_code(xoffset: u32) -> usize {
    if xoffset < 256 {
        OFFSET_CODES[xoffset as usize] as usize
    } else if xoffset >> 7 < 256 {
        OFFSET_CODES[(xoffset >> 7) as usize] as usize + 14
    } else {
        OFFSET_CODES[((xoffset >> 14) & 0xff) as usize] as usize + 28
    }
}

fn reverse_bits(code: u16, len: u16) -> u16 {
    if len == 0 || len > 16 {
        return 0;
    }
    code.reverse_bits() >> (16 - len)
}

fn hash4(b: &[u8], i: usize) -> usize {
    let v = u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    (v.wrapping_mul(HASH_MUL) >> (32 - HASH_BITS)) as usize
}

fn load64(b: &[u8], i: usize) -> u64 {
    u64::from_le_bytes([
        b[i],
        b[i + 1],
        b[i + 2],
        b[i + 3],
        b[i + 4],
        b[i + 5],
        b[i + 6],
        b[i + 7],
    ])
}

/// How many bytes at `a` and `b` in `w` agree, up to `max`.
fn match_len(w: &[u8], a: usize, b: usize, max: usize) -> usize {
    let mut n = 0;
    while n + 8 <= max {
        let x = load64(w, a + n) ^ load64(w, b + n);
        if x != 0 {
            return n + (x.trailing_zeros() / 8) as usize;
        }
        n += 8;
    }
    while n < max && w[a + n] == w[b + n] {
        n += 1;
    }
    n
}

// ---------------------------------------------------------------------------
// Huffman code construction

#[derive(Clone, Copy, Default)]
struct LiteralNode {
    literal: u16,
    freq: i32,
}

#[derive(Clone, Copy, Default)]
struct LevelInfo {
    last_freq: i32,
    next_char_freq: i32,
    next_pair_freq: i32,
    needed: i32,
}

/// Bits per code length, indexed by length (entry 0 unused).
const MAX_BITS_LIMIT: usize = 16;

struct HuffmanEncoder {
    code: Vec<u16>,
    len: Vec<u16>,
    /// Scratch: the symbols in use, reused between blocks.
    list: Vec<LiteralNode>,
}

impl HuffmanEncoder {
    fn new(size: usize) -> Self {
        HuffmanEncoder {
            code: vec![0; size],
            len: vec![0; size],
            list: Vec::with_capacity(size + 1),
        }
    }

    /// RFC 1951's fixed literal/length code.
    fn fixed_literal() -> Self {
        let mut h = HuffmanEncoder::new(MAX_NUM_LIT);
        for ch in 0..MAX_NUM_LIT as u16 {
            let (bits, size) = match ch {
                0..=143 => (ch + 48, 8),
                144..=255 => (ch + 400 - 144, 9),
                256..=279 => (ch - 256, 7),
                _ => (ch + 192 - 280, 8),
            };
            h.code[ch as usize] = reverse_bits(bits, size);
            h.len[ch as usize] = size;
        }
        h
    }

    /// RFC 1951's fixed distance code: five bits each.
    fn fixed_offset() -> Self {
        let mut h = HuffmanEncoder::new(OFFSET_CODE_COUNT);
        for i in 0..OFFSET_CODE_COUNT {
            h.code[i] = reverse_bits(i as u16, 5);
            h.len[i] = 5;
        }
        h
    }

    fn bit_length(&self, freq: &[i32]) -> i64 {
        freq.iter()
            .zip(&self.len)
            .filter(|(f, _)| **f != 0)
            .map(|(f, l)| i64::from(*f) * i64::from(*l))
            .sum()
    }

    /// The code for `freq` with no code longer than `max_bits`: Go's
    /// `huffmanEncoder.generate`.
    fn generate(&mut self, freq: &[i32], max_bits: i32) {
        self.list.clear();
        for (i, &f) in freq.iter().enumerate() {
            if f != 0 {
                self.list.push(LiteralNode {
                    literal: i as u16,
                    freq: f,
                });
            } else if let Some(l) = self.len.get_mut(i) {
                *l = 0;
            }
        }
        if self.list.len() <= 2 {
            // One or two symbols: one bit each, in symbol order.
            for (i, node) in self.list.iter().enumerate() {
                self.code[node.literal as usize] = i as u16;
                self.len[node.literal as usize] = 1;
            }
            return;
        }
        self.list
            .sort_unstable_by(|a, b| match a.freq.cmp(&b.freq) {
                Ordering::Equal => a.literal.cmp(&b.literal),
                o => o,
            });
        let (bit_count, top) = bit_counts(&self.list, max_bits);
        self.assign_encoding_and_size(&bit_count[..=top]);
    }

    /// Give the `bit_count[n]` most frequent remaining symbols `n`-bit
    /// codes, shortest first; within one length, codes ascend by symbol.
    fn assign_encoding_and_size(&mut self, bit_count: &[i32]) {
        let mut code: u16 = 0;
        let mut end = self.list.len();
        for (n, &bits) in bit_count.iter().enumerate() {
            code = code.wrapping_shl(1);
            if n == 0 || bits <= 0 {
                continue;
            }
            let start = end.saturating_sub(bits as usize);
            let chunk = &mut self.list[start..end];
            chunk.sort_unstable_by_key(|node| node.literal);
            for node in chunk.iter() {
                self.code[node.literal as usize] = reverse_bits(code, n as u16);
                self.len[node.literal as usize] = n as u16;
                code = code.wrapping_add(1);
            }
            end = start;
        }
    }
}

/// How many symbols get each code length (index = length), for `list`
/// sorted by ascending frequency (ties by symbol), at most `max_bits`
/// long: Go's package-merge variant in `huffmanEncoder.bitCounts`.
/// Returns the counts and the largest length used as an index.
fn bit_counts(list: &[LiteralNode], max_bits: i32) -> ([i32; MAX_BITS_LIMIT + 1], usize) {
    let n = list.len() as i32;
    let freq = |i: i32| -> i32 {
        if i < 0 {
            return i32::MAX;
        }
        list.get(i as usize).map_or(i32::MAX, |x| x.freq)
    };
    let max_bits = max_bits.min(n - 1).clamp(1, MAX_BITS_LIMIT as i32 - 1) as usize;

    // Level 0 is a placeholder whose `needed` stays 0.
    let mut levels = [LevelInfo::default(); MAX_BITS_LIMIT + 1];
    let mut leaf_counts = [[0i32; MAX_BITS_LIMIT + 1]; MAX_BITS_LIMIT + 1];
    for level in 1..=max_bits {
        levels[level] = LevelInfo {
            last_freq: freq(1),
            next_char_freq: freq(2),
            next_pair_freq: if level == 1 {
                i32::MAX
            } else {
                freq(0).wrapping_add(freq(1))
            },
            needed: 0,
        };
        leaf_counts[level][level] = 2;
    }
    levels[max_bits].needed = 2 * n - 4;

    let mut level = max_bits;
    // Each step places one node; the bound only guards against looping
    // forever on an impossible state.
    let mut budget = (n as i64 + 2) * (MAX_BITS_LIMIT as i64 + 2) * 4;
    loop {
        budget -= 1;
        if budget < 0 || level == 0 || level > max_bits {
            break;
        }
        let l = levels[level];
        if l.next_pair_freq == i32::MAX && l.next_char_freq == i32::MAX {
            // Out of leaves and pairs on this level: finish it for good.
            levels[level].needed = 0;
            levels[level + 1].next_pair_freq = i32::MAX;
            level += 1;
            continue;
        }
        let prev_freq = l.last_freq;
        if l.next_char_freq < l.next_pair_freq {
            // A leaf comes next on this level.
            let c = leaf_counts[level][level] + 1;
            levels[level].last_freq = l.next_char_freq;
            leaf_counts[level][level] = c;
            levels[level].next_char_freq = freq(c);
        } else {
            // A pair from the level below; that level must make two more.
            levels[level].last_freq = l.next_pair_freq;
            let (lower, upper) = leaf_counts.split_at_mut(level);
            upper[0][..level].copy_from_slice(&lower[level - 1][..level]);
            levels[level - 1].needed = 2;
        }
        levels[level].needed -= 1;
        if levels[level].needed == 0 {
            if level == max_bits {
                break;
            }
            levels[level + 1].next_pair_freq = prev_freq.wrapping_add(levels[level].last_freq);
            level += 1;
        } else {
            while level > 1 && levels[level - 1].needed > 0 {
                level -= 1;
            }
        }
    }

    let mut bit_count = [0i32; MAX_BITS_LIMIT + 1];
    let counts = &leaf_counts[max_bits];
    for (bits, level) in (1..=max_bits).rev().enumerate() {
        bit_count[bits + 1] = counts[level] - counts[level - 1];
    }
    (bit_count, max_bits)
}

// ---------------------------------------------------------------------------
// Bit output and block encoding

/// LSB-first bit packing into a byte vector.
struct BitWriter {
    out: Vec<u8>,
    bits: u64,
    nbits: u32,
}

impl BitWriter {
    fn write_bits(&mut self, b: u32, nb: u32) {
        let b = u64::from(b) & ((1u64 << nb) - 1);
        self.bits |= b << self.nbits;
        self.nbits += nb;
        if self.nbits >= 48 {
            self.out.extend_from_slice(&self.bits.to_le_bytes()[..6]);
            self.bits >>= 48;
            self.nbits -= 48;
        }
    }

    fn write_code(&mut self, code: u16, len: u16) {
        self.write_bits(u32::from(code), u32::from(len));
    }

    /// Pad with zero bits to a byte boundary and emit what is pending.
    fn flush(&mut self) {
        while self.nbits > 0 {
            self.out.push(self.bits as u8);
            self.bits >>= 8;
            self.nbits = self.nbits.saturating_sub(8);
        }
        self.bits = 0;
    }

    fn write_bytes(&mut self, bytes: &[u8]) {
        self.flush();
        self.out.extend_from_slice(bytes);
    }
}

struct HuffmanBitWriter {
    w: BitWriter,
    literal_freq: [i32; MAX_NUM_LIT],
    offset_freq: [i32; OFFSET_CODE_COUNT],
    /// Run-length encoded code lengths, ended by `BAD_CODE`.
    codegen: Vec<u8>,
    codegen_freq: [i32; CODEGEN_CODE_COUNT],
    literal_encoding: HuffmanEncoder,
    offset_encoding: HuffmanEncoder,
    codegen_encoding: HuffmanEncoder,
    fixed_literal: HuffmanEncoder,
    fixed_offset: HuffmanEncoder,
}

impl HuffmanBitWriter {
    fn new(out: Vec<u8>) -> Self {
        HuffmanBitWriter {
            w: BitWriter {
                out,
                bits: 0,
                nbits: 0,
            },
            literal_freq: [0; MAX_NUM_LIT],
            offset_freq: [0; OFFSET_CODE_COUNT],
            codegen: Vec::with_capacity(MAX_NUM_LIT + OFFSET_CODE_COUNT + 1),
            codegen_freq: [0; CODEGEN_CODE_COUNT],
            literal_encoding: HuffmanEncoder::new(MAX_NUM_LIT),
            offset_encoding: HuffmanEncoder::new(OFFSET_CODE_COUNT),
            codegen_encoding: HuffmanEncoder::new(CODEGEN_CODE_COUNT),
            fixed_literal: HuffmanEncoder::fixed_literal(),
            fixed_offset: HuffmanEncoder::fixed_offset(),
        }
    }

    /// RFC 1951 3.2.7's run-length encoding of the literal and distance
    /// code lengths (16 repeats the previous length 3–6 times, 17 and 18
    /// repeat zero 3–10 and 11–138 times), counting each codegen symbol.
    fn generate_codegen(&mut self, num_literals: usize, num_offsets: usize) {
        self.codegen_freq = [0; CODEGEN_CODE_COUNT];
        let sizes = self.literal_encoding.len[..num_literals]
            .iter()
            .chain(&self.offset_encoding.len[..num_offsets])
            .map(|&l| l as u8)
            .chain(std::iter::once(BAD_CODE));
        let cg = &mut self.codegen;
        let freq = &mut self.codegen_freq;
        cg.clear();
        let mut size: Option<u8> = None;
        let mut count: i32 = 0;
        for next in sizes {
            let Some(cur) = size else {
                size = Some(next);
                count = 1;
                continue;
            };
            if next == cur {
                count += 1;
                continue;
            }
            if cur != 0 {
                cg.push(cur);
                freq[cur as usize] += 1;
                count -= 1;
                while count >= 3 {
                    let n = count.min(6);
                    cg.push(16);
                    cg.push((n - 3) as u8);
                    freq[16] += 1;
                    count -= n;
                }
            } else {
                while count >= 11 {
                    let n = count.min(138);
                    cg.push(18);
                    cg.push((n - 11) as u8);
                    freq[18] += 1;
                    count -= n;
                }
                if count >= 3 {
                    cg.push(17);
                    cg.push((count - 3) as u8);
                    freq[17] += 1;
                    count = 0;
                }
            }
            while count > 0 {
                cg.push(cur);
                freq[(cur as usize).min(CODEGEN_CODE_COUNT - 1)] += 1;
                count -= 1;
            }
            size = Some(next);
            count = 1;
            if next == BAD_CODE {
                break;
            }
        }
        cg.push(BAD_CODE);
    }

    /// Size in bits of the block as dynamic Huffman, and how many codegen
    /// lengths the header sends.
    fn dynamic_size(&self, extra_bits: i64) -> (i64, usize) {
        let mut num_codegens = CODEGEN_CODE_COUNT;
        while num_codegens > 4 && self.codegen_freq[CODEGEN_ORDER[num_codegens - 1]] == 0 {
            num_codegens -= 1;
        }
        let header = 3
            + 5
            + 5
            + 4
            + 3 * num_codegens as i64
            + self.codegen_encoding.bit_length(&self.codegen_freq)
            + i64::from(self.codegen_freq[16]) * 2
            + i64::from(self.codegen_freq[17]) * 3
            + i64::from(self.codegen_freq[18]) * 7;
        let size = header
            + self.literal_encoding.bit_length(&self.literal_freq)
            + self.offset_encoding.bit_length(&self.offset_freq)
            + extra_bits;
        (size, num_codegens)
    }

    fn fixed_size(&self, extra_bits: i64) -> i64 {
        3 + self.fixed_literal.bit_length(&self.literal_freq)
            + self.fixed_offset.bit_length(&self.offset_freq)
            + extra_bits
    }

    fn write_dynamic_header(
        &mut self,
        num_literals: usize,
        num_offsets: usize,
        num_codegens: usize,
        eof: bool,
    ) {
        self.w.write_bits(if eof { 5 } else { 4 }, 3);
        self.w.write_bits((num_literals - 257) as u32, 5);
        self.w.write_bits((num_offsets - 1) as u32, 5);
        self.w.write_bits((num_codegens - 4) as u32, 4);
        for &sym in &CODEGEN_ORDER[..num_codegens] {
            self.w
                .write_bits(u32::from(self.codegen_encoding.len[sym]), 3);
        }
        let mut i = 0;
        while let Some(&cw) = self.codegen.get(i) {
            i += 1;
            if cw == BAD_CODE {
                break;
            }
            let sym = (cw as usize).min(CODEGEN_CODE_COUNT - 1);
            self.w.write_code(
                self.codegen_encoding.code[sym],
                self.codegen_encoding.len[sym],
            );
            let extra = match cw {
                16 => 2,
                17 => 3,
                18 => 7,
                _ => continue,
            };
            let v = self.codegen.get(i).copied().unwrap_or(0);
            self.w.write_bits(u32::from(v), extra);
            i += 1;
        }
    }

    fn write_stored_header(&mut self, length: usize, eof: bool) {
        self.w.write_bits(u32::from(eof), 3);
        self.w.flush();
        self.w.write_bits(length as u32 & 0xffff, 16);
        self.w.write_bits(!(length as u32) & 0xffff, 16);
    }

    /// Count symbol frequencies of `tokens` plus the end-of-block marker
    /// and build both codes; returns how many literal/length and distance
    /// codes the block needs.
    fn index_tokens(&mut self, tokens: &[u32]) -> (usize, usize) {
        self.literal_freq = [0; MAX_NUM_LIT];
        self.offset_freq = [0; OFFSET_CODE_COUNT];
        for &t in tokens {
            if t < MATCH_TYPE {
                self.literal_freq[(t as usize).min(MAX_NUM_LIT - 1)] += 1;
                continue;
            }
            let length = (t - MATCH_TYPE) >> LENGTH_SHIFT;
            let offset = t & OFFSET_MASK;
            self.literal_freq[LENGTH_CODES_START + length_code(length)] += 1;
            self.offset_freq[offset_code(offset).min(OFFSET_CODE_COUNT - 1)] += 1;
        }
        self.literal_freq[END_BLOCK_MARKER as usize] += 1;

        let mut num_literals = MAX_NUM_LIT;
        while num_literals > 0 && self.literal_freq[num_literals - 1] == 0 {
            num_literals -= 1;
        }
        let mut num_offsets = OFFSET_CODE_COUNT;
        while num_offsets > 0 && self.offset_freq[num_offsets - 1] == 0 {
            num_offsets -= 1;
        }
        if num_offsets == 0 {
            // A dynamic header needs at least one distance code.
            self.offset_freq[0] = 1;
            num_offsets = 1;
        }
        self.literal_encoding.generate(&self.literal_freq, 15);
        self.offset_encoding.generate(&self.offset_freq, 15);
        (num_literals, num_offsets)
    }

    /// One block of `tokens` in whichever of stored (when `input`, the
    /// bytes the tokens cover, is given and fits), fixed or dynamic
    /// Huffman is smallest; ties go to fixed over dynamic and to Huffman
    /// over stored.
    fn write_block(&mut self, tokens: &[u32], eof: bool, input: Option<&[u8]>) {
        let (num_literals, num_offsets) = self.index_tokens(tokens);

        let stored = input.filter(|b| b.len() <= MAX_STORE_BLOCK_SIZE);
        let mut extra_bits: i64 = 0;
        if stored.is_some() {
            // Only needed to compare Huffman against stored: the extra
            // bits cost the same in fixed and dynamic blocks.
            for lc in LENGTH_CODES_START + 8..num_literals {
                extra_bits += i64::from(self.literal_freq[lc])
                    * i64::from(LENGTH_EXTRA_BITS[lc - LENGTH_CODES_START]);
            }
            for (f, &e) in self.offset_freq[..num_offsets]
                .iter()
                .zip(&OFFSET_EXTRA_BITS)
                .skip(4)
            {
                extra_bits += i64::from(*f) * i64::from(e);
            }
        }

        let mut size = self.fixed_size(extra_bits);
        self.generate_codegen(num_literals, num_offsets);
        self.codegen_encoding.generate(&self.codegen_freq, 7);
        let (dynamic_size, num_codegens) = self.dynamic_size(extra_bits);
        let dynamic = dynamic_size < size;
        if dynamic {
            size = dynamic_size;
        }

        if let Some(bytes) = stored {
            if ((bytes.len() as i64) + 5) * 8 < size {
                self.write_stored_header(bytes.len(), eof);
                self.w.write_bytes(bytes);
                return;
            }
        }

        if dynamic {
            self.write_dynamic_header(num_literals, num_offsets, num_codegens, eof);
            write_tokens(
                &mut self.w,
                tokens,
                &self.literal_encoding,
                &self.offset_encoding,
            );
        } else {
            self.w.write_bits(if eof { 3 } else { 2 }, 3);
            write_tokens(&mut self.w, tokens, &self.fixed_literal, &self.fixed_offset);
        }
    }
}

fn write_tokens(w: &mut BitWriter, tokens: &[u32], lit: &HuffmanEncoder, off: &HuffmanEncoder) {
    for &t in tokens {
        if t < MATCH_TYPE {
            let s = (t as usize).min(MAX_NUM_LIT - 1);
            w.write_code(lit.code[s], lit.len[s]);
            continue;
        }
        let length = (t - MATCH_TYPE) >> LENGTH_SHIFT;
        let lc = length_code(length);
        let s = lc + LENGTH_CODES_START;
        w.write_code(lit.code[s], lit.len[s]);
        let extra = u32::from(LENGTH_EXTRA_BITS[lc]);
        if extra > 0 {
            w.write_bits(length - LENGTH_BASE[lc], extra);
        }
        let offset = t & OFFSET_MASK;
        let oc = offset_code(offset).min(OFFSET_CODE_COUNT - 1);
        w.write_code(off.code[oc], off.len[oc]);
        let extra = u32::from(OFFSET_EXTRA_BITS[oc]);
        if extra > 0 {
            w.write_bits(offset - OFFSET_BASE[oc], extra);
        }
    }
    let eob = END_BLOCK_MARKER as usize;
    w.write_code(lit.code[eob], lit.len[eob]);
}

// ---------------------------------------------------------------------------
// The compressor

/// Go's `flate.NewWriter(w, 6)`: a raw DEFLATE stream.  Each
/// [`write`](Writer::write) is one Go `Write` call; [`finish`](Writer::finish)
/// is `Close` (which ends the stream with an empty final stored block, as
/// Go does) and returns the output.
pub struct Writer {
    hw: HuffmanBitWriter,
    /// Two window sizes: the history and the bytes not yet matched.
    window: Vec<u8>,
    /// Per hash, the latest position (plus `hash_offset`) with that hash.
    hash_head: Vec<u32>,
    /// Per position (mod the window size), the previous one with its hash.
    hash_prev: Vec<u32>,
    hash_offset: i64,
    chain_head: i64,
    /// Unprocessed input is `window[index..window_end]`.
    index: i64,
    window_end: i64,
    /// Where the queued tokens start, or `i32::MAX` once that slid away.
    block_start: i64,
    /// Whether `window[index - 1]` still awaits its token.
    byte_available: bool,
    tokens: Vec<u32>,
    length: i64,
    offset: i64,
    max_insert_index: i64,
    sync: bool,
}

impl Default for Writer {
    fn default() -> Self {
        Self::new()
    }
}

impl Writer {
    pub fn new() -> Self {
        Self::with_output(Vec::new())
    }

    /// Append the compressed stream to `out` (e.g. after a gzip header).
    pub fn with_output(out: Vec<u8>) -> Self {
        Writer {
            hw: HuffmanBitWriter::new(out),
            window: vec![0; 2 * WINDOW_SIZE as usize],
            hash_head: vec![0; HASH_SIZE],
            hash_prev: vec![0; WINDOW_SIZE as usize],
            hash_offset: 1,
            chain_head: -1,
            index: 0,
            window_end: 0,
            block_start: 0,
            byte_available: false,
            tokens: Vec::with_capacity(MAX_FLATE_BLOCK_TOKENS + 1),
            length: MIN_MATCH_LENGTH - 1,
            offset: 0,
            max_insert_index: 0,
            sync: false,
        }
    }

    /// One Go `Write(data)`.
    pub fn write(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            self.deflate();
            let n = self.fill(data);
            data = &data[n..];
        }
    }

    /// Go's `Close`: flush everything, end the stream, return the output.
    pub fn finish(mut self) -> Vec<u8> {
        self.sync = true;
        self.deflate();
        self.hw.write_stored_header(0, true);
        self.hw.w.flush();
        self.hw.w.out
    }

    /// Copy input into the window, first sliding it down by one window
    /// size once matching has reached the upper end.
    fn fill(&mut self, b: &[u8]) -> usize {
        if self.index >= 2 * WINDOW_SIZE - MIN_LOOKAHEAD {
            let w = WINDOW_SIZE as usize;
            self.window.copy_within(w..2 * w, 0);
            self.index -= WINDOW_SIZE;
            self.window_end -= WINDOW_SIZE;
            if self.block_start >= WINDOW_SIZE {
                self.block_start -= WINDOW_SIZE;
            } else {
                self.block_start = i64::from(i32::MAX);
            }
            self.hash_offset += WINDOW_SIZE;
            if self.hash_offset > MAX_HASH_OFFSET {
                // Rebase the stored positions before they overflow.
                let delta = self.hash_offset - 1;
                self.hash_offset -= delta;
                self.chain_head -= delta;
                for v in self.hash_prev.iter_mut().chain(self.hash_head.iter_mut()) {
                    *v = if i64::from(*v) > delta {
                        (i64::from(*v) - delta) as u32
                    } else {
                        0
                    };
                }
            }
        }
        let start = self.window_end as usize;
        let n = b.len().min(self.window.len() - start);
        self.window[start..start + n].copy_from_slice(&b[..n]);
        self.window_end += n as i64;
        n
    }

    fn write_block(&mut self, index: i64) {
        if index > 0 {
            let input = if self.block_start <= index {
                Some(&self.window[self.block_start as usize..index as usize])
            } else {
                None
            };
            self.block_start = index;
            self.hw.write_block(&self.tokens, false, input);
        }
        self.tokens.clear();
    }

    fn insert_hash(&mut self, index: i64) -> i64 {
        let h = hash4(&self.window, index as usize);
        let head = i64::from(self.hash_head[h]);
        self.hash_prev[(index & WINDOW_MASK) as usize] = head as u32;
        self.hash_head[h] = (index + self.hash_offset) as u32;
        head
    }

    /// Tokenise the window: Go's `compressor.deflate` for the lazy levels.
    fn deflate(&mut self) {
        if self.window_end - self.index < MIN_LOOKAHEAD && !self.sync {
            return;
        }
        self.max_insert_index = self.window_end - (MIN_MATCH_LENGTH - 1);
        loop {
            let lookahead = self.window_end - self.index;
            if lookahead < MIN_LOOKAHEAD {
                if !self.sync {
                    break;
                }
                if lookahead <= 0 {
                    if self.byte_available {
                        self.tokens
                            .push(u32::from(self.window[(self.index - 1) as usize]));
                        self.byte_available = false;
                    }
                    if !self.tokens.is_empty() {
                        self.write_block(self.index);
                    }
                    break;
                }
            }
            if self.index < self.max_insert_index {
                self.chain_head = self.insert_hash(self.index);
            }
            let prev_length = self.length;
            let prev_offset = self.offset;
            self.length = MIN_MATCH_LENGTH - 1;
            self.offset = 0;
            let min_index = (self.index - WINDOW_SIZE).max(0);

            if self.chain_head - self.hash_offset >= min_index
                && lookahead > prev_length
                && prev_length < LAZY
            {
                if let Some((l, o)) = self.find_match(
                    self.index,
                    self.chain_head - self.hash_offset,
                    MIN_MATCH_LENGTH - 1,
                    lookahead,
                ) {
                    self.length = l;
                    self.offset = o;
                }
            }
            if prev_length >= MIN_MATCH_LENGTH && self.length <= prev_length {
                // The previous position's match is at least as good as
                // this one's: emit it and skip over it.
                self.tokens.push(
                    MATCH_TYPE
                        + (((prev_length - BASE_MATCH_LENGTH) as u32) << LENGTH_SHIFT)
                        + (prev_offset - BASE_MATCH_OFFSET) as u32,
                );
                let new_index = self.index + prev_length - 1;
                self.index += 1;
                while self.index < new_index {
                    if self.index < self.max_insert_index {
                        self.insert_hash(self.index);
                    }
                    self.index += 1;
                }
                self.byte_available = false;
                self.length = MIN_MATCH_LENGTH - 1;
                if self.tokens.len() == MAX_FLATE_BLOCK_TOKENS {
                    self.write_block(self.index);
                }
            } else {
                if self.byte_available {
                    self.tokens
                        .push(u32::from(self.window[(self.index - 1) as usize]));
                    if self.tokens.len() == MAX_FLATE_BLOCK_TOKENS {
                        self.write_block(self.index);
                    }
                }
                self.index += 1;
                self.byte_available = true;
            }
        }
    }

    /// The longest match for `pos` longer than `prev_length`, walking at
    /// most `CHAIN` (a quarter once `prev_length` is good) chain entries;
    /// 4-byte matches only count within 4096 bytes.
    fn find_match(
        &self,
        pos: i64,
        prev_head: i64,
        prev_length: i64,
        lookahead: i64,
    ) -> Option<(i64, i64)> {
        let max_look = lookahead.min(MAX_MATCH_LENGTH);
        let nice = max_look.min(NICE);
        let mut tries = CHAIN;
        let mut length = prev_length;
        if length >= GOOD {
            tries >>= 2;
        }
        let win = &self.window[..(pos + max_look) as usize];
        let mut w_end = win[(pos + length) as usize];
        let min_index = pos - WINDOW_SIZE;
        let mut found = None;
        let mut i = prev_head;
        while tries > 0 {
            if w_end == win[(i + length) as usize] {
                let n = match_len(win, i as usize, pos as usize, max_look as usize) as i64;
                if n > length && (n > MIN_MATCH_LENGTH || pos - i <= 4096) {
                    length = n;
                    found = Some((n, pos - i));
                    if n >= nice {
                        break;
                    }
                    w_end = win[(pos + n) as usize];
                }
            }
            if i == min_index {
                // Older entries of this slot were overwritten.
                break;
            }
            i = i64::from(self.hash_prev[(i & WINDOW_MASK) as usize]) - self.hash_offset;
            if i < min_index || i < 0 {
                break;
            }
            tries -= 1;
        }
        found
    }
}

/// Compress `data` as a single Go `Write` followed by `Close`.
pub fn deflate(data: &[u8]) -> Vec<u8> {
    let mut w = Writer::new();
    w.write(data);
    w.finish()
}

// ---------------------------------------------------------------------------
// gzip

/// CRC-32 (IEEE), as gzip's trailer carries it.
const CRC_TABLE: [u32; 256] = {
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xedb8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
};

fn crc32_update(crc: u32, data: &[u8]) -> u32 {
    let mut c = !crc;
    for &b in data {
        c = CRC_TABLE[((c ^ u32::from(b)) & 0xff) as usize] ^ (c >> 8);
    }
    !c
}

/// The header fields of Go's `gzip.Header` that a writer sends.
#[derive(Debug, Clone, Default)]
pub struct GzipHeader {
    /// `Extra` (`None` sends no extra field; at most 65535 bytes).
    pub extra: Option<Vec<u8>>,
    /// `Name`; empty sends none.
    pub name: String,
    /// `Comment`; empty sends none.
    pub comment: String,
    /// `ModTime` as Unix seconds; 0 for Go's zero time (no timestamp).
    pub mtime: u32,
}

/// Go's `gzip.NewWriter` (default level, so XFL 0 and deflate level 6,
/// OS byte 255): [`write`](GzipWriter::write) is one Go `Write` call,
/// [`finish`](GzipWriter::finish) is `Close`.
pub struct GzipWriter {
    deflate: Writer,
    crc: u32,
    size: u32,
}

impl GzipWriter {
    /// Errors as Go's writer would on its first write: an extra field over
    /// 65535 bytes, or a name or comment that is not NUL-free Latin-1.
    pub fn new(header: &GzipHeader) -> Result<Self, String> {
        let mut out = vec![0x1f, 0x8b, 8, 0];
        if header.extra.is_some() {
            out[3] |= 0x04;
        }
        if !header.name.is_empty() {
            out[3] |= 0x08;
        }
        if !header.comment.is_empty() {
            out[3] |= 0x10;
        }
        out.extend_from_slice(&header.mtime.to_le_bytes());
        out.push(0); // XFL: neither best speed nor best compression
        out.push(255); // OS: unknown
        if let Some(extra) = &header.extra {
            let n = u16::try_from(extra.len())
                .map_err(|_| "gzip.Write: Extra data is too large".to_string())?;
            out.extend_from_slice(&n.to_le_bytes());
            out.extend_from_slice(extra);
        }
        for s in [&header.name, &header.comment] {
            if s.is_empty() {
                continue;
            }
            for c in s.chars() {
                match u8::try_from(u32::from(c)) {
                    Ok(b) if b != 0 => out.push(b),
                    _ => return Err("gzip.Write: non-Latin-1 header string".into()),
                }
            }
            out.push(0);
        }
        Ok(GzipWriter {
            deflate: Writer::with_output(out),
            crc: 0,
            size: 0,
        })
    }

    pub fn write(&mut self, data: &[u8]) {
        self.size = self.size.wrapping_add(data.len() as u32);
        self.crc = crc32_update(self.crc, data);
        self.deflate.write(data);
    }

    pub fn finish(self) -> Vec<u8> {
        let mut out = self.deflate.finish();
        out.extend_from_slice(&self.crc.to_le_bytes());
        out.extend_from_slice(&self.size.to_le_bytes());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn inflate(z: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::DeflateDecoder::new(z)
            .read_to_end(&mut out)
            .expect("valid deflate stream");
        out
    }

    /// xorshift: reproducible noise without a dependency.
    fn noise(n: usize, seed: u64) -> Vec<u8> {
        let mut x = seed | 1;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect()
    }

    /// Text-like input with matches at all sorts of distances.
    fn texty(n: usize) -> Vec<u8> {
        let words = [
            "apiVersion",
            "kind",
            "metadata",
            "name",
            "labels",
            "app",
            "{{ .Values",
            "}}",
            "replicas",
            "image",
            "tag",
            "\n  ",
            ": ",
            "-",
            "spec",
            "containers",
        ];
        let r = noise(n, 7);
        let mut out = Vec::with_capacity(n + 16);
        let mut k = 0;
        while out.len() < n {
            out.extend_from_slice(words[(r[k % r.len()] as usize) % words.len()].as_bytes());
            if r[(k * 7 + 3) % r.len()] < 40 {
                out.push(r[(k * 3) % r.len()]);
            }
            k += 1;
        }
        out.truncate(n);
        out
    }

    #[test]
    fn empty_input_is_one_empty_final_stored_block() {
        // BFINAL=1, BTYPE=00, pad, LEN=0, NLEN=0xffff.
        assert_eq!(deflate(b""), [0x01, 0x00, 0x00, 0xff, 0xff]);
    }

    #[test]
    fn one_byte_is_a_fixed_huffman_block_then_the_final_stored_block() {
        // Bits, LSB first: 0 (not final), 01 (fixed); 'a' = 0x61 has the
        // 8-bit code 0x30 + 0x61 = 10010001, sent MSB first; end of block
        // is seven zero bits.  Then the final empty stored block: 1, 00,
        // padding, 0000 ffff.  Fixed (23 bits) beats stored (48) and
        // dynamic.
        // byte 0: 0,1,0, 1,0,0,1,0  -> 0x4a
        // byte 1: 0,0,1, 0,0,0,0,0  -> 0x04
        // byte 2: 0,0,1 (final stored header), pad -> 0x04
        assert_eq!(deflate(b"a"), [0x4a, 0x04, 0x04, 0x00, 0x00, 0xff, 0xff]);
    }

    #[test]
    fn round_trips() {
        let cases: Vec<Vec<u8>> = vec![
            Vec::new(),
            b"a".to_vec(),
            b"ab".to_vec(),
            b"aaaa".to_vec(),
            vec![0; 5],
            vec![b'x'; 1000],
            b"abcabcabcabcabcabcabcabcabc".to_vec(),
            vec![0; 300_000],
            noise(10, 1),
            noise(100_000, 2),
            noise(65_535, 3),
            texty(1000),
            texty(70_000),
            texty(400_000),
            // Noise then repeats of it far back and near the window edge.
            [noise(40_000, 4), noise(40_000, 4), noise(40_000, 4)].concat(),
        ];
        for (i, data) in cases.iter().enumerate() {
            let z = deflate(data);
            assert_eq!(inflate(&z), *data, "case {i}");
        }
    }

    #[test]
    fn random_bytes_are_stored() {
        let data = noise(10_000, 9);
        let z = deflate(&data);
        // One stored block (5 header bytes) plus the final empty one.
        assert_eq!(z.len(), data.len() + 5 + 5);
        assert_eq!(z[0] & 0x07, 0, "first block stored, not final");
        assert_eq!(inflate(&z), data);
    }

    #[test]
    fn chunked_writes_round_trip() {
        let data = texty(300_000);
        for chunk in [1, 7, 512, 4096, 65_536, 100_000] {
            let mut w = Writer::new();
            for c in data.chunks(chunk) {
                w.write(c);
            }
            assert_eq!(inflate(&w.finish()), data, "chunk {chunk}");
        }
    }

    #[test]
    fn many_tokens_span_several_blocks() {
        // A four-letter random text: short matches everywhere, so a
        // window holds far more than 16384 tokens and blocks end on the
        // token limit with both literals and matches in them.
        let data: Vec<u8> = noise(300_000, 11)
            .iter()
            .map(|b| b"acgt"[(b & 3) as usize])
            .collect();
        let z = deflate(&data);
        assert!(z.len() < data.len() / 3);
        assert_eq!(inflate(&z), data);
    }

    #[test]
    fn long_input_rebases_the_hash_positions() {
        // Past 16 MiB the stored positions are rebased (Go's
        // maxHashOffset); the stream must stay valid across it.
        let unit = texty(1 << 16);
        let data = unit.repeat(260);
        let z = deflate(&data);
        assert_eq!(inflate(&z), data);
    }

    #[test]
    fn random_mixtures_round_trip_in_random_chunks() {
        // Noise, runs and copies of earlier stretches, written in chunks
        // of random size: exercises matches at every distance, block and
        // window boundaries, and short final lookaheads.
        for seed in 1..60u64 {
            let r = noise(64, seed * 7919);
            let mut data = Vec::new();
            let target = (r[0] as usize) * 700 + (r[1] as usize % 4) * 40_000;
            let mut k = 2;
            while data.len() < target {
                let pick = r[k % r.len()];
                let n = (r[(k + 1) % r.len()] as usize) * (1 + (pick as usize % 40));
                match pick % 4 {
                    0 => data.extend(noise(n, seed + k as u64)),
                    1 => data.extend(std::iter::repeat(pick).take(n)),
                    _ if !data.is_empty() => {
                        let from = (n * 31 + k) % data.len();
                        let len = n.min(data.len() - from);
                        data.extend_from_within(from..from + len);
                    }
                    _ => data.push(pick),
                }
                k += 1;
            }
            let mut w = Writer::new();
            let mut rest = &data[..];
            let mut j = 0;
            while !rest.is_empty() {
                let c = (1 + (r[j % r.len()] as usize) * (1 + j % 300)).min(rest.len());
                w.write(&rest[..c]);
                rest = &rest[c..];
                j += 1;
            }
            assert_eq!(inflate(&w.finish()), data, "seed {seed}");
        }
    }

    #[test]
    fn codes_are_length_limited() {
        // Fibonacci frequencies would need codes longer than 15 bits.
        let mut freq = vec![0i32; MAX_NUM_LIT];
        let (mut a, mut b) = (1i32, 1i32);
        for f in freq.iter_mut().take(30) {
            *f = a;
            (a, b) = (b, a.saturating_add(b).min(1 << 28));
        }
        let mut h = HuffmanEncoder::new(MAX_NUM_LIT);
        h.generate(&freq, 15);
        assert!(h.len.iter().all(|&l| l <= 15));
        // Kraft: a complete prefix code.
        let kraft: f64 = h.len[..30].iter().map(|&l| 0.5f64.powi(i32::from(l))).sum();
        assert!((kraft - 1.0).abs() < 1e-9, "{kraft}");
    }

    #[test]
    fn gzip_frames_like_go() {
        let mut g = GzipWriter::new(&GzipHeader {
            extra: Some(b"xy".to_vec()),
            comment: "Helm".into(),
            ..GzipHeader::default()
        })
        .unwrap();
        g.write(b"hello ");
        g.write(b"hello");
        let out = g.finish();
        assert_eq!(
            &out[..18],
            &[0x1f, 0x8b, 8, 0x14, 0, 0, 0, 0, 0, 0xff, 2, 0, b'x', b'y', b'H', b'e', b'l', b'm']
        );
        assert_eq!(out[18], 0);
        let mut text = String::new();
        flate2::read::GzDecoder::new(&out[..])
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "hello hello");
        // CRC-32 of "hello hello" and the length, little-endian.
        let n = out.len();
        assert_eq!(crc32_update(0, b"123456789"), 0xcbf4_3926);
        assert_eq!(&out[n - 4..], &11u32.to_le_bytes());
        assert!(GzipWriter::new(&GzipHeader {
            comment: "\u{100}".into(),
            ..GzipHeader::default()
        })
        .is_err());
    }
}
