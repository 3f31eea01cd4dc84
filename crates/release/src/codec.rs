//! Encoding records exactly as Helm does.
//!
//! Helm stores `base64(gzip(BestCompression, json.Marshal(release)))`.
//! The gzip stream differs between compressors, which does not matter:
//! both tools gunzip.  The JSON must match Go's `encoding/json` byte for
//! byte, so serde's output goes through [`GoFormatter`]:
//! - floats print as Go prints float64 (`1`, `0.5`, `1e+21`, `1e-7`);
//!   integers stay integers (they came from Go `int`/`int64` values);
//! - strings use Go's HTML-safe escaping (`<` `>` `&` as `\u003c` …,
//!   U+2028/U+2029 escaped; `\b` `\f` `\n` `\r` `\t` short forms, other
//!   controls as `\u00XX`);
//! - map keys are sorted (serde_json's map is a `BTreeMap`: never enable
//!   its `preserve_order` feature).
//!
//! Decoding accepts what Go's decoder accepts in practice: invalid UTF-8 is
//! replaced by U+FFFD, gzip is only undone when the magic `1f 8b 08` is
//! present (legacy records are plain base64 JSON).

use std::io::{self, Read, Write};

use base64::Engine;
use gotmpl::Value;
use serde::{Deserialize, Serialize};
use serde_json::ser::{CharEscape, Formatter};

use crate::error::Error;
use crate::model::Release;
use crate::Json;

/// serde_json formatter producing Go `encoding/json` bytes.
#[derive(Clone, Copy, Debug, Default)]
pub struct GoFormatter;

impl Formatter for GoFormatter {
    fn write_f64<W: ?Sized + Write>(&mut self, w: &mut W, value: f64) -> io::Result<()> {
        w.write_all(yaml::float::format_json(value).as_bytes())
    }

    fn write_f32<W: ?Sized + Write>(&mut self, w: &mut W, value: f32) -> io::Result<()> {
        self.write_f64(w, value as f64)
    }

    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            let esc = match c {
                '<' => "\\u003c",
                '>' => "\\u003e",
                '&' => "\\u0026",
                '\u{2028}' => "\\u2028",
                '\u{2029}' => "\\u2029",
                _ => continue,
            };
            w.write_all(&fragment.as_bytes()[start..i])?;
            w.write_all(esc.as_bytes())?;
            start = i + c.len_utf8();
        }
        w.write_all(&fragment.as_bytes()[start..])
    }

    fn write_char_escape<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        escape: CharEscape,
    ) -> io::Result<()> {
        let s: &[u8] = match escape {
            CharEscape::Quote => b"\\\"",
            CharEscape::ReverseSolidus => b"\\\\",
            CharEscape::Backspace => b"\\b",
            CharEscape::FormFeed => b"\\f",
            CharEscape::LineFeed => b"\\n",
            CharEscape::CarriageReturn => b"\\r",
            CharEscape::Tab => b"\\t",
            CharEscape::AsciiControl(b) => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                let buf = [
                    b'\\',
                    b'u',
                    b'0',
                    b'0',
                    HEX[(b >> 4) as usize],
                    HEX[(b & 0xf) as usize],
                ];
                return w.write_all(&buf);
            }
            #[allow(unreachable_patterns)]
            _ => return Err(io::Error::other("unknown JSON escape")),
        };
        w.write_all(s)
    }
}

/// Serializes any value as Go's `json.Marshal` would (see [`GoFormatter`]).
pub fn marshal<T: Serialize + ?Sized>(v: &T) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(4096);
    let mut ser = serde_json::Serializer::with_formatter(&mut out, GoFormatter);
    v.serialize(&mut ser)
        .map_err(|e| Error::codec(format!("json: {e}")))?;
    Ok(out)
}

