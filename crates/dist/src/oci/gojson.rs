//! The JSON bytes Helm puts in a registry, written as Go writes them.
//!
//! A manifest's digest is the sha256 of its bytes, so pushing the same
//! archive with capstan and with Helm gives the same digest only if every
//! byte matches Go's `encoding/json`: struct fields in declaration order,
//! `omitempty` fields left out, map keys sorted, HTML characters escaped
//! (`\u003c`, `\u003e`, `\u0026`), no whitespace.  serde would reorder or
//! skip the escaping, so these are written by hand.
//!
//! Also here: `config.json`'s tab-indented layout (`json.MarshalIndent`
//! with `"\t"`, as oras-go writes it) and Go's `%v` of decoded JSON (how
//! registry error details appear in Helm's messages).

use std::collections::BTreeMap;

fn string(out: &mut String, s: &str) {
    yaml::json::write_string(out, s, true);
}

/// A field writer for one JSON object in struct order.
struct Obj<'a> {
    out: &'a mut String,
    first: bool,
}

impl<'a> Obj<'a> {
    fn new(out: &'a mut String) -> Obj<'a> {
        out.push('{');
        Obj { out, first: true }
    }
    fn key(&mut self, k: &str) {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        string(self.out, k);
        self.out.push(':');
    }
    fn str(&mut self, k: &str, v: &str, omit_empty: bool) {
        if omit_empty && v.is_empty() {
            return;
        }
        self.key(k);
        string(self.out, v);
    }
    fn raw(&mut self, k: &str, v: &str) {
        self.key(k);
        self.out.push_str(v);
    }
    fn end(self) {
        self.out.push('}');
    }
}

fn string_map(out: &mut String, m: &BTreeMap<String, String>) {
    out.push('{');
    for (i, (k, v)) in m.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        string(out, k);
        out.push(':');
        string(out, v);
    }
    out.push('}');
}

/// An OCI content descriptor (`ocispec.Descriptor`: mediaType, digest, size).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Descriptor {
    pub media_type: String,
    pub digest: String,
    pub size: u64,
}

impl Descriptor {
    /// The descriptor of `data` as a blob of `media_type`.
    pub fn of(media_type: &str, data: &[u8]) -> Descriptor {
        Descriptor {
            media_type: media_type.to_string(),
            digest: format!("sha256:{}", crate::sha256_hex(data)),
            size: data.len() as u64,
        }
    }

    fn write(&self, out: &mut String) {
        let mut o = Obj::new(out);
        o.str("mediaType", &self.media_type, true);
        o.str("digest", &self.digest, true);
        o.raw("size", &self.size.to_string());
        o.end();
    }
}

/// `json.Marshal(ocispec.Manifest{...})` as Helm builds it: no `mediaType`,
/// no `artifactType`, `layers` always present, annotations when any.
pub fn manifest(
    config: &Descriptor,
    layers: &[Descriptor],
    annotations: &BTreeMap<String, String>,
) -> String {
    let mut out = String::new();
    out.push_str("{\"schemaVersion\":2,\"config\":");
    config.write(&mut out);
    out.push_str(",\"layers\":[");
    for (i, l) in layers.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        l.write(&mut out);
    }
    out.push(']');
    if !annotations.is_empty() {
        out.push_str(",\"annotations\":");
        string_map(&mut out, annotations);
    }
    out.push('}');
    out
}

/// Go's `json.Indent(dst, compact, "", indent)` (one implementation, in
/// `yaml::json`).
pub use yaml::json::indent;

/// Go's `compact` with HTML escaping, as `json.Marshal` applies it to a
/// `json.RawMessage`: insignificant whitespace dropped, `<`, `>`, `&`,
/// U+2028 and U+2029 inside strings escaped.
pub fn compact(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut in_str = false;
    let mut escaped = false;
    for c in raw.chars() {
        if in_str {
            if escaped {
                escaped = false;
                out.push(c);
                continue;
            }
            match c {
                '\\' => {
                    escaped = true;
                    out.push(c);
                }
                '"' => {
                    in_str = false;
                    out.push(c);
                }
                '<' => out.push_str("\\u003c"),
                '>' => out.push_str("\\u003e"),
                '&' => out.push_str("\\u0026"),
                '\u{2028}' => out.push_str("\\u2028"),
                '\u{2029}' => out.push_str("\\u2029"),
                _ => out.push(c),
            }
            continue;
        }
        if c.is_ascii_whitespace() {
            continue;
        }
        if c == '"' {
            in_str = true;
        }
        out.push(c);
    }
    out
}

