//! Implicit typing of YAML scalars, as go-yaml v2 (`resolve.go`) does it.
//!
//! This is YAML 1.1 with go-yaml's own twists: `y`/`n`/`on`/`off` are
//! booleans, integers go through Go's `strconv.ParseInt(s, 0, 64)` after
//! every `_` is removed (so `012` is octal, `0o12`/`0b101`/`0x_1F` work),
//! floats must match a strict regex before `ParseFloat`, timestamps are
//! recognised (the decoder then keeps them as strings), base-60 numbers are
//! strings.  The same function decides quoting on the way out: a string is
//! emitted plain only if it would resolve back to a string.

pub const STR_TAG: &str = "tag:yaml.org,2002:str";
pub const BOOL_TAG: &str = "tag:yaml.org,2002:bool";
pub const INT_TAG: &str = "tag:yaml.org,2002:int";
pub const FLOAT_TAG: &str = "tag:yaml.org,2002:float";
pub const NULL_TAG: &str = "tag:yaml.org,2002:null";
pub const TIMESTAMP_TAG: &str = "tag:yaml.org,2002:timestamp";
pub const BINARY_TAG: &str = "tag:yaml.org,2002:binary";
pub const MERGE_TAG: &str = "tag:yaml.org,2002:merge";

/// A resolved scalar (go-yaml's `interface{}` result of `resolve`).
#[derive(Clone, Debug, PartialEq)]
pub enum Scalar {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(String),
    /// Looks like a timestamp; the decoder keeps the original text.
    Timestamp(String),
    Merge,
}

/// `!!str` style short form of a long tag, for messages.
pub fn short_tag(tag: &str) -> String {
    match tag.strip_prefix("tag:yaml.org,2002:") {
        Some(rest) => format!("!!{rest}"),
        None => tag.to_string(),
    }
}

fn tag_of(s: &Scalar) -> &'static str {
    match s {
        Scalar::Null => NULL_TAG,
        Scalar::Bool(_) => BOOL_TAG,
        Scalar::Int(_) | Scalar::Uint(_) => INT_TAG,
        Scalar::Float(_) => FLOAT_TAG,
        Scalar::Str(_) => STR_TAG,
        Scalar::Timestamp(_) => TIMESTAMP_TAG,
        Scalar::Merge => MERGE_TAG,
    }
}

fn map_lookup(s: &str) -> Option<Scalar> {
    Some(match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            Scalar::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            Scalar::Bool(false)
        }
        "" | "~" | "null" | "Null" | "NULL" => Scalar::Null,
        ".nan" | ".NaN" | ".NAN" => Scalar::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Scalar::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Scalar::Float(f64::NEG_INFINITY),
        "<<" => Scalar::Merge,
        _ => return None,
    })
}

/// Go's `strconv.ParseInt(s, 0, 64)` / `ParseUint` core: base prefix,
/// digits, overflow.  Returns the magnitude and whether it overflowed u64.
fn parse_go_uint(s: &str) -> Option<Result<u64, ()>> {
    if s.is_empty() {
        return None;
    }
    let b = s.as_bytes();
    let (base, digits) = if b[0] == b'0' && b.len() > 1 {
        match b[1] {
            b'x' | b'X' => (16, &s[2..]),
            b'o' | b'O' => (8, &s[2..]),
            b'b' | b'B' => (2, &s[2..]),
            _ => (8, &s[1..]),
        }
    } else {
        (10, s)
    };
    if digits.is_empty() {
        return None;
    }
    let mut n: u64 = 0;
    let mut overflow = false;
    for c in digits.chars() {
        let d = c.to_digit(base)?;
        if !overflow {
            match n
                .checked_mul(base as u64)
                .and_then(|x| x.checked_add(d as u64))
            {
                Some(x) => n = x,
                None => overflow = true,
            }
        }
    }
    Some(if overflow { Err(()) } else { Ok(n) })
}

