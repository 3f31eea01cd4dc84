//! Go's `encoding/json` for structs: fields in declaration order (not
//! sorted like maps), `omitempty` decided by the caller, strings
//! HTML-escaped, and `json.MarshalIndent`'s re-indentation.  Index files
//! written with `--json` and the `Chart.lock` digest (a hash of JSON
//! bytes) depend on the exact byte order of these.

use gotmpl::Value;

/// A JSON string literal as `json.Marshal` writes it (HTML-escaped).
pub fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    yaml::json::write_string(&mut out, s, true);
    out
}

/// A compact object from already-encoded `(key, value)` pairs, in order.
pub fn object(fields: &[(&str, String)]) -> String {
    let mut out = String::from("{");
    for (i, (k, v)) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&string(k));
        out.push(':');
        out.push_str(v);
    }
    out.push('}');
    out
}

/// A compact array of already-encoded items.
pub fn array(items: &[String]) -> String {
    format!("[{}]", items.join(","))
}

/// `[]string` (`null` for `None`).
pub fn strings(items: &[String]) -> String {
    array(&items.iter().map(|s| string(s)).collect::<Vec<_>>())
}

/// Any value as `json.Marshal` writes it (maps sorted, HTML-escaped).
pub fn value(v: &Value) -> Result<String, String> {
    yaml::json::encode(v, true, None)
}

/// Go's `json.Indent(dst, src, "", indent)` (one implementation, in
/// `yaml::json`).
pub use yaml::json::indent;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indents_like_go() {
        let s = r#"{"a":[1,2],"b":{},"c":[],"d":{"e":"x:y, z"}}"#;
        assert_eq!(
            indent(s, "  "),
            "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": {},\n  \"c\": [],\n  \"d\": {\n    \"e\": \"x:y, z\"\n  }\n}"
        );
    }

    #[test]
    fn escapes_html() {
        assert_eq!(string(">=1 <2 & x"), r#""\u003e=1 \u003c2 \u0026 x""#);
    }
}
