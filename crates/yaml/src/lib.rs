//! Data formats exactly as Helm v4.2.3 reads and writes them.
//!
//! Helm never parses YAML "natively" into template values: values files,
//! `fromYaml` and friends go through `sigs.k8s.io/yaml`, which decodes with
//! go-yaml v2 (YAML 1.1 typing) and then round-trips through
//! `encoding/json`, so every number ends up a `float64`.  `toYaml` does the
//! reverse: `encoding/json` first, then go-yaml v2 re-reads that JSON and
//! emits it.  Reproducing the output byte for byte means reproducing both
//! halves, which is what this crate does:
//!
//! * [`parse`]: libyaml events (a copy of `unsafe-libyaml` in `libyaml/`, the same C code
//!   go-yaml was transliterated from) → go-yaml's decoding rules → JSON
//!   semantics → [`Value`];
//! * [`resolve`]: go-yaml v2's implicit typing (used both ways);
//! * [`emit`]: go-yaml v2's emitter (and the v3 flavour for `toYamlPretty`);
//! * [`json`]: `encoding/json`; [`toml`]: BurntSushi/toml's encoder;
//! * [`value_json`]: values ↔ `serde_json` by Go's rules, one depth limit.

use std::fmt;

use gotmpl::{MapInner, Value};

pub mod emit;
mod fast;
pub mod float;
pub mod json;
mod libyaml;
pub mod parse;
pub mod resolve;
pub mod toml;
pub mod value_json;

