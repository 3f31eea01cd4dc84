//! Go's `strconv` as capstan's output depends on it: `FormatFloat` (Go's
//! digit layout for `e f g b x`, used by `printf`, `toString` and Chart.yaml
//! numbers), quoting (`Quote`, `QuoteToASCII`, `QuoteRune`, `CanBackquote`,
//! `IsPrint`: the exact escapes of Go's error messages and `%q`, over raw
//! bytes, invalid UTF-8 becoming `\xNN`), and hex-float digits.

/// `strconv.FormatFloat(f, fmt, prec, 64)`; `prec == -1` means shortest.
/// Supported formats: `e E f g G b x X` (others yield `%` + fmt, as Go does).
pub fn format_float(f: f64, fmt: u8, prec: i32) -> String {
    let neg = f.is_sign_negative();
    if f.is_infinite() {
        return if neg { "-Inf".into() } else { "+Inf".into() };
    }
    if f.is_nan() {
        return "NaN".into();
    }
    let mut out = String::new();
    match fmt {
        b'b' => {
            let (mant, exp) = float_parts(f);
            if neg {
                out.push('-');
            }
            out.push_str(&mant.to_string());
            out.push('p');
            let e = exp - 52;
            if e >= 0 {
                out.push('+');
            }
            out.push_str(&e.to_string());
            return out;
        }
        b'x' | b'X' => return fmt_hex_float(f, fmt, prec),
        b'e' | b'E' | b'f' | b'g' | b'G' => {}
        other => {
            out.push('%');
            out.push(other as char);
            return out;
        }
    }
    let a = f.abs();
    if prec < 0 {
        let digs = shortest_digits(a);
        let p = match fmt {
            b'e' | b'E' => digs.nd().saturating_sub(1) as i64,
            b'f' => (digs.nd() as i64 - digs.dp as i64).max(0),
            _ => digs.nd() as i64,
        };
        format_digits(&mut out, true, neg, &digs, p, fmt);
        return out;
    }
    let prec = prec as i64;
    match fmt {
        b'f' => {
            // Exact rounding at a fixed position; Rust rounds ties to even on
            // the exact binary value, as Go's big-decimal path does.
            if neg {
                out.push('-');
            }
            // Every float64 is a finite binary fraction: its exact decimal
            // expansion ends within EXACT_FRAC_DIGITS places, so a longer
            // precision only appends zeros.  (Rust's formatter also refuses
            // precisions above u16::MAX, which Go allows.)
            let p = prec as usize;
            out.push_str(&format!("{:.*}", p.min(EXACT_FRAC_DIGITS), a));
            if p > EXACT_FRAC_DIGITS {
                out.push_str(&"0".repeat(p - EXACT_FRAC_DIGITS));
            }
        }
        b'e' | b'E' => {
            let digs = fixed_digits(a, prec as usize + 1);
            fmt_e(&mut out, neg, &digs, prec, fmt);
        }
        _ => {
            let p = if prec == 0 { 1 } else { prec };
            let digs = fixed_digits(a, p as usize);
            format_digits(&mut out, false, neg, &digs, p, fmt);
        }
    }
    out
}

/// Decimal digits `0.d1d2d3… × 10^dp` (no trailing zeros; empty for zero).
struct Digits {
    d: Vec<u8>,
    dp: i32,
}

impl Digits {
    fn nd(&self) -> usize {
        self.d.len()
    }
}

