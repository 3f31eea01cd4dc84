//! Helm's `fromToml` (BurntSushi/toml decoding into `map[string]interface{}`).
//!
//! PARTIAL: values and types follow BurntSushi (integers are `int64`,
//! floats `float64`); datetimes come back as their RFC 3339 text rather than
//! `time.Time`, and parse errors carry the `toml` crate's wording, not
//! BurntSushi's.

use gotmpl::{IntKind, Value};

pub fn decode(text: &str) -> Result<Value, String> {
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| format!("toml: {}", e.message()))?;
    Ok(convert(&toml::Value::Table(table)))
}

fn convert(v: &toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::str(s),
        toml::Value::Integer(i) => Value::Int(*i, IntKind::Int64),
        toml::Value::Float(f) => Value::Float(*f),
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => Value::string(d.to_string()),
        toml::Value::Array(a) => Value::list(a.iter().map(convert).collect()),
        toml::Value::Table(t) => Value::map(t.iter().map(|(k, v)| (k.clone(), convert(v))).collect()),
    }
}
