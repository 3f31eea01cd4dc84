//! A fast path for the YAML that values files are made of: block mappings
//! and sequences, plain and single-line quoted scalars, literal block
//! scalars (`|`), one-line flow sequences, anchors and aliases of values
//! written on one line, a leading `---`, and comments.
//!
//! Values files are the largest inputs a render parses (a bitnami chart's
//! is over 100 KB, mostly comments) and the libyaml path takes about 10 µs
//! per KB.  This path reads such text line by line into go-yaml's model
//! directly.  It declines (returns `None`) on anything outside that subset
//! or anything it would have to think about — anchors on collections,
//! merge keys, tags, nested flow collections, folded or indented block
//! scalars, multi-line plain or quoted scalars, tabs, control or special
//! line-break characters, later document markers, odd indentation — and the caller then
//! takes the full libyaml path, which also owns every error message.  So
//! what it accepts, it must decode exactly as that path does; the tests
//! compare the two on every YAML file of the corpus and on edge cases.

use crate::parse::{plain_scalar, YMap, YValue};

/// Deeper than this, let the full path decide (it has go-yaml's limit).
const MAX_DEPTH: usize = 200;
/// libyaml's limit on implicit keys.
const MAX_KEY_LEN: usize = 1024;

/// Decode a one-document text: `Some(None)` when it holds no document
/// (blank or comments only), `Some(Some(v))` for a root block mapping or
/// sequence or one-line flow sequence, `None` to decline.
pub(crate) fn decode(text: &str) -> Option<Option<YValue>> {
    if !simple_bytes(text.as_bytes()) {
        return None;
    }
    let mut lines = Vec::with_capacity(text.len() / 24);
    // A `---` before any content starts the one document explicitly.
    let mut started = false;
    let mut explicit = false;
    for raw in text.split('\n') {
        if raw.starts_with("---") || raw.starts_with("...") || raw.starts_with('%') {
            let bare = raw
                .strip_prefix("---")
                .is_some_and(|r| r.is_empty() || only_comment(r));
            if started || explicit || !bare {
                return None;
            }
            explicit = true;
            lines.push(Line {
                indent: 0,
                text: "",
            });
            continue;
        }
        let indent = raw.len() - raw.trim_start_matches(' ').len();
        let line = Line {
            indent,
            text: &raw[indent..],
        };
        started |= !line.is_blank();
        lines.push(line);
    }
    // `split` yields a last, empty piece after a final newline; without a
    // final newline the last line is unterminated (block scalars care).
    let terminated = text.ends_with('\n');
    if terminated {
        lines.pop();
    }
    let mut p = Parser {
        lines,
        i: 0,
        terminated,
        anchors: Vec::new(),
    };
    p.skip_blank();
    let Some(first) = p.lines.get(p.i).copied() else {
        // A lone `---` is a document holding null (not for this path).
        return (!explicit).then_some(None);
    };
    p.i += 1;
    let v = if is_item(first.text) {
        YValue::Seq(p.sequence(first.indent, first.text, 0)?)
    } else if first.text.starts_with('[') || first.text.starts_with('{') {
        p.scalar(first.indent, first.text)?
    } else {
        key(first.text)?;
        YValue::Map(p.mapping(first.indent, Some(first.text), 0)?)
    };
    p.skip_blank();
    (p.i == p.lines.len()).then_some(Some(v))
}

/// No byte that libyaml treats specially beyond the subset: controls other
/// than `\n` (tabs and `\r` included), DEL, C1 controls (NEL among them),
/// U+2028/U+2029, a BOM, U+FFFE/U+FFFF.
fn simple_bytes(b: &[u8]) -> bool {
    // Printable ASCII and newlines only: the common case, in a loop the
    // compiler vectorises.
    if b.iter().fold(true, |ok, &c| {
        ok & ((0x20..0x7f).contains(&c) | (c == b'\n'))
    }) {
        return true;
    }
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b'\n' | 0x20..=0x7e => {}
            0x00..=0x1f | 0x7f => return false,
            0xc2 if matches!(b.get(i + 1), Some(0x80..=0x9f)) => return false,
            0xe2 if b.get(i + 1) == Some(&0x80) && matches!(b.get(i + 2), Some(0xa8 | 0xa9)) => {
                return false
            }
            0xef if b.get(i + 1) == Some(&0xbb) && b.get(i + 2) == Some(&0xbf) => return false,
            0xef if b.get(i + 1) == Some(&0xbf) && matches!(b.get(i + 2), Some(0xbe | 0xbf)) => {
                return false
            }
            _ => {}
        }
        i += 1;
    }
    true
}

