//! Go conversions every Sprig family leans on.
//!
//! Sprig converts loosely typed template arguments with `spf13/cast`
//! (`toInt64`, `toFloat64`, …) and stringifies with its own `strval`
//! (`fmt.Sprintf("%v")` with a fast path for strings).  Their quirks are
//! observable in templates (`int "1.0"` is 1 but `int "1.5"` is 0, `int 1e20`
//! is the amd64 "integer indefinite" value), so they are reproduced here
//! together with the `strconv` parsers they call.  Also the small argument
//! accessors shared by the function bodies and Go's runtime panic texts.

use gotmpl::{FuncError, Value};

/// Go's runtime panic for a nil interface method call / nil map deref.
pub(crate) const NIL_DEREF: &str =
    "runtime error: invalid memory address or nil pointer dereference";

/// A checked `string` parameter (the executor guarantees the variant).
pub(crate) fn arg_str(v: &Value) -> &str {
    match v {
        Value::String(s) => s,
        _ => "",
    }
}

/// A checked `ParamType::StringBytes` parameter: the Go string's bytes.
pub(crate) fn arg_bytes(v: &Value) -> &[u8] {
    v.go_str_bytes().unwrap_or_default()
}

/// A checked integer parameter (`int`, `int64`).
pub(crate) fn arg_int(v: &Value) -> i64 {
    match v {
        Value::Int(n, _) => *n,
        Value::Float(f) => go_f64_to_i64(*f),
        _ => 0,
    }
}

/// A checked `float64` parameter.
pub(crate) fn arg_float(v: &Value) -> f64 {
    match v {
        Value::Float(f) => *f,
        Value::Int(n, _) => *n as f64,
        _ => 0.0,
    }
}

/// `reflect.TypeOf(v).Kind()` as Sprig's list functions call it: on an
/// untyped nil `TypeOf` is a nil interface and `.Kind()` panics.
pub(crate) fn kind_of_nonnil(v: &Value) -> Result<&'static str, FuncError> {
    if v.is_nil() {
        Err(FuncError::msg(NIL_DEREF))
    } else {
        Ok(v.kind_name())
    }
}

/// Sprig's `strval` as a Go string: strings as is, `[]byte` as a string
/// of its bytes, everything else `%v` (byte strings keep their bytes).
pub(crate) fn strval_value(v: &Value) -> Value {
    match v {
        Value::String(_) => v.clone(),
        Value::Bytes(b) => Value::from_go_bytes(b),
        Value::Object(_) if v.as_byte_string().is_some() => v.clone(),
        other => gotmpl::fmt::format_v_value(other),
    }
}

/// Sprig's `strval`: strings as is, `[]byte` as text, everything else `%v`
/// (as text: bytes that are not UTF-8 come out lossy; see [`strval_value`]).
pub(crate) fn strval(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_string(),
        Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        other => gotmpl::fmt::format_v(other),
    }
}

/// Go's float64 → int64 conversion on amd64: truncation, with NaN and
/// out-of-range values giving `math.MinInt64` (CVTTSD2SI's "indefinite").
pub(crate) fn go_f64_to_i64(f: f64) -> i64 {
    if f.is_nan() || !(-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&f) {
        i64::MIN
    } else {
        f as i64
    }
}

/// `cast.ToInt64` (and `cast.ToInt`: `int` is 64-bit): errors become 0.
pub(crate) fn to_int64(v: &Value) -> i64 {
    match v {
        Value::Nil => 0,
        Value::Bool(b) => *b as i64,
        Value::Int(n, _) => *n,
        Value::Float(f) => go_f64_to_i64(*f),
        Value::String(s) => parse_int(trim_zero_decimal(s)).unwrap_or(0),
        _ => 0,
    }
}

