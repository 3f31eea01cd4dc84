//! Sprig's string functions (`strings.go` plus the `strings`, goutils and
//! xstrings functions Sprig maps directly).
//!
//! Go strings are byte strings: `trunc`, `substr`, `abbrev` and `initials`
//! index bytes, so they can cut a multi-byte character in half.  `trunc`
//! and `substr` return such a cut as a byte string (`gotmpl::ByteString`),
//! as do `trim`, `trimPrefix`, `trimSuffix`, `squote` and `cat` of one;
//! `abbrev` and `initials` render the cut with U+FFFD.

use gotmpl::{ElemKind, FuncError, FuncMap, Map, MapInner, ParamType as P, Value};

use crate::cast::{arg_bytes, arg_int, arg_str, strval};
use crate::uni;

/// `s[a:b]` on bytes, lossy when the cut is not on a character boundary.
fn byte_slice(s: &str, a: usize, b: usize) -> String {
    match s.get(a..b) {
        Some(x) => x.to_string(),
        None => String::from_utf8_lossy(&s.as_bytes()[a..b]).into_owned(),
    }
}

/// `sub` (a slice of `orig`'s string) as a value, reusing `orig` when whole.
fn same_or(orig: &Value, sub: &str) -> Value {
    match orig {
        Value::String(o) if o.len() == sub.len() => orig.clone(),
        _ => Value::str(sub),
    }
}

/// `s[a..b]` of the bytes `s` of the Go string `orig`, reusing `orig` when whole.
fn byte_slice_value(orig: &Value, s: &[u8], a: usize, b: usize) -> Value {
    if a == 0 && b == s.len() {
        return orig.clone();
    }
    if let Value::String(text) = orig {
        // Cut on character boundaries (the usual case): no need to check
        // the bytes in between.
        if let Some(sub) = text.get(a..b) {
            return Value::str(sub);
        }
    }
    Value::from_go_bytes(&s[a..b])
}

fn ok_str(s: String) -> Result<Value, FuncError> {
    Ok(Value::string(s))
}

/// The non-nil values of `a`, each printed with `verb` (a `printf`
/// format for one value), joined by spaces: a Go string that keeps the
/// bytes of byte strings.
fn join_printed(a: &[Value], verb: &str) -> Value {
    let vals: Vec<Value> = a.iter().filter(|v| !v.is_nil()).cloned().collect();
    let format = vec![verb; vals.len()].join(" ");
    gotmpl::fmt::sprintf_value(&format, &vals)
}

/// `strconv.Quote` (what `%q` does to a string).
pub(crate) fn go_quote(s: &str) -> String {
    gotmpl::fmt::quote(s)
}

/// Go's `strings.Split`/`SplitN` (`n < 0`: all; `n == 0`: nil).
pub(crate) fn go_split<'a>(s: &'a str, sep: &str, n: i64) -> Vec<&'a str> {
    if n == 0 {
        return Vec::new();
    }
    if sep.is_empty() {
        // Explode into characters, the last piece taking the rest.
        let mut out = Vec::new();
        let mut rest = s;
        while !rest.is_empty() {
            if n > 0 && out.len() as i64 == n - 1 {
                out.push(rest);
                return out;
            }
            let len = rest.chars().next().map_or(1, char::len_utf8);
            out.push(&rest[..len]);
            rest = &rest[len..];
        }
        return out;
    }
    if n < 0 {
        s.split(sep).collect()
    } else {
        s.splitn(n as usize, sep).collect()
    }
}

fn title(s: &str) -> String {
    // strings.Title: upper-case the first letter of each word; a word
    // starts after a separator (not letter/digit/underscore).
    fn is_sep(c: char) -> bool {
        if c.is_ascii() {
            return !(c.is_ascii_alphanumeric() || c == '_');
        }
        if uni::is_letter(c) || uni::is_digit(c) {
            return false;
        }
        uni::is_space(c)
    }
    let mut prev = ' ';
    s.chars()
        .map(|c| {
            let r = if is_sep(prev) { uni::to_title(c) } else { c };
            prev = c;
            r
        })
        .collect()
}

