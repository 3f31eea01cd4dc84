//! Secrets in the report: redacted (the default) or decoded, as helm-diff
//! does it — each side is decoded into a `v1.Secret` (unknown fields
//! dropped, `data` base64-decoded, `stringData` overriding `data`), the
//! values are replaced by placeholders or their decoded text under
//! `stringData`, and the object is re-serialised by apimachinery's YAML
//! serializer (JSON, then go-yaml v2: keys sorted, quoting as go-yaml
//! chooses).  Redaction then renames the first `stringData` to `data`, so
//! the report shows `data:` with placeholders and never a secret byte.

use std::collections::BTreeMap;

use base64::Engine;
use gotmpl::{MapInner, Value};

/// What to do with a Secret's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `REDACTED # (N bytes)`, `-------- # (N bytes)`, `++++++++ # (N bytes)`.
    Redact,
    /// `--show-secrets-decoded`: the decoded values.
    Decode,
}

/// A decoded `v1.Secret`: the fields apimachinery keeps.
#[derive(Debug, Clone, Default)]
struct Secret {
    api_version: String,
    kind: String,
    metadata: MapInner,
    immutable: Option<bool>,
    /// `data` after `stringData` was folded in (what the API server stores).
    data: BTreeMap<String, Vec<u8>>,
    type_: String,
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Nil => "null",
        Value::Bool(_) => "bool",
        Value::Float(_) | Value::Int(..) => "number",
        Value::String(_) => "string",
        Value::List(_) => "array",
        _ => "object",
    }
}

fn type_error(v: &Value, field: &str, ty: &str) -> String {
    format!(
        "json: cannot unmarshal {} into Go struct field Secret.{field} of type {ty}",
        json_kind(v)
    )
}

fn string_field(v: &Value, field: &str) -> Result<String, String> {
    match v {
        Value::Nil => Ok(String::new()),
        Value::String(s) => Ok(s.to_string()),
        other => Err(type_error(other, field, "string")),
    }
}

fn string_map(v: &Value, field: &str) -> Result<Option<MapInner>, String> {
    match v {
        Value::Nil => Ok(None),
        Value::Map(m) => {
            let mut out = MapInner::new();
            for (k, val) in m.borrow().iter() {
                out.insert(k.clone(), Value::string(string_field(val, field)?));
            }
            Ok(Some(out))
        }
        other => Err(type_error(other, field, "map[string]string")),
    }
}

/// The first document as apimachinery's `YAMLToJSONDecoder` reads it
/// (documents end at lines that are exactly `---`, trailing blanks aside).
fn first_document(text: &str) -> String {
    let mut buf = String::new();
    for line in text.split_inclusive('\n') {
        if line.starts_with("---") && line[3..].trim_end().is_empty() {
            if !buf.is_empty() {
                break;
            }
            continue;
        }
        buf.push_str(line);
    }
    buf
}

fn decode(content: &str) -> Result<Secret, String> {
    let doc = yaml::from_yaml(&first_document(content)).map_err(|e| e.to_string())?;
    let mut s = Secret::default();
    let m = match &doc {
        Value::Nil => return Ok(s),
        Value::Map(m) => m.borrow().clone(),
        other => {
            return Err(format!(
                "json: cannot unmarshal {} into Go value of type v1.Secret",
                json_kind(other)
            ))
        }
    };
    let mut string_data: Option<MapInner> = None;
    for (k, v) in &m {
        match k.as_str() {
            "apiVersion" => s.api_version = string_field(v, "apiVersion")?,
            "kind" => s.kind = string_field(v, "kind")?,
            "type" => s.type_ = string_field(v, "type")?,
            "immutable" => {
                s.immutable = match v {
                    Value::Nil => None,
                    Value::Bool(b) => Some(*b),
                    other => return Err(type_error(other, "immutable", "bool")),
                }
            }
            "metadata" => s.metadata = object_meta(v)?,
            "data" => match v {
                Value::Nil => {}
                Value::Map(dm) => {
                    for (dk, dv) in dm.borrow().iter() {
                        let bytes = match dv {
                            Value::Nil => Vec::new(),
                            Value::String(b64) => decode_base64(b64)?,
                            other => return Err(type_error(other, "data", "[]uint8")),
                        };
                        s.data.insert(dk.clone(), bytes);
                    }
                }
                other => return Err(type_error(other, "data", "map[string][]uint8")),
            },
            "stringData" => string_data = string_map(v, "stringData")?,
            _ => {}
        }
    }
    for (k, v) in string_data.unwrap_or_default() {
        if let Value::String(text) = v {
            s.data.insert(k, text.as_bytes().to_vec());
        }
    }
    Ok(s)
}

