//! The one place YAML text becomes a [`Value`].
//!
//! Helm parses values and Chart.yaml with `sigs.k8s.io/yaml` (YAML 1.1 via
//! go-yaml v2, then JSON: every number a float64).  That is
//! `capstan-yaml`'s `from_yaml`, written in parallel; until it is
//! available this bridge uses a TEMPORARY stand-in on `serde_yaml` (YAML
//! 1.2 scalars, approximate error texts).  Switch [`parse`] to
//! `yaml::from_yaml(text).map_err(|e| e.to_string())` once it exists.

use gotmpl::{MapInner, Value};

/// Parse one YAML document; the error text is sigs.k8s.io/yaml's
/// (`error converting YAML to JSON: yaml: line 2: …`).
pub fn parse(text: &str) -> Result<Value, String> {
    let v: serde_yaml::Value = serde_yaml::from_str(text)
        .map_err(|e| format!("error converting YAML to JSON: yaml: {e}"))?;
    convert(&v, 0)
}

fn convert(v: &serde_yaml::Value, depth: usize) -> Result<Value, String> {
    if depth > 10_000 {
        return Err("error converting YAML to JSON: yaml: exceeded max depth".into());
    }
    Ok(match v {
        serde_yaml::Value::Null => Value::Nil,
        serde_yaml::Value::Bool(b) => Value::Bool(*b),
        serde_yaml::Value::Number(n) => Value::Float(n.as_f64().unwrap_or(0.0)),
        serde_yaml::Value::String(s) => Value::str(s),
        serde_yaml::Value::Sequence(s) => {
            Value::list(s.iter().map(|x| convert(x, depth + 1)).collect::<Result<_, _>>()?)
        }
        serde_yaml::Value::Mapping(m) => {
            let mut out = MapInner::new();
            for (k, val) in m {
                let key = match k {
                    serde_yaml::Value::String(s) => s.clone(),
                    serde_yaml::Value::Bool(b) => b.to_string(),
                    serde_yaml::Value::Number(n) => n.to_string(),
                    serde_yaml::Value::Null => "null".into(),
                    other => {
                        return Err(format!(
                            "error converting YAML to JSON: yaml: invalid map key: {other:?}"
                        ))
                    }
                };
                out.insert(key, convert(val, depth + 1)?);
            }
            Value::map(out)
        }
        serde_yaml::Value::Tagged(t) => convert(&t.value, depth + 1)?,
    })
}
