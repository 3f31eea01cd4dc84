//! Go's `strconv` quoting (`Quote`, `QuoteToASCII`, `QuoteRune`,
//! `CanBackquote`, `IsPrint`): the exact escapes Go's error messages and
//! `%q` use, over raw bytes (invalid UTF-8 becomes `\xNN`, as in Go).

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