/// Exactly the bytes of Go's `json.Marshal(release)`.
pub fn to_json(r: &Release) -> String {
    // Serializing these types cannot fail: keys are strings and no float
    // is NaN/Inf (serde_json numbers cannot hold them).
    let bytes = marshal(r).unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

/// Parses a record's JSON (Helm 3 or Helm 4 shape).
///
/// serde_json stops at 128 levels by default, far below Go's 10000: a
/// release installed with deeply nested values (Helm's or capstan's own)
/// would be written and then never read back, leaving its objects managed
/// by nothing. So the limit is Go's, and a deep record is decoded on a
/// stack sized for its depth.
pub fn from_json(s: &[u8]) -> Result<Release, Error> {
    let text = String::from_utf8_lossy(s);
    // Go's limit, counted as encoding/json counts it.
    let Ok(depth) = yaml::value_json::nesting(text.as_bytes(), false) else {
        return Err(Error::codec(
            "failed to decode release JSON: exceeded max depth".to_string(),
        ));
    };
    let decode = || {
        let mut de = serde_json::Deserializer::from_str(&text);
        de.disable_recursion_limit();
        let r = Release::deserialize(&mut de)?;
        de.end().map(|()| r)
    };
    // A few KiB of stack per level is ample for serde's recursion.
    const PER_LEVEL: usize = 4 << 10;
    let decoded = if depth > 100 {
        stacker::grow((depth + 64) * PER_LEVEL, decode)
    } else {
        decode()
    };
    decoded.map_err(|e| Error::codec(format!("failed to decode release JSON: {e}")))
}

/// Gzip magic (with the deflate method byte), as Helm checks it.
const MAGIC_GZIP: [u8; 3] = [0x1f, 0x8b, 0x08];

/// A decompressed record larger than this is refused (a corrupt or hostile
/// object must not exhaust memory; real records are far below 1 MiB
/// compressed).
const MAX_DECOMPRESSED: u64 = 512 << 20;

/// `base64(gzip(best compression, to_json(r)))`.
pub fn encode(r: &Release) -> Result<String, Error> {
    let json = marshal(r)?;
    let mut gz = flate2::GzBuilder::new().write(Vec::new(), flate2::Compression::best());
    gz.write_all(&json)
        .map_err(|e| Error::codec(format!("gzip: {e}")))?;
    let compressed = gz
        .finish()
        .map_err(|e| Error::codec(format!("gzip: {e}")))?;
    Ok(base64::engine::general_purpose::STANDARD.encode(compressed))
}

/// The JSON bytes inside an encoded record (base64, then gunzip if gzipped).
pub fn decode_bytes(s: &str) -> Result<Vec<u8>, Error> {
    let raw = base64::engine::general_purpose::STANDARD
        .decode(s.trim_end_matches(['\r', '\n']).as_bytes())
        .map_err(|e| Error::codec(format!("illegal base64 data in release record: {e}")))?;
    if raw.len() > 3 && raw[..3] == MAGIC_GZIP {
        let mut out = Vec::new();
        let mut dec = flate2::read::MultiGzDecoder::new(&raw[..]).take(MAX_DECOMPRESSED + 1);
        dec.read_to_end(&mut out)
            .map_err(|e| Error::codec(format!("gzip: {e}")))?;
        if out.len() as u64 > MAX_DECOMPRESSED {
            return Err(Error::codec("release record too large after decompression"));
        }
        Ok(out)
    } else {
        Ok(raw)
    }
}

/// Decodes a stored record: base64 → gunzip (when gzipped) → JSON.
pub fn decode(s: &str) -> Result<Release, Error> {
    from_json(&decode_bytes(s)?)
}

/// A template value as Go's `encoding/json` sees it (Helm's `config`).
pub use yaml::value_json::go_marshal as values_to_json;

/// The map form of [`values_to_json`] for `Release::config` (non-maps give an empty map).
pub fn config_from_values(v: &Value) -> std::collections::BTreeMap<String, Json> {
    match values_to_json(v) {
        Json::Object(m) => m.into_iter().collect(),
        _ => Default::default(),
    }
}

/// JSON as Go's `json.Unmarshal` into `interface{}` gives it: every number
/// is a float64.
pub use yaml::value_json::go_unmarshal as json_to_values;

/// A stored values object (`config`, chart values) as a values map; an
/// empty map when it is not an object.
pub fn values_map(j: &Json) -> Value {
    match j {
        Json::Object(_) => json_to_values(j),
        _ => Value::empty_map(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_escaping_and_floats() {
        let v = serde_json::json!({"b": "<a&b>\u{2028}\u{7}\u{8}\u{c}\n\"\\/é", "a": [1.0, 0.5, 1e21, 1e-7, 123456789, -3]});
        let s = String::from_utf8(marshal(&v).unwrap()).unwrap();
        assert_eq!(
            s,
            r#"{"a":[1,0.5,1e+21,1e-7,123456789,-3],"b":"\u003ca\u0026b\u003e\u2028\u0007\b\f\n\"\\/é"}"#
        );
    }

    /// Values nested far past serde_json's default 128 levels (the probe's
    /// unreadable release) read back, up to Go's 10000; deeper is Go's
    /// error, not a crash.
    #[test]
    fn deep_records_read_back_up_to_go_limit() {
        let record = |levels: usize| {
            let config = format!("{}1{}", "{\"a\":".repeat(levels), "}".repeat(levels));
            format!(r#"{{"name":"deep","namespace":"ns","version":1,"config":{config}}}"#)
        };
        use yaml::value_json::MAX_DEPTH;
        for levels in [150, 2000, MAX_DEPTH - 1] {
            let r = from_json(record(levels).as_bytes()).expect("decodes");
            assert_eq!((r.name.as_str(), r.version), ("deep", 1));
        }
        let err = from_json(record(MAX_DEPTH + 5).as_bytes()).unwrap_err();
        assert!(err.to_string().contains("exceeded max depth"), "{err}");
        // Brackets inside strings do not count.
        let strings = br#"{"a":"[[[{\"{","b":[1]}"#;
        assert_eq!(yaml::value_json::nesting(strings, false), Ok(2));
    }
}
