//! Sprig's dictionary functions (`dict.go`, mergo-backed `merge`, `dig`).
//!
//! Go maps are references: `set`, `unset`, `merge` and `mergeOverwrite`
//! mutate their first argument in place and return that same map, and a
//! sub-map copied from a source by `merge` stays shared with the source.

use gotmpl::{ElemKind, FuncError, FuncMap, Map, MapInner, ParamType as P, Value};

use crate::cast::{arg_str, empty, strval};

/// Recursion bound for merging self-referencing maps.
const MAX_MERGE_DEPTH: usize = 1000;

fn map_arg(v: &Value) -> Option<&Map> {
    match v {
        Value::Map(m) => Some(m),
        _ => None,
    }
}

/// mergo's map merge as Sprig uses it (`mergo.Merge` / `WithOverride`).
fn merge_into(dst: &Map, src: &Map, overwrite: bool, depth: usize) {
    if dst.ptr_eq(src) || depth > MAX_MERGE_DEPTH {
        return;
    }
    let entries: Vec<(String, Value)> = src
        .borrow()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (k, sv) in entries {
        let dv = dst.get(&k);
        if sv.is_nil() {
            // A nil interface in src only matters when overwriting.
            if overwrite {
                dst.insert(k, Value::Nil);
            }
            continue;
        }
        if let (Value::Map(sm), Some(Value::Map(dm))) = (&sv, &dv) {
            merge_into(dm, sm, overwrite, depth + 1);
            continue;
        }
        if overwrite || dv.as_ref().is_none_or(empty) {
            dst.insert(k, sv);
        }
    }
}

fn merge_fn(a: &[Value], overwrite: bool) -> Result<Value, FuncError> {
    let dst = map_arg(&a[0]).ok_or("merge: destination is not a map")?;
    for s in &a[1..] {
        if let Some(src) = map_arg(s) {
            merge_into(dst, src, overwrite, 0);
        }
    }
    Ok(a[0].clone())
}

/// Go's failed type assertion to `map[string]interface {}`.
fn not_a_map(v: &Value) -> FuncError {
    let t = if v.is_nil() {
        "nil".to_string()
    } else {
        v.type_name()
    };
    FuncError::msg(format!(
        "interface conversion: interface {{}} is {t}, not map[string]interface {{}}"
    ))
}

fn dig(a: &[Value]) -> Result<Value, FuncError> {
    if a.len() < 3 {
        return Err("dig needs at least three arguments".into());
    }
    let last = &a[a.len() - 1];
    let mut cur = match last {
        Value::Map(m) if m.elem == ElemKind::Any => m.clone(),
        other => return Err(not_a_map(other)),
    };
    let def = &a[a.len() - 2];
    let keys = &a[..a.len() - 2];
    let mut ks = Vec::with_capacity(keys.len());
    for k in keys {
        match k {
            Value::String(s) => ks.push(s.clone()),
            other => {
                let t = if other.is_nil() {
                    "nil".to_string()
                } else {
                    other.type_name()
                };
                return Err(
                    format!("interface conversion: interface {{}} is {t}, not string").into(),
                );
            }
        }
    }
    for (i, k) in ks.iter().enumerate() {
        let Some(step) = cur.get(k) else {
            return Ok(def.clone());
        };
        if i == ks.len() - 1 {
            return Ok(step);
        }
        cur = match step {
            Value::Map(m) if m.elem == ElemKind::Any => m,
            other => return Err(not_a_map(&other)),
        };
    }
    Ok(def.clone())
}