/// goutils `Uncapitalize`: lower-case the first rune of each space-delimited word.
fn untitle(s: &str) -> String {
    let mut next = true;
    s.chars()
        .map(|c| {
            if uni::is_space(c) {
                next = true;
                c
            } else if next {
                next = false;
                uni::to_lower(c)
            } else {
                c
            }
        })
        .collect()
}

/// goutils `Initials`: iterates *bytes* (a byte is taken as a Latin-1 rune).
fn initials(s: &str) -> String {
    let mut out = String::new();
    let mut gap = true;
    for &b in s.as_bytes() {
        let c = b as char;
        if uni::is_space(c) {
            gap = true;
        } else if gap {
            out.push(c);
            gap = false;
        }
    }
    out
}

/// goutils `AbbreviateFull` (errors yield "", as Sprig ignores them).
fn abbreviate_full(s: &str, offset: i64, max_width: i64) -> String {
    let len = s.len() as i64;
    if s.is_empty() || max_width < 4 {
        return String::new();
    }
    if len <= max_width {
        return s.to_string();
    }
    let mut offset = offset.min(len);
    if len - offset < max_width - 3 {
        offset = len - (max_width - 3);
    }
    if offset <= 4 {
        return byte_slice(s, 0, (max_width - 3) as usize) + "...";
    }
    if max_width < 7 {
        return String::new();
    }
    if offset + max_width - 3 < len {
        let rest = byte_slice(s, offset as usize, s.len());
        return "...".to_string() + &abbreviate_full(&rest, 0, max_width - 3);
    }
    "...".to_string() + &byte_slice(s, (len - (max_width - 3)) as usize, s.len())
}

/// goutils `WrapCustom`.
fn wrap_custom(s: &str, wrap_len: i64, nl: &str, wrap_long: bool) -> String {
    if s.is_empty() {
        return String::new();
    }
    let nl = if nl.is_empty() { "\n" } else { nl };
    let wl = wrap_len.max(1) as usize;
    let b = s.as_bytes();
    let n = b.len();
    let mut off = 0usize;
    let mut out = String::with_capacity(n + 8);
    while n - off > wl {
        if b[off] == b' ' {
            off += 1;
            continue;
        }
        let end = wl + off + 1;
        let space = b[off..end].iter().rposition(|&c| c == b' ');
        if let Some(sp) = space {
            let at = sp + off;
            out.push_str(&byte_slice(s, off, at));
            out.push_str(nl);
            off = at + 1;
        } else if wrap_long {
            let end = wl + off;
            out.push_str(&byte_slice(s, off, end));
            out.push_str(nl);
            off += wl;
        } else {
            let end = wl + off;
            match b[end..].iter().position(|&c| c == b' ') {
                None => {
                    out.push_str(&byte_slice(s, off, n));
                    off = n;
                }
                Some(i) => {
                    let at = i + end;
                    out.push_str(&byte_slice(s, off, at));
                    out.push_str(nl);
                    off = at + 1;
                }
            }
        }
    }
    out.push_str(&byte_slice(s, off, n));
    out
}

fn swapcase(s: &str) -> String {
    s.chars()
        .map(|c| {
            if uni::is_upper(c) || uni::is_title(c) {
                uni::to_lower(c)
            } else if uni::is_lower(c) {
                uni::to_upper(c)
            } else {
                c
            }
        })
        .collect()
}

// ---- xstrings (v1.5) case conversions ----

fn is_connector(c: char) -> bool {
    c == '-' || c == '_' || uni::is_space(c)
}

