//! Go's `fmt` package as templates use it (`print`, `printf`, `println`,
//! printing of pipeline results), over `gostd::strconv`'s `FormatFloat`
//! and quoting.
//!
//! Template output is compared byte for byte with Helm's, and charts lean
//! on `printf` for everything from zero-padded numbers to quoting, so this
//! module mirrors the structure of Go's printer rather than mapping verbs
//! onto Rust's `format!`: a [`Printer`] holds the parsed flags of the
//! current directive, `print_arg`/`print_value` dispatch on the dynamic
//! type exactly like Go's `printArg`/`printValue` (including the
//! element-wise application of verbs to slices and maps and the
//! `%!verb(type=value)` error forms), and the numeric helpers reproduce
//! Go's padding and sign rules.
//!
//! Floats: Rust's `{:e}` yields the shortest round-tripping digits and
//! `{:.Ne}`/`{:.N}` exactly rounded ones (ties to even, as Go's decimal
//! rounding does); the digits are then laid out with Go's `%e`/`%f`/`%g`
//! rules (`1e+06`, `123456`, `1.23456789e+08`).
//!
//! Objects (`Value::Object`) are treated as Go `Stringer`s: verbs
//! `v s q x X` format their `format_v()` text; other verbs apply to a
//! numeric `to_data()` (time.Month, time.Duration) or report a bad verb.
//! Go would print non-Stringer structs field by field; the object
//! implementations return that form from `format_v()` themselves.

use crate::value::{go_lossy, go_runes, IntKind, Value};

pub(crate) use gostd::strconv::format_float;
pub use gostd::strconv::quote;
use gostd::strconv::{can_backquote, is_print, quote_bytes, quote_rune, truncate_bytes};

// ---------------------------------------------------------------------------
// The printer

/// Flags, width and precision of the directive being printed.
#[derive(Clone, Copy, Default)]
struct Flags {
    wid: usize,
    wid_present: bool,
    prec: usize,
    prec_present: bool,
    minus: bool,
    plus: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    plus_v: bool,
    sharp_v: bool,
}

struct Printer {
    buf: String,
    f: Flags,
    erroring: bool,
    /// Byte strings that are not UTF-8, printed as themselves (`%s` of a
    /// binary file): each is held in `buf` as its lossy text, at
    /// `start..end`, with the bytes to put there in the result.  Empty in
    /// the usual case, which then costs nothing extra.
    raw: Vec<(usize, usize, Vec<u8>)>,
}

/// Deepest nesting printed before giving up (defends against cyclic maps,
/// which Go would recurse on until it overflows).
const MAX_DEPTH: usize = 10_000;

impl Printer {
    fn new() -> Printer {
        Printer {
            buf: String::new(),
            f: Flags::default(),
            erroring: false,
            raw: Vec::new(),
        }
    }

    /// Write the bytes of a Go string (raw in the result, see `raw`).
    fn push_bytes(&mut self, b: &[u8]) {
        match std::str::from_utf8(b) {
            Ok(s) => self.buf.push_str(s),
            Err(_) => {
                let start = self.buf.len();
                self.buf.push_str(&go_lossy(b));
                self.raw.push((start, self.buf.len(), b.to_vec()));
            }
        }
    }

    /// The printed Go string: `Value::String`, or a `ByteString` when
    /// bytes that are not UTF-8 were printed.
    fn finish(self) -> Value {
        if self.raw.is_empty() {
            return Value::string(self.buf);
        }
        let mut out = Vec::with_capacity(self.buf.len());
        let mut at = 0;
        for (start, end, bytes) in &self.raw {
            out.extend_from_slice(&self.buf.as_bytes()[at..*start]);
            out.extend_from_slice(bytes);
            at = *end;
        }
        out.extend_from_slice(&self.buf.as_bytes()[at..]);
        Value::from_go_vec(out)
    }

    fn write_padding(&mut self, n: usize) {
        let c = if self.f.zero { '0' } else { ' ' };
        self.buf.extend(std::iter::repeat_n(c, n));
    }

    /// Pad `s` to the width (in runes), left or right per the `-` flag.
    fn pad(&mut self, s: &str) {
        if !self.f.wid_present || self.f.wid == 0 {
            self.buf.push_str(s);
            return;
        }
        let n = s.chars().count();
        let width = self.f.wid.saturating_sub(n);
        if !self.f.minus {
            self.write_padding(width);
            self.buf.push_str(s);
        } else {
            self.buf.push_str(s);
            self.write_padding(width);
        }
    }

