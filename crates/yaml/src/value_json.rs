//! Template values ↔ `serde_json` values, one converter per Go semantics,
//! with one depth policy.
//!
//! Why several: Go moves data between `interface{}` and JSON in more than
//! one way, and each shows in output Helm users compare byte for byte:
//! - [`go_marshal`] / [`go_unmarshal`]: `encoding/json` into and out of
//!   `interface{}` — release records' `config` and chart values, `--set-json`
//!   (every number comes back a `float64`, `[]byte` marshals as base64);
//! - [`unstructured`] / [`from_unstructured`]: Kubernetes' unstructured
//!   objects — manifests sent to the API server and the validator's view
//!   of values (integral numbers stay integers), and `lookup` results.
//!
//! Depth: nesting beyond [`MAX_DEPTH`] (`encoding/json`'s own limit, so
//! no value read from YAML or JSON comes near it) becomes `null` (JSON) or
//! nil (values), which also ends a cyclic value; every converter applies
//! the same limit and grows the stack as it goes.
//!
//! Reading JSON text with Go's nesting limit: [`go_json_value`] (serde_json
//! stops at 128 levels by default; Go at 10000).

use base64::Engine as _;
use gotmpl::{IntKind, Value};
use serde::Deserialize as _;
use serde_json::Value as Json;

/// The deepest nesting any converter follows: Go's `encoding/json` decoder
/// refuses deeper documents (`maxNestingDepth`).
pub const MAX_DEPTH: usize = 10000;

/// Recursion that follows a value's nesting: grow the stack on the way.
fn deep<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(64 * 1024, 4 * 1024 * 1024, f)
}

/// A JSON text [`go_json_value`] could not read as Go's `encoding/json` would.
#[derive(Debug)]
pub enum JsonError {
    /// Nested deeper than [`MAX_DEPTH`]: Go's syntax error at the first
    /// bracket too deep, `invalid character '[' exceeded max depth`.
    TooDeep { bracket: char, offset: usize },
    /// serde_json's error (its recursion limit disabled): the caller words it.
    Syntax(serde_json::Error),
}

impl std::fmt::Display for JsonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JsonError::TooDeep { bracket, .. } => {
                write!(f, "invalid character '{bracket}' exceeded max depth")
            }
            JsonError::Syntax(e) => write!(f, "{e}"),
        }
    }
}

/// How deep a JSON text nests, strings skipped: `Ok(deepest level)`, or
/// `Err((byte offset, bracket))` at the first bracket that opens a level
/// past [`MAX_DEPTH`].  `first_value`: look only at the value the text
/// starts with (a decoder's `Decode`), not at what follows it.
pub fn nesting(json: &[u8], first_value: bool) -> Result<usize, (usize, u8)> {
    let (mut depth, mut max, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for (i, &b) in json.iter().enumerate() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err((i, b));
                }
                max = max.max(depth);
            }
            b']' | b'}' => {
                depth = depth.saturating_sub(1);
                if first_value && depth == 0 {
                    break;
                }
            }
            b' ' | b'\t' | b'\n' | b'\r' => {}
            // A first value that is not a collection nests nothing.
            _ if first_value && depth == 0 => break,
            _ => {}
        }
    }
    Ok(max)
}

/// JSON text decoded into values as Go's `encoding/json` does it, with
/// Go's nesting limit rather than serde_json's 128: the whole text as one
/// value (`json.Unmarshal`; `stream` false), or the value it starts with
/// and the bytes that value took (`json.Decoder.Decode`; `stream` true).
/// Numbers become `float64` ([`go_unmarshal`]).  A syntax error before the
/// first bracket too deep wins over the depth error, as Go's scanner meets
/// it first.
pub fn go_json_value(text: &str, stream: bool) -> Result<(Value, usize), JsonError> {
    let parse = |t: &str| -> Result<(Value, usize), serde_json::Error> {
        let mut de = serde_json::Deserializer::from_str(t);
        de.disable_recursion_limit();
        let (v, used) = if stream {
            let mut it = de.into_iter::<Json>();
            match it.next() {
                Some(r) => r.map(|v| (v, it.byte_offset()))?,
                None => (
                    Json::deserialize(&mut serde_json::Deserializer::from_str(t))?,
                    0,
                ),
            }
        } else {
            let v = Json::deserialize(&mut de)?;
            de.end()?;
            (v, t.len())
        };
        // Converted (and the serde tree dropped) on the same roomy stack.
        Ok((go_unmarshal(&v), used))
    };
    // serde's recursion takes a few KiB of stack per level.
    let on_stack = |t: &str, levels: usize| {
        if levels > 100 {
            stacker::grow((levels + 64) * (4 << 10), || parse(t))
        } else {
            parse(t)
        }
    };
    match nesting(text.as_bytes(), stream) {
        Ok(levels) => on_stack(text, levels).map_err(JsonError::Syntax),
        Err((offset, b)) => match on_stack(&text[..offset], MAX_DEPTH) {
            Err(e) if !e.is_eof() => Err(JsonError::Syntax(e)),
            _ => Err(JsonError::TooDeep {
                bracket: b as char,
                offset,
            }),
        },
    }
}

/// `encoding/json.Marshal` of an `interface{}`: unsigned integers keep their
/// range, NaN/±Inf (which Go refuses) become `null`, bytes become base64.
pub fn go_marshal(v: &Value) -> Json {
    marshal(v, 0)
}