/// xstrings' `isAlphabet`: a letter that is not a CJK ideograph.
fn is_alphabet(c: char) -> bool {
    if !uni::is_letter(c) {
        return false;
    }
    let u = c as u32;
    !((0x3400..=0x4DBF).contains(&u)
        || (0x4E00..=0x9FFF).contains(&u)
        || (0xF900..=0xFAFF).contains(&u)
        || (0x20000..=0x2FA1F).contains(&u))
}

/// xstrings `ToPascalCase` (Sprig's `camelcase`).
fn pascal_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut it = s.chars();
    let mut first_upper = false;
    let mut r0 = '\0';
    let mut got = false;
    for c in it.by_ref() {
        if !is_connector(c) {
            first_upper = uni::is_upper(c);
            r0 = uni::to_upper(c);
            got = true;
            break;
        }
        out.push(c);
    }
    if !got {
        // Only connectors: xstrings writes the last one a second time.
        if let Some(last) = s.chars().last() {
            out.push(last);
        }
        return out;
    }
    for c in it {
        let r1 = r0;
        r0 = c;
        if is_connector(r0) && is_connector(r1) {
            out.push(r1);
            continue;
        }
        if is_connector(r1) {
            first_upper = uni::is_upper(r0);
            r0 = uni::to_upper(r0);
        } else {
            if first_upper {
                if uni::is_upper(r0) {
                    r0 = uni::to_lower(r0);
                } else {
                    first_upper = false;
                }
            }
            out.push(r1);
        }
    }
    out.push(r0);
    out
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Word {
    Invalid,
    Number,
    Upper,
    Alpha,
    Connector,
    Punct,
    Other,
}

/// xstrings `nextWord`: classify and split off the next word.
fn next_word(s: &str) -> (Word, &str, &str) {
    let mut chars = s.char_indices().peekable();
    let Some((_, r)) = chars.next() else {
        return (Word::Invalid, "", "");
    };
    let mut off = r.len_utf8();
    let take_while = |off: &mut usize, pred: &dyn Fn(char) -> bool| {
        for c in s[*off..].chars() {
            if !pred(c) {
                break;
            }
            *off += c.len_utf8();
        }
    };
    let wt;
    if is_connector(r) {
        wt = Word::Connector;
        take_while(&mut off, &is_connector);
    } else if uni::is_punct(r) {
        wt = Word::Punct;
        take_while(&mut off, &uni::is_punct);
    } else if uni::is_upper(r) {
        wt = Word::Upper;
        if let Some(n) = s[off..].chars().next() {
            if uni::is_upper(n) {
                // A run of capitals; "HTTPStatus" keeps the "S" for the next word.
                let mut prev_size = n.len_utf8();
                off += prev_size;
                let mut stop = None;
                for c in s[off..].chars() {
                    if !uni::is_upper(c) {
                        stop = Some(c);
                        break;
                    }
                    prev_size = c.len_utf8();
                    off += prev_size;
                }
                if let Some(c) = stop {
                    if is_alphabet(c) {
                        off -= prev_size;
                    }
                }
            } else if is_alphabet(n) {
                off += n.len_utf8();
                take_while(&mut off, &|c| is_alphabet(c) && !uni::is_upper(c));
            }
        }
    } else if is_alphabet(r) {
        wt = Word::Alpha;
        take_while(&mut off, &|c| is_alphabet(c) && !uni::is_upper(c));
    } else if uni::is_number(r) {
        wt = Word::Number;
        take_while(&mut off, &uni::is_number);
    } else {
        wt = Word::Other;
        take_while(&mut off, &|c| {
            !(is_connector(c) || is_alphabet(c) || uni::is_number(c) || uni::is_punct(c))
        });
    }
    (wt, &s[..off], &s[off..])
}

fn to_lower_word(out: &mut String, wt: Word, w: &str, conn: char) {
    if wt != Word::Upper && wt != Word::Connector {
        out.push_str(w);
        return;
    }
    for c in w.chars() {
        if is_connector(c) {
            out.push(conn);
        } else if uni::is_upper(c) {
            out.push(uni::to_lower(c));
        } else {
            out.push(c);
        }
    }
}