/// `strconv.ParseInt(s, 0, 64)`: Ok(value), Err(true) on range error, Err(false) on syntax error.
fn parse_int(s: &str) -> Result<i64, bool> {
    let (neg, rest) = match s.as_bytes().first() {
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    match parse_go_uint(rest) {
        None => Err(false),
        Some(Err(())) => Err(true),
        Some(Ok(u)) => {
            if neg {
                if u <= 1u64 << 63 {
                    Ok((u as i128).wrapping_neg() as i64)
                } else {
                    Err(true)
                }
            } else if u <= i64::MAX as u64 {
                Ok(u as i64)
            } else {
                Err(true)
            }
        }
    }
}

fn parse_uint(s: &str) -> Option<u64> {
    match parse_go_uint(s) {
        Some(Ok(u)) => Some(u),
        _ => None,
    }
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let st = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - st
    };
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            digits(&mut i);
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Go's `strconv.ParseFloat(s, 64)` for the inputs resolve feeds it
/// (decimal forms); overflow is an error, underflow is 0.
fn parse_float(s: &str) -> Option<f64> {
    let lower = s.to_ascii_lowercase();
    let t = lower.trim_start_matches(['+', '-']);
    if t.starts_with("inf") || t.starts_with("nan") || t.starts_with("0x") || s.contains('_') {
        // Go accepts these spellings too, but only reached from the '.' hint
        // path where they cannot occur; reject rather than guess.
        return None;
    }
    let f: f64 = s.parse().ok()?;
    if f.is_infinite() {
        None
    } else {
        Some(f)
    }
}

/// `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`
pub fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    if b.is_empty() || !(b[0] == b'+' || b[0] == b'-' || b[0].is_ascii_digit()) || !s.contains(':')
    {
        return false;
    }
    let mut i = 0;
    if b[0] == b'+' || b[0] == b'-' {
        i += 1;
    }
    if i >= b.len() || !b[i].is_ascii_digit() {
        return false;
    }
    i += 1;
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while i < b.len() && b[i] == b':' {
        i += 1;
        // [0-5]?[0-9]
        let st = i;
        while i < b.len() && b[i].is_ascii_digit() && i - st < 2 {
            i += 1;
        }
        match i - st {
            0 => return false,
            1 => {}
            _ => {
                if b[st] > b'5' {
                    // "[0-5]?[0-9]" with two digits needs the first in 0-5;
                    // otherwise only one digit matches, and the next char must continue the pattern.
                    i = st + 1;
                }
            }
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

fn days_in(month: u32, year: i64) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ => {
            if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 {
                29
            } else {
                28
            }
        }
    }
}

/// go-yaml's `parseTimestamp`: Go `time.Parse` with the layouts
/// `2006-1-2T15:4:5.999999999Z07:00` (also lower-case `t`),
/// `2006-1-2 15:4:5.999999999` and `2006-1-2`.
pub fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    let year: i64 = s[..4].parse().unwrap_or(0);
    let mut i = 5;
    // 1-2 digit number
    let num = |i: &mut usize| -> Option<u32> {
        let st = *i;
        if *i >= b.len() || !b[*i].is_ascii_digit() {
            return None;
        }
        *i += 1;
        if *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        s[st..*i].parse().ok()
    };
    let Some(month) = num(&mut i) else {
        return false;
    };
    if i >= b.len() || b[i] != b'-' {
        return false;
    }
    i += 1;
    let Some(day) = num(&mut i) else { return false };
    if !(1..=12).contains(&month) || day < 1 || day > days_in(month, year) {
        return false;
    }
    if i == b.len() {
        return true;
    }
    let sep = b[i];
    if sep != b'T' && sep != b't' && sep != b' ' {
        return false;
    }
    i += 1;
    let Some(h) = num(&mut i) else { return false };
    if i >= b.len() || b[i] != b':' {
        return false;
    }
    i += 1;
    let Some(m) = num(&mut i) else { return false };
    if i >= b.len() || b[i] != b':' {
        return false;
    }
    i += 1;
    let Some(sec) = num(&mut i) else { return false };
    if h > 23 || m > 59 || sec > 59 {
        return false;
    }
    if i + 1 < b.len() && (b[i] == b'.' || b[i] == b',') && b[i + 1].is_ascii_digit() {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
    }
    if sep == b' ' {
        return i == b.len();
    }
    if i < b.len() && b[i] == b'Z' {
        return i + 1 == b.len();
    }
    // ±hh:mm
    if b.len() - i == 6
        && (b[i] == b'+' || b[i] == b'-')
        && b[i + 1].is_ascii_digit()
        && b[i + 2].is_ascii_digit()
        && b[i + 3] == b':'
        && b[i + 4].is_ascii_digit()
        && b[i + 5].is_ascii_digit()
    {
        let hh: u32 = s[i + 1..i + 3].parse().unwrap_or(99);
        let mm: u32 = s[i + 4..i + 6].parse().unwrap_or(99);
        return hh < 24 && mm < 60;
    }
    false
}