#[derive(Clone, Copy)]
struct Line<'a> {
    /// Leading spaces.
    indent: usize,
    /// The rest of the line.
    text: &'a str,
}

impl Line<'_> {
    /// Blank or comment-only.
    fn is_blank(&self) -> bool {
        self.text.is_empty() || self.text.starts_with('#')
    }
}

struct Parser<'a> {
    lines: Vec<Line<'a>>,
    /// Next unread line.
    i: usize,
    /// The text ends with a newline.
    terminated: bool,
    /// Anchored values so far (a later definition of a name wins).
    anchors: Vec<(&'a str, YValue)>,
}

/// An anchor or alias name as this path takes them (YAML allows more).
fn anchor_name(t: &str) -> Option<(&str, &str)> {
    let end = t.find(' ').unwrap_or(t.len());
    let name = &t[..end];
    (!name.is_empty()
        && name
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-'))
    .then_some((name, &t[end..]))
}

/// `- ` or a lone `-`: a sequence entry.
fn is_item(t: &str) -> bool {
    t == "-" || t.starts_with("- ")
}

/// Split `key: rest` (rest starts after the colon), for a plain or
/// single-line quoted key; `None` when `t` is not a simple mapping entry.
fn key(t: &str) -> Option<(YValue, &str)> {
    let (k, after) = match t.as_bytes().first()? {
        b'"' | b'\'' => {
            let (s, after) = quoted(t)?;
            let after = after.trim_start_matches(' ');
            (YValue::Str(s.into_bytes()), after)
        }
        _ => {
            if !plain_start(t) {
                return None;
            }
            let b = t.as_bytes();
            let mut pos = None;
            for i in 0..b.len() {
                if b[i] == b'#' && i > 0 && b[i - 1] == b' ' {
                    return None;
                }
                if b[i] == b':' && (i + 1 == b.len() || b[i + 1] == b' ') {
                    pos = Some(i);
                    break;
                }
            }
            let pos = pos?;
            let k = t[..pos].trim_end_matches(' ');
            if k.is_empty() || k == "<<" || k.len() > MAX_KEY_LEN {
                return None;
            }
            (plain_scalar(k).ok()?, &t[pos..])
        }
    };
    let rest = after.strip_prefix(':')?;
    (rest.is_empty() || rest.starts_with(' ')).then_some((k, rest))
}

/// May a plain scalar start with `t`'s first character (block context)?
/// Indicators may not; `-`, `?` and `:` may when a non-space follows.
fn plain_start(t: &str) -> bool {
    let b = t.as_bytes();
    match b.first() {
        None => false,
        Some(b'-' | b'?' | b':') => b.get(1).is_some_and(|&c| c != b' '),
        Some(
            b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\''
            | b'"' | b'%' | b'@' | b'`',
        ) => false,
        Some(_) => true,
    }
}

/// A one-line flow sequence of scalars (`["a", b, 'c']`): (items, text
/// after the `]`).  Declines nesting, empty entries and anything with `:`.
fn flow_seq(t: &str) -> Option<(Vec<YValue>, &str)> {
    let mut rest = t.strip_prefix('[')?.trim_start_matches(' ');
    let mut items = Vec::new();
    if let Some(after) = rest.strip_prefix(']') {
        return Some((items, after));
    }
    loop {
        let (item, after) = match rest.as_bytes().first()? {
            b'"' | b'\'' => {
                let (s, after) = quoted(rest)?;
                (YValue::Str(s.into_bytes()), after)
            }
            _ => {
                let end = rest.find([',', ']'])?;
                let s = rest[..end].trim_end_matches(' ');
                if s.is_empty()
                    || !plain_start(s)
                    || s.contains([':', '#', '[', '{', '}', '?'])
                    || s.starts_with('-')
                {
                    return None;
                }
                (plain_scalar(s).ok()?, &rest[end..])
            }
        };
        items.push(item);
        let after = after.trim_start_matches(' ');
        if let Some(after) = after.strip_prefix(']') {
            return Some((items, after));
        }
        rest = after.strip_prefix(',')?.trim_start_matches(' ');
        if rest.starts_with(']') {
            return None;
        }
    }
}

/// A quoted scalar closed on this line: (value, text after the closing quote).
fn quoted(t: &str) -> Option<(String, &str)> {
    let q = t.as_bytes()[0];
    let mut out = String::new();
    let mut chars = t[1..].char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\'' if q == b'\'' => {
                if t[1 + i + 1..].starts_with('\'') {
                    chars.next();
                    out.push('\'');
                } else {
                    return Some((out, &t[1 + i + 1..]));
                }
            }
            '"' if q == b'"' => return Some((out, &t[1 + i + 1..])),
            '\\' if q == b'"' => {
                let (_, e) = chars.next()?;
                let hex = |n: usize, chars: &mut std::str::CharIndices| -> Option<char> {
                    let mut v = 0u32;
                    for _ in 0..n {
                        v = v * 16 + chars.next()?.1.to_digit(16)?;
                    }
                    char::from_u32(v)
                };
                out.push(match e {
                    '0' => '\0',
                    'a' => '\x07',
                    'b' => '\x08',
                    't' => '\t',
                    'n' => '\n',
                    'v' => '\x0b',
                    'f' => '\x0c',
                    'r' => '\r',
                    'e' => '\x1b',
                    ' ' => ' ',
                    '"' => '"',
                    '/' => '/',
                    '\\' => '\\',
                    'N' => '\u{85}',
                    '_' => '\u{a0}',
                    'L' => '\u{2028}',
                    'P' => '\u{2029}',
                    'x' => hex(2, &mut chars)?,
                    'u' => hex(4, &mut chars)?,
                    'U' => hex(8, &mut chars)?,
                    _ => return None,
                });
            }
            c => out.push(c),
        }
    }
    None
}

