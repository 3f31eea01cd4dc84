//! The three classic patch formats: JSON merge patch (RFC 7386), strategic
//! merge patch (Kubernetes' list-aware merge, with the directives kubectl
//! sends) and JSON patch (RFC 6902).
//!
//! The emulator has no per-kind Go structs, so strategic-merge list keys come
//! from the field name ([`merge_key`]) — the keys built-in kinds declare for
//! the lists charts commonly carry. Lists without a known key are replaced.

use crate::util::{ApiError, ApiResult};
use serde_json::{Map, Value};

/// The merge key of a list field, judged by its name and items.
pub fn merge_key(field: &str, items: &[Value]) -> Option<&'static str> {
    let key = match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "volumes"
        | "env"
        | "imagePullSecrets"
        | "resourceClaims"
        | "schedulingGates" => "name",
        "volumeMounts" => "mountPath",
        "volumeDevices" => "devicePath",
        "hostAliases" => "ip",
        "conditions" => "type",
        "ownerReferences" => "uid",
        "ports" => {
            if items.iter().any(|i| i.get("containerPort").is_some()) {
                "containerPort"
            } else {
                "port"
            }
        }
        _ => return None,
    };
    // An empty list gets the key too: nothing to disagree with.
    items.iter().all(|i| i.get(key).is_some()).then_some(key)
}

/// Primitive lists that strategic merge treats as sets (patchStrategy merge).
fn is_primitive_set(field: &str) -> bool {
    field == "finalizers"
}

/// RFC 7386 JSON merge patch.
pub fn merge_patch(target: &Value, patch: &Value) -> Value {
    match patch {
        Value::Object(p) => {
            let mut out = match target {
                Value::Object(t) => t.clone(),
                _ => Map::new(),
            };
            for (k, v) in p {
                if v.is_null() {
                    out.remove(k);
                } else {
                    let cur = out.get(k).cloned().unwrap_or(Value::Null);
                    out.insert(k.clone(), merge_patch(&cur, v));
                }
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

/// Strategic merge patch of `patch` onto `target`.
pub fn strategic_merge(target: &Value, patch: &Value) -> ApiResult<Value> {
    smp_value(target, patch, 0).map(|v| v.unwrap_or(Value::Null))
}

fn strip_directives(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| !k.starts_with('$'))
                .map(|(k, v)| (k.clone(), strip_directives(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(strip_directives).collect()),
        x => x.clone(),
    }
}

/// Returns `None` when the patch deletes the whole map (`$patch: delete`).
fn smp_value(target: &Value, patch: &Value, depth: usize) -> ApiResult<Option<Value>> {
    if depth > 100 {
        return Err(ApiError::bad_request(
            "strategic merge patch nested too deeply",
        ));
    }
    let p = match patch {
        Value::Object(p) => p,
        other => return Ok(Some(other.clone())),
    };
    match p.get("$patch").and_then(Value::as_str) {
        Some("delete") => return Ok(None),
        Some("replace") => return Ok(Some(strip_directives(patch))),
        Some("merge") | None => {}
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "unknown patch type: {other} in map"
            )))
        }
    }
    let mut out = match target {
        Value::Object(t) => t.clone(),
        _ => Map::new(),
    };
    for (k, v) in p {
        if k.starts_with('$') {
            continue;
        }
        if v.is_null() {
            out.remove(k);
            continue;
        }
        let cur = out.get(k).cloned().unwrap_or(Value::Null);
        match v {
            Value::Object(_) => match smp_value(&cur, v, depth + 1)? {
                Some(n) => {
                    out.insert(k.clone(), n);
                }
                None => {
                    out.remove(k);
                }
            },
            Value::Array(items) => {
                let merged = smp_list(k, &cur, items, depth)?;
                out.insert(k.clone(), merged);
            }
            other => {
                out.insert(k.clone(), other.clone());
            }
        }
    }
    // Directives that refer to sibling lists.
    for (k, v) in p {
        if let Some(field) = k.strip_prefix("$setElementOrder/") {
            if let (Some(Value::Array(list)), Some(order)) = (out.get(field).cloned(), v.as_array())
            {
                out.insert(field.to_string(), Value::Array(reorder(field, list, order)));
            }
        } else if let Some(field) = k.strip_prefix("$deleteFromPrimitiveList/") {
            if let (Some(Value::Array(list)), Some(del)) = (out.get(field).cloned(), v.as_array()) {
                out.insert(
                    field.to_string(),
                    Value::Array(list.into_iter().filter(|x| !del.contains(x)).collect()),
                );
            }
        } else if k == "$retainKeys" {
            if let Some(keep) = v.as_array() {
                let keep: Vec<&str> = keep.iter().filter_map(Value::as_str).collect();
                out.retain(|key, _| keep.contains(&key.as_str()));
            }
        }
    }
    Ok(Some(Value::Object(out)))
}

