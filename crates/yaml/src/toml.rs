//! BurntSushi/toml's encoder, as Helm's `toToml` uses it.
//!
//! Layout rules reproduced: plain key/values of a table first (sorted
//! byte-wise), then sub-tables and arrays of tables (sorted); a blank line
//! before each top-level `[table]` and before every `[[array]]` element;
//! two spaces of indentation per nesting level; floats in Go's `%g` form
//! with `.0` added when there is neither a `.` nor an exponent; nil map
//! entries skipped, nil array elements an error.

use gotmpl::Value;

const NIL_ARRAY: &str = "toml: cannot encode array with nil element";
/// What Go panics with when `toToml` gets an untyped nil (text/template
/// turns it into an error of the function call).
pub const NIL_PANIC: &str = "reflect: call of reflect.Value.Type on zero Value";

#[derive(PartialEq, Clone, Copy)]
enum TType {
    Nil,
    Table,
    ArrayOfTables,
    Other,
}

fn data(v: &Value) -> Value {
    match v {
        Value::Object(o) => o.to_data(),
        other => other.clone(),
    }
}

fn ttype(v: &Value) -> Result<TType, String> {
    Ok(match v {
        Value::Nil => TType::Nil,
        Value::Map(_) => TType::Table,
        Value::List(l) => {
            if l.items().is_empty() {
                TType::Other
            } else {
                // One level down only: whether every item is a table. A nil
                // deeper inside nested lists fails when `element` reaches
                // it (same error); looking all the way down at every level
                // made deep lists quadratic.
                let mut all = true;
                for it in l.items().iter() {
                    match data(it) {
                        Value::Nil => return Err(NIL_ARRAY.into()),
                        Value::Map(_) => {}
                        _ => all = false,
                    }
                }
                if all {
                    TType::ArrayOfTables
                } else {
                    TType::Other
                }
            }
        }
        Value::Object(o) => ttype(&o.to_data())?,
        _ => TType::Other,
    })
}

struct Enc {
    out: String,
}