/// Implicit resolution of an untagged plain scalar (tag "").
pub fn resolve_plain(s: &str) -> Scalar {
    let hint = match s.as_bytes().first() {
        None => b'N',
        Some(c) => match c {
            b'+' | b'-' => b'S',
            b'0'..=b'9' => b'D',
            b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~' => b'M',
            b'.' => b'.',
            _ => 0,
        },
    };
    resolve_with_hint(s, hint, true)
}

fn resolve_with_hint(s: &str, hint: u8, try_timestamp: bool) -> Scalar {
    if hint == 0 {
        return Scalar::Str(s.to_string());
    }
    if let Some(v) = map_lookup(s) {
        return v;
    }
    match hint {
        b'.' => {
            if let Some(f) = parse_float(s) {
                return Scalar::Float(f);
            }
        }
        b'D' | b'S' => {
            if try_timestamp && is_timestamp(s) {
                return Scalar::Timestamp(s.to_string());
            }
            let plain = s.replace('_', "");
            if let Ok(i) = parse_int(&plain) {
                return Scalar::Int(i);
            }
            if let Some(u) = parse_uint(&plain) {
                return Scalar::Uint(u);
            }
            if yaml_style_float(&plain) {
                if let Some(f) = parse_float(&plain) {
                    return Scalar::Float(f);
                }
            }
            if let Some(rest) = plain.strip_prefix("0b") {
                // strconv.ParseInt(rest, 2, 64) then ParseUint (which takes no sign).
                if let Ok(i) = i64::from_str_radix(rest, 2) {
                    return Scalar::Int(i);
                }
                if !rest.starts_with('+') {
                    if let Ok(u) = u64::from_str_radix(rest, 2) {
                        return Scalar::Uint(u);
                    }
                }
            } else if let Some(rest) = plain.strip_prefix("-0b") {
                if let Ok(i) = i64::from_str_radix(&format!("-{rest}"), 2) {
                    return Scalar::Int(i);
                }
            }
        }
        _ => {}
    }
    Scalar::Str(s.to_string())
}

/// go-yaml v2 `resolve(tag, in)` for an explicitly tagged (or quoted with
/// tag) scalar: the resolved value, or go-yaml's failure message.
pub fn resolve_tagged(tag: &str, s: &str) -> Result<Scalar, String> {
    match tag {
        "" | STR_TAG | BOOL_TAG | INT_TAG | FLOAT_TAG | NULL_TAG | TIMESTAMP_TAG => {}
        // Unknown tags (and !!binary, handled by the caller) keep the text.
        _ => return Ok(Scalar::Str(s.to_string())),
    }
    let resolved = if tag == STR_TAG {
        Scalar::Str(s.to_string())
    } else {
        let hint = match s.as_bytes().first() {
            None => b'N',
            Some(c) => match c {
                b'+' | b'-' => b'S',
                b'0'..=b'9' => b'D',
                b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~' => b'M',
                b'.' => b'.',
                _ => 0,
            },
        };
        resolve_with_hint(s, hint, tag.is_empty() || tag == TIMESTAMP_TAG)
    };
    let rtag = tag_of(&resolved);
    if tag.is_empty() || tag == rtag || tag == STR_TAG {
        return Ok(resolved);
    }
    if tag == FLOAT_TAG {
        match resolved {
            Scalar::Int(i) => return Ok(Scalar::Float(i as f64)),
            Scalar::Uint(_) => {}
            _ => {}
        }
    }
    Err(format!(
        "cannot decode {} `{}` as a {}",
        short_tag(rtag),
        s,
        short_tag(tag)
    ))
}