/// The members of a JSON object as raw (unparsed) value texts, in file
/// order; `None` if `raw` is not an object.  Used to rewrite `config.json`
/// without reordering what is inside the entries (Go keeps
/// `json.RawMessage` bytes as they are).
pub fn raw_members(raw: &str) -> Option<Vec<(String, String)>> {
    let v: serde_json::Value = serde_json::from_str(raw).ok()?;
    if !v.is_object() {
        return None;
    }
    let b = raw.as_bytes();
    let mut i = 0;
    let skip_ws = |i: &mut usize| {
        while *i < b.len() && (b[*i] as char).is_ascii_whitespace() {
            *i += 1;
        }
    };
    // The end of a JSON string starting at `i` (on the opening quote).
    let end_string = |mut i: usize| -> usize {
        i += 1;
        while i < b.len() {
            match b[i] {
                b'\\' => i += 2,
                b'"' => return i + 1,
                _ => i += 1,
            }
        }
        i
    };
    skip_ws(&mut i);
    i += 1; // '{'
    let mut members = Vec::new();
    loop {
        skip_ws(&mut i);
        if i >= b.len() || b[i] == b'}' {
            break;
        }
        let kend = end_string(i);
        let key: String = serde_json::from_str(&raw[i..kend]).ok()?;
        i = kend;
        skip_ws(&mut i);
        i += 1; // ':'
        skip_ws(&mut i);
        let start = i;
        let mut depth = 0i32;
        while i < b.len() {
            match b[i] {
                b'"' => {
                    i = end_string(i);
                    if depth == 0 {
                        break;
                    }
                    continue;
                }
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    if depth == 0 {
                        break;
                    }
                    depth -= 1;
                    if depth == 0 {
                        i += 1;
                        break;
                    }
                }
                b',' if depth == 0 => break,
                _ => {}
            }
            i += 1;
        }
        members.push((key, raw[start..i].trim().to_string()));
        skip_ws(&mut i);
        if i < b.len() && b[i] == b',' {
            i += 1;
        }
    }
    Some(members)
}

/// `json.MarshalIndent(map[string]json.RawMessage, "", "\t")`: keys sorted,
/// raw values compacted, then indented with tabs.
pub fn marshal_raw_map_indent(m: &BTreeMap<String, String>) -> String {
    let mut out = String::from("{");
    for (i, (k, v)) in m.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        string(&mut out, k);
        out.push(':');
        out.push_str(&compact(v));
    }
    out.push('}');
    indent(&out, "\t")
}

/// Go's `%v` of a float64 (`strconv.FormatFloat(f, 'g', -1, 64)`).
fn go_float_v(f: f64) -> String {
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
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
    // Shortest round-trip digits and the decimal exponent.
    let e = format!("{f:e}");
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let neg = mant.starts_with('-');
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    let sign = if neg { "-" } else { "" };
    // strconv's 'g' with the shortest digits switches to the exponent
    // form when the exponent is < -4 or >= 6 (`fmt.Println(1e6)` is 1e+06).
    if !(-4..6).contains(&exp) {
        let mut m = digits[..1].to_string();
        if digits.len() > 1 {
            m.push('.');
            m.push_str(&digits[1..]);
        }
        let es = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{m}e{es}{:02}", exp.abs());
    }
    let s = if exp >= 0 {
        let e = exp as usize;
        if digits.len() > e + 1 {
            format!("{}.{}", &digits[..=e], &digits[e + 1..])
        } else {
            format!("{digits}{}", "0".repeat(e + 1 - digits.len()))
        }
    } else {
        format!("0.{}{}", "0".repeat((-exp - 1) as usize), digits)
    };
    format!("{sign}{s}")
}

/// Go's `fmt.Sprintf("%v", x)` of a value decoded by `encoding/json` into
/// `any` (maps print as `map[k:v]` with sorted keys, slices as `[a b]`).
pub fn go_v(v: &serde_json::Value) -> String {
    use serde_json::Value as J;
    match v {
        J::Null => "<nil>".into(),
        J::Bool(b) => b.to_string(),
        // encoding/json decodes every number into a float64.
        J::Number(n) => go_float_v(n.as_f64().unwrap_or(0.0)),
        J::String(s) => s.clone(),
        J::Array(a) => format!("[{}]", a.iter().map(go_v).collect::<Vec<_>>().join(" ")),
        J::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys
                .iter()
                .map(|k| format!("{k}:{}", go_v(&m[*k])))
                .collect();
            format!("map[{}]", parts.join(" "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indent_like_go() {
        assert_eq!(indent("{\"auths\":{}}", "\t"), "{\n\t\"auths\": {}\n}");
        assert_eq!(
            indent("{\"auths\":{\"h:1\":{\"auth\":\"eA==\"}}}", "\t"),
            "{\n\t\"auths\": {\n\t\t\"h:1\": {\n\t\t\t\"auth\": \"eA==\"\n\t\t}\n\t}\n}"
        );
        assert_eq!(indent("[1,[],{}]", "  "), "[\n  1,\n  [],\n  {}\n]");
    }

    #[test]
    fn raw_members_keep_order() {
        let m = raw_members("{ \"b\": {\"z\":1, \"a\":[1,2]}, \"a\": \"x,}\" }").unwrap();
        assert_eq!(
            m,
            vec![
                ("b".to_string(), "{\"z\":1, \"a\":[1,2]}".to_string()),
                ("a".to_string(), "\"x,}\"".to_string())
            ]
        );
        assert!(raw_members("[1]").is_none());
    }

    #[test]
    fn go_v_formats() {
        let v: serde_json::Value =
            serde_json::from_str(r#"{"name":"deps/x","n":[1,2.5,null],"b":true}"#).unwrap();
        assert_eq!(go_v(&v), "map[b:true n:[1 2.5 <nil>] name:deps/x]");
        assert_eq!(go_float_v(1e21), "1e+21");
        assert_eq!(go_float_v(123456.0), "123456");
        assert_eq!(go_float_v(1e6), "1e+06");
        assert_eq!(go_float_v(123456789.0), "1.23456789e+08");
        assert_eq!(go_float_v(0.0001), "0.0001");
        assert_eq!(go_float_v(0.00001), "1e-05");
    }
}