fn is_bare(k: &str) -> bool {
    !k.is_empty()
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn key_part(k: &str) -> String {
    if is_bare(k) {
        k.to_string()
    } else {
        quote(k)
    }
}

fn key_string(key: &[String]) -> String {
    key.iter()
        .map(|k| key_part(k))
        .collect::<Vec<_>>()
        .join(".")
}

fn float_text(f: f64) -> String {
    if f.is_nan() {
        return if f.is_sign_negative() {
            "-nan".into()
        } else {
            "nan".into()
        };
    }
    if f.is_infinite() {
        return if f < 0.0 {
            "-inf".into()
        } else {
            "+inf".into()
        };
    }
    let s = crate::float::format_g(f, false);
    if s.contains('.') || s.contains('e') {
        s
    } else {
        s + ".0"
    }
}

impl Enc {
    fn newline(&mut self) {
        if !self.out.is_empty() {
            self.out.push('\n');
        }
    }

    fn indent(key: &[String]) -> String {
        "  ".repeat(key.len().saturating_sub(1))
    }

    fn encode(&mut self, key: &mut Vec<String>, v: &Value, depth: usize) -> Result<(), String> {
        let v = data(v);
        match ttype(&v)? {
            TType::Nil => Ok(()),
            TType::Table => self.table(key, &v, depth),
            TType::ArrayOfTables => {
                if key.is_empty() {
                    return Err("toml: top-level values must be Go maps or structs".into());
                }
                let Value::List(l) = &v else { return Ok(()) };
                for item in l.items().iter() {
                    self.newline();
                    self.out
                        .push_str(&format!("{}[[{}]]", Self::indent(key), key_string(key)));
                    self.newline();
                    self.map_body(key, &data(item), depth)?;
                }
                Ok(())
            }
            TType::Other => self.key_value(key, &v, false),
        }
    }

    fn table(&mut self, key: &mut Vec<String>, v: &Value, depth: usize) -> Result<(), String> {
        if key.len() == 1 {
            self.newline();
        }
        if !key.is_empty() {
            self.out
                .push_str(&format!("{}[{}]", Self::indent(key), key_string(key)));
            self.newline();
        }
        self.map_body(key, v, depth)
    }

    fn map_body(&mut self, key: &mut Vec<String>, v: &Value, depth: usize) -> Result<(), String> {
        let Value::Map(m) = v else { return Ok(()) };
        let entries: Vec<(String, Value)> = m
            .borrow()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let mut direct = Vec::new();
        let mut sub = Vec::new();
        for (k, val) in entries {
            match ttype(&data(&val))? {
                TType::Table | TType::ArrayOfTables => sub.push((k, val)),
                _ => direct.push((k, val)),
            }
        }
        for (k, val) in direct.iter().chain(sub.iter()) {
            if val.is_nil() {
                continue;
            }
            key.push(k.clone());
            // No depth limit (Go's encoder has none); deep values grow the
            // stack instead of overflowing it.
            let r = stacker::maybe_grow(64 * 1024, 4 * 1024 * 1024, || {
                self.encode(key, val, depth + 1)
            });
            key.pop();
            r?;
        }
        Ok(())
    }

    fn key_value(&mut self, key: &[String], v: &Value, inline: bool) -> Result<(), String> {
        if key.is_empty() {
            return self.element(v);
        }
        self.out.push_str(&format!(
            "{}{} = ",
            Self::indent(key),
            key_part(&key[key.len() - 1])
        ));
        self.element(v)?;
        if !inline {
            self.newline();
        }
        Ok(())
    }

    fn element(&mut self, v: &Value) -> Result<(), String> {
        match v {
            Value::Nil => return Err(NIL_ARRAY.into()),
            Value::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            Value::Int(n, k) => {
                if *k == gotmpl::IntKind::Uint64 {
                    self.out.push_str(&(*n as u64).to_string())
                } else {
                    self.out.push_str(&n.to_string())
                }
            }
            Value::Float(f) => self.out.push_str(&float_text(*f)),
            Value::String(s) => self.out.push_str(&quote(s)),
            Value::Bytes(b) => {
                let parts: Vec<String> = b.iter().map(|x| x.to_string()).collect();
                self.out.push_str(&format!("[{}]", parts.join(", ")));
            }
            Value::List(l) => {
                // Validates nil elements like tomlArrayType does.
                ttype(v)?;
                self.out.push('[');
                for (i, it) in l.items().iter().enumerate() {
                    self.element(&data(it))?;
                    if i + 1 != l.items().len() {
                        self.out.push_str(", ");
                    }
                }
                self.out.push(']');
            }
            Value::Map(m) => {
                let entries: Vec<(String, Value)> = m
                    .borrow()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                let mut direct = Vec::new();
                let mut sub = Vec::new();
                for (k, val) in entries {
                    match ttype(&data(&val))? {
                        TType::Table | TType::ArrayOfTables => sub.push((k, val)),
                        _ => direct.push((k, val)),
                    }
                }
                self.out.push('{');
                let has_sub = !sub.is_empty();
                for (group, trail) in [(&direct, has_sub), (&sub, false)] {
                    for (i, (k, val)) in group.iter().enumerate() {
                        if val.is_nil() {
                            continue;
                        }
                        self.key_value(std::slice::from_ref(k), &data(val), true)?;
                        if trail || i + 1 != group.len() {
                            self.out.push_str(", ");
                        }
                    }
                }
                self.out.push('}');
            }
            Value::Object(o) => {
                let d = o.to_data();
                if let Value::Object(_) = d {
                    self.out.push_str(&quote(&o.format_v()));
                } else {
                    self.element(&d)?;
                }
            }
        }
        Ok(())
    }
}

/// `toml.NewEncoder(buf).Encode(v)`: the document, or the encoder's error
/// (`Err(NIL_PANIC)` for an untyped nil, where Go panics).
pub fn encode(v: &Value) -> Result<String, String> {
    if v.is_nil() {
        return Err(NIL_PANIC.into());
    }
    let mut e = Enc { out: String::new() };
    let mut key = Vec::new();
    e.encode(&mut key, v, 0)?;
    Ok(e.out)
}

/// Helm's `toToml`: the document, or the encoder's error text as output.
/// `Err` only for Go's panic on nil (a template execution error).
pub fn to_toml_helm(v: &Value) -> Result<String, String> {
    match encode(v) {
        Ok(s) => Ok(s),
        Err(e) if e == NIL_PANIC => Err(e),
        Err(e) => Ok(e),
    }
}

/// Helm's `fromToml` parsing (BurntSushi `toml.Unmarshal` into a map):
/// integers are `int64`, floats `float64`.
///
/// Partial: parsing is done by the `toml` crate, so error texts are not
/// BurntSushi's (`toml: line N (last key "k"): …`) — only the `toml: ` prefix
/// and line number are kept; datetimes come back as their RFC 3339 text
/// (`Value::String`), not a `time.Time` object.
pub fn decode(text: &str) -> Result<Value, String> {
    let table: ::toml::Table = text.parse().map_err(|e: ::toml::de::Error| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        match line {
            Some(l) => format!("toml: line {l}: {}", e.message()),
            None => format!("toml: {}", e.message()),
        }
    })?;
    Ok(from_toml_value(&::toml::Value::Table(table)))
}

fn from_toml_value(v: &::toml::Value) -> Value {
    use ::toml::Value as T;
    match v {
        T::String(s) => Value::str(s),
        T::Integer(i) => Value::int64(*i),
        T::Float(f) => Value::Float(*f),
        T::Boolean(b) => Value::Bool(*b),
        T::Datetime(d) => Value::string(d.to_string()),
        T::Array(a) => Value::list(a.iter().map(from_toml_value).collect()),
        T::Table(t) => {
            let mut m = gotmpl::MapInner::new();
            for (k, v) in t {
                m.insert(k.clone(), from_toml_value(v));
            }
            Value::map(m)
        }
    }
}