    fn truncate<'a>(&self, s: &'a str) -> &'a str {
        if self.f.prec_present {
            if let Some((i, _)) = s.char_indices().nth(self.f.prec) {
                return &s[..i];
            }
        }
        s
    }

    fn fmt_s(&mut self, s: &str) {
        let s = self.truncate(s);
        self.pad(s);
    }

    /// `fmt_s` of a byte string: precision and width count Go's runes (an
    /// invalid byte is one).
    fn fmt_s_bytes(&mut self, b: &[u8]) {
        let b = if self.f.prec_present {
            truncate_bytes(b, self.f.prec)
        } else {
            b
        };
        let width = if self.f.wid_present {
            self.f.wid.saturating_sub(go_runes(b).count())
        } else {
            0
        };
        if !self.f.minus {
            self.write_padding(width);
            self.push_bytes(b);
        } else {
            self.push_bytes(b);
            self.write_padding(width);
        }
    }

    fn fmt_bool(&mut self, b: bool) {
        self.pad(if b { "true" } else { "false" });
    }

    /// Go's `fmt.fmtInteger`.
    fn fmt_integer(&mut self, u: u64, base: u64, signed: bool, verb: char, upper: bool) {
        let negative = signed && (u as i64) < 0;
        let mut u = if negative {
            (u as i64).unsigned_abs()
        } else {
            u
        };
        let digits: &[u8] = if upper {
            b"0123456789ABCDEFX"
        } else {
            b"0123456789abcdefx"
        };
        let mut prec = 0usize;
        if self.f.prec_present {
            prec = self.f.prec;
            if prec == 0 && u == 0 {
                let old = self.f.zero;
                self.f.zero = false;
                self.write_padding(self.f.wid);
                self.f.zero = old;
                return;
            }
        } else if self.f.zero && !self.f.minus && self.f.wid_present {
            prec = self.f.wid;
            if negative || self.f.plus || self.f.space {
                prec = prec.saturating_sub(1);
            }
        }
        // Built right to left.
        let mut rev: Vec<u8> = Vec::with_capacity(24);
        while u >= base {
            rev.push(digits[(u % base) as usize]);
            u /= base;
        }
        rev.push(digits[u as usize]);
        while rev.len() < prec {
            rev.push(b'0');
        }
        if self.f.sharp {
            match base {
                2 => rev.extend_from_slice(b"b0"),
                8 if rev.last() != Some(&b'0') => rev.push(b'0'),
                16 => {
                    rev.push(digits[16]);
                    rev.push(b'0');
                }
                _ => {}
            }
        }
        if verb == 'O' {
            rev.extend_from_slice(b"o0");
        }
        if negative {
            rev.push(b'-');
        } else if self.f.plus {
            rev.push(b'+');
        } else if self.f.space {
            rev.push(b' ');
        }
        rev.reverse();
        let s = String::from_utf8(rev).unwrap_or_default();
        let old = self.f.zero;
        self.f.zero = false;
        self.pad(&s);
        self.f.zero = old;
    }

    fn fmt_0x64(&mut self, v: u64, leading0x: bool) {
        let sharp = self.f.sharp;
        self.f.sharp = leading0x;
        self.fmt_integer(v, 16, false, 'v', false);
        self.f.sharp = sharp;
    }

    fn fmt_unicode(&mut self, u: u64) {
        let mut prec = 4usize;
        if self.f.prec_present && self.f.prec > 4 {
            prec = self.f.prec;
        }
        // Zero-padded by hand: Rust's `{:0width$}` refuses widths past
        // u16::MAX, Go's precision goes to about ten million.
        let hex = format!("{u:X}");
        let mut s = String::with_capacity(2 + prec.max(hex.len()));
        s.push_str("U+");
        s.extend(std::iter::repeat_n('0', prec.saturating_sub(hex.len())));
        s.push_str(&hex);
        if self.f.sharp {
            if let Some(c) = u32::try_from(u).ok().and_then(char::from_u32) {
                if is_print(c) {
                    s.push_str(" '");
                    s.push(c);
                    s.push('\'');
                }
            }
        }
        let old = self.f.zero;
        self.f.zero = false;
        self.pad(&s);
        self.f.zero = old;
    }

    fn rune_of(u: u64) -> char {
        u32::try_from(u)
            .ok()
            .and_then(char::from_u32)
            .unwrap_or('\u{fffd}')
    }

    fn fmt_c(&mut self, u: u64) {
        let c = Self::rune_of(u);
        let mut b = [0u8; 4];
        self.pad(c.encode_utf8(&mut b));
    }

    fn fmt_qc(&mut self, u: u64) {
        let s = quote_rune(Self::rune_of(u), self.f.plus);
        self.pad(&s);
    }

    fn fmt_sbx(&mut self, b: &[u8], upper: bool) {
        let digits: &[u8] = if upper {
            b"0123456789ABCDEFX"
        } else {
            b"0123456789abcdefx"
        };
        let mut length = b.len();
        if self.f.prec_present && self.f.prec < length {
            length = self.f.prec;
        }
        let mut width = 2 * length;
        if width > 0 {
            if self.f.space {
                if self.f.sharp {
                    width *= 2;
                }
                width += length - 1;
            } else if self.f.sharp {
                width += 2;
            }
        } else {
            if self.f.wid_present {
                self.write_padding(self.f.wid);
            }
            return;
        }
        if self.f.wid_present && self.f.wid > width && !self.f.minus {
            self.write_padding(self.f.wid - width);
        }
        if self.f.sharp {
            self.buf.push('0');
            self.buf.push(digits[16] as char);
        }
        for (i, &c) in b[..length].iter().enumerate() {
            if self.f.space && i > 0 {
                self.buf.push(' ');
                if self.f.sharp {
                    self.buf.push('0');
                    self.buf.push(digits[16] as char);
                }
            }
            self.buf.push(digits[(c >> 4) as usize] as char);
            self.buf.push(digits[(c & 15) as usize] as char);
        }
        if self.f.wid_present && self.f.wid > width && self.f.minus {
            self.write_padding(self.f.wid - width);
        }
    }

    fn fmt_q(&mut self, b: &[u8]) {
        // Truncate to `prec` runes (an invalid byte counts as one, as in Go).
        let b = if self.f.prec_present {
            truncate_bytes(b, self.f.prec)
        } else {
            b
        };
        if self.f.sharp && can_backquote(b) {
            let s = format!("`{}`", String::from_utf8_lossy(b));
            self.pad(&s);
            return;
        }
        let s = quote_bytes(b, self.f.plus);
        self.pad(&s);
    }

    /// Go's `fmt.fmtFloat`.
    fn fmt_float(&mut self, v: f64, verb: u8, prec: i32) {
        let prec = if self.f.prec_present {
            self.f.prec.min(i32::MAX as usize) as i32
        } else {
            prec
        };
        let s = format_float(v, verb, prec);
        let mut num: Vec<u8> = Vec::with_capacity(s.len() + 1);
        if s.starts_with('-') || s.starts_with('+') {
            num.extend_from_slice(s.as_bytes());
        } else {
            num.push(b'+');
            num.extend_from_slice(s.as_bytes());
        }
        if self.f.space && num[0] == b'+' && !self.f.plus {
            num[0] = b' ';
        }
        if num.len() > 1 && (num[1] == b'I' || num[1] == b'N') {
            let old = self.f.zero;
            self.f.zero = false;
            if num[1] == b'N' && !self.f.space && !self.f.plus {
                num.remove(0);
            }
            let s = String::from_utf8_lossy(&num).into_owned();
            self.pad(&s);
            self.f.zero = old;
            return;
        }
        if self.f.sharp && verb != b'b' {
            let mut digits: i64 = 0;
            if matches!(verb, b'v' | b'g' | b'G' | b'x') {
                digits = if prec == -1 { 6 } else { prec as i64 };
            }
            let mut tail: Vec<u8> = Vec::new();
            let mut has_point = false;
            let mut saw_nonzero = false;
            let mut i = 1;
            while i < num.len() {
                match num[i] {
                    b'.' => has_point = true,
                    b'p' | b'P' => {
                        tail.extend_from_slice(&num[i..]);
                        num.truncate(i);
                        break;
                    }
                    b'e' | b'E' if verb != b'x' && verb != b'X' => {
                        tail.extend_from_slice(&num[i..]);
                        num.truncate(i);
                        break;
                    }
                    c => {
                        if c != b'0' {
                            saw_nonzero = true;
                        }
                        if saw_nonzero {
                            digits -= 1;
                        }
                    }
                }
                i += 1;
            }
            if !has_point {
                if num.len() == 2 && num[1] == b'0' {
                    digits -= 1;
                }
                num.push(b'.');
            }
            while digits > 0 {
                num.push(b'0');
                digits -= 1;
            }
            num.extend_from_slice(&tail);
        }
        let s = String::from_utf8_lossy(&num).into_owned();
        if self.f.plus || !s.starts_with('+') {
            if self.f.zero && !self.f.minus && self.f.wid_present && self.f.wid > s.len() {
                self.buf.push_str(&s[..1]);
                self.write_padding(self.f.wid - s.len());
                self.buf.push_str(&s[1..]);
                return;
            }
            self.pad(&s);
            return;
        }
        self.pad(&s[1..]);
    }

    // ---- per-type dispatch (Go's pp methods) ----

    fn bad_verb(&mut self, verb: char, v: Option<&Value>) {
        self.erroring = true;
        self.buf.push_str("%!");
        self.buf.push(verb);
        self.buf.push('(');
        match v {
            Some(v) if !v.is_nil() => {
                self.buf.push_str(&v.type_name());
                self.buf.push('=');
                self.print_value(v, 'v', 0);
            }
            _ => self.buf.push_str("<nil>"),
        }
        self.buf.push(')');
        self.erroring = false;
    }

    fn print_bool(&mut self, b: bool, verb: char, v: &Value) {
        match verb {
            't' | 'v' => self.fmt_bool(b),
            _ => self.bad_verb(verb, Some(v)),
        }
    }

    fn print_integer(&mut self, u: u64, signed: bool, verb: char, v: &Value) {
        match verb {
            'v' => {
                if self.f.sharp_v && !signed {
                    self.fmt_0x64(u, true)
                } else {
                    self.fmt_integer(u, 10, signed, verb, false)
                }
            }
            'd' => self.fmt_integer(u, 10, signed, verb, false),
            'b' => self.fmt_integer(u, 2, signed, verb, false),
            'o' | 'O' => self.fmt_integer(u, 8, signed, verb, false),
            'x' => self.fmt_integer(u, 16, signed, verb, false),
            'X' => self.fmt_integer(u, 16, signed, verb, true),
            'c' => self.fmt_c(u),
            'q' => self.fmt_qc(u),
            'U' => self.fmt_unicode(u),
            _ => self.bad_verb(verb, Some(v)),
        }
    }

    fn print_float(&mut self, x: f64, verb: char, v: &Value) {
        match verb {
            'v' => self.fmt_float(x, b'g', -1),
            'b' | 'g' | 'G' | 'x' | 'X' => self.fmt_float(x, verb as u8, -1),
            'f' | 'e' | 'E' => self.fmt_float(x, verb as u8, 6),
            'F' => self.fmt_float(x, b'f', 6),
            _ => self.bad_verb(verb, Some(v)),
        }
    }

    fn print_string(&mut self, s: &str, verb: char, v: &Value) {
        match verb {
            'v' => {
                if self.f.sharp_v {
                    self.fmt_q(s.as_bytes())
                } else {
                    self.fmt_s(s)
                }
            }
            's' => self.fmt_s(s),
            'x' => self.fmt_sbx(s.as_bytes(), false),
            'X' => self.fmt_sbx(s.as_bytes(), true),
            'q' => self.fmt_q(s.as_bytes()),
            _ => self.bad_verb(verb, Some(v)),
        }
    }

    fn print_bytes(&mut self, b: &[u8], verb: char, depth: usize) {
        match verb {
            's' => self.fmt_s_bytes(b),
            'x' => self.fmt_sbx(b, false),
            'X' => self.fmt_sbx(b, true),
            'q' => self.fmt_q(b),
            _ => {
                if self.f.sharp_v {
                    self.buf
                        .push_str(if depth == 0 { "[]byte" } else { "[]uint8" });
                    self.buf.push('{');
                    for (i, &c) in b.iter().enumerate() {
                        if i > 0 {
                            self.buf.push_str(", ");
                        }
                        self.fmt_0x64(c as u64, true);
                    }
                    self.buf.push('}');
                } else {
                    self.buf.push('[');
                    for (i, &c) in b.iter().enumerate() {
                        if i > 0 {
                            self.buf.push(' ');
                        }
                        let elem = Value::Int(c as i64, IntKind::Uint8);
                        self.print_integer(c as u64, false, verb, &elem);
                    }
                    self.buf.push(']');
                }
            }
        }
    }

    /// Go's `printArg` (depth 0) and `printValue` (depth > 0) in one.
    fn print_value(&mut self, v: &Value, verb: char, depth: usize) {
        if depth == 0 {
            match verb {
                'T' => {
                    let t = v.type_name();
                    self.fmt_s(&t);
                    return;
                }
                'p' => {
                    match v {
                        // Addresses are not reproducible; print a plausible one.
                        Value::List(_) | Value::Map(_) | Value::Object(_) => {
                            let sharp = self.f.sharp;
                            self.fmt_0x64(0xc000010000, !sharp)
                        }
                        _ => self.bad_verb(verb, Some(v)),
                    }
                    return;
                }
                _ => {}
            }
        }
        if depth > MAX_DEPTH {
            self.buf.push_str("...");
            return;
        }
        match v {
            Value::Nil => {
                if depth == 0 {
                    match verb {
                        'v' => self.pad("<nil>"),
                        _ => self.bad_verb(verb, None),
                    }
                } else if self.f.sharp_v {
                    self.buf.push_str("interface {}(nil)");
                } else {
                    self.buf.push_str("<nil>");
                }
            }
            Value::Bool(b) => self.print_bool(*b, verb, v),
            Value::Int(n, k) => {
                let signed = !matches!(k, IntKind::Uint8 | IntKind::Uint64);
                self.print_integer(*n as u64, signed, verb, v)
            }
            Value::Float(x) => self.print_float(*x, verb, v),
            Value::String(s) => self.print_string(s, verb, v),
            Value::Bytes(b) => self.print_bytes(b, verb, depth),
            Value::List(l) => {
                if self.f.sharp_v {
                    self.buf.push_str(&v.type_name());
                    self.buf.push('{');
                    for (i, e) in l.items.iter().enumerate() {
                        if i > 0 {
                            self.buf.push_str(", ");
                        }
                        self.print_value(e, verb, depth + 1);
                    }
                    self.buf.push('}');
                } else {
                    self.buf.push('[');
                    for (i, e) in l.items.iter().enumerate() {
                        if i > 0 {
                            self.buf.push(' ');
                        }
                        self.print_value(e, verb, depth + 1);
                    }
                    self.buf.push(']');
                }
            }
            Value::Map(m) => {
                if self.f.sharp_v {
                    self.buf.push_str(&v.type_name());
                    self.buf.push('{');
                } else {
                    self.buf.push_str("map[");
                }
                // Snapshot so a value's printing cannot observe a live borrow.
                let entries: Vec<(String, Value)> = m
                    .inner
                    .borrow()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                for (i, (k, e)) in entries.iter().enumerate() {
                    if i > 0 {
                        if self.f.sharp_v {
                            self.buf.push_str(", ");
                        } else {
                            self.buf.push(' ');
                        }
                    }
                    let key = Value::str(k);
                    self.print_value(&key, verb, depth + 1);
                    self.buf.push(':');
                    self.print_value(e, verb, depth + 1);
                }
                self.buf.push(if self.f.sharp_v { '}' } else { ']' });
            }
            Value::Object(o) => {
                if let Some(b) = v.as_byte_string() {
                    // A Go string: its bytes, as `print_string` would.
                    let b = b.bytes();
                    match verb {
                        _ if self.erroring => self.push_bytes(b),
                        'v' if self.f.sharp_v => self.fmt_q(b),
                        'v' | 's' => self.fmt_s_bytes(b),
                        'x' => self.fmt_sbx(b, false),
                        'X' => self.fmt_sbx(b, true),
                        'q' => self.fmt_q(b),
                        _ => self.bad_verb(verb, Some(v)),
                    }
                    return;
                }
                let s = o.format_v();
                if self.erroring {
                    self.buf.push_str(&s);
                    return;
                }
                match verb {
                    'v' if self.f.sharp_v => {
                        let t = o.type_name();
                        self.buf.push_str(&t);
                        self.buf.push('{');
                        self.buf.push_str(&s);
                        self.buf.push('}');
                    }
                    'v' | 's' => self.fmt_s(&s),
                    'x' => self.fmt_sbx(s.as_bytes(), false),
                    'X' => self.fmt_sbx(s.as_bytes(), true),
                    'q' => self.fmt_q(s.as_bytes()),
                    _ => match o.to_data() {
                        // Numeric named types (time.Month, time.Duration)
                        // take numeric verbs on their underlying value.
                        d @ (Value::Int(..) | Value::Float(_)) => {
                            self.print_value(&d, verb, depth + 1)
                        }
                        _ => self.bad_verb(verb, Some(v)),
                    },
                }
            }
        }
    }

    /// Print one operand of Print/Println: `%v` with no flags.
    fn print_default(&mut self, v: &Value) {
        self.f = Flags::default();
        self.print_value(v, 'v', 0);
    }

    /// Go's `doPrintf`.
    fn do_printf(&mut self, format: &str, a: &[Value]) {
        let fb = format.as_bytes();
        let end = fb.len();
        let mut arg_num = 0usize;
        let mut after_index;
        let mut reordered = false;
        let mut i = 0usize;
        'format_loop: while i < end {
            let mut good_arg_num = true;
            let last = i;
            while i < end && fb[i] != b'%' {
                i += 1;
            }
            if i > last {
                self.buf.push_str(&format[last..i]);
            }
            if i >= end {
                break;
            }
            i += 1; // skip %
            self.f = Flags::default();
            // Flags.
            while i < end {
                match fb[i] {
                    b'#' => self.f.sharp = true,
                    b'0' => self.f.zero = !self.f.minus,
                    b'+' => self.f.plus = true,
                    b'-' => {
                        self.f.minus = true;
                        self.f.zero = false;
                    }
                    b' ' => self.f.space = true,
                    _ => break,
                }
                i += 1;
            }
            // Argument index.
            let r = arg_number(arg_num, format, i, a.len());
            arg_num = r.0;
            i = r.1;
            after_index = r.2;
            if r.3 {
                reordered = true;
            }
            if !r.4 {
                good_arg_num = false;
            }
            // Width.
            if i < end && fb[i] == b'*' {
                i += 1;
                let (n, ok, next) = int_from_arg(a, arg_num);
                arg_num = next;
                self.f.wid_present = ok;
                if !ok {
                    self.buf.push_str("%!(BADWIDTH)");
                }
                if n < 0 {
                    self.f.wid = n.unsigned_abs() as usize;
                    self.f.minus = true;
                    self.f.zero = false;
                } else {
                    self.f.wid = n as usize;
                }
                after_index = false;
            } else {
                let (n, ok, next) = parse_num(fb, i, end);
                self.f.wid = n;
                self.f.wid_present = ok;
                i = next;
                if after_index && ok {
                    good_arg_num = false;
                }
            }
            // Precision.
            if i + 1 < end && fb[i] == b'.' {
                i += 1;
                if after_index {
                    good_arg_num = false;
                }
                let r = arg_number(arg_num, format, i, a.len());
                arg_num = r.0;
                i = r.1;
                after_index = r.2;
                if r.3 {
                    reordered = true;
                }
                if !r.4 {
                    good_arg_num = false;
                }
                if i < end && fb[i] == b'*' {
                    i += 1;
                    let (n, ok, next) = int_from_arg(a, arg_num);
                    arg_num = next;
                    self.f.prec_present = ok;
                    self.f.prec = n.max(0) as usize;
                    if n < 0 {
                        self.f.prec = 0;
                        self.f.prec_present = false;
                    }
                    if !self.f.prec_present {
                        self.buf.push_str("%!(BADPREC)");
                    }
                    after_index = false;
                } else {
                    let (n, ok, next) = parse_num(fb, i, end);
                    i = next;
                    self.f.prec = n;
                    self.f.prec_present = true;
                    if !ok {
                        self.f.prec = 0;
                    }
                }
            }
            if !after_index {
                let r = arg_number(arg_num, format, i, a.len());
                arg_num = r.0;
                i = r.1;
                if r.3 {
                    reordered = true;
                }
                if !r.4 {
                    good_arg_num = false;
                }
            }
            if i >= end {
                self.buf.push_str("%!(NOVERB)");
                break 'format_loop;
            }
            let verb = format[i..].chars().next().unwrap_or('\u{fffd}');
            i += verb.len_utf8();
            if verb == '%' {
                self.buf.push('%');
            } else if !good_arg_num {
                self.buf.push_str("%!");
                self.buf.push(verb);
                self.buf.push_str("(BADINDEX)");
            } else if arg_num >= a.len() {
                self.buf.push_str("%!");
                self.buf.push(verb);
                self.buf.push_str("(MISSING)");
            } else {
                if verb == 'v' {
                    self.f.sharp_v = self.f.sharp;
                    self.f.sharp = false;
                    self.f.plus_v = self.f.plus;
                    self.f.plus = false;
                }
                self.print_value(&a[arg_num], verb, 0);
                arg_num += 1;
            }
        }
        if !reordered && arg_num < a.len() {
            self.f = Flags::default();
            self.buf.push_str("%!(EXTRA ");
            for (k, arg) in a[arg_num..].iter().enumerate() {
                if k > 0 {
                    self.buf.push_str(", ");
                }
                if arg.is_nil() {
                    self.buf.push_str("<nil>");
                } else {
                    self.buf.push_str(&arg.type_name());
                    self.buf.push('=');
                    self.print_value(arg, 'v', 0);
                }
            }
            self.buf.push(')');
        }
    }
}

