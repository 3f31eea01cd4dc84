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

/// Go's `json.Indent(dst, src, "", indent)`: compact JSON re-laid out, one
/// element per line; empty objects and arrays stay `{}` and `[]`.
pub fn indent(src: &str, indent: &str) -> String {
    let mut out = String::with_capacity(src.len() * 2);
    let mut depth = 0usize;
    let mut in_str = false;
    let mut esc = false;
    let mut i = 0;
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        for _ in 0..depth {
            out.push_str(indent);
        }
    };
    // Work on chars so multi-byte text is copied whole.
    let chars: Vec<char> = src.chars().collect();
    while i < chars.len() {
        let c = chars[i];
        if in_str {
            out.push(c);
            if esc {
                esc = false;
            } else if c == '\\' {
                esc = true;
            } else if c == '"' {
                in_str = false;
            }
            i += 1;
            continue;
        }
        match c {
            '"' => {
                in_str = true;
                out.push(c);
            }
            '{' | '[' => {
                let close = if c == '{' { '}' } else { ']' };
                if chars.get(i + 1) == Some(&close) {
                    out.push(c);
                    out.push(close);
                    i += 2;
                    continue;
                }
                out.push(c);
                depth += 1;
                newline(&mut out, depth);
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => {
                out.push(c);
                out.push(' ');
            }
            ' ' | '\t' | '\n' | '\r' => {}
            _ => out.push(c),
        }
        i += 1;
    }
    out
}

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