/// After a scalar on a line: nothing, or a comment after a space.
fn only_comment(after: &str) -> bool {
    let t = after.trim_start_matches(' ');
    t.is_empty() || (t.starts_with('#') && t.len() < after.len())
}

impl<'a> Parser<'a> {
    fn skip_blank(&mut self) {
        while self.lines.get(self.i).is_some_and(|l| l.is_blank()) {
            self.i += 1;
        }
    }

    /// The next non-blank line, not consumed.
    fn peek(&mut self) -> Option<Line<'a>> {
        self.skip_blank();
        self.lines.get(self.i).copied()
    }

    /// A block mapping whose keys sit at column `indent`; `first` is the
    /// first entry's text when the caller has already consumed its line.
    fn mapping(&mut self, indent: usize, mut first: Option<&'a str>, depth: usize) -> Option<YMap> {
        if depth > MAX_DEPTH {
            return None;
        }
        let mut m = YMap::default();
        loop {
            let t = match first.take() {
                Some(t) => t,
                None => match self.peek() {
                    Some(l) if l.indent == indent && !is_item(l.text) => {
                        self.i += 1;
                        l.text
                    }
                    Some(l) if l.indent > indent => return None,
                    // A sequence at the keys' column ends a mapping only
                    // where it is that mapping's value (handled there).
                    Some(l) if l.indent == indent => return None,
                    _ => break,
                },
            };
            let (k, rest) = key(t)?;
            let v = self.value(indent, rest, depth + 1)?;
            m.insert(k, v);
        }
        Some(m)
    }

    /// The value after `key:` (`rest` is the text after the colon).
    fn value(&mut self, indent: usize, rest: &'a str, depth: usize) -> Option<YValue> {
        let r = rest.trim_start_matches(' ');
        if r.is_empty() || r.starts_with('#') {
            return match self.peek() {
                Some(l) if l.indent > indent => {
                    self.i += 1;
                    self.node(l, depth)
                }
                Some(l) if l.indent == indent && is_item(l.text) => {
                    self.i += 1;
                    self.sequence(l.indent, l.text, depth).map(YValue::Seq)
                }
                _ => plain_scalar("").ok(),
            };
        }
        self.scalar(indent, r)
    }

    /// A node starting on its own (consumed) line.
    fn node(&mut self, l: Line<'a>, depth: usize) -> Option<YValue> {
        if is_item(l.text) {
            return self.sequence(l.indent, l.text, depth).map(YValue::Seq);
        }
        key(l.text)?;
        self.mapping(l.indent, Some(l.text), depth).map(YValue::Map)
    }

    /// A block sequence whose dashes sit at column `indent`; `first` is the
    /// first item's (consumed) text.
    fn sequence(&mut self, indent: usize, first: &'a str, depth: usize) -> Option<Vec<YValue>> {
        if depth > MAX_DEPTH {
            return None;
        }
        let mut items = Vec::new();
        let mut next = Some(first);
        loop {
            let t = match next.take() {
                Some(t) => t,
                None => match self.peek() {
                    Some(l) if l.indent == indent && is_item(l.text) => {
                        self.i += 1;
                        l.text
                    }
                    Some(l) if l.indent > indent => return None,
                    _ => break,
                },
            };
            let after = &t[1..];
            let body = after.trim_start_matches(' ');
            let col = indent + 1 + (after.len() - body.len());
            let item = if body.is_empty() || body.starts_with('#') {
                match self.peek() {
                    Some(l) if l.indent > indent => {
                        self.i += 1;
                        self.node(l, depth + 1)?
                    }
                    _ => plain_scalar("").ok()?,
                }
            } else if is_item(body) {
                return None;
            } else if key(body).is_some() {
                YValue::Map(self.mapping(col, Some(body), depth + 1)?)
            } else {
                self.scalar(indent, body)?
            };
            items.push(item);
        }
        Some(items)
    }

    /// A scalar (or empty flow collection) starting at `t` on the current
    /// line, inside a collection at column `indent`.
    fn scalar(&mut self, indent: usize, t: &'a str) -> Option<YValue> {
        let v = match t.as_bytes()[0] {
            // `&name value`: the value must follow on this line.
            b'&' => {
                let (name, rest) = anchor_name(&t[1..])?;
                let rest = rest.trim_start_matches(' ');
                if rest.is_empty() || rest.starts_with(['#', '&', '*', '!']) {
                    return None;
                }
                let v = self.scalar(indent, rest)?;
                self.anchors.push((name, v.clone()));
                return Some(v);
            }
            // `*name`: a copy of the value last anchored so.
            b'*' => {
                let (name, rest) = anchor_name(&t[1..])?;
                if !only_comment(rest) {
                    return None;
                }
                self.anchors
                    .iter()
                    .rev()
                    .find(|(n, _)| *n == name)?
                    .1
                    .clone()
            }
            b'"' | b'\'' => {
                let (s, after) = quoted(t)?;
                if !only_comment(after) {
                    return None;
                }
                YValue::Str(s.into_bytes())
            }
            b'|' => return self.literal(indent, &t[1..]),
            b'[' => {
                let (items, after) = flow_seq(t)?;
                if !only_comment(after) {
                    return None;
                }
                YValue::Seq(items)
            }
            b'{' if only_comment(t[1..].trim_start_matches(' ').strip_prefix('}')?) => {
                YValue::Map(YMap::default())
            }
            _ if !plain_start(t) => return None,
            _ => {
                let end = t.find(" #").unwrap_or(t.len());
                let s = t[..end].trim_end_matches(' ');
                if s.contains(": ") || s.ends_with(':') {
                    return None;
                }
                if end == t.len() {
                    if let Some(folded) = self.plain_continued(indent, s)? {
                        return plain_scalar(&folded).ok();
                    }
                }
                plain_scalar(s).ok()?
            }
        };
        // A more indented line next would continue the scalar (or be an
        // error): not for this path.
        match self.peek() {
            Some(l) if l.indent > indent => None,
            _ => Some(v),
        }
    }

    /// A plain scalar that goes on over more indented lines (Chart.yaml
    /// descriptions): the lines folded as YAML folds them — one line
    /// break becomes a space, each empty line between two lines a `\n`.
    /// `Some(None)` when the next line does not continue `first`; `None`
    /// (decline) for any line that might be something else: an indicator,
    /// a comment, `: `.
    fn plain_continued(&mut self, indent: usize, first: &str) -> Option<Option<String>> {
        let mut out: Option<String> = None;
        let mut j = self.i;
        let mut empties = 0;
        while let Some(l) = self.lines.get(j) {
            if l.text.is_empty() {
                empties += 1;
                j += 1;
                continue;
            }
            if l.indent <= indent || l.text.starts_with('#') {
                break;
            }
            let t = l.text.trim_end_matches(' ');
            let indicator = t.starts_with([
                '-', '?', ':', ',', '[', ']', '{', '}', '&', '*', '!', '|', '>', '\'', '"', '%',
                '@', '`',
            ]);
            if indicator || t.contains(" #") || t.contains(": ") || t.ends_with(':') {
                return None;
            }
            let o = out.get_or_insert_with(|| first.to_string());
            if empties == 0 {
                o.push(' ');
            } else {
                o.extend(std::iter::repeat_n('\n', empties));
            }
            o.push_str(t);
            empties = 0;
            j += 1;
            self.i = j;
        }
        Some(out)
    }

    /// A literal block scalar; `header` follows the `|`.
    fn literal(&mut self, indent: usize, header: &'a str) -> Option<YValue> {
        let (chomp, rest) = match header.as_bytes().first() {
            Some(b'-') => (Chomp::Strip, &header[1..]),
            Some(b'+') => (Chomp::Keep, &header[1..]),
            _ => (Chomp::Clip, header),
        };
        if !only_comment(rest) {
            return None;
        }
        // Leading empty lines, then the first content line fixes the indent.
        let start = self.i;
        let mut j = start;
        while self.lines.get(j).is_some_and(|l| l.text.is_empty()) {
            j += 1;
        }
        let content = self.lines.get(j).filter(|l| l.indent > indent);
        let Some(first) = content else {
            // No content: an empty string, unless blank lines or `+` make
            // libyaml count line breaks (not for this path).
            if matches!(chomp, Chomp::Keep)
                || self.lines[start..j].iter().any(|l| l.indent > indent)
            {
                return None;
            }
            return Some(YValue::Str(Vec::new()));
        };
        let block = first.indent;
        if self.lines[start..j].iter().any(|l| l.indent > block) {
            return None;
        }
        let mut out = String::new();
        let mut last_content = j;
        let mut k = start;
        let mut pending_breaks = 0usize;
        while let Some(l) = self.lines.get(k) {
            if l.text.is_empty() {
                if l.indent > block {
                    return None;
                }
                pending_breaks += 1;
            } else if l.indent >= block {
                for _ in 0..pending_breaks {
                    out.push('\n');
                }
                pending_breaks = 0;
                if k > j {
                    out.push('\n');
                }
                out.push_str(&" ".repeat(l.indent - block));
                out.push_str(l.text);
                last_content = k;
            } else {
                break;
            }
            k += 1;
        }
        // The text's last line, without a newline: no final line break
        // for clipping to keep.
        let unterminated = last_content + 1 == self.lines.len() && !self.terminated;
        match chomp {
            Chomp::Strip => {}
            Chomp::Clip if unterminated => {}
            Chomp::Keep if unterminated => return None,
            Chomp::Clip => out.push('\n'),
            Chomp::Keep => {
                if k == self.lines.len() {
                    return None;
                }
                out.push('\n');
                for _ in 0..pending_breaks {
                    out.push('\n');
                }
            }
        }
        self.i = last_content + 1;
        Some(YValue::Str(out.into_bytes()))
    }
}