/// xstrings `camelCaseToLowerCase` (snakecase / kebabcase).
fn camel_to_lower(s: &str, conn: char) -> String {
    if s.is_empty() {
        return String::new();
    }
    let mut out = String::with_capacity(s.len() + 4);
    let (mut wt, mut word, mut rem) = next_word(s);
    while !rem.is_empty() {
        if wt != Word::Connector {
            to_lower_word(&mut out, wt, word, conn);
        }
        let prev = wt;
        let last = word;
        (wt, word, rem) = next_word(rem);
        match prev {
            Word::Number => {
                while wt == Word::Alpha || wt == Word::Number {
                    to_lower_word(&mut out, wt, word, conn);
                    (wt, word, rem) = next_word(rem);
                }
                if wt != Word::Invalid && wt != Word::Punct && wt != Word::Connector {
                    out.push(conn);
                }
            }
            Word::Connector => to_lower_word(&mut out, prev, last, conn),
            Word::Punct => {}
            _ => {
                if wt != Word::Number {
                    if wt != Word::Connector && wt != Word::Punct {
                        out.push(conn);
                    }
                    continue;
                }
                if rem.is_empty() {
                    continue;
                }
                let last = word;
                (wt, word, rem) = next_word(rem);
                if wt != Word::Alpha {
                    to_lower_word(&mut out, Word::Number, last, conn);
                    if wt != Word::Connector && wt != Word::Punct {
                        out.push(conn);
                    }
                    continue;
                }
                out.push(conn);
                to_lower_word(&mut out, Word::Number, last, conn);
                while wt == Word::Alpha || wt == Word::Number {
                    to_lower_word(&mut out, wt, word, conn);
                    (wt, word, rem) = next_word(rem);
                }
                if wt != Word::Invalid && wt != Word::Connector && wt != Word::Punct {
                    out.push(conn);
                }
            }
        }
    }
    to_lower_word(&mut out, wt, word, conn);
    out
}

/// Go runtime message for `s[a:b]` out of range (`b` checked first).
fn bounds_err(a: Option<i64>, b: Option<i64>, len: usize) -> FuncError {
    let len = len as i64;
    let msg = match (a, b) {
        (None, Some(b)) if b < 0 => format!("slice bounds out of range [:{b}]"),
        (None, Some(b)) => format!("slice bounds out of range [:{b}] with length {len}"),
        (Some(a), None) if a < 0 => format!("slice bounds out of range [{a}:]"),
        (Some(a), None) => format!("slice bounds out of range [{a}:{len}]"),
        (Some(_), Some(b)) if b > len => {
            format!("slice bounds out of range [:{b}] with length {len}")
        }
        (Some(a), Some(b)) => format!("slice bounds out of range [{a}:{b}]"),
        (None, None) => "slice bounds out of range".to_string(),
    };
    FuncError::msg(format!("runtime error: {msg}"))
}

/// Sprig's `substring` with Go's slice-bound panics.
/// The byte range `substr` takes of a string of `len` bytes.
fn substr(start: i64, end: i64, len: usize) -> Result<(usize, usize), FuncError> {
    let n = len as i64;
    if start < 0 {
        if end < 0 || end > n {
            return Err(bounds_err(None, Some(end), len));
        }
        return Ok((0, end as usize));
    }
    if end < 0 || end > n {
        if start > n {
            return Err(bounds_err(Some(start), None, len));
        }
        return Ok((start as usize, len));
    }
    if start > end {
        return Err(bounds_err(Some(start), Some(end), len));
    }
    Ok((start as usize, end as usize))
}

/// The byte range `trunc` keeps of a string of `len` bytes.
fn trunc(c: i64, len: usize) -> (usize, usize) {
    let n = len as i64;
    if c < 0 && n + c > 0 {
        return ((n + c) as usize, len);
    }
    if c >= 0 && n > c {
        return (0, c as usize);
    }
    (0, len)
}