fn marshal(v: &Value, depth: usize) -> Json {
    if depth > MAX_DEPTH {
        return Json::Null;
    }
    deep(|| match v {
        Value::Nil => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(n, IntKind::Uint64) => Json::from(*n as u64),
        Value::Int(n, _) => Json::from(*n),
        Value::Float(f) => float(*f),
        Value::String(s) => Json::String(s.to_string()),
        Value::Bytes(b) => Json::String(base64::engine::general_purpose::STANDARD.encode(b)),
        Value::List(l) => Json::Array(l.items().iter().map(|x| marshal(x, depth + 1)).collect()),
        Value::Map(m) => Json::Object(
            m.borrow()
                .iter()
                .map(|(k, x)| (k.clone(), marshal(x, depth + 1)))
                .collect(),
        ),
        Value::Object(o) => marshal(&o.to_data(), depth + 1),
    })
}

/// `json.Unmarshal` into `interface{}`: every number is a `float64`,
/// objects are `map[string]interface{}`.
pub fn go_unmarshal(j: &Json) -> Value {
    unmarshal(j, 0, false)
}

/// Kubernetes' unstructured decoding, as `lookup` hands objects to
/// templates: integers stay `int64`, other numbers are `float64`.
pub fn from_unstructured(j: &Json) -> Value {
    unmarshal(j, 0, true)
}

fn unmarshal(j: &Json, depth: usize, keep_ints: bool) -> Value {
    if depth > MAX_DEPTH {
        return Value::Nil;
    }
    deep(|| match j {
        Json::Null => Value::Nil,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => match n.as_i64().filter(|_| keep_ints) {
            Some(i) => Value::int(i),
            None => Value::Float(n.as_f64().unwrap_or(0.0)),
        },
        Json::String(s) => Value::str(s),
        Json::Array(a) => Value::list(
            a.iter()
                .map(|x| unmarshal(x, depth + 1, keep_ints))
                .collect(),
        ),
        Json::Object(m) => Value::map(
            m.iter()
                .map(|(k, x)| (k.clone(), unmarshal(x, depth + 1, keep_ints)))
                .collect(),
        ),
    })
}

/// A decoded manifest (or values tree) as Kubernetes' JSON keeps it:
/// integral floats become integers (sigs.k8s.io/yaml's float64s reach the
/// API server as `3`, not `3.0`), bytes are read as text.
pub fn unstructured(v: &Value) -> Json {
    to_unstructured(v, 0)
}

fn to_unstructured(v: &Value, depth: usize) -> Json {
    if depth > MAX_DEPTH {
        return Json::Null;
    }
    deep(|| match v {
        Value::Nil => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(n, _) => Json::from(*n),
        Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Json::from(*f as i64),
        Value::Float(f) => float(*f),
        Value::String(s) => Json::String(s.to_string()),
        Value::Bytes(b) => Json::String(String::from_utf8_lossy(b).into_owned()),
        Value::List(l) => Json::Array(
            l.items()
                .iter()
                .map(|x| to_unstructured(x, depth + 1))
                .collect(),
        ),
        Value::Map(m) => Json::Object(
            m.borrow()
                .iter()
                .map(|(k, x)| (k.clone(), to_unstructured(x, depth + 1)))
                .collect(),
        ),
        Value::Object(o) => to_unstructured(&o.to_data(), depth + 1),
    })
}

fn float(f: f64) -> Json {
    serde_json::Number::from_f64(f)
        .map(Json::Number)
        .unwrap_or(Json::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_converter_keeps_its_go_semantics() {
        let v = Value::map(
            [
                ("f".to_string(), Value::Float(3.0)),
                ("h".to_string(), Value::Float(0.5)),
                ("u".to_string(), Value::Int(-1, IntKind::Uint64)),
                ("b".to_string(), Value::Bytes(std::rc::Rc::from(&b"hi"[..]))),
                ("n".to_string(), Value::Float(f64::NAN)),
            ]
            .into_iter()
            .collect(),
        );
        let m = go_marshal(&v);
        assert_eq!(m["f"], serde_json::json!(3.0));
        assert_eq!(m["u"], serde_json::json!(u64::MAX));
        assert_eq!(m["b"], serde_json::json!("aGk="));
        assert_eq!(m["n"], Json::Null);
        let u = unstructured(&v);
        assert_eq!(u["f"], serde_json::json!(3));
        assert_eq!(u["h"], serde_json::json!(0.5));
        assert_eq!(u["b"], serde_json::json!("hi"));

        let j = serde_json::json!({"i": 3, "x": 1.5});
        let get = |v: Value, k: &str| match v {
            Value::Map(m) => m.get(k),
            _ => None,
        };
        assert!(matches!(get(go_unmarshal(&j), "i"), Some(Value::Float(f)) if f == 3.0));
        assert!(matches!(
            get(from_unstructured(&j), "i"),
            Some(Value::Int(3, _))
        ));
        assert!(matches!(get(from_unstructured(&j), "x"), Some(Value::Float(f)) if f == 1.5));
    }

    #[test]
    fn one_depth_limit() {
        let mut v = Value::Nil;
        for _ in 0..MAX_DEPTH + 10 {
            v = Value::list(vec![v]);
        }
        let mut j = go_marshal(&v);
        let mut depth = 0;
        while let Json::Array(mut a) = j {
            j = a.pop().unwrap_or(Json::Null);
            depth += 1;
        }
        assert_eq!(depth, MAX_DEPTH + 1);
        let mut deep = Json::Null;
        for _ in 0..MAX_DEPTH + 10 {
            deep = Json::Array(vec![deep]);
        }
        let mut back = go_unmarshal(&deep);
        let mut depth = 0;
        while let Value::List(l) = back {
            back = l.items().first().cloned().unwrap_or(Value::Nil);
            depth += 1;
        }
        assert_eq!(depth, MAX_DEPTH + 1);
    }
}