enum Chomp {
    Strip,
    Clip,
    Keep,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// go-yaml's model as text, map entries in order (the index aside).
    fn canon(v: &YValue) -> String {
        match v {
            YValue::Map(m) => {
                let parts: Vec<String> = m
                    .entries
                    .iter()
                    .map(|(k, v)| format!("{}: {}", canon(k), canon(v)))
                    .collect();
                format!("{{{}}}", parts.join(", "))
            }
            YValue::Seq(items) => format!(
                "[{}]",
                items.iter().map(canon).collect::<Vec<_>>().join(", ")
            ),
            YValue::Float(f) => format!("Float({})", f.to_bits()),
            other => format!("{other:?}"),
        }
    }

    /// When the fast path accepts `text`, it agrees with libyaml's path.
    /// Returns whether it accepted.
    fn agrees(text: &str) -> bool {
        let Some(fast) = decode(text) else {
            return false;
        };
        let slow = crate::parse::decode_first(text);
        match (fast, slow) {
            (Some(fast), Ok(Some(slow))) => assert_eq!(canon(&fast), canon(&slow), "text:\n{text}"),
            (None, Ok(None)) => {}
            (fast, other) => {
                panic!("fast path gave {fast:?} where libyaml gives {other:?}:\n{text}")
            }
        }
        true
    }