/// `strings.TrimSpace` on bytes: white space by Go's runes (an invalid
/// byte is U+FFFD, not a space).
fn trim_space_bytes(s: &[u8]) -> (usize, usize) {
    let mut start = 0;
    for (c, n) in gotmpl::go_runes(s) {
        if !c.is_whitespace() {
            break;
        }
        start += n;
    }
    let mut end = start;
    let mut at = start;
    for (c, n) in gotmpl::go_runes(&s[start..]) {
        at += n;
        if !c.is_whitespace() {
            end = at;
        }
    }
    (start, end)
}

/// Go's largest allocation on 64-bit Linux (`maxAlloc`, 2^48 bytes):
/// a longer slice fails with `makeslice: len out of range`.
const GO_MAX_ALLOC: u64 = 1 << 48;

/// `strings.Repeat`, with Go's errors where Go has them (negative count,
/// a length past int64, past what Go can allocate); lengths in between
/// and [`crate::MAX_OUTPUT_BYTES`], which Go would try to allocate, are
/// refused.
fn repeat(count: i64, s: &str) -> Result<String, FuncError> {
    if count < 0 {
        return Err("strings: negative Repeat count".into());
    }
    let n = (s.len() as u128) * (count as u128);
    if n > i64::MAX as u128 {
        return Err("strings: Repeat output length overflow".into());
    }
    if n > GO_MAX_ALLOC as u128 {
        return Err("runtime error: makeslice: len out of range".into());
    }
    if n > crate::MAX_OUTPUT_BYTES as u128 {
        return Err(crate::too_large("repeat", "bytes", n as i64).into());
    }
    Ok(s.repeat(count as usize))
}

fn indent(spaces: i64, s: &str) -> Result<String, FuncError> {
    let pad = repeat(spaces, " ")?;
    let lines = 1 + s.bytes().filter(|&b| b == b'\n').count();
    let mut out = String::with_capacity(s.len() + pad.len() * lines);
    out.push_str(&pad);
    for (i, line) in s.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
            out.push_str(&pad);
        }
        out.push_str(line);
    }
    Ok(out)
}

/// goutils `DeleteWhiteSpace`: walks *bytes*, each taken as a Latin-1 rune,
/// so non-ASCII text is mangled whenever any whitespace byte is present.
fn nospace(s: &str) -> String {
    let is_space = |b: u8| uni::is_space(b as char);
    if !s.bytes().any(is_space) {
        return s.to_string();
    }
    s.bytes()
        .filter(|&b| !is_space(b))
        .map(|b| b as char)
        .collect()
}

/// `split`/`splitn` result: `map[string]string` keyed `_0`, `_1`, …
fn split_map(parts: Vec<&str>) -> Value {
    let m: MapInner = parts
        .into_iter()
        .enumerate()
        .map(|(i, p)| (format!("_{i}"), Value::str(p)))
        .collect();
    Value::Map(Map::with_elem(m, ElemKind::String))
}

/// Sprig's `strslice` (`toStrings`): nil elements of `[]interface{}` dropped.
pub(crate) fn strslice(v: &Value) -> Vec<String> {
    match v {
        Value::List(l) => match l.elem {
            ElemKind::String => l.items().iter().map(strval).collect(),
            _ => l
                .items()
                .iter()
                .filter(|x| !x.is_nil())
                .map(strval)
                .collect(),
        },
        Value::Bytes(b) => b.iter().map(|x| x.to_string()).collect(),
        Value::Nil => Vec::new(),
        other => vec![strval(other)],
    }
}