fn smp_list(field: &str, cur: &Value, items: &[Value], depth: usize) -> ApiResult<Value> {
    let cur_items: Vec<Value> = cur.as_array().cloned().unwrap_or_default();
    // `[{"$patch": "replace"}, ...]` replaces the whole list.
    if items
        .iter()
        .any(|i| i.get("$patch").and_then(Value::as_str) == Some("replace"))
    {
        return Ok(Value::Array(
            items
                .iter()
                .filter(|i| i.get("$patch").is_none())
                .map(strip_directives)
                .collect(),
        ));
    }
    let all_objects = items.iter().all(Value::is_object);
    if all_objects && !items.is_empty() {
        let key_source: Vec<Value> = items
            .iter()
            .filter(|i| i.get("$patch").is_none())
            .cloned()
            .collect();
        let mut probe = key_source.clone();
        probe.extend(cur_items.iter().cloned());
        if let Some(key) = merge_key(field, &probe) {
            let mut out = cur_items;
            for it in items {
                let kv = it.get(key).cloned().unwrap_or(Value::Null);
                let pos = out.iter().position(|x| x.get(key) == Some(&kv));
                if it.get("$patch").and_then(Value::as_str) == Some("delete") {
                    if let Some(i) = pos {
                        out.remove(i);
                    }
                    continue;
                }
                match pos {
                    Some(i) => match smp_value(&out[i], it, depth + 1)? {
                        Some(n) => out[i] = n,
                        None => {
                            out.remove(i);
                        }
                    },
                    None => out.push(strip_directives(it)),
                }
            }
            return Ok(Value::Array(out));
        }
    }
    if is_primitive_set(field) && items.iter().all(|i| !i.is_object()) {
        let mut out = cur_items;
        for it in items {
            if !out.contains(it) {
                out.push(it.clone());
            }
        }
        return Ok(Value::Array(out));
    }
    Ok(Value::Array(items.iter().map(strip_directives).collect()))
}

/// Orders `list` as `$setElementOrder` says; unlisted items keep their order after.
fn reorder(field: &str, list: Vec<Value>, order: &[Value]) -> Vec<Value> {
    let key = if order.iter().all(Value::is_object) {
        merge_key(field, order)
    } else {
        None
    };
    let ident = |v: &Value| -> Value {
        match key {
            Some(k) => v.get(k).cloned().unwrap_or(Value::Null),
            None => v.clone(),
        }
    };
    let mut rest = list;
    let mut out = vec![];
    for o in order {
        let id = ident(o);
        if let Some(i) = rest.iter().position(|x| ident(x) == id) {
            out.push(rest.remove(i));
        }
    }
    out.extend(rest);
    out
}

/// RFC 6902 JSON patch.
pub fn json_patch(target: &Value, ops: &Value) -> ApiResult<Value> {
    let ops = ops
        .as_array()
        .ok_or_else(|| ApiError::bad_request("json patch must be an array of operations"))?;
    let mut doc = target.clone();
    for (i, op) in ops.iter().enumerate() {
        let inv = |m: String| {
            ApiError::new(422, "Invalid", format!("the server rejected our request due to an error in our request: operation {i}: {m}"))
        };
        let name = op
            .get("op")
            .and_then(Value::as_str)
            .ok_or_else(|| inv("missing op".into()))?;
        let path = op
            .get("path")
            .and_then(Value::as_str)
            .ok_or_else(|| inv("missing path".into()))?;
        let ptr = parse_pointer(path).map_err(inv)?;
        match name {
            "add" => {
                let v = op
                    .get("value")
                    .cloned()
                    .ok_or_else(|| inv("missing value".into()))?;
                ptr_add(&mut doc, &ptr, v).map_err(inv)?;
            }
            "remove" => {
                ptr_remove(&mut doc, &ptr).map_err(inv)?;
            }
            "replace" => {
                let v = op
                    .get("value")
                    .cloned()
                    .ok_or_else(|| inv("missing value".into()))?;
                ptr_remove(&mut doc, &ptr).map_err(inv)?;
                ptr_add(&mut doc, &ptr, v).map_err(inv)?;
            }
            "move" | "copy" => {
                let from = op
                    .get("from")
                    .and_then(Value::as_str)
                    .ok_or_else(|| inv("missing from".into()))?;
                let fptr = parse_pointer(from).map_err(inv)?;
                let v = if name == "move" {
                    ptr_remove(&mut doc, &fptr).map_err(inv)?
                } else {
                    ptr_get(&doc, &fptr)
                        .cloned()
                        .ok_or_else(|| inv(format!("from path {from} not found")))?
                };
                ptr_add(&mut doc, &ptr, v).map_err(inv)?;
            }
            "test" => {
                let v = op.get("value").cloned().unwrap_or(Value::Null);
                if ptr_get(&doc, &ptr) != Some(&v) {
                    return Err(inv(format!("test failed at {path}")));
                }
            }
            other => return Err(inv(format!("unsupported op {other:?}"))),
        }
    }
    Ok(doc)
}