/// `cast.ToFloat64`: errors become 0.
pub(crate) fn to_float64(v: &Value) -> f64 {
    match v {
        Value::Nil => 0.0,
        Value::Bool(b) => *b as i64 as f64,
        Value::Int(n, k) => {
            if *k == gotmpl::IntKind::Uint64 {
                *n as u64 as f64
            } else {
                *n as f64
            }
        }
        Value::Float(f) => *f,
        Value::String(s) => parse_float(s).unwrap_or(0.0),
        _ => 0.0,
    }
}

/// cast's `trimZeroDecimal`: "12.000" → "12", anything else unchanged.
fn trim_zero_decimal(s: &str) -> &str {
    let b = s.as_bytes();
    let mut found_zero = false;
    for i in (1..=b.len()).rev() {
        match b[i - 1] {
            b'.' => {
                if found_zero {
                    return &s[..i - 1];
                }
            }
            b'0' => found_zero = true,
            _ => return s,
        }
    }
    s
}

/// `strconv.ParseInt(s, 0, 64)`: sign, `0x`/`0o`/`0b`/leading-0 octal
/// prefixes, `_` separators; `None` on syntax or range errors.
pub(crate) fn parse_int(s: &str) -> Option<i64> {
    if s.is_empty() {
        return None;
    }
    let (neg, body) = match s.as_bytes()[0] {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let u = parse_uint_base0(body)?;
    if !gotmpl::digit_separators_ok(s) && s.contains('_') {
        return None;
    }
    if neg {
        if u > (1u64 << 63) {
            None
        } else {
            Some((u as i64).wrapping_neg())
        }
    } else if u > i64::MAX as u64 {
        None
    } else {
        Some(u as i64)
    }
}

fn parse_uint_base0(s: &str) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let b = s.as_bytes();
    let (base, digits): (u64, &[u8]) = if b[0] == b'0' {
        if b.len() >= 3 && b[1].eq_ignore_ascii_case(&b'b') {
            (2, &b[2..])
        } else if b.len() >= 3 && b[1].eq_ignore_ascii_case(&b'o') {
            (8, &b[2..])
        } else if b.len() >= 3 && b[1].eq_ignore_ascii_case(&b'x') {
            (16, &b[2..])
        } else {
            (8, &b[1..])
        }
    } else {
        (10, b)
    };
    let mut n: u64 = 0;
    for &c in digits {
        if c == b'_' {
            continue;
        }
        let d = match c {
            b'0'..=b'9' => (c - b'0') as u64,
            b'a'..=b'z' => (c - b'a' + 10) as u64,
            b'A'..=b'Z' => (c - b'A' + 10) as u64,
            _ => return None,
        };
        if d >= base {
            return None;
        }
        n = n.checked_mul(base)?.checked_add(d)?;
    }
    Some(n)
}

/// `strconv.ParseFloat(s, 64)`; `None` on syntax errors and on overflow
/// (Go returns ±Inf *with* an error there, which cast turns into 0).
pub(crate) fn parse_float(s: &str) -> Option<f64> {
    if s.is_empty() {
        return None;
    }
    // Special values: optional sign + inf/infinity, or bare nan.
    let (sign, rest) = match s.as_bytes()[0] {
        b'-' => (-1.0, &s[1..]),
        b'+' => (1.0, &s[1..]),
        _ => (1.0, s),
    };
    if rest.eq_ignore_ascii_case("inf") || rest.eq_ignore_ascii_case("infinity") {
        return Some(sign * f64::INFINITY);
    }
    if rest.eq_ignore_ascii_case("nan") {
        return if rest.len() == s.len() {
            Some(f64::NAN)
        } else {
            None
        };
    }
    let lower = rest.to_ascii_lowercase();
    if let Some(hex) = lower.strip_prefix("0x") {
        return parse_hex_float(hex).map(|f| sign * f);
    }
    let cleaned;
    let text = if s.contains('_') {
        if !gotmpl::digit_separators_ok(s) {
            return None;
        }
        cleaned = s.replace('_', "");
        cleaned.as_str()
    } else {
        s
    };
    // Rust's grammar is a superset only for inf/nan spellings, handled above.
    if !text
        .bytes()
        .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'))
    {
        return None;
    }
    let f: f64 = text.parse().ok()?;
    if f.is_infinite() {
        return None;
    }
    Some(f)
}

