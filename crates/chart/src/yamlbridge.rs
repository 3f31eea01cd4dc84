//! The one place YAML text becomes a [`Value`] for this crate.
//!
//! Values files go through `capstan-yaml`'s `from_yaml` (sigs.k8s.io/yaml:
//! YAML 1.1, then JSON, so every number is a float64).  Chart.yaml and the
//! lock/requirements files keep YAML's integer/float distinction
//! ([`parse_typed`]) because Helm decodes them into typed structs, where
//! `version: 20240101` stays `20240101` rather than a float's `2.02401e+07`.

use gotmpl::{IntKind, MapInner, Value};
use yaml::parse::YValue;

/// Parse one document keeping integers as `Int` (Chart.yaml and friends).
pub fn parse_typed(text: &str) -> Result<Value, String> {
    match yaml::decode_first(text).map_err(|e| yaml::parse::wrap_yaml_err(e).to_string())? {
        None => Ok(Value::Nil),
        Some(y) => Ok(convert(&y, 0)),
    }
}

fn key_string(k: &YValue) -> String {
    match k {
        YValue::Null => "null".into(),
        YValue::Bool(b) => b.to_string(),
        YValue::Int(i) => i.to_string(),
        YValue::Uint(u) => u.to_string(),
        YValue::Float(f) => yaml::float::format_json(*f),
        YValue::Str(s) => yaml::parse::go_string_lossy(s),
        other => format!("{other:?}"),
    }
}

fn convert(v: &YValue, depth: usize) -> Value {
    if depth > 1000 {
        return Value::Nil;
    }
    match v {
        YValue::Null => Value::Nil,
        YValue::Bool(b) => Value::Bool(*b),
        YValue::Int(i) => Value::Int(*i, IntKind::Int64),
        YValue::Uint(u) => Value::Float(*u as f64),
        YValue::Float(f) => Value::Float(*f),
        YValue::Str(s) => Value::string(yaml::parse::go_string_lossy(s)),
        YValue::Seq(items) => Value::list(items.iter().map(|x| convert(x, depth + 1)).collect()),
        YValue::Map(m) => {
            let mut out = MapInner::new();
            for (k, val) in &m.entries {
                out.insert(key_string(k), convert(val, depth + 1));
            }
            Value::map(out)
        }
    }
}