/// Parse Rust's `{:e}` rendering (`1.2345e-5`) of a positive finite float.
fn parse_sci(s: &str) -> Digits {
    let (mant, exp) = s.split_once('e').unwrap_or((s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let mut d: Vec<u8> = mant.bytes().filter(|b| b.is_ascii_digit()).collect();
    while d.last() == Some(&b'0') {
        d.pop();
    }
    if d.is_empty() {
        return Digits { d, dp: 0 };
    }
    Digits { d, dp: exp + 1 }
}

fn shortest_digits(a: f64) -> Digits {
    if a == 0.0 {
        return Digits {
            d: Vec::new(),
            dp: 0,
        };
    }
    parse_sci(&format!("{a:e}"))
}

/// Fractional decimal places that hold the exact value of any float64
/// (the smallest subnormal, 2^-1074, has 1074).
const EXACT_FRAC_DIGITS: usize = 1100;

/// Significant decimal digits that hold the exact value of any float64
/// (at most 767 are ever needed).
const EXACT_SIG_DIGITS: usize = 800;

/// `n` significant digits, correctly rounded, trailing zeros trimmed.
fn fixed_digits(a: f64, n: usize) -> Digits {
    if a == 0.0 {
        return Digits {
            d: Vec::new(),
            dp: 0,
        };
    }
    // Beyond the exact expansion every further digit is a zero, which the
    // trimming below would drop anyway.
    let n = n.min(EXACT_SIG_DIGITS);
    parse_sci(&format!("{:.*e}", n.saturating_sub(1), a))
}

/// Go's `formatDigits` for `e E f g G`.
fn format_digits(out: &mut String, shortest: bool, neg: bool, digs: &Digits, prec: i64, fmt: u8) {
    match fmt {
        b'e' | b'E' => fmt_e(out, neg, digs, prec, fmt),
        b'f' => fmt_f(out, neg, digs, prec),
        _ => {
            let nd = digs.nd() as i64;
            let dp = digs.dp as i64;
            let mut eprec = prec;
            if eprec > nd && nd >= dp {
                eprec = nd;
            }
            // %e is used if the exponent from the conversion is less than -4
            // or greater than or equal to the precision; shortest uses 6.
            if shortest {
                eprec = 6;
            }
            let exp = dp - 1;
            let mut prec = prec;
            if exp < -4 || exp >= eprec {
                if prec > nd {
                    prec = nd;
                }
                fmt_e(out, neg, digs, prec - 1, fmt + b'e' - b'g');
            } else {
                if prec > dp {
                    prec = nd;
                }
                fmt_f(out, neg, digs, (prec - dp).max(0));
            }
        }
    }
}

fn fmt_e(out: &mut String, neg: bool, digs: &Digits, prec: i64, fmt: u8) {
    if neg {
        out.push('-');
    }
    out.push(if digs.nd() == 0 {
        '0'
    } else {
        digs.d[0] as char
    });
    if prec > 0 {
        out.push('.');
        let m = digs.nd().min(prec as usize + 1);
        let mut i = 1;
        if i < m {
            out.extend(digs.d[i..m].iter().map(|&b| b as char));
            i = m;
        }
        while (i as i64) <= prec {
            out.push('0');
            i += 1;
        }
    }
    out.push(fmt as char);
    let mut exp = if digs.nd() == 0 { 0 } else { digs.dp - 1 };
    if exp < 0 {
        out.push('-');
        exp = -exp;
    } else {
        out.push('+');
    }
    if exp < 10 {
        out.push('0');
    }
    out.push_str(&exp.to_string());
}

fn fmt_f(out: &mut String, neg: bool, digs: &Digits, prec: i64) {
    if neg {
        out.push('-');
    }
    let dp = digs.dp as i64;
    if dp > 0 {
        let m = digs.nd().min(dp as usize);
        out.extend(digs.d[..m].iter().map(|&b| b as char));
        for _ in m as i64..dp {
            out.push('0');
        }
    } else {
        out.push('0');
    }
    if prec > 0 {
        out.push('.');
        for i in 1..=prec {
            let j = dp + i - 1;
            let ch = if j >= 0 && (j as usize) < digs.nd() {
                digs.d[j as usize] as char
            } else {
                '0'
            };
            out.push(ch);
        }
    }
}

/// Mantissa (with the implicit bit) and unbiased exponent, as strconv sees them.
fn float_parts(f: f64) -> (u64, i32) {
    let bits = f.to_bits();
    let mut exp = ((bits >> 52) & 0x7ff) as i32;
    let mut mant = bits & ((1u64 << 52) - 1);
    if exp == 0 {
        exp += 1;
    } else {
        mant |= 1u64 << 52;
    }
    exp -= 1023;
    (mant, exp)
}

/// strconv's `%x` float form: `-0x1.8p+00`.
fn fmt_hex_float(f: f64, fmt: u8, prec: i32) -> String {
    let neg = f.is_sign_negative();
    let (mut mant, mut exp) = float_parts(f);
    if mant == 0 {
        exp = 0;
    }
    mant <<= 60 - 52;
    while mant != 0 && mant & (1u64 << 60) == 0 {
        mant <<= 1;
        exp -= 1;
    }
    if (0..15).contains(&prec) {
        let shift = (prec * 4) as u32;
        let extra = (mant << shift) & ((1u64 << 60) - 1);
        mant >>= 60 - shift;
        if extra | (mant & 1) > 1u64 << 59 {
            mant += 1;
        }
        mant <<= 60 - shift;
        if mant & (1u64 << 61) != 0 {
            mant >>= 1;
            exp += 1;
        }
    }
    let hex: &[u8] = if fmt == b'X' {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    out.push('0');
    out.push(fmt as char);
    out.push((b'0' + ((mant >> 60) & 1) as u8) as char);
    mant <<= 4;
    if prec < 0 && mant != 0 {
        out.push('.');
        while mant != 0 {
            out.push(hex[((mant >> 60) & 15) as usize] as char);
            mant <<= 4;
        }
    } else if prec > 0 {
        out.push('.');
        for _ in 0..prec {
            out.push(hex[((mant >> 60) & 15) as usize] as char);
            mant <<= 4;
        }
    }
    out.push(if fmt == b'X' { 'P' } else { 'p' });
    if exp < 0 {
        out.push('-');
        exp = -exp;
    } else {
        out.push('+');
    }
    if exp < 10 {
        out.push('0');
    }
    out.push_str(&exp.to_string());
    out
}

/// strconv.IsPrint: letters, marks, numbers, punctuation, symbols and ASCII space.
#[inline]
pub fn is_print(c: char) -> bool {
    use unicode_general_category::{get_general_category, GeneralCategory as G};
    if c == ' ' {
        return true;
    }
    !matches!(
        get_general_category(c),
        G::Control
            | G::Format
            | G::PrivateUse
            | G::Surrogate
            | G::Unassigned
            | G::SpaceSeparator
            | G::LineSeparator
            | G::ParagraphSeparator
    )
}

/// Append `r` escaped as in a Go literal quoted with `quote`.
#[inline]
pub fn push_escaped_rune(out: &mut String, r: char, quote: char, ascii_only: bool) {
    if r == quote || r == '\\' {
        out.push('\\');
        out.push(r);
        return;
    }
    if ascii_only {
        if r.is_ascii() && is_print(r) {
            out.push(r);
            return;
        }
    } else if is_print(r) {
        out.push(r);
        return;
    }
    match r {
        '\x07' => out.push_str("\\a"),
        '\x08' => out.push_str("\\b"),
        '\x0c' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\x0b' => out.push_str("\\v"),
        _ => {
            let n = r as u32;
            if n < 0x20 || n == 0x7f {
                out.push_str(&format!("\\x{n:02x}"));
            } else if n < 0x10000 {
                out.push_str(&format!("\\u{n:04x}"));
            } else {
                out.push_str(&format!("\\U{n:08x}"));
            }
        }
    }
}

/// `strconv.Quote` / `QuoteToASCII` over raw bytes (invalid UTF-8 → `\xNN`).
#[inline]
pub fn quote_bytes(b: &[u8], ascii_only: bool) -> String {
    let mut out = String::with_capacity(b.len() + 2);
    out.push('"');
    for chunk in b.utf8_chunks() {
        for c in chunk.valid().chars() {
            push_escaped_rune(&mut out, c, '"', ascii_only);
        }
        for &x in chunk.invalid() {
            out.push_str(&format!("\\x{x:02x}"));
        }
    }
    out.push('"');
    out
}

/// `strconv.Quote(s)`: Go's double-quoted string literal.
pub fn quote(s: &str) -> String {
    quote_bytes(s.as_bytes(), false)
}

/// `strconv.QuoteRune` (`QuoteRuneToASCII` when `ascii_only`).
#[inline]
pub fn quote_rune(r: char, ascii_only: bool) -> String {
    let mut out = String::from("'");
    push_escaped_rune(&mut out, r, '\'', ascii_only);
    out.push('\'');
    out
}

/// The first `n` runes of `b`; each invalid byte counts as one rune.
#[inline]
pub fn truncate_bytes(b: &[u8], n: usize) -> &[u8] {
    let mut len = 0usize;
    let mut left = n;
    for chunk in b.utf8_chunks() {
        for c in chunk.valid().chars() {
            if left == 0 {
                return &b[..len];
            }
            left -= 1;
            len += c.len_utf8();
        }
        for _ in chunk.invalid() {
            if left == 0 {
                return &b[..len];
            }
            left -= 1;
            len += 1;
        }
    }
    b
}

/// `strconv.CanBackquote`.
#[inline]
pub fn can_backquote(b: &[u8]) -> bool {
    let Ok(s) = std::str::from_utf8(b) else {
        return false;
    };
    s.chars()
        .all(|c| c != '`' && c != '\u{feff}' && (c == '\t' || !(c < ' ' || c == '\x7f')))
}

/// The value of a hexadecimal float's digits after `0x` (`1.8p3`, `.8p-1`),
/// as `strconv.ParseFloat` reads them: a `p`/`P` exponent is required, and
/// the result may overflow to infinity (callers decide whether that is a
/// range error). Underscores are the caller's to strip.
pub fn parse_hex_float(s: &str) -> Option<f64> {
    let i = s.find(['p', 'P'])?;
    let (mant, exp) = (&s[..i], s[i + 1..].parse::<i32>().ok()?);
    let (ip, fp) = mant.split_once('.').unwrap_or((mant, ""));
    if ip.is_empty() && fp.is_empty() {
        return None;
    }
    let mut v = 0f64;
    for c in ip.chars() {
        v = v * 16.0 + c.to_digit(16)? as f64;
    }
    let mut scale = 1.0 / 16.0;
    for c in fp.chars() {
        v += c.to_digit(16)? as f64 * scale;
        scale /= 16.0;
    }
    Some(v * 2f64.powi(exp))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_floats() {
        assert_eq!(parse_hex_float("1.8p3"), Some(12.0));
        assert_eq!(parse_hex_float(".8P-1"), Some(0.25));
        assert_eq!(parse_hex_float("1p"), None);
        assert_eq!(parse_hex_float("1.8"), None);
        assert_eq!(parse_hex_float("p3"), None);
        assert_eq!(parse_hex_float("1p2000"), Some(f64::INFINITY));
        assert_eq!(quote("a\"\n\u{7f}"), "\"a\\\"\\n\\x7f\"");
    }
}