/// A hex float's digits after `0x` (underscores allowed); overflow is
/// not a number here.
fn parse_hex_float(s: &str) -> Option<f64> {
    gostd::strconv::parse_hex_float(&s.replace('_', "")).filter(|f| f.is_finite())
}

/// Sprig's `empty` (reflect-based, mirrors template truth).
pub(crate) fn empty(v: &Value) -> bool {
    !v.truthy()
}

/// `reflect.DeepEqual` on template values: types must match exactly.
pub(crate) fn deep_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Nil, Value::Nil) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x, k1), Value::Int(y, k2)) => k1 == k2 && x == y,
        (Value::Float(x), Value::Float(y)) => x == y,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Bytes(x), Value::Bytes(y)) => x == y,
        (Value::List(x), Value::List(y)) => {
            x.elem == y.elem
                && x.items().len() == y.items().len()
                && x.items()
                    .iter()
                    .zip(y.items().iter())
                    .all(|(p, q)| deep_equal(p, q))
        }
        (Value::Map(x), Value::Map(y)) => {
            if x.ptr_eq(y) {
                return true;
            }
            if x.elem != y.elem {
                return false;
            }
            let (xm, ym) = (x.borrow(), y.borrow());
            xm.len() == ym.len()
                && xm
                    .iter()
                    .all(|(k, v)| ym.get(k).is_some_and(|w| deep_equal(v, w)))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.type_name() == y.type_name() && x.format_v() == y.format_v()
        }
        _ => false,
    }
}

/// Items of a slice-kinded value (`[]interface{}`, `[]string`, `[]byte`).
pub(crate) fn slice_items(v: &Value) -> Option<std::borrow::Cow<'_, [Value]>> {
    match v {
        Value::List(l) => Some(std::borrow::Cow::Borrowed(l.items())),
        Value::Bytes(b) => Some(std::borrow::Cow::Owned(
            b.iter()
                .map(|&x| Value::Int(x as i64, gotmpl::IntKind::Uint8))
                .collect(),
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints() {
        assert_eq!(to_int64(&Value::str("12")), 12);
        assert_eq!(to_int64(&Value::str("12abc")), 0);
        assert_eq!(to_int64(&Value::str("1.0")), 1);
        assert_eq!(to_int64(&Value::str("1.50")), 0);
        assert_eq!(to_int64(&Value::str("010")), 8);
        assert_eq!(to_int64(&Value::str("0x1F")), 31);
        assert_eq!(to_int64(&Value::str("-0b11")), -3);
        assert_eq!(to_int64(&Value::str("1_000")), 1000);
        assert_eq!(to_int64(&Value::str("_1")), 0);
        assert_eq!(to_int64(&Value::str("9223372036854775808")), 0);
        assert_eq!(to_int64(&Value::str("-9223372036854775808")), i64::MIN);
        assert_eq!(to_int64(&Value::Float(-1.9)), -1);
        assert_eq!(to_int64(&Value::Float(1e20)), i64::MIN);
        assert_eq!(to_int64(&Value::Bool(true)), 1);
    }

    #[test]
    fn floats() {
        assert_eq!(to_float64(&Value::str("1.5")), 1.5);
        assert_eq!(to_float64(&Value::str("x")), 0.0);
        assert!(to_float64(&Value::str("NaN")).is_nan());
        assert_eq!(to_float64(&Value::str("-inf")), f64::NEG_INFINITY);
        assert_eq!(to_float64(&Value::str("1e400")), 0.0);
        assert_eq!(to_float64(&Value::str("0x1p4")), 16.0);
        assert_eq!(to_float64(&Value::str("+nan")), 0.0);
        assert_eq!(to_float64(&Value::str(".5")), 0.5);
    }
}