    #[test]
    fn accepts_and_agrees_on_common_shapes() {
        let accepted = [
            "a: 1\nb: two\nc: true\nd: ~\ne:\nf: 1.5\ng: 0x1F\nh: 2001-12-14\ni: '007'\nj: \"x\\ty\\u00e9\"\n",
            "# head\nimage:\n  registry: docker.io   # trailing\n  tag: \"1.2\"\n\n  ## more\n  pullPolicy: IfNotPresent\n",
            "list:\n- a\n- b: 1\n  c: 2\n-\n  - nested\n- 'q''s'\nnext: x\n",
            "list:\n  - name: a\n    value: b\n  - name: c\nk: {}\nl: []\nm: [] # c\n",
            "cfg: |\n  line 1\n\n    indented\n  # not a comment\nnext: 1\n",
            "cfg: |-\n  a\n  b\n\n\nnext: 1\n",
            "cfg: |+\n  a\n\n\nnext: 1\n",
            "cfg: |\n\n  after blank\nz: 0\n",
            "seq:\n  - |\n    text\n  - x\n",
            "\"quoted key\": 1\n'single': 2\nurl: http://x:80/y\nhash: a#b\nyes: no\non: off\n1: one\n3.5: f\nnull: n\n",
            "dup: 1\ndup: 2\n",
            "a:\n  b:\n    c:\n      d: deep\n  e: back\n",
            "k: value with:colon # comment: yes\n",
            "é: ü\nemoji: \"😀\"\n",
            "last: |\n  no newline at end\n",
            "last: |\n  no newline at end",
            "last: |-\n  stripped, no newline",
            "a: |-\n",
            "a: |\n",
            "a: |\nb: 1\n",
            "a: |-\n\nb: 1\n",
            "s:\n- |\n- x\n",
            "k: |\n  x \n  echo \"\" ",
            "flow: [\"ALL\"]\nf2: [ 'a' , b,1 ]\nf3: [__x__] # c\nargs:\n  - --cert-dir=/tmp\n  - -v\n  - [x]\n",
            "-k: -1\n?x: :y\ne: { }\nf: [ ]\n",
            "- a\n- b: 1\n  c: [x]\n",
            "[a, 'b']\n",
            "{}\n",
            "",
            "# only a comment\n\n",
            "port: &p http\nprobe:\n  port: *p # same\nlist:\n- &q 'x y'\n- *q\n- *p\nre: &p 2\nagain: *p\nflow: &f [a, b]\ncopy: *f\n",
            "---\na: 1\n",
            "a: multi\n  line\nb: 1\n",
            "description: A chart\n  over three\n\n  lines, with a gap\n\nnext: x\n",
            "- item that\n  continues\n- y\n",
            "a: one\n  two   \n   three\n# c\nb: 2\n",
            "# c\n--- # start\n\na: 1\n",
            "   \n",
        ];
        for t in accepted {
            assert!(agrees(t), "declined:\n{t}");
        }
        let declined = [
            "a: &x\n  b: 1\nc: *x\n",
            "a: *x\nb: &x 1\n",
            "a: &x 1\n<<: *x\n",
            "a: &x *y\n",
            "a: &x\n",
            "a: &x.y 1\n",
            "a: 1\n---\nb: 2\n",
            "---\n",
            "--- a: 1\n",
            "a: 1\n---\n",
            "a: !!str 1\n",
            "a: [1, [2]]\n",
            "a: [1, ]\n",
            "a: [a: b]\n",
            "a: [1,\n  2]\n",
            "a: {b: 1}\n",
            "a: >\n  folded\n",
            "a: |2\n  x\n",
            "a: \"multi\n  line\"\n",
            "a: x\n  - y\n",
            "a: x\n  y: z\n",
            "a: x\n  y # c\n",
            "a: x\n  # c\n  y\n",
            "a: x\n  'q'\n",
            "a:\tb\n",
            "a: b\r\n",
            "<<: {a: 1}\n",
            "? a\n: b\n",
            "scalar\n",
            "'quoted'\n",
            "a: b: c\n",
            "a:\n  - x\n  y: 1\n",
            "a: 1\n  b: 2\n",
            "a: |+\n  no final newline",
            "a: |+\n",
            "a: |\n   \nb: 1\n",
            "a: \"\\q\"\n",
            "a: @x\n",
            "a: \u{85}\n",
        ];
        for t in declined {
            assert!(!agrees(t), "accepted:\n{t}");
        }
    }