pub fn register(m: &mut FuncMap) {
    m.add("dict", &[], Some(P::Any), |a| {
        let mut d = MapInner::new();
        for pair in a.chunks(2) {
            let v = pair.get(1).cloned().unwrap_or_else(|| Value::str(""));
            d.insert(strval(&pair[0]), v);
        }
        Ok(Value::map(d))
    });
    m.add("get", &[P::Map, P::String], None, |a| {
        let m = map_arg(&a[0]).ok_or(crate::cast::NIL_DEREF)?;
        Ok(m.get(arg_str(&a[1])).unwrap_or_else(|| Value::str("")))
    });
    m.add("set", &[P::Map, P::String, P::Any], None, |a| {
        let m = map_arg(&a[0]).ok_or("assignment to entry in nil map")?;
        m.insert(arg_str(&a[1]), a[2].clone());
        Ok(a[0].clone())
    });
    m.add("unset", &[P::Map, P::String], None, |a| {
        if let Some(m) = map_arg(&a[0]) {
            m.borrow_mut().remove(arg_str(&a[1]));
        }
        Ok(a[0].clone())
    });
    m.add("hasKey", &[P::Map, P::String], None, |a| {
        Ok(Value::Bool(
            map_arg(&a[0]).is_some_and(|m| m.borrow().contains_key(arg_str(&a[1]))),
        ))
    });
    m.add("pluck", &[P::String], Some(P::Map), |a| {
        let k = arg_str(&a[0]);
        Ok(Value::list(
            a[1..]
                .iter()
                .filter_map(|d| map_arg(d).and_then(|m| m.get(k)))
                .collect(),
        ))
    });
    m.add("keys", &[], Some(P::Map), |a| {
        let mut out = Vec::new();
        for d in a.iter().filter_map(map_arg) {
            out.extend(d.borrow().keys().cloned());
        }
        Ok(Value::string_list(out))
    });
    m.add("values", &[P::Map], None, |a| {
        let vals = map_arg(&a[0]).map(|m| m.borrow().values().cloned().collect());
        Ok(Value::list(vals.unwrap_or_default()))
    });
    m.add("pick", &[P::Map], Some(P::String), |a| {
        let mut res = MapInner::new();
        if let Some(m) = map_arg(&a[0]) {
            let src = m.borrow();
            for k in &a[1..] {
                if let Some(v) = src.get(arg_str(k)) {
                    res.insert(arg_str(k).to_string(), v.clone());
                }
            }
        }
        Ok(Value::map(res))
    });
    m.add("omit", &[P::Map], Some(P::String), |a| {
        let mut res = MapInner::new();
        if let Some(m) = map_arg(&a[0]) {
            for (k, v) in m.borrow().iter() {
                if !a[1..].iter().any(|o| arg_str(o) == k) {
                    res.insert(k.clone(), v.clone());
                }
            }
        }
        Ok(Value::map(res))
    });
    m.add("merge", &[P::Map], Some(P::Map), |a| merge_fn(a, false));
    m.add("mustMerge", &[P::Map], Some(P::Map), |a| merge_fn(a, false));
    m.add("mergeOverwrite", &[P::Map], Some(P::Map), |a| {
        merge_fn(a, true)
    });
    m.add("mustMergeOverwrite", &[P::Map], Some(P::Map), |a| {
        merge_fn(a, true)
    });
    m.add("dig", &[], Some(P::Any), dig);
}

#[cfg(test)]
mod tests {
    use crate::testutil::*;
    use gotmpl::Value;

    fn d(kv: &[(&str, Value)]) -> Value {
        Value::map(kv.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
    }

    #[test]
    fn dicts() {
        assert_eq!(
            v("dict", &["a".into(), Value::int(1), Value::int(2)]),
            "map[2: a:1]"
        );
        let x = d(&[("a", Value::int(1))]);
        call("set", &[x.clone(), "b".into(), Value::int(2)]).unwrap();
        assert_eq!(gotmpl::fmt::format_v(&x), "map[a:1 b:2]");
        assert_eq!(v("get", &[x.clone(), "zz".into()]), "");
        assert_eq!(v("keys", &[x.clone(), d(&[("c", Value::Nil)])]), "[a b c]");
        assert_eq!(v("pick", &[x.clone(), "b".into()]), "map[b:2]");
        assert_eq!(v("omit", &[x.clone(), "b".into()]), "map[a:1]");
    }

    #[test]
    fn merging() {
        let dst = d(&[
            ("a", "".into()),
            ("m", d(&[("x", Value::int(1))])),
            ("l", Value::list(vec![Value::int(1)])),
        ]);
        let src = d(&[
            ("a", "s".into()),
            ("m", d(&[("x", Value::int(2)), ("y", Value::int(2))])),
            ("l", Value::list(vec![])),
            ("n", Value::Nil),
        ]);
        assert_eq!(
            v("merge", &[dst.clone(), src.clone()]),
            "map[a:s l:[1] m:map[x:1 y:2]]"
        );
        assert_eq!(
            v("mergeOverwrite", &[dst.clone(), src]),
            "map[a:s l:[] m:map[x:2 y:2] n:<nil>]"
        );
        // merging a map into itself must not deadlock the RefCell
        assert_eq!(
            v("merge", &[dst.clone(), dst.clone()]),
            v("merge", std::slice::from_ref(&dst))
        );
    }

    #[test]
    fn digging() {
        let x = d(&[("a", d(&[("b", "found".into())]))]);
        assert_eq!(
            v("dig", &["a".into(), "b".into(), "def".into(), x.clone()]),
            "found"
        );
        assert_eq!(
            v("dig", &["z".into(), "b".into(), "def".into(), x.clone()]),
            "def"
        );
        assert_eq!(
            err(
                "dig",
                &["a".into(), "b".into(), "c".into(), "def".into(), x]
            ),
            "interface conversion: interface {} is string, not map[string]interface {}"
        );
        assert_eq!(
            err("dig", &["a".into(), "d".into(), "x".into()]),
            "interface conversion: interface {} is string, not map[string]interface {}"
        );
    }
}