pub fn register(m: &mut FuncMap) {
    m.add("hello", &[], None, |_| ok_str("Hello!".into()));
    m.add("trim", &[P::StringBytes], None, |a| {
        if let Value::String(s) = &a[0] {
            return Ok(same_or(&a[0], s.trim()));
        }
        let b = arg_bytes(&a[0]);
        let (start, end) = trim_space_bytes(b);
        Ok(byte_slice_value(&a[0], b, start, end))
    });
    m.add("upper", &[P::String], None, |a| {
        ok_str(arg_str(&a[0]).chars().map(uni::to_upper).collect())
    });
    m.add("lower", &[P::String], None, |a| {
        ok_str(arg_str(&a[0]).chars().map(uni::to_lower).collect())
    });
    m.add("title", &[P::String], None, |a| {
        ok_str(title(arg_str(&a[0])))
    });
    m.add("untitle", &[P::String], None, |a| {
        ok_str(untitle(arg_str(&a[0])))
    });
    m.add("substr", &[P::Int, P::Int, P::StringBytes], None, |a| {
        let s = arg_bytes(&a[2]);
        let (start, end) = substr(arg_int(&a[0]), arg_int(&a[1]), s.len())?;
        Ok(byte_slice_value(&a[2], s, start, end))
    });
    m.add("repeat", &[P::Int, P::String], None, |a| {
        repeat(arg_int(&a[0]), arg_str(&a[1])).map(Value::string)
    });
    for name in ["trimall", "trimAll"] {
        m.add(name, &[P::String, P::String], None, |a| {
            let set = arg_str(&a[0]);
            ok_str(arg_str(&a[1]).trim_matches(|c| set.contains(c)).to_string())
        });
    }
    m.add("trimSuffix", &[P::StringBytes, P::StringBytes], None, |a| {
        let (suf, s) = (arg_bytes(&a[0]), arg_bytes(&a[1]));
        let end = s.len() - if s.ends_with(suf) { suf.len() } else { 0 };
        Ok(byte_slice_value(&a[1], s, 0, end))
    });
    m.add("trimPrefix", &[P::StringBytes, P::StringBytes], None, |a| {
        let (pre, s) = (arg_bytes(&a[0]), arg_bytes(&a[1]));
        let start = if s.starts_with(pre) { pre.len() } else { 0 };
        Ok(byte_slice_value(&a[1], s, start, s.len()))
    });
    m.add("nospace", &[P::String], None, |a| {
        ok_str(nospace(arg_str(&a[0])))
    });
    m.add("initials", &[P::String], None, |a| {
        ok_str(initials(arg_str(&a[0])))
    });
    m.add("swapcase", &[P::String], None, |a| {
        ok_str(swapcase(arg_str(&a[0])))
    });
    m.add("snakecase", &[P::String], None, |a| {
        ok_str(camel_to_lower(arg_str(&a[0]), '_'))
    });
    m.add("kebabcase", &[P::String], None, |a| {
        ok_str(camel_to_lower(arg_str(&a[0]), '-'))
    });
    m.add("camelcase", &[P::String], None, |a| {
        ok_str(pascal_case(arg_str(&a[0])))
    });
    m.add("shuffle", &[P::String], None, |a| {
        let mut chars: Vec<char> = arg_str(&a[0]).chars().collect();
        // Fisher–Yates with a cheap time-seeded xorshift; any order is valid.
        let mut x = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0x9e37_79b9, |d| d.as_nanos() as u64)
            | 1;
        for i in (1..chars.len()).rev() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            chars.swap(i, (x % (i as u64 + 1)) as usize);
        }
        ok_str(chars.into_iter().collect())
    });
    m.add("abbrev", &[P::Int, P::String], None, |a| {
        let (w, s) = (arg_int(&a[0]), arg_str(&a[1]));
        if w < 4 {
            return ok_str(s.to_string());
        }
        ok_str(abbreviate_full(s, 0, w))
    });
    m.add("abbrevboth", &[P::Int, P::Int, P::String], None, |a| {
        let (l, r, s) = (arg_int(&a[0]), arg_int(&a[1]), arg_str(&a[2]));
        if r < 4 || (l > 0 && r < 7) {
            return ok_str(s.to_string());
        }
        ok_str(abbreviate_full(s, l, r))
    });
    m.add("trunc", &[P::Int, P::StringBytes], None, |a| {
        let s = arg_bytes(&a[1]);
        let (start, end) = trunc(arg_int(&a[0]), s.len());
        Ok(byte_slice_value(&a[1], s, start, end))
    });
    m.add("wrap", &[P::Int, P::String], None, |a| {
        ok_str(wrap_custom(arg_str(&a[1]), arg_int(&a[0]), "", false))
    });
    m.add("wrapWith", &[P::Int, P::String, P::String], None, |a| {
        ok_str(wrap_custom(
            arg_str(&a[2]),
            arg_int(&a[0]),
            arg_str(&a[1]),
            true,
        ))
    });
    m.add("contains", &[P::String, P::String], None, |a| {
        Ok(Value::Bool(arg_str(&a[1]).contains(arg_str(&a[0]))))
    });
    m.add("hasPrefix", &[P::String, P::String], None, |a| {
        Ok(Value::Bool(arg_str(&a[1]).starts_with(arg_str(&a[0]))))
    });
    m.add("hasSuffix", &[P::String, P::String], None, |a| {
        Ok(Value::Bool(arg_str(&a[1]).ends_with(arg_str(&a[0]))))
    });
    m.add("quote", &[], Some(P::Any), |a| {
        let parts: Vec<String> = a
            .iter()
            .filter(|v| !v.is_nil())
            .map(|v| match v.as_byte_string() {
                // `%q` of the bytes: invalid ones become `\xNN`.
                Some(b) => gostd::strconv::quote_bytes(b.bytes(), false),
                None => go_quote(&strval(v)),
            })
            .collect();
        ok_str(parts.join(" "))
    });
    m.add("squote", &[], Some(P::Any), |a| {
        if a.iter().any(|v| v.as_byte_string().is_some()) {
            return Ok(join_printed(a, "'%v'"));
        }
        let parts: Vec<String> = a
            .iter()
            .filter(|v| !v.is_nil())
            .map(|v| format!("'{}'", gotmpl::fmt::format_v(v)))
            .collect();
        ok_str(parts.join(" "))
    });
    m.add("cat", &[], Some(P::Any), |a| {
        if a.iter().any(|v| v.as_byte_string().is_some()) {
            return Ok(join_printed(a, "%v"));
        }
        let parts: Vec<String> = a
            .iter()
            .filter(|v| !v.is_nil())
            .map(gotmpl::fmt::format_v)
            .collect();
        ok_str(parts.join(" "))
    });
    m.add("indent", &[P::Int, P::String], None, |a| {
        indent(arg_int(&a[0]), arg_str(&a[1])).map(Value::string)
    });
    m.add("nindent", &[P::Int, P::String], None, |a| {
        Ok(Value::string(format!(
            "\n{}",
            indent(arg_int(&a[0]), arg_str(&a[1]))?
        )))
    });
    m.add("replace", &[P::String, P::String, P::String], None, |a| {
        ok_str(arg_str(&a[2]).replace(arg_str(&a[0]), arg_str(&a[1])))
    });
    m.add("plural", &[P::String, P::String, P::Int], None, |a| {
        Ok(if arg_int(&a[2]) == 1 {
            a[0].clone()
        } else {
            a[1].clone()
        })
    });
    m.add("split", &[P::String, P::String], None, |a| {
        Ok(split_map(go_split(arg_str(&a[1]), arg_str(&a[0]), -1)))
    });
    m.add("splitn", &[P::String, P::Int, P::String], None, |a| {
        Ok(split_map(go_split(
            arg_str(&a[2]),
            arg_str(&a[0]),
            arg_int(&a[1]),
        )))
    });
    m.add("splitList", &[P::String, P::String], None, |a| {
        let parts = go_split(arg_str(&a[1]), arg_str(&a[0]), -1);
        Ok(Value::string_list(
            parts.into_iter().map(str::to_string).collect(),
        ))
    });
    m.add("join", &[P::String, P::Any], None, |a| {
        ok_str(strslice(&a[1]).join(arg_str(&a[0])))
    });
    m.add("sortAlpha", &[P::Any], None, |a| {
        let mut v = match &a[0] {
            Value::List(_) | Value::Bytes(_) => strslice(&a[0]),
            other => vec![strval(other)],
        };
        v.sort_unstable();
        Ok(Value::string_list(v))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases() {
        assert_eq!(camel_to_lower("FirstName", '_'), "first_name");
        assert_eq!(camel_to_lower("HTTPServer", '_'), "http_server");
        assert_eq!(camel_to_lower("NoHTTPS", '_'), "no_https");
        assert_eq!(camel_to_lower("GO PATH", '_'), "go_path");
        assert_eq!(camel_to_lower("http2xx", '_'), "http_2xx");
        assert_eq!(camel_to_lower("HTTP20xOK", '-'), "http-20x-ok");
        assert_eq!(camel_to_lower("Duration2m3s", '_'), "duration_2m3s");
        assert_eq!(camel_to_lower("Bld4Floor3rd", '-'), "bld4-floor-3rd");
        assert_eq!(pascal_case("http_server"), "HttpServer");
        assert_eq!(pascal_case("_complex__case_"), "_Complex_Case_");
        assert_eq!(pascal_case("GOLANG_IS_GREAT"), "GolangIsGreat");
        assert_eq!(pascal_case("a-b c"), "ABC");
    }

    #[test]
    fn misc() {
        assert_eq!(
            title("hello wORLD foo-bar foo_bar"),
            "Hello WORLD Foo-Bar Foo_bar"
        );
        assert_eq!(untitle("Hello World ABC"), "hello world aBC");
        assert_eq!(go_quote("a\"b\u{a0}\n\u{1}"), "\"a\\\"b\\u00a0\\n\\x01\"");
        assert_eq!(
            wrap_custom("hello world foo", 5, "", false),
            "hello\nworld\nfoo"
        );
        assert_eq!(abbreviate_full("1234 5678 9123", 5, 10), "...5678...");
        assert_eq!(
            substr(3, 1, 5).unwrap_err().to_string(),
            "runtime error: slice bounds out of range [3:1]"
        );
        assert_eq!(trunc(-2, 5), (3, 5));
        assert_eq!(trunc(9, 5), (0, 5));
        assert_eq!(trim_space_bytes(b" \xff\t\xe2\x80\xa8x \xc2\xa0"), (1, 7));
        assert_eq!(go_split("abc", "", 2), vec!["a", "bc"]);
        assert_eq!(indent(2, "a\nb\n").unwrap(), "  a\n  b\n  ");
        assert!(indent(-1, "a").is_err());
        // Go's errors past int64 and past its allocation limit (checked
        // with Helm); the 1 GiB cap below those.
        let err = |r: Result<String, FuncError>| r.unwrap_err().to_string();
        assert_eq!(
            err(repeat(4611686018427387904, "ab")),
            "strings: Repeat output length overflow"
        );
        assert_eq!(
            err(indent(i64::MAX, "a")),
            "runtime error: makeslice: len out of range"
        );
        assert_eq!(
            err(repeat(300_000_000_000_000, "a")),
            "runtime error: makeslice: len out of range"
        );
        assert_eq!(
            err(repeat(2_000_000_000, "a")),
            "repeat: 2000000000 bytes would make a string longer than the 1 GiB limit"
        );
        assert_eq!(nospace(" a\u{a0}b"), "a\u{c2}b");
        assert_eq!(pascal_case("_"), "__");
        assert_eq!(swapcase("This Is A.Test"), "tHIS iS a.tEST");
    }
}