    /// Every YAML file of the shared corpus: where the fast path accepts
    /// one, it decodes it exactly as libyaml's path does; and it does
    /// accept most values files (else it is not worth having).
    #[test]
    fn agrees_on_the_corpus() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
        if !root.is_dir() {
            capstan_testkit::skip(format_args!("skipped: ../shared/corpus is not present"));
            return;
        }
        fn walk(d: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for e in std::fs::read_dir(d).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, out);
                } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
                    out.push(p);
                }
            }
        }
        let mut files = Vec::new();
        walk(&root, &mut files);
        let (mut values, mut values_ok, mut total, mut ok) = (0, 0, 0, 0);
        for f in &files {
            let Ok(text) = std::fs::read_to_string(f) else {
                continue;
            };
            total += 1;
            let accepted = agrees(&text);
            ok += accepted as usize;
            if f.file_name().is_some_and(|n| n == "values.yaml") {
                values += 1;
                values_ok += accepted as usize;
            }
        }
        eprintln!("fast path: {ok}/{total} YAML files, {values_ok}/{values} values.yaml");
        if std::env::var_os("FAST_WHY").is_some() {
            for f in &files {
                let Ok(text) = std::fs::read_to_string(f) else {
                    continue;
                };
                if f.file_name().is_none_or(|n| n != "values.yaml") || decode(&text).is_some() {
                    continue;
                }
                let lines: Vec<&str> = text.split_inclusive('\n').collect();
                // First prefix (whole lines) that is declined though a shorter one was accepted.
                let mut acc = 0;
                for n in 1..=lines.len() {
                    let t: String = lines[..n].concat();
                    if decode(&t).is_some() {
                        acc = n;
                    } else if lines[..n]
                        .iter()
                        .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
                        && n > acc + 8
                    {
                        break;
                    }
                }
                let at = (acc).min(lines.len().saturating_sub(1));
                eprintln!(
                    "{}: after line {}: {:?} {:?}",
                    f.display(),
                    acc,
                    lines.get(at).map(|l| l.trim_end()),
                    lines.get(at + 1).map(|l| l.trim_end())
                );
            }
        }
        assert!(
            values_ok * 2 > values,
            "fast path accepted only {values_ok}/{values} values.yaml files"
        );
    }
}