fn parse_pointer(p: &str) -> Result<Vec<String>, String> {
    if p.is_empty() {
        return Ok(vec![]);
    }
    if !p.starts_with('/') {
        return Err(format!("invalid JSON pointer {p:?}"));
    }
    Ok(p[1..]
        .split('/')
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect())
}

fn ptr_get<'a>(doc: &'a Value, ptr: &[String]) -> Option<&'a Value> {
    let mut cur = doc;
    for seg in ptr {
        cur = match cur {
            Value::Object(m) => m.get(seg)?,
            Value::Array(a) => a.get(seg.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

fn ptr_parent<'a>(doc: &'a mut Value, ptr: &[String]) -> Result<&'a mut Value, String> {
    let mut cur = doc;
    for seg in &ptr[..ptr.len().saturating_sub(1)] {
        cur = match cur {
            Value::Object(m) => m
                .get_mut(seg)
                .ok_or_else(|| format!("path segment {seg:?} not found"))?,
            Value::Array(a) => {
                let i = seg
                    .parse::<usize>()
                    .map_err(|_| format!("bad array index {seg:?}"))?;
                a.get_mut(i)
                    .ok_or_else(|| format!("array index {i} out of range"))?
            }
            _ => return Err(format!("cannot traverse into a scalar at {seg:?}")),
        };
    }
    Ok(cur)
}

fn ptr_add(doc: &mut Value, ptr: &[String], v: Value) -> Result<(), String> {
    let Some(last) = ptr.last() else {
        *doc = v;
        return Ok(());
    };
    match ptr_parent(doc, ptr)? {
        Value::Object(m) => {
            m.insert(last.clone(), v);
            Ok(())
        }
        Value::Array(a) => {
            if last == "-" {
                a.push(v);
                return Ok(());
            }
            let i = last
                .parse::<usize>()
                .map_err(|_| format!("bad array index {last:?}"))?;
            if i > a.len() {
                return Err(format!("array index {i} out of range"));
            }
            a.insert(i, v);
            Ok(())
        }
        _ => Err("cannot add to a scalar".into()),
    }
}

fn ptr_remove(doc: &mut Value, ptr: &[String]) -> Result<Value, String> {
    let Some(last) = ptr.last() else {
        return Ok(std::mem::replace(doc, Value::Null));
    };
    match ptr_parent(doc, ptr)? {
        Value::Object(m) => m
            .remove(last)
            .ok_or_else(|| format!("path {last:?} not found")),
        Value::Array(a) => {
            let i = last
                .parse::<usize>()
                .map_err(|_| format!("bad array index {last:?}"))?;
            if i >= a.len() {
                return Err(format!("array index {i} out of range"));
            }
            Ok(a.remove(i))
        }
        _ => Err("cannot remove from a scalar".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn smp_merges_containers_and_env_by_name() {
        let live = json!({"spec": {"replicas": 1, "template": {"spec": {"containers": [
            {"name": "web", "image": "a", "env": [{"name": "MODE", "value": "one"}, {"name": "X", "value": "1"}]},
            {"name": "side", "image": "s"}]}}}});
        let patch = json!({"spec": {"replicas": 2, "template": {"spec": {
            "$setElementOrder/containers": [{"name": "side"}, {"name": "web"}],
            "containers": [{"name": "web", "$setElementOrder/env": [{"name": "MODE"}], "env": [{"name": "MODE", "value": "two"}, {"name": "X", "$patch": "delete"}]}]}}}});
        let out = strategic_merge(&live, &patch).unwrap();
        assert_eq!(out["spec"]["replicas"], 2);
        let cs = out["spec"]["template"]["spec"]["containers"]
            .as_array()
            .unwrap();
        assert_eq!(cs[0]["name"], "side");
        assert_eq!(cs[1]["env"], json!([{"name": "MODE", "value": "two"}]));
        assert_eq!(cs[1]["image"], "a");
    }

    #[test]
    fn merge_and_json_patch() {
        let t = json!({"a": {"b": 1, "c": 2}, "l": [1, 2]});
        assert_eq!(
            merge_patch(&t, &json!({"a": {"b": null}, "l": [3]})),
            json!({"a": {"c": 2}, "l": [3]})
        );
        let ops = json!([{"op": "add", "path": "/l/-", "value": 9}, {"op": "replace", "path": "/a/b", "value": 5},
                         {"op": "remove", "path": "/a/c"}, {"op": "test", "path": "/l/0", "value": 1}]);
        assert_eq!(
            json_patch(&t, &ops).unwrap(),
            json!({"a": {"b": 5}, "l": [1, 2, 9]})
        );
        assert_eq!(
            json_patch(&t, &json!([{"op": "remove", "path": "/zz"}]))
                .unwrap_err()
                .code,
            422
        );
        assert_eq!(json_patch(&t, &json!({"op": "x"})).unwrap_err().code, 400);
    }
}