fn too_large(x: i64) -> bool {
    !(-1_000_000..=1_000_000).contains(&x)
}

/// Go's `parsenum`: (number, present, next index).  A runaway number
/// consumes the rest of the format, as Go does.
fn parse_num(s: &[u8], start: usize, end: usize) -> (usize, bool, usize) {
    if start >= end {
        return (0, false, end);
    }
    let mut num: i64 = 0;
    let mut isnum = false;
    let mut i = start;
    while i < end && s[i].is_ascii_digit() {
        if too_large(num) {
            return (0, false, end);
        }
        num = num * 10 + (s[i] - b'0') as i64;
        isnum = true;
        i += 1;
    }
    (num as usize, isnum, i)
}

/// Go's `intFromArg`: (value, is-int, next arg number).
fn int_from_arg(a: &[Value], arg_num: usize) -> (i64, bool, usize) {
    if arg_num >= a.len() {
        return (0, false, arg_num);
    }
    let (mut num, mut ok) = match &a[arg_num] {
        Value::Int(n, IntKind::Uint64) if *n < 0 => (0, false),
        Value::Int(n, _) => (*n, true),
        _ => (0, false),
    };
    if too_large(num) {
        num = 0;
        ok = false;
    }
    (num, ok, arg_num + 1)
}

/// Go's `argNumber`: (arg number, next index, found, reordered, good).
fn arg_number(
    arg_num: usize,
    format: &str,
    i: usize,
    num_args: usize,
) -> (usize, usize, bool, bool, bool) {
    let fb = format.as_bytes();
    if fb.len() <= i || fb[i] != b'[' {
        return (arg_num, i, false, false, true);
    }
    let (index, wid, ok) = parse_arg_number(&fb[i..]);
    if ok && index >= 0 && (index as usize) < num_args {
        return (index as usize, i + wid, true, true, true);
    }
    (arg_num, i + wid, ok, true, false)
}