/// encoding/json's `[]byte` decoding: standard padded base64, CR/LF ignored.
fn decode_base64(s: &str) -> Result<Vec<u8>, String> {
    let cleaned: String = s.chars().filter(|c| *c != '\r' && *c != '\n').collect();
    base64::engine::general_purpose::STANDARD
        .decode(cleaned.as_bytes())
        .map_err(|e| {
            let at = match e {
                base64::DecodeError::InvalidByte(i, _) => i,
                base64::DecodeError::InvalidLength(n) => n,
                base64::DecodeError::InvalidLastSymbol(i, _) => i,
                base64::DecodeError::InvalidPadding => cleaned.len(),
            };
            format!("illegal base64 data at input byte {at}")
        })
}

/// `metav1.ObjectMeta`: the fields it has, with their JSON types.
fn object_meta(v: &Value) -> Result<MapInner, String> {
    let mut out = MapInner::new();
    let m = match v {
        Value::Nil => return Ok(out),
        Value::Map(m) => m.borrow().clone(),
        other => return Err(type_error(other, "metadata", "v1.ObjectMeta")),
    };
    for (k, val) in &m {
        let field = format!("metadata.{k}");
        match k.as_str() {
            "name" | "generateName" | "namespace" | "selfLink" | "uid" | "resourceVersion" => {
                let s = string_field(val, &field)?;
                if !s.is_empty() {
                    out.insert(k.clone(), Value::string(s));
                }
            }
            "labels" | "annotations" => {
                if let Some(sm) = string_map(val, &field)? {
                    if !sm.is_empty() {
                        out.insert(k.clone(), Value::map(sm));
                    }
                }
            }
            "generation" | "deletionGracePeriodSeconds" => match val {
                Value::Nil => {}
                Value::Float(f) if *f == 0.0 && k == "generation" => {}
                Value::Float(_) => {
                    out.insert(k.clone(), val.clone());
                }
                other => return Err(type_error(other, &field, "int64")),
            },
            "creationTimestamp" | "deletionTimestamp" => match val {
                Value::Nil => {}
                Value::String(_) => {
                    out.insert(k.clone(), val.clone());
                }
                other => return Err(type_error(other, &field, "v1.Time")),
            },
            "finalizers" | "ownerReferences" | "managedFields" => match val {
                Value::Nil => {}
                Value::List(l) if l.items().is_empty() => {}
                Value::List(_) => {
                    out.insert(k.clone(), val.clone());
                }
                other => return Err(type_error(other, &field, "[]")),
            },
            _ => {}
        }
    }
    // A zero metav1.Time still marshals (as null): helm-diff cuts that line.
    out.entry("creationTimestamp".into()).or_insert(Value::Nil);
    Ok(out)
}

fn encode(s: &Secret, string_data: BTreeMap<String, String>) -> Result<String, String> {
    let mut m = MapInner::new();
    if !s.api_version.is_empty() {
        m.insert("apiVersion".into(), Value::string(s.api_version.clone()));
    }
    if !s.kind.is_empty() {
        m.insert("kind".into(), Value::string(s.kind.clone()));
    }
    m.insert("metadata".into(), Value::map(s.metadata.clone()));
    if let Some(b) = s.immutable {
        m.insert("immutable".into(), Value::Bool(b));
    }
    if !string_data.is_empty() {
        let sd: MapInner = string_data
            .into_iter()
            .map(|(k, v)| (k, Value::string(v)))
            .collect();
        m.insert("stringData".into(), Value::map(sd));
    }
    if !s.type_.is_empty() {
        m.insert("type".into(), Value::string(s.type_.clone()));
    }
    yaml::to_yaml(&Value::map(m)).map_err(|e| e.to_string())
}

/// The first line when it is a comment (the `# Source:` line).
fn comment(s: &str) -> &str {
    match s.find('\n') {
        Some(i) if s.starts_with('#') => &s[..=i],
        _ => "",
    }
}

fn rewrite(
    content: &str,
    s: &Secret,
    sd: BTreeMap<String, String>,
    mode: Mode,
    side: &str,
) -> String {
    match encode(s, sd) {
        Ok(text) => {
            let text = if mode == Mode::Redact {
                text.replacen("stringData", "data", 1)
            } else {
                text
            };
            format!(
                "{}{}",
                comment(content),
                text.replacen("  creationTimestamp: null\n", "", 1)
            )
        }
        Err(e) => format!("Error encoding {side} secret: {e}"),
    }
}

