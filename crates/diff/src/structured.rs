//! `--output structured`: per object, the fields that changed, found by
//! walking a JSON merge patch of old → new (keys sorted, arrays compared
//! index by index), printed as Go's `json.Encoder` with a two-space indent
//! prints helm-diff's structs (field order, `omitempty`, HTML escaping).

use gotmpl::{MapInner, Value};

use crate::manifest::Object;
use crate::report::Change;

/// One object's structured entry.
#[derive(Debug, Clone, Default)]
pub struct StructuredEntry {
    pub api_version: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub change_type: String,
    pub old_exists: bool,
    pub new_exists: bool,
    pub changes: Vec<FieldChange>,
    pub changes_suppressed: bool,
}

/// One changed field.
#[derive(Debug, Clone)]
pub struct FieldChange {
    /// Dotted path of the parent (`spec.template.spec.containers[0]`).
    pub path: String,
    /// The last token (a key, or an array index).
    pub field: String,
    /// `add`, `remove` or `replace`.
    pub change: &'static str,
    pub old_value: Option<Value>,
    pub new_value: Option<Value>,
}

fn to_json(o: Option<&Object>) -> Result<Option<Value>, String> {
    let Some(o) = o.filter(|o| !o.content.trim().is_empty()) else {
        return Ok(None);
    };
    let v = yaml::from_yaml(&o.content).map_err(|e| e.to_string())?;
    Ok(Some(v))
}

/// Key fields from the report key, for objects that lack them.
pub(crate) fn key_fields(key: &str) -> Option<(String, String, String, String)> {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(r"([a-z0-9-]+), ([a-z0-9.-]+), (\w+) \(([^)]+)\)").expect("static regex")
    });
    let c = re.captures(key)?;
    Some((
        c[1].to_string(),
        c[2].to_string(),
        c[3].to_string(),
        c[4].to_string(),
    ))
}

pub(crate) fn build(
    key: &str,
    change: Change,
    kind: &str,
    suppressed: &[String],
    old: Option<&Object>,
    new: Option<&Object>,
) -> Result<StructuredEntry, String> {
    let mut e = StructuredEntry {
        change_type: change.as_str().into(),
        old_exists: old.is_some_and(|o| !o.content.trim().is_empty()),
        new_exists: new.is_some_and(|o| !o.content.trim().is_empty()),
        changes_suppressed: suppressed.iter().any(|k| k == kind),
        ..Default::default()
    };
    let oj = to_json(old).map_err(|err| format!("convert old manifest: {err}"))?;
    let nj = to_json(new).map_err(|err| format!("convert new manifest: {err}"))?;
    for obj in [&oj, &nj].into_iter().flatten() {
        let Value::Map(m) = obj else { continue };
        let m = m.borrow();
        let s = |v: Option<&Value>| match v {
            Some(Value::String(s)) => Some(s.to_string()),
            _ => None,
        };
        if e.api_version.is_empty() {
            e.api_version = s(m.get("apiVersion")).unwrap_or_default();
        }
        if e.kind.is_empty() {
            e.kind = s(m.get("kind")).unwrap_or_default();
        }
        if let Some(Value::Map(md)) = m.get("metadata") {
            let md = md.borrow();
            if e.name.is_empty() {
                e.name = s(md.get("name")).unwrap_or_default();
            }
            if e.namespace.is_empty() {
                e.namespace = s(md.get("namespace")).unwrap_or_default();
            }
        }
    }
    if e.kind.is_empty() || e.name.is_empty() || e.namespace.is_empty() || e.api_version.is_empty()
    {
        if let Some((ns, name, k, api)) = key_fields(key) {
            for (slot, v) in [
                (&mut e.kind, k),
                (&mut e.name, name),
                (&mut e.namespace, ns),
                (&mut e.api_version, api),
            ] {
                if slot.is_empty() {
                    *slot = v;
                }
            }
        }
    }
    if e.changes_suppressed {
        return Ok(e);
    }
    if change == Change::Modify {
        if let (Some(a), Some(b)) = (&oj, &nj) {
            let patch = merge_patch(a, b);
            walk(&mut e.changes, &mut Vec::new(), &patch, a, b);
        }
    }
    Ok(e)
}

/// Deep equality as `reflect.DeepEqual` sees decoded JSON.
fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Nil, Value::Nil) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Float(x), Value::Float(y)) => x == y,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::List(x), Value::List(y)) => {
            let (x, y) = (x.items(), y.items());
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| equal(p, q))
        }
        (Value::Map(x), Value::Map(y)) => {
            let (x, y) = (x.borrow(), y.borrow());
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| equal(v, w)))
        }
        _ => false,
    }
}