/// Go's `parseArgNumber`: (zero-based index, bytes consumed, ok).
fn parse_arg_number(f: &[u8]) -> (i64, usize, bool) {
    if f.len() < 3 {
        return (0, 1, false);
    }
    for i in 1..f.len() {
        if f[i] == b']' {
            let (n, ok, next) = parse_num(f, 1, i);
            if !ok || next != i {
                return (0, i + 1, false);
            }
            return (n as i64 - 1, i + 1, true);
        }
    }
    (0, 1, false)
}

/// `fmt.Sprint(v)`: the `%v` form of one value.
pub fn format_v(v: &Value) -> String {
    let mut p = Printer::new();
    p.print_default(v);
    p.buf
}

/// `fmt.Sprint(args...)`: spaces between operands when neither is a string.
/// Byte strings that are not UTF-8 come out lossy; see [`sprint_value`].
pub(crate) fn sprint(args: &[Value]) -> String {
    sprint_printer(args).buf
}

/// `fmt.Sprint(args...)` as a Go string: byte strings keep their bytes.
pub fn sprint_value(args: &[Value]) -> Value {
    sprint_printer(args).finish()
}

fn sprint_printer(args: &[Value]) -> Printer {
    let mut p = Printer::new();
    let mut prev_string = false;
    for (i, a) in args.iter().enumerate() {
        let is_string = match a {
            Value::String(_) => true,
            Value::Object(_) => a.as_byte_string().is_some(),
            _ => false,
        };
        if i > 0 && !is_string && !prev_string {
            p.buf.push(' ');
        }
        p.print_default(a);
        prev_string = is_string;
    }
    p
}