/// A parse or serialisation failure.  `Display` is Go's message text
/// (including sigs.k8s.io/yaml's prefixes such as
/// `error converting YAML to JSON: yaml: line 2: …`).
#[derive(Clone, Debug, PartialEq)]
pub struct Error {
    /// 1-based line as go-yaml reports it (None when Go prints none).
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

impl Error {
    pub fn msg(m: impl Into<String>) -> Error {
        Error {
            line: None,
            column: None,
            message: m.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

const JSON_UNMARSHAL_PREFIX: &str = "error unmarshaling JSON: while decoding JSON: ";

/// `sigs.k8s.io/yaml.Unmarshal(text, &interface{})`: the first document,
/// `Value::Nil` when there is none.  Numbers are `Value::Float`.
pub fn from_yaml(text: &str) -> Result<Value, Error> {
    // (`fromYaml` runs on every chunk bitnami's helpers merge: a libyaml
    // parser costs more to set up than the fast path takes to decode.)
    let y = match fast::decode(text) {
        Some(doc) => doc,
        None => parse::decode_first(text).map_err(parse::wrap_yaml_err)?,
    };
    match y {
        None => Ok(Value::Nil),
        Some(y) => parse::to_json_value(&y, 0).map_err(parse::wrap_yaml_err),
    }
}

/// The first document in go-yaml's model ([`parse::decode_first`]), by the
/// fast path when it can (Chart.yaml and lock files keep YAML's types).
pub fn decode_first(text: &str) -> Result<Option<parse::YValue>, Error> {
    match fast::decode(text) {
        Some(doc) => Ok(doc),
        None => parse::decode_first(text),
    }
}

/// `sigs.k8s.io/yaml.Unmarshal(text, &map[string]interface{})`, as Helm's
/// `fromYaml` and values loading do: an empty document gives an empty map;
/// a list or scalar is Go's JSON type error.
pub fn from_yaml_map(text: &str) -> Result<Value, Error> {
    as_map(from_yaml(text)?)
}

/// The map check of [`from_yaml_map`].
fn as_map(v: Value) -> Result<Value, Error> {
    match v {
        v @ Value::Map(_) => Ok(v),
        Value::Nil => Ok(Value::empty_map()),
        other => Err(Error::msg(format!(
            "{JSON_UNMARSHAL_PREFIX}json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
            json::kind_word(&other)
        ))),
    }
}

/// `sigs.k8s.io/yaml.Unmarshal(text, &[]interface{})` (Helm's `fromYamlArray`).
pub fn from_yaml_list(text: &str) -> Result<Value, Error> {
    match from_yaml(text)? {
        v @ Value::List(_) => Ok(v),
        Value::Nil => Ok(Value::list(Vec::new())),
        other => Err(Error::msg(format!(
            "{JSON_UNMARSHAL_PREFIX}json: cannot unmarshal {} into Go value of type []interface {{}}",
            json::kind_word(&other)
        ))),
    }
}

/// Every document of a multi-document stream, each decoded as
/// [`from_yaml`] would decode it alone (empty documents give `Nil`).
pub fn from_yaml_documents(text: &str) -> Result<Vec<Value>, Error> {
    let docs = parse::decode_all(text).map_err(parse::wrap_yaml_err)?;
    docs.iter()
        .map(|y| parse::to_json_value(y, 0).map_err(parse::wrap_yaml_err))
        .collect()
}

/// Split a stream the way `k8s.io/apimachinery`'s `YAMLReader` does: on
/// lines starting with `---` (only whitespace or a comment may follow).
/// Empty chunks are skipped.
pub fn split_documents(text: &str) -> Result<Vec<String>, Error> {
    let mut docs = Vec::new();
    let mut buf = String::new();
    for line in text.split_inclusive('\n') {
        if let Some(rest) = line.strip_prefix("---") {
            let trimmed = rest.trim();
            if !trimmed.is_empty() && !trimmed.starts_with('#') {
                return Err(Error::msg(format!(
                    "error reading yaml document: invalid Yaml document separator: {trimmed}"
                )));
            }
            if !buf.is_empty() {
                docs.push(std::mem::take(&mut buf));
            }
            continue;
        }
        buf.push_str(line);
    }
    if !buf.is_empty() {
        docs.push(buf);
    }
    Ok(docs)
}

/// Helm's `LoadValues`: every document of a values file unmarshalled into
/// a map and deep-merged over the previous ones.  Errors read
/// `cannot unmarshal yaml document: …` (Helm's loader prefixes the file).
pub fn load_values(text: &str) -> Result<Value, Error> {
    finish_values(decode_values(text))
}

/// The first, larger half of [`load_values`]: the YAML parsed into
/// go-yaml's model.  It is plain data (`Send`), so a loader can make it on
/// another thread and finish it with [`finish_values`] where the values
/// are used.
pub struct DecodedValues {
    /// One entry per document, up to and including the first failure.
    docs: Result<Vec<Result<Option<parse::YValue>, Error>>, Error>,
}

/// See [`DecodedValues`].
pub fn decode_values(text: &str) -> DecodedValues {
    let decode = |doc: &str| {
        if let Some(doc) = fast::decode(doc) {
            return (Ok(doc), false);
        }
        let r = parse::decode_first(doc).map_err(parse::wrap_yaml_err);
        let failed = r.is_err();
        (r, failed)
    };
    let mut docs = Vec::new();
    // Most values files are one document: decode the text in place then.
    let single = !text.starts_with("---") && !text.contains("\n---");
    if single {
        if !text.is_empty() {
            docs.push(decode(text).0);
        }
        return DecodedValues { docs: Ok(docs) };
    }
    match split_documents(text) {
        Err(e) => DecodedValues { docs: Err(e) },
        Ok(parts) => {
            for doc in &parts {
                let (r, failed) = decode(doc);
                docs.push(r);
                if failed {
                    break;
                }
            }
            DecodedValues { docs: Ok(docs) }
        }
    }
}

/// The second half of [`load_values`]: JSON semantics, the map check and
/// the merge of the documents.
pub fn finish_values(d: DecodedValues) -> Result<Value, Error> {
    let prefixed = |mut e: Error| {
        e.message = format!("cannot unmarshal yaml document: {}", e.message);
        e
    };
    let mut out = MapInner::new();
    for doc in d.docs? {
        let v = match doc.map_err(prefixed)? {
            None => Value::Nil,
            Some(y) => parse::to_json_value(&y, 0)
                .map_err(parse::wrap_yaml_err)
                .map_err(prefixed)?,
        };
        let v = as_map(v).map_err(prefixed)?;
        if let Value::Map(m) = v {
            let m = m.borrow().clone();
            out = if out.is_empty() {
                m
            } else {
                merge_maps(out, m)
            };
        }
    }
    Ok(Value::map(out))
}

/// Helm's `MergeMaps`: b wins, nested maps merge recursively.
fn merge_maps(mut a: MapInner, b: MapInner) -> MapInner {
    for (k, v) in b {
        if let Value::Map(bm) = &v {
            if let Some(Value::Map(am)) = a.get(&k) {
                let merged = merge_maps(am.borrow().clone(), bm.borrow().clone());
                a.insert(k, Value::map(merged));
                continue;
            }
        }
        a.insert(k, v);
    }
    a
}

/// `sigs.k8s.io/yaml.Marshal(v)`: JSON first, then go-yaml v2 re-reads
/// and emits it.  The text ends with a newline (Helm's `toYaml` trims it).
pub fn to_yaml(v: &Value) -> Result<String, Error> {
    emit::marshal_v2(v)
}

/// Helm's `toYamlPretty` encoder: go-yaml v3 with `SetIndent(2)` on the
/// value itself (no JSON round trip: `1000000.0` prints as `1e+06`).
/// The text ends with a newline (Helm trims it).
pub fn to_yaml_pretty(v: &Value) -> Result<String, Error> {
    emit::marshal_v3(v)
}

#[cfg(test)]
mod tests;

/// Whether the fast path (no libyaml) decodes `text` on its own: for
/// profiling examples and tests, not for callers.
#[doc(hidden)]
pub fn fast_path_accepts(text: &str) -> bool {
    fast::decode(text).is_some()
}