/// RFC 7386 merge patch from `a` to `b` (evanphx/json-patch's
/// `CreateMergePatch` for objects); other pairs patch to `b`.
fn merge_patch(a: &Value, b: &Value) -> Value {
    let (Value::Map(am), Value::Map(bm)) = (a, b) else {
        return b.clone();
    };
    let (am, bm) = (am.borrow(), bm.borrow());
    let mut p = MapInner::new();
    for (k, bv) in bm.iter() {
        match am.get(k) {
            None => {
                p.insert(k.clone(), bv.clone());
            }
            Some(av) => {
                if let (Value::Map(_), Value::Map(_)) = (av, bv) {
                    if let Value::Map(sub) = merge_patch(av, bv) {
                        if !sub.borrow().is_empty() {
                            p.insert(k.clone(), Value::Map(sub));
                        }
                    }
                } else if !equal(av, bv) {
                    p.insert(k.clone(), bv.clone());
                }
            }
        }
    }
    for k in am.keys() {
        if !bm.contains_key(k) {
            p.insert(k.clone(), Value::Nil);
        }
    }
    Value::map(p)
}

fn child(v: &Value, k: &str) -> Value {
    match v {
        Value::Map(m) => m.borrow().get(k).cloned().unwrap_or(Value::Nil),
        _ => Value::Nil,
    }
}

fn push(
    changes: &mut Vec<FieldChange>,
    tokens: &[String],
    change: &'static str,
    old: Option<Value>,
    new: Option<Value>,
) {
    let (path, field) = match tokens.split_last() {
        None => (String::new(), String::new()),
        Some((last, rest)) => (format_path(rest), last.clone()),
    };
    changes.push(FieldChange {
        path,
        field,
        change,
        old_value: old,
        new_value: new,
    });
}

fn walk(
    changes: &mut Vec<FieldChange>,
    tokens: &mut Vec<String>,
    patch: &Value,
    old: &Value,
    new: &Value,
) {
    match patch {
        Value::Map(pm) => {
            // BTreeMap keys are already in Go's sort.Strings order.
            let pm = pm.borrow().clone();
            for (k, pv) in pm.iter() {
                tokens.push(k.clone());
                walk(changes, tokens, pv, &child(old, k), &child(new, k));
                tokens.pop();
            }
        }
        Value::List(_) => diff_arrays(changes, tokens, old, new),
        Value::Nil => push(changes, tokens, "remove", some(old), None),
        _ => {
            if matches!(old, Value::Nil) {
                push(changes, tokens, "add", None, some(new));
            } else if !equal(old, new) {
                push(changes, tokens, "replace", some(old), some(new));
            }
        }
    }
}

/// `omitempty` on an `interface{}`: only nil is left out.
fn some(v: &Value) -> Option<Value> {
    (!matches!(v, Value::Nil)).then(|| v.clone())
}

fn diff_arrays(changes: &mut Vec<FieldChange>, tokens: &mut Vec<String>, old: &Value, new: &Value) {
    let items = |v: &Value| match v {
        Value::List(l) => l.items().to_vec(),
        _ => Vec::new(),
    };
    let (oa, na) = (items(old), items(new));
    for i in 0..oa.len().max(na.len()) {
        let ov = oa.get(i).cloned().unwrap_or(Value::Nil);
        let nv = na.get(i).cloned().unwrap_or(Value::Nil);
        tokens.push(i.to_string());
        match (&ov, &nv) {
            (Value::Nil, Value::Nil) => {}
            (Value::Nil, _) => push(changes, tokens, "add", None, Some(nv.clone())),
            (_, Value::Nil) => push(changes, tokens, "remove", Some(ov.clone()), None),
            _ if equal(&ov, &nv) => {}
            (Value::Map(_), Value::Map(_)) => {
                let p = merge_patch(&ov, &nv);
                walk(changes, tokens, &p, &ov, &nv);
            }
            (Value::List(_), Value::List(_)) => diff_arrays(changes, tokens, &ov, &nv),
            // Scalars, and values of different types (where helm-diff's
            // patch library errors out), are replaced whole.
            _ => {
                push(
                    changes,
                    tokens,
                    "replace",
                    Some(ov.clone()),
                    Some(nv.clone()),
                );
            }
        }
        tokens.pop();
    }
}

fn format_path(tokens: &[String]) -> String {
    let mut segs: Vec<String> = Vec::new();
    for t in tokens {
        if t.is_empty() {
            continue;
        }
        if t.bytes().all(|b| b.is_ascii_digit()) {
            match segs.last_mut() {
                Some(last) => last.push_str(&format!("[{t}]")),
                None => segs.push(format!("[{t}]")),
            }
        } else {
            segs.push(t.clone());
        }
    }
    segs.join(".")
}