/// `fmt.Sprintln(args...)`: always spaces, trailing newline; a Go string
/// (byte strings keep their bytes).
pub fn sprintln_value(args: &[Value]) -> Value {
    let mut p = Printer::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            p.buf.push(' ');
        }
        p.print_default(a);
    }
    p.buf.push('\n');
    p.finish()
}

/// `fmt.Sprintf(format, args...)`.  Byte strings that are not UTF-8 come
/// out lossy; see [`sprintf_value`].
pub fn sprintf(format: &str, args: &[Value]) -> String {
    let mut p = Printer::new();
    p.do_printf(format, args);
    p.buf
}

/// `fmt.Sprintf(format, args...)` as a Go string: byte strings keep their
/// bytes.
pub fn sprintf_value(format: &str, args: &[Value]) -> Value {
    let mut p = Printer::new();
    p.do_printf(format, args);
    p.finish()
}

/// `fmt.Sprint(v)` as a Go string (Sprig's `strval` of a non-string).
pub fn format_v_value(v: &Value) -> Value {
    let mut p = Printer::new();
    p.print_default(v);
    p.finish()
}

#[cfg(test)]
// 3.14159… here is test data (what Go printed for it), not an approximation of π.
#[allow(clippy::approx_constant)]
mod tests {
    //! Expected strings were produced by Go's fmt (through Helm's `printf`).
    use super::*;
    use crate::value::MapInner;