/// Would this string come back as a string if emitted plain (go-yaml v2's
/// `canUsePlain` for strings)?
pub fn plain_is_string(s: &str) -> bool {
    matches!(resolve_plain(s), Scalar::Str(_)) && !is_base60_float(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans_and_nulls() {
        for s in ["y", "Yes", "ON", "true", "True"] {
            assert_eq!(resolve_plain(s), Scalar::Bool(true), "{s}");
        }
        for s in ["n", "NO", "off", "False"] {
            assert_eq!(resolve_plain(s), Scalar::Bool(false), "{s}");
        }
        for s in ["", "~", "null", "NULL"] {
            assert_eq!(resolve_plain(s), Scalar::Null);
        }
        assert_eq!(resolve_plain("yES"), Scalar::Str("yES".into()));
    }

    #[test]
    fn numbers() {
        assert_eq!(resolve_plain("012"), Scalar::Int(10));
        assert_eq!(resolve_plain("08"), Scalar::Float(8.0));
        assert_eq!(resolve_plain("0x_1F"), Scalar::Int(31));
        assert_eq!(resolve_plain("0b101"), Scalar::Int(5));
        assert_eq!(resolve_plain("-0b11"), Scalar::Int(-3));
        assert_eq!(resolve_plain("0o17"), Scalar::Int(15));
        assert_eq!(resolve_plain("1_000"), Scalar::Int(1000));
        assert_eq!(resolve_plain("+12"), Scalar::Int(12));
        assert_eq!(resolve_plain("1."), Scalar::Float(1.0));
        assert_eq!(resolve_plain(".5"), Scalar::Float(0.5));
        assert_eq!(resolve_plain("1e400"), Scalar::Str("1e400".into()));
        assert_eq!(
            resolve_plain("12345678901234567890"),
            Scalar::Uint(12345678901234567890)
        );
        assert_eq!(resolve_plain("-9223372036854775808"), Scalar::Int(i64::MIN));
        assert_eq!(resolve_plain("0x"), Scalar::Str("0x".into()));
        assert_eq!(resolve_plain("1.2.3"), Scalar::Str("1.2.3".into()));
        assert_eq!(resolve_plain("0b2"), Scalar::Str("0b2".into()));
    }

    #[test]
    fn timestamps_and_base60() {
        assert!(is_timestamp("2020-01-01"));
        assert!(is_timestamp("2020-1-1"));
        assert!(is_timestamp("2020-01-01T10:00:00Z"));
        assert!(is_timestamp("2020-01-01 10:00:00.5"));
        assert!(!is_timestamp("2020-02-30"));
        assert!(!is_timestamp("2020-01-01T10:00:00"));
        assert!(is_base60_float("12:30"));
        assert!(is_base60_float("190:20:30"));
        assert!(!is_base60_float("1:2:a"));
        assert!(!plain_is_string("12:30"));
        assert!(plain_is_string("a:b"));
    }

    #[test]
    fn tagged() {
        assert_eq!(resolve_tagged(INT_TAG, "12"), Ok(Scalar::Int(12)));
        assert_eq!(resolve_tagged(FLOAT_TAG, "1"), Ok(Scalar::Float(1.0)));
        assert_eq!(
            resolve_tagged(STR_TAG, "123"),
            Ok(Scalar::Str("123".into()))
        );
        assert_eq!(
            resolve_tagged(NULL_TAG, "x"),
            Err("cannot decode !!str `x` as a !!null".into())
        );
    }
}