fn jstr(out: &mut String, s: &str) {
    yaml::json::write_string(out, s, true);
}

fn jval(out: &mut String, v: &Value) {
    match yaml::json::encode(v, true, None) {
        Ok(s) => out.push_str(&s),
        Err(_) => out.push_str("null"),
    }
}

/// The entries as `json.Encoder` with `SetIndent("", "  ")` writes them.
pub fn print(entries: &[StructuredEntry]) -> String {
    let mut c = String::from("[");
    for (i, e) in entries.iter().enumerate() {
        if i > 0 {
            c.push(',');
        }
        c.push('{');
        let mut first = true;
        let mut field = |c: &mut String, name: &str| {
            if !first {
                c.push(',');
            }
            first = false;
            jstr(c, name);
            c.push(':');
        };
        for (name, v) in [
            ("apiVersion", &e.api_version),
            ("kind", &e.kind),
            ("namespace", &e.namespace),
            ("name", &e.name),
            ("changeType", &e.change_type),
        ] {
            if !v.is_empty() {
                field(&mut c, name);
                jstr(&mut c, v);
            }
        }
        field(&mut c, "resourceStatus");
        c.push_str(&format!(
            "{{\"oldExists\":{},\"newExists\":{}}}",
            e.old_exists, e.new_exists
        ));
        if !e.changes.is_empty() {
            field(&mut c, "changes");
            c.push('[');
            for (j, ch) in e.changes.iter().enumerate() {
                if j > 0 {
                    c.push(',');
                }
                c.push('{');
                if !ch.path.is_empty() {
                    c.push_str("\"path\":");
                    jstr(&mut c, &ch.path);
                    c.push(',');
                }
                if !ch.field.is_empty() {
                    c.push_str("\"field\":");
                    jstr(&mut c, &ch.field);
                    c.push(',');
                }
                c.push_str("\"change\":");
                jstr(&mut c, ch.change);
                if let Some(v) = &ch.old_value {
                    c.push_str(",\"oldValue\":");
                    jval(&mut c, v);
                }
                if let Some(v) = &ch.new_value {
                    c.push_str(",\"newValue\":");
                    jval(&mut c, v);
                }
                c.push('}');
            }
            c.push(']');
        }
        if e.changes_suppressed {
            field(&mut c, "changesSuppressed");
            c.push_str("true");
        }
        c.push('}');
    }
    c.push(']');
    let mut out = yaml::json::indent(&c, "  ");
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(text: &str) -> Object {
        Object {
            kind: "Deployment".into(),
            content: text.into(),
            resource_policy: String::new(),
        }
    }

    #[test]
    fn field_changes_and_printing() {
        let old = obj("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: ns\nspec:\n  replicas: 1\n  gone: x\n  template:\n    spec:\n      containers:\n      - name: a\n        image: a:1\n");
        let new = obj("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: ns\nspec:\n  replicas: 3\n  added: <y>\n  template:\n    spec:\n      containers:\n      - name: a\n        image: a:2\n");
        let e = build(
            "ns, web, Deployment (apps)",
            Change::Modify,
            "Deployment",
            &[],
            Some(&old),
            Some(&new),
        )
        .unwrap();
        let got: Vec<(String, String, &str)> = e
            .changes
            .iter()
            .map(|c| (c.path.clone(), c.field.clone(), c.change))
            .collect();
        assert_eq!(
            got,
            vec![
                ("spec".into(), "added".into(), "add"),
                ("spec".into(), "gone".into(), "remove"),
                ("spec".into(), "replicas".into(), "replace"),
                (
                    "spec.template.spec.containers[0]".into(),
                    "image".into(),
                    "replace"
                ),
            ]
        );
        let text = print(&[e]);
        assert!(text.starts_with("[\n  {\n    \"apiVersion\": \"apps/v1\",\n    \"kind\": \"Deployment\",\n    \"namespace\": \"ns\",\n    \"name\": \"web\",\n    \"changeType\": \"MODIFY\",\n    \"resourceStatus\": {\n      \"oldExists\": true,\n      \"newExists\": true\n    },\n    \"changes\": [\n      {\n        \"path\": \"spec\",\n        \"field\": \"added\",\n        \"change\": \"add\",\n        \"newValue\": \"\\u003cy\\u003e\"\n      },"), "{text}");
        assert!(text.ends_with("]\n"));
        assert_eq!(print(&[]), "[]\n");
    }

    #[test]
    fn paths() {
        assert_eq!(
            format_path(&["a".into(), "0".into(), "b".into(), "1".into()]),
            "a[0].b[1]"
        );
        assert_eq!(format_path(&["0".into()]), "[0]");
    }
}