    fn dict(kv: Vec<(&str, Value)>) -> Value {
        let m: MapInner = kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        Value::map(m)
    }

    #[test]
    fn printf_matches_go() {
        let cases: Vec<(&str, Vec<Value>, &str)> = vec![
        ("%v", vec![Value::Float(1.5f64)], "1.5"),
        ("%v", vec![Value::Float(2.0f64)], "2"),
        ("%v", vec![Value::Float(1000000.0f64)], "1e+06"),
        ("%v", vec![Value::Float(123456.0f64)], "123456"),
        ("%v", vec![Value::Float(1.0e+20f64)], "1e+20"),
        ("%v", vec![Value::Float(1.0e+21f64)], "1e+21"),
        ("%v", vec![Value::Float(0.0001f64)], "0.0001"),
        ("%v", vec![Value::Float(1.0e-05f64)], "1e-05"),
        ("%v", vec![Value::Float(-0.0f64)], "-0"),
        ("%v", vec![Value::Float(3.141592653589793f64)], "3.141592653589793"),
        ("%v", vec![Value::Float(1.0e-07f64)], "1e-07"),
        ("%v", vec![Value::Float(123456789.0f64)], "1.23456789e+08"),
        ("%v", vec![Value::Float(0.1f64)], "0.1"),
        ("%v", vec![Value::Float(100000.0f64)], "100000"),
        ("%e|%E|%.2e|%.0e|%10.3e|%-12e|", vec![Value::Float(1234.5678f64), Value::Float(1234.5678f64), Value::Float(1234.5678f64), Value::Float(1234.5678f64), Value::Float(1234.5678f64), Value::Float(1234.5678f64)], "1.234568e+03|1.234568E+03|1.23e+03|1e+03| 1.235e+03|1.234568e+03|"),
        ("%f|%.0f|%.1f|%.3f|%8.2f|%-8.2f|%08.2f|%+.2f|% .2f", vec![Value::Float(2.5f64), Value::Float(2.5f64), Value::Float(2.5f64), Value::Float(2.5f64), Value::Float(2.5f64), Value::Float(2.5f64), Value::Float(2.5f64), Value::Float(2.5f64), Value::Float(2.5f64)], "2.500000|2|2.5|2.500|    2.50|2.50    |00002.50|+2.50| 2.50"),
        ("%g|%.3g|%.10g|%G|%.0g|%g|%g", vec![Value::Float(1234.5678f64), Value::Float(1234.5678f64), Value::Float(1234.5678f64), Value::Float(1.0e-10f64), Value::Float(100.0f64), Value::Float(100.0f64), Value::Float(1.0e+100f64)], "1234.5678|1.23e+03|1234.5678|1E-10|1e+02|100|1e+100"),
        ("%.3g|%.3g|%.1g|%#g|%#.3g|%#v|%#.0f|%#e", vec![Value::Float(100.0f64), Value::Float(1.0f64), Value::Float(0.15f64), Value::Float(1.0f64), Value::Float(2.5f64), Value::Float(3.0f64), Value::Float(3.0f64), Value::Float(2.0f64)], "100|1|0.1|1.00000|2.50|3|3.|2.000000e+00"),
        ("%x|%X|%.2x|%b|%x|%x", vec![Value::Float(1.5f64), Value::Float(-3.75f64), Value::Float(0.3333333333333333f64), Value::Float(1.0f64), Value::Float(0.0f64), Value::Float(1.0e-310f64)], "0x1.8p+00|-0X1.EP+01|0x1.55p-02|4503599627370496p-52|0x0p+00|0x1.2688b70e62bp-1030"),
        ("%d|%+d|% d|%5d|%-5d|%05d|%.3d|%8.3d|%+05d|%x|%#x|%#X|%o|%#o|%O|%b|%#b", vec![Value::int(-42), Value::int(42), Value::int(42), Value::int(-42), Value::int(-42), Value::int(-42), Value::int(7), Value::int(7), Value::int(7), Value::int(-255), Value::int(255), Value::int(255), Value::int(8), Value::int(0), Value::int(-8), Value::int(-5), Value::int(5)], "-42|+42| 42|  -42|-42  |-0042|007|     007|+0007|-ff|0xff|0XFF|10|0|-0o10|-101|0b101"),
        ("%.0d|%5.0d|%c|%c|%q|%+q|%U|%#U|%#U|%c|%08.3d|%x", vec![Value::int(0), Value::int(0), Value::int(9731), Value::int(-1), Value::int(10), Value::int(233), Value::int(128512), Value::int(233), Value::int(10), Value::int(1114112), Value::int(-5), Value::int64(255)], "|     |\u{2603}|\u{fffd}|'\\n'|'\\u00e9'|U+1F600|U+00E9 '\u{e9}'|U+000A|\u{fffd}|    -005|ff"),
        ("%s|%q|%+q|%#q|%#q|%x|%X|% x|%#x|% #x|%.1x|%10s|%-10s|%.2s|%5.1q|%010s", vec![Value::str("h\u{e9}llo"), Value::str("tab\u{9}here"), Value::str("\u{65e5}\u{672c}"), Value::str("back`q"), Value::str("plain"), Value::str("h\u{e9}llo"), Value::str("hi"), Value::str("hi"), Value::str("hi"), Value::str("hi"), Value::str("hi"), Value::str("\u{65e5}\u{672c}"), Value::str("\u{65e5}\u{672c}"), Value::str("\u{65e5}\u{672c}"), Value::str("\u{65e5}\u{672c}"), Value::str("x")], "h\u{e9}llo|\"tab\\there\"|\"\\u65e5\\u672c\"|\"back`q\"|`plain`|68c3a96c6c6f|6869|68 69|0x6869|0x68 0x69|68|        \u{65e5}\u{672c}|\u{65e5}\u{672c}        |\u{65e5}\u{672c}|  \"\u{65e5}\"|000000000x"),
        ("%q|%q|%v|%#v", vec![Value::str("\u{1}\u{7f}\u{a0}\u{200b}\u{feff}"), Value::str("a\\b'c"), Value::str("x"), Value::str("a\"b")], "\"\\x01\\x7f\\u00a0\\u200b\\ufeff\"|\"a\\\\b'c\"|x|\"a\\\"b\""),
        ("%t|%v|%5t|%-6t|%d|%s", vec![Value::Bool(true), Value::Bool(false), Value::Bool(true), Value::Bool(false), Value::Bool(true), Value::Bool(false)], "true|false| true|false |%!d(bool=true)|%!s(bool=false)"),
        ("%v|%d|%s|%x|%q|%5v|%T|%10T", vec![Value::Nil, Value::Nil, Value::Nil, Value::Nil, Value::Nil, Value::Nil, Value::Nil, Value::Nil], "<nil>|%!d(<nil>)|%!s(<nil>)|%!x(<nil>)|%!q(<nil>)|<nil>|<nil>|     <nil>"),
        ("%v|%d|%s|%x|%q|%#v|%+v|%T", vec![Value::list(vec![Value::int(1), Value::str("a"), Value::Nil, Value::Float(2.5f64)]), Value::list(vec![Value::int(1), Value::str("a"), Value::Nil, Value::Float(2.5f64)]), Value::list(vec![Value::int(1), Value::str("a"), Value::Nil, Value::Float(2.5f64)]), Value::list(vec![Value::int(1), Value::str("a"), Value::Nil, Value::Float(2.5f64)]), Value::list(vec![Value::int(1), Value::str("a"), Value::Nil, Value::Float(2.5f64)]), Value::list(vec![Value::int(1), Value::str("a"), Value::Nil, Value::Float(2.5f64)]), Value::list(vec![Value::int(1), Value::str("a"), Value::Nil, Value::Float(2.5f64)]), Value::list(vec![Value::int(1), Value::str("a"), Value::Nil, Value::Float(2.5f64)])], "[1 a <nil> 2.5]|[1 %!d(string=a) <nil> %!d(float64=2.5)]|[%!s(int=1) a <nil> %!s(float64=2.5)]|[1 61 <nil> 0x1.4p+01]|['\\x01' \"a\" <nil> %!q(float64=2.5)]|[]interface {}{1, \"a\", interface {}(nil), 2.5}|[1 a <nil> 2.5]|[]interface {}"),
        ("%v|%d|%s|%x|%#v|%T|%05d", vec![dict(vec![("b", Value::int(2)), ("a", Value::str("x")), ("c", Value::Nil)]), dict(vec![("b", Value::int(2)), ("a", Value::str("x")), ("c", Value::Nil)]), dict(vec![("b", Value::int(2)), ("a", Value::str("x")), ("c", Value::Nil)]), dict(vec![("b", Value::int(2)), ("a", Value::str("x")), ("c", Value::Nil)]), dict(vec![("b", Value::int(2)), ("a", Value::str("x")), ("c", Value::Nil)]), dict(vec![("b", Value::int(2)), ("a", Value::str("x")), ("c", Value::Nil)]), dict(vec![("b", Value::int(2)), ("a", Value::str("x")), ("c", Value::Nil)])], "map[a:x b:2 c:<nil>]|map[%!d(string=a):%!d(string=x) %!d(string=b):2 %!d(string=c):<nil>]|map[a:x b:%!s(int=2) c:<nil>]|map[61:78 62:2 63:<nil>]|map[string]interface {}{\"a\":\"x\", \"b\":2, \"c\":interface {}(nil)}|map[string]interface {}|map[%!d(string=0000a):%!d(string=0000x) %!d(string=0000b):00002 %!d(string=0000c):<nil>]"),
        ("%v|%#v|%s", vec![Value::list(vec![dict(vec![("k", Value::list(vec![Value::int(1), Value::int(2)]))]), Value::list(vec![]), dict(vec![])]), Value::list(vec![dict(vec![("k", Value::list(vec![Value::int(1), Value::int(2)]))]), Value::list(vec![]), dict(vec![])]), Value::list(vec![dict(vec![("k", Value::list(vec![Value::int(1), Value::int(2)]))]), Value::list(vec![]), dict(vec![])])], "[map[k:[1 2]] [] map[]]|[]interface {}{map[string]interface {}{\"k\":[]interface {}{1, 2}}, []interface {}{}, map[string]interface {}{}}|[map[k:[%!s(int=1) %!s(int=2)]] [] map[]]"),
        ("%!|%z|%5.2z|%-z", vec![Value::int(1), Value::str("s"), Value::Float(1.5f64)], "%!!(int=1)|%!z(string=s)|%!z(float64=  1.5)|%!z(MISSING)"),
        ("%d %d", vec![Value::int(1)], "1 %!d(MISSING)"),
        ("%d", vec![Value::int(1), Value::str("x"), Value::Nil, Value::list(vec![Value::int(1)])], "1%!(EXTRA string=x, <nil>, []interface {}=[1])"),
        ("no verbs", vec![Value::int(1)], "no verbs%!(EXTRA int=1)"),
        ("%[2]d %[1]d", vec![Value::int(1), Value::int(2)], "2 1"),
        ("%[3]d %d", vec![Value::int(1), Value::int(2)], "%!d(BADINDEX) 1"),
        ("%[2]d %d %d", vec![Value::int(1), Value::int(2), Value::int(3)], "2 3 %!d(MISSING)"),
        ("%[0]d|%[x]d|%[1]", vec![Value::int(1)], "%!d(BADINDEX)|%!d(BADINDEX)|%!(NOVERB)"),
        ("%[1]*d|%*[1]d", vec![Value::int(3), Value::int(4)], "  4|%!(BADWIDTH)3"),
        ("%-*d|%*d|%.*f|%.*d|%*s", vec![Value::int(-5), Value::int(1), Value::Float(1.5f64), Value::int(5), Value::int(2), Value::Float(3.14159f64), Value::int(-1), Value::int(7), Value::str("x"), Value::str("y")], "1    |%!(BADWIDTH)5|3.14|%!(BADPREC)7|%!(BADWIDTH)y"),
        ("%*d", vec![Value::Float(2.0f64), Value::int(3)], "%!(BADWIDTH)3"),
        ("%.*d", vec![Value::str("a"), Value::int(3)], "%!(BADPREC)3"),
        ("%10", vec![], "%!(NOVERB)"),
        ("abc%5.", vec![], "abc%!.(MISSING)"),
        ("%", vec![], "%!(NOVERB)"),
        ("%.", vec![], "%!.(MISSING)"),
        ("%%|%5%|%-%", vec![Value::int(1)], "%|%|%%!(EXTRA int=1)"),
        ("%v %v", vec![Value::int64(5), Value::int64(-5)], "5 -5"),
        ("%.2v|%.3v|%10.4v|%.1v", vec![Value::Float(3.14159f64), Value::str("abcdef"), Value::Float(3.14159f64), Value::Float(25.0f64)], "3.1|abc|     3.142|2e+01"),
        ("%v", vec![Value::Float(1.0e-05f64)], "1e-05"),
        ("%v", vec![Value::Float(5.0e-324f64)], "5e-324"),
        ("%v", vec![Value::Float(1.7976931348623157e+308f64)], "1.7976931348623157e+308"),
        ("%.3f", vec![Value::Float(1.0e+21f64)], "1000000000000000000000.000"),
        ("%.1f|%.1f|%.1f|%.2f", vec![Value::Float(0.05f64), Value::Float(0.15f64), Value::Float(0.25f64), Value::Float(1.005f64)], "0.1|0.1|0.2|1.00"),
        ("%6.2f%%", vec![Value::Float(99.5f64)], " 99.50%"),
        ("%s", vec![Value::list(vec![Value::str("a"), Value::list(vec![Value::str("b")])])], "[a [b]]"),
        ("%q", vec![dict(vec![("a", Value::str("x"))])], "map[\"a\":\"x\"]"),
        ("%5s|%-5s", vec![Value::list(vec![Value::str("a"), Value::str("bb")]), Value::list(vec![Value::str("a"), Value::str("bb")])], "[    a    bb]|[a     bb   ]"),
        ("%c|%c", vec![Value::int(65), Value::int(128512)], "A|\u{1f600}"),
        ("%08.3f|%+08.3f|%-08.3f|% 08.3f|%08v", vec![Value::Float(-3.14159f64), Value::Float(3.14159f64), Value::Float(3.14159f64), Value::Float(3.14159f64), Value::Float(-1.5f64)], "-003.142|+003.142|3.142   | 003.142|-00001.5"),
        ("%e|%g|%f|%v", vec![Value::Float(0.0f64), Value::Float(0.0f64), Value::Float(0.0f64), Value::Float(0.0f64)], "0.000000e+00|0|0.000000|0"),
        ("%+v|%+d", vec![Value::Float(1.5f64), Value::list(vec![Value::int(1), Value::int(-1)])], "1.5|[+1 -1]"),
        ("%x|%X", vec![Value::list(vec![Value::str("hi"), Value::int(255)]), dict(vec![("k", Value::str("v"))])], "[6869 ff]|map[6B:76]"),
        ("%6.3v|%#x|%#o|%+.3e", vec![Value::str("abcdef"), Value::str(""), Value::int(-8), Value::Float(-0.0f64)], "   abc||-010|-0.000e+00"),
        ];
        let mut bad = Vec::new();
        for (f, args, want) in &cases {
            let got = sprintf(f, args);
            if got != *want {
                bad.push(format!("{f:?}\n   got  {got:?}\n   want {want:?}"));
            }
        }
        assert!(
            bad.is_empty(),
            "{} mismatches:\n{}",
            bad.len(),
            bad.join("\n")
        );
    }
    #[test]
    fn print_spacing() {
        let args = vec![
            Value::int(1),
            Value::int(2),
            Value::str("a"),
            Value::int(3),
            Value::Nil,
            Value::int(4),
            Value::list(vec![Value::int(1)]),
            Value::empty_map(),
            Value::str("b"),
            Value::str("c"),
            Value::Float(1.5),
        ];
        assert_eq!(sprint(&args), "1 2a3 <nil> 4 [1] map[]bc1.5");
        let args = vec![Value::int(1), Value::str("a"), Value::str("b"), Value::Nil];
        assert_eq!(sprintln_value(&args).as_str(), Some("1 a b <nil>\n"));
        assert_eq!(sprint(&[]), "");
        assert_eq!(sprintln_value(&[]).as_str(), Some("\n"));
    }

    #[test]
    fn format_float_forms() {
        assert_eq!(format_float(1e6, b'g', -1), "1e+06");
        assert_eq!(format_float(123456.0, b'g', -1), "123456");
        assert_eq!(format_float(1e21, b'f', -1), "1000000000000000000000");
        assert_eq!(format_float(0.000001, b'f', -1), "0.000001");
        assert_eq!(format_float(1.5, b'e', -1), "1.5e+00");
        assert_eq!(format_float(1e100, b'e', 3), "1.000e+100");
        assert_eq!(format_float(2.5, b'f', 0), "2");
        assert_eq!(format_float(-1.0, b'g', -1), "-1");
        assert_eq!(format_float(f64::INFINITY, b'g', -1), "+Inf");
        assert_eq!(format_float(f64::NAN, b'f', 2), "NaN");
        assert_eq!(format_float(1.5, b'x', -1), "0x1.8p+00");
    }
}
