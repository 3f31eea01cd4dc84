//! Go's float formatting as the serialisers use it.
//!
//! `strconv.FormatFloat(f, 'g', -1, 64|32)` (go-yaml's emitter, sigs.k8s.io's
//! float map keys) and `encoding/json`'s float encoder differ from Rust's
//! `Display` in where they switch to exponent form and how they print the
//! exponent (`1e+06`, `1e-07`), so both are rebuilt here from the shortest
//! round-trip digits, which Rust's `{:e}` formatting already provides.

/// Shortest decimal digits of `f` (no sign) and the decimal point position:
/// value = 0.DIGITS × 10^dp.  `f` must be finite and non-zero.
fn shortest_digits(f: f64, bits32: bool) -> (String, i32) {
    let s = if bits32 {
        format!("{:e}", (f as f32).abs())
    } else {
        format!("{:e}", f.abs())
    };
    let (mant, exp) = s.split_once('e').unwrap_or((s.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    let digits = digits.trim_end_matches('0').to_string();
    let digits = if digits.is_empty() {
        "0".to_string()
    } else {
        digits
    };
    (digits, exp + 1)
}

fn fmt_e(neg: bool, digits: &str, dp: i32, min_exp_digits: usize) -> String {
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    out.push_str(&digits[..1]);
    if digits.len() > 1 {
        out.push('.');
        out.push_str(&digits[1..]);
    }
    let exp = dp - 1;
    out.push('e');
    out.push(if exp < 0 { '-' } else { '+' });
    let e = exp.unsigned_abs().to_string();
    for _ in e.len()..min_exp_digits {
        out.push('0');
    }
    out.push_str(&e);
    out
}

fn fmt_f(neg: bool, digits: &str, dp: i32) -> String {
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if dp <= 0 {
        out.push_str("0.");
        for _ in 0..(-dp) {
            out.push('0');
        }
        out.push_str(digits);
    } else if dp as usize >= digits.len() {
        out.push_str(digits);
        for _ in digits.len()..dp as usize {
            out.push('0');
        }
    } else {
        out.push_str(&digits[..dp as usize]);
        out.push('.');
        out.push_str(&digits[dp as usize..]);
    }
    out
}

/// `strconv.FormatFloat(f, 'g', -1, 64)` (or 32 when `bits32`).
pub fn format_g(f: f64, bits32: bool) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    let neg = f.is_sign_negative();
    if f == 0.0 {
        return if neg { "-0".into() } else { "0".into() };
    }
    let (digits, dp) = shortest_digits(f, bits32);
    let exp = dp - 1;
    // Shortest formatting decides with a fixed precision of 6.
    if !(-4..6).contains(&exp) {
        fmt_e(neg, &digits, dp, 2)
    } else {
        fmt_f(neg, &digits, dp)
    }
}

/// `encoding/json`'s float64 text (caller rejects NaN/Inf first).
pub fn format_json(f: f64) -> String {
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let neg = f.is_sign_negative();
    let (digits, dp) = shortest_digits(f, false);
    let abs = f.abs();
    if !(1e-6..1e21).contains(&abs) {
        // 'e' format with Go's two-digit exponent, then encoding/json
        // shortens `e-07` to `e-7`.
        let s = fmt_e(neg, &digits, dp, 2);
        let b = s.as_bytes();
        let n = b.len();
        if n >= 4 && b[n - 4] == b'e' && b[n - 3] == b'-' && b[n - 2] == b'0' {
            let mut t = s[..n - 2].to_string();
            t.push(b[n - 1] as char);
            return t;
        }
        s
    } else {
        fmt_f(neg, &digits, dp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g_format() {
        assert_eq!(format_g(1000000.0, false), "1e+06");
        assert_eq!(format_g(999999.0, false), "999999");
        assert_eq!(format_g(123456789.0, false), "1.23456789e+08");
        assert_eq!(format_g(1.5e-10, false), "1.5e-10");
        assert_eq!(format_g(0.0001, false), "0.0001");
        assert_eq!(format_g(0.00001, false), "1e-05");
        assert_eq!(format_g(1e21, false), "1e+21");
        assert_eq!(
            format_g(12345678901234567890.0, false),
            "1.2345678901234567e+19"
        );
        assert_eq!(format_g(-3.0, false), "-3");
        assert_eq!(format_g(0.30000000000000004, false), "0.30000000000000004");
        assert_eq!(format_g(1.1, true), "1.1");
        assert_eq!(format_g(1e7, true), "1e+07");
    }

    #[test]
    fn json_format() {
        assert_eq!(format_json(1e21), "1e+21");
        assert_eq!(format_json(1e-7), "1e-7");
        assert_eq!(format_json(1.5e-10), "1.5e-10");
        assert_eq!(format_json(1e20), "100000000000000000000");
        assert_eq!(format_json(12345678901234567890.0), "12345678901234567000");
        assert_eq!(format_json(0.000001), "0.000001");
        assert_eq!(format_json(-2.5), "-2.5");
        assert_eq!(format_json(1e300), "1e+300");
    }
}