/// Rewrite the texts of a Secret's two sides (either may be absent) for
/// the report.
pub fn transform(old: Option<&mut String>, new: Option<&mut String>, mode: Mode) {
    let old_dec = old.as_ref().map(|c| decode(c));
    let new_dec = new.as_ref().map(|c| decode(c));
    let empty = Secret::default();
    let old_ok = match &old_dec {
        Some(Ok(s)) => s,
        _ => &empty,
    };
    let new_ok = match &new_dec {
        Some(Ok(s)) => s,
        _ => &empty,
    };
    let value = |v: &[u8], other: Option<&Secret>, key: &str, changed: &str| -> String {
        match mode {
            Mode::Decode => yaml::parse::go_string_lossy(v),
            Mode::Redact => {
                let same = other.is_some_and(|o| o.data.get(key).map_or(v.is_empty(), |w| w == v));
                if same {
                    format!("REDACTED # ({} bytes)", v.len())
                } else {
                    format!("{changed} # ({} bytes)", v.len())
                }
            }
        }
    };
    let new_present = new.is_some();
    let old_present = old.is_some();
    if let Some(c) = old {
        *c = match &old_dec {
            Some(Ok(s)) => {
                let other = new_present.then_some(new_ok);
                let sd = s
                    .data
                    .iter()
                    .map(|(k, v)| (k.clone(), value(v, other, k, "--------")))
                    .collect();
                rewrite(c, s, sd, mode, "old")
            }
            Some(Err(e)) => format!("Error parsing old secret: {e}"),
            None => unreachable!("decoded above"),
        };
    }
    if let Some(c) = new {
        *c = match &new_dec {
            Some(Ok(s)) => {
                let other = old_present.then_some(old_ok);
                let sd = s
                    .data
                    .iter()
                    .map(|(k, v)| (k.clone(), value(v, other, k, "++++++++")))
                    .collect();
                rewrite(c, s, sd, mode, "new")
            }
            Some(Err(e)) => format!("Error parsing new secret: {e}"),
            None => unreachable!("decoded above"),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(s)
    }

    #[test]
    fn redaction_matches_helm_diff_example() {
        let mut old = format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: foobar\ntype: Opaque\ndata:\n  key1: {}\n  key2: {}\n  key3: {}\n",
            b64("value1"),
            b64("value2"),
            b64("value3")
        );
        let mut new = format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: foobar\ntype: Opaque\ndata:\n  key1: {}\n  key2: {}\n  key4: {}\n",
            b64("newValue1xxxx"),
            b64("value2"),
            b64("value4")
        );
        transform(Some(&mut old), Some(&mut new), Mode::Redact);
        assert_eq!(
            old,
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: foobar\ndata:\n  key1: '-------- # (6 bytes)'\n  key2: 'REDACTED # (6 bytes)'\n  key3: '-------- # (6 bytes)'\ntype: Opaque\n"
        );
        assert_eq!(
            new,
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: foobar\ndata:\n  key1: '++++++++ # (13 bytes)'\n  key2: 'REDACTED # (6 bytes)'\n  key4: '++++++++ # (6 bytes)'\ntype: Opaque\n"
        );
    }

    #[test]
    fn string_data_overrides_and_decoded_mode() {
        let mut new = format!(
            "# Source: c/templates/s.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  labels:\n    port: \"5432\"\n    v: \"1.0.0\"\ndata:\n  a: {}\nstringData:\n  a: plain\n",
            b64("ignored")
        );
        transform(None, Some(&mut new), Mode::Decode);
        assert_eq!(
            new,
            "# Source: c/templates/s.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  labels:\n    port: \"5432\"\n    v: 1.0.0\n  name: s\nstringData:\n  a: plain\n"
        );
    }

    #[test]
    fn zero_byte_value_equals_missing_key() {
        let mut old =
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  e: \"\"\n".to_string();
        let mut new = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n".to_string();
        transform(Some(&mut old), Some(&mut new), Mode::Redact);
        assert!(old.contains("e: 'REDACTED # (0 bytes)'"), "{old}");
        assert_eq!(new, "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n");
    }

    #[test]
    fn undecodable_sides_say_so() {
        let mut old = "apiVersion: v1\nkind: Secret\ndata:\n  k: '!!!'\n".to_string();
        let mut new = "apiVersion: v1\nkind: Secret\ndata: [1]\n".to_string();
        transform(Some(&mut old), Some(&mut new), Mode::Redact);
        assert!(
            old.starts_with("Error parsing old secret: illegal base64 data"),
            "{old}"
        );
        assert!(
            new.starts_with("Error parsing new secret: json: cannot unmarshal array"),
            "{new}"
        );
    }
}
