//! Sprig's encodings: `b64enc`/`b64dec`, `b32enc`/`b32dec` (Go's
//! `StdEncoding`s, whose decoders report the offending byte offset —
//! Sprig returns that error text *as the result*), and the JSON family,
//! which delegates to `yaml::json` (Go's `encoding/json` port).
//!
//! Helm replaces `toJson`, `mustToJson` and `fromJson` with its own
//! versions (registered by the engine); Sprig's are kept here so `sprig()`
//! is Sprig's map.

use gotmpl::{FuncError, FuncMap, ParamType as P, Value};

use crate::cast::{arg_bytes, arg_str};

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

pub(crate) fn b64_encode(src: &[u8]) -> String {
    let mut out = String::with_capacity(src.len().div_ceil(3) * 4);
    for chunk in src.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let v = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(B64[(v >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn b64_val(c: u8) -> Option<u32> {
    B64.iter().position(|&x| x == c).map(|p| p as u32)
}

fn corrupt(kind: &str, at: usize) -> String {
    format!("illegal {kind} data at input byte {at}")
}

/// `base64.StdEncoding.DecodeString`, quantum by quantum like Go's
/// `decodeQuantum` (CR/LF ignored, strict padding).
pub(crate) fn b64_decode(s: &str) -> Result<Vec<u8>, String> {
    let src = s.as_bytes();
    let mut out = Vec::with_capacity(src.len() / 4 * 3);
    let mut si = 0;
    while si < src.len() {
        let mut dbuf = [0u32; 4];
        let mut dlen = 4;
        let mut j = 0;
        let mut trailing_err = None;
        while j < 4 {
            if si == src.len() {
                if j == 0 {
                    return Ok(out);
                }
                return Err(corrupt("base64", si - j));
            }
            let c = src[si];
            si += 1;
            if let Some(v) = b64_val(c) {
                dbuf[j] = v;
                j += 1;
                continue;
            }
            if c == b'\n' || c == b'\r' {
                continue;
            }
            if c != b'=' {
                return Err(corrupt("base64", si - 1));
            }
            match j {
                0 | 1 => return Err(corrupt("base64", si - 1)),
                2 => {
                    while si < src.len() && (src[si] == b'\n' || src[si] == b'\r') {
                        si += 1;
                    }
                    if si == src.len() {
                        return Err(corrupt("base64", src.len()));
                    }
                    if src[si] != b'=' {
                        return Err(corrupt("base64", si - 1));
                    }
                    si += 1;
                }
                _ => {}
            }
            while si < src.len() && (src[si] == b'\n' || src[si] == b'\r') {
                si += 1;
            }
            if si < src.len() {
                trailing_err = Some(corrupt("base64", si));
            }
            dlen = j;
            break;
        }
        let val = dbuf[0] << 18 | dbuf[1] << 12 | dbuf[2] << 6 | dbuf[3];
        let bytes = [(val >> 16) as u8, (val >> 8) as u8, val as u8];
        out.extend_from_slice(&bytes[..dlen - 1]);
        if let Some(e) = trailing_err {
            return Err(e);
        }
    }
    Ok(out)
}

fn b32_encode(src: &[u8]) -> String {
    let mut out = String::with_capacity(src.len().div_ceil(5) * 8);
    for chunk in src.chunks(5) {
        let mut b = [0u8; 5];
        b[..chunk.len()].copy_from_slice(chunk);
        let v = b.iter().fold(0u64, |acc, &x| acc << 8 | x as u64);
        let used = (chunk.len() * 8).div_ceil(5);
        for k in 0..8 {
            if k < used {
                out.push(B32[(v >> (35 - 5 * k) & 31) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `base32.StdEncoding.DecodeString` (newlines stripped first, as Go does).
fn b32_decode(s: &str) -> Result<Vec<u8>, String> {
    let src: Vec<u8> = s.bytes().filter(|&c| c != b'\n' && c != b'\r').collect();
    let olen = src.len();
    let mut rest: &[u8] = &src;
    let mut out = Vec::new();
    let mut end = false;
    while !rest.is_empty() && !end {
        let mut dbuf = [0u8; 8];
        let mut dlen = 8;
        let mut j = 0;
        while j < 8 {
            if rest.is_empty() {
                return Err(corrupt("base32", olen - j));
            }
            let c = rest[0];
            rest = &rest[1..];
            if c == b'=' && j >= 2 && rest.len() < 8 {
                if rest.len() + j < 7 {
                    return Err(corrupt("base32", olen));
                }
                for k in 0..7 - j {
                    if rest.len() > k && rest[k] != b'=' {
                        return Err(corrupt("base32", olen - rest.len() + k - 1));
                    }
                }
                dlen = j;
                end = true;
                if matches!(dlen, 1 | 3 | 6) {
                    return Err(corrupt("base32", olen - rest.len() - 1));
                }
                break;
            }
            match B32.iter().position(|&x| x == c) {
                Some(v) => dbuf[j] = v as u8,
                None => return Err(corrupt("base32", olen - rest.len() - 1)),
            }
            j += 1;
        }
        let v = dbuf.iter().fold(0u64, |acc, &x| acc << 5 | x as u64);
        let bytes = v.to_be_bytes();
        let n = dlen * 5 / 8;
        out.extend_from_slice(&bytes[3..3 + n]);
    }
    Ok(out)
}

/// Decoded bytes as a Go string (a `ByteString` when not UTF-8).
fn bytes_to_value(b: Vec<u8>) -> Value {
    Value::from_go_vec(b)
}

fn json(v: &Value, escape_html: bool, indent: Option<&str>) -> Result<String, String> {
    json_encode(v, escape_html, indent)
}

/// `encoding/json` of `v` as Sprig's and Helm's `toJson` produce it.  A
/// byte string that is not UTF-8 is written with `\ufffd` for each
/// invalid byte, as Go writes it; nested in a map or list it becomes
/// U+FFFD itself (the encoder sees its lossy text).
pub fn json_encode(v: &Value, escape_html: bool, indent: Option<&str>) -> Result<String, String> {
    let Some(b) = v.as_byte_string() else {
        return yaml::json::encode(v, escape_html, indent);
    };
    let mut out = String::from("\"");
    for chunk in b.bytes().utf8_chunks() {
        if !chunk.valid().is_empty() {
            let quoted = yaml::json::encode(&Value::str(chunk.valid()), escape_html, None)?;
            out.push_str(&quoted[1..quoted.len() - 1]);
        }
        for _ in chunk.invalid() {
            out.push_str("\\ufffd");
        }
    }
    out.push('"');
    Ok(out)
}

pub fn register(m: &mut FuncMap) {
    m.add("b64enc", &[P::StringBytes], None, |a| {
        Ok(Value::string(b64_encode(arg_bytes(&a[0]))))
    });
    m.add("b64dec", &[P::String], None, |a| {
        Ok(match b64_decode(arg_str(&a[0])) {
            Ok(b) => bytes_to_value(b),
            Err(e) => Value::string(e),
        })
    });
    m.add("b32enc", &[P::StringBytes], None, |a| {
        Ok(Value::string(b32_encode(arg_bytes(&a[0]))))
    });
    m.add("b32dec", &[P::String], None, |a| {
        Ok(match b32_decode(arg_str(&a[0])) {
            Ok(b) => bytes_to_value(b),
            Err(e) => Value::string(e),
        })
    });
    // Errors are swallowed ("") by the plain variants, returned by must*;
    // toRawJson panics instead, which surfaces the error all the same.
    m.add("toJson", &[P::Any], None, |a| {
        Ok(Value::string(json(&a[0], true, None).unwrap_or_default()))
    });
    m.add("mustToJson", &[P::Any], None, |a| {
        Ok(Value::string(json(&a[0], true, None)?))
    });
    m.add("toPrettyJson", &[P::Any], None, |a| {
        Ok(Value::string(
            json(&a[0], true, Some("  ")).unwrap_or_default(),
        ))
    });
    m.add("mustToPrettyJson", &[P::Any], None, |a| {
        Ok(Value::string(json(&a[0], true, Some("  "))?))
    });
    for name in ["toRawJson", "mustToRawJson"] {
        m.add(name, &[P::Any], None, |a| {
            Ok(Value::string(json(&a[0], false, None)?))
        });
    }
    m.add("fromJson", &[P::String], None, |a| {
        Ok(yaml::json::decode(arg_str(&a[0])).unwrap_or(Value::Nil))
    });
    m.add(
        "mustFromJson",
        &[P::String],
        None,
        |a| -> Result<Value, FuncError> { Ok(yaml::json::decode(arg_str(&a[0]))?) },
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::*;

    #[test]
    fn base64() {
        assert_eq!(b64_encode(b"hello"), "aGVsbG8=");
        assert_eq!(b64_encode("héllo✓".as_bytes()), "aMOpbGxv4pyT");
        assert_eq!(b64_decode("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(b64_decode("aGVs\nbG8=").unwrap(), b"hello");
        assert_eq!(
            b64_decode("not base64!").unwrap_err(),
            "illegal base64 data at input byte 3"
        );
        assert_eq!(
            b64_decode("aGVsbG8").unwrap_err(),
            "illegal base64 data at input byte 4"
        );
        assert_eq!(
            b64_decode("aGVsbG8=x").unwrap_err(),
            "illegal base64 data at input byte 8"
        );
        // StdEncoding is not strict: stray low bits are ignored.
        assert_eq!(b64_decode("aGVsbG9=").unwrap(), b"hello");
        assert_eq!(b64_decode("").unwrap(), b"");
    }

    #[test]
    fn base32() {
        assert_eq!(b32_encode(b"hello"), "NBSWY3DP");
        assert_eq!(b32_encode(b"hi"), "NBUQ====");
        assert_eq!(b32_decode("NBSWY3DP").unwrap(), b"hello");
        assert_eq!(b32_decode("NBUQ====").unwrap(), b"hi");
        assert_eq!(
            b32_decode("!!").unwrap_err(),
            "illegal base32 data at input byte 0"
        );
        assert_eq!(
            b32_decode("NBUQ").unwrap_err(),
            "illegal base32 data at input byte 0"
        );
    }

    #[test]
    fn json_funcs() {
        let l = Value::list(vec![Value::str("<>")]);
        assert_eq!(v("toJson", std::slice::from_ref(&l)), r#"["\u003c\u003e"]"#);
        assert_eq!(v("toRawJson", std::slice::from_ref(&l)), r#"["<>"]"#);
        assert_eq!(
            v("toPrettyJson", &[Value::list(vec![Value::int(1)])]),
            "[\n  1\n]"
        );
        assert_eq!(v("toJson", &[Value::Float(f64::NAN)]), "");
        assert_eq!(
            err("mustToJson", &[Value::Float(f64::NAN)]),
            "json: unsupported value: NaN"
        );
        assert_eq!(v("mustFromJson", &["[1, 2]".into()]), "[1 2]");
        assert!(call("mustFromJson", &["{bad".into()]).is_err());
    }
}
