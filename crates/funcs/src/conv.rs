//! Type conversions: `toString`, `toStrings`, `atoi`, `int`, `int64`,
//! `float64`, `toDecimal` — thin wrappers over the cast rules in `cast.rs`.

use gotmpl::{FuncMap, IntKind, ParamType as P, Value};

use crate::cast::{arg_str, strval, strval_value, to_float64, to_int64};
use crate::strings::strslice;

/// `strconv.Atoi`: base 10 only, optional sign, no separators.
/// Sprig's `atoi`: `strconv.Atoi` with its error ignored, so a number
/// out of range gives the nearest int (Go returns it with ErrRange).
fn atoi(s: &str) -> i64 {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return 0;
    }
    s.parse::<i64>().unwrap_or(if s.starts_with('-') {
        i64::MIN
    } else {
        i64::MAX
    })
}

/// Sprig's `toDecimal`: the value's text parsed as octal (0 on error).
fn to_decimal(v: &Value) -> i64 {
    let s = strval(v);
    // strconv.ParseInt(s, 8, 64): sign allowed, octal digits only.
    let digits = s.strip_prefix(['+', '-']).unwrap_or(&s);
    if digits.is_empty() || !digits.bytes().all(|c| (b'0'..=b'7').contains(&c)) {
        return 0;
    }
    i64::from_str_radix(&s, 8).unwrap_or(0)
}

pub fn register(m: &mut FuncMap) {
    m.add("toString", &[P::Any], None, |a| Ok(strval_value(&a[0])));
    m.add("toStrings", &[P::Any], None, |a| {
        Ok(Value::string_list(strslice(&a[0])))
    });
    m.add("atoi", &[P::String], None, |a| {
        Ok(Value::int(atoi(arg_str(&a[0]))))
    });
    m.add("int", &[P::Any], None, |a| Ok(Value::int(to_int64(&a[0]))));
    m.add("int64", &[P::Any], None, |a| {
        Ok(Value::Int(to_int64(&a[0]), IntKind::Int64))
    });
    m.add("float64", &[P::Any], None, |a| {
        Ok(Value::Float(to_float64(&a[0])))
    });
    m.add("toDecimal", &[P::Any], None, |a| {
        Ok(Value::int64(to_decimal(&a[0])))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions() {
        assert_eq!(atoi("12"), 12);
        assert_eq!(atoi("-3"), -3);
        assert_eq!(atoi("1_0"), 0);
        assert_eq!(atoi("0x10"), 0);
        assert_eq!(atoi("99999999999999999999"), i64::MAX);
        assert_eq!(atoi("-9223372036854775809"), i64::MIN);
        assert_eq!(to_decimal(&Value::str("0777")), 511);
        assert_eq!(to_decimal(&Value::str("8")), 0);
        assert_eq!(to_decimal(&Value::int(10)), 8);
    }
}
