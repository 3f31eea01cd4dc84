//! Field ownership (`metadata.managedFields`) and server-side apply.
//!
//! A field set is a set of paths to *leaves* (scalars, atomic lists, empty
//! maps) plus the keyed list items themselves. Paths are serialised in the
//! apiserver's `FieldsV1` format (`f:name`, `k:{"name":"web"}`, `v:..`, `i:0`,
//! `.`), so clients that read managedFields (kubectl's client-side →
//! server-side apply migration) parse them.
//!
//! Simplifications (no OpenAPI schemas here): list keys come from field
//! names (see [`crate::patch::merge_key`]); maps and structs are not told
//! apart, so `.` markers appear only on keyed list items.

use crate::patch::merge_key;
use crate::util::{ApiError, ApiResult};
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PE {
    F(String),
    /// Canonical (sorted-key) JSON of the key fields.
    K(String),
    I(usize),
    V(String),
}

pub type Path = Vec<PE>;
pub type FieldSet = BTreeSet<Path>;

/// Metadata fields that identity or the server owns; never tracked.
const META_SKIP: &[&str] = &[
    "name",
    "namespace",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "managedFields",
    "selfLink",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
];

/// Leaves of an object. `status_only`: just the `.status` subtree;
/// otherwise everything except `.status` (when `skip_status`).
pub fn leaves(obj: &Value, skip_status: bool, status_only: bool) -> FieldSet {
    let mut out = FieldSet::new();
    if let Value::Object(m) = obj {
        for (k, v) in m {
            if k == "apiVersion" || k == "kind" {
                continue;
            }
            if status_only != (k == "status") {
                continue;
            }
            if k == "status" && skip_status && !status_only {
                continue;
            }
            let path = vec![PE::F(k.clone())];
            if k == "metadata" {
                if let Value::Object(mm) = v {
                    for (mk, mv) in mm {
                        if META_SKIP.contains(&mk.as_str()) {
                            continue;
                        }
                        walk(
                            mv,
                            vec![PE::F("metadata".into()), PE::F(mk.clone())],
                            mk,
                            &mut out,
                            0,
                        );
                    }
                }
                continue;
            }
            walk(v, path, k, &mut out, 0);
        }
    }
    out
}

fn walk(v: &Value, path: Path, field: &str, out: &mut FieldSet, depth: usize) {
    if depth > 64 {
        out.insert(path);
        return;
    }
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, c) in m {
                let mut p = path.clone();
                p.push(PE::F(k.clone()));
                walk(c, p, k, out, depth + 1);
            }
        }
        Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_object) => {
            if let Some(key) = merge_key(field, items) {
                for it in items {
                    let mut p = path.clone();
                    p.push(PE::K(key_json(it, key)));
                    out.insert(p.clone());
                    walk_item(it, p, out, depth + 1);
                }
            } else {
                out.insert(path);
            }
        }
        _ => {
            out.insert(path);
        }
    }
}

fn walk_item(item: &Value, path: Path, out: &mut FieldSet, depth: usize) {
    if let Value::Object(m) = item {
        for (k, c) in m {
            let mut p = path.clone();
            p.push(PE::F(k.clone()));
            walk(c, p, k, out, depth + 1);
        }
    }
}

fn key_json(item: &Value, key: &str) -> String {
    let mut m = Map::new();
    m.insert(
        key.to_string(),
        item.get(key).cloned().unwrap_or(Value::Null),
    );
    Value::Object(m).to_string()
}

/// The value at a path, if present.
pub fn value_at<'a>(obj: &'a Value, path: &[PE]) -> Option<&'a Value> {
    let mut cur = obj;
    for pe in path {
        cur = match pe {
            PE::F(f) => cur.get(f)?,
            PE::K(k) => {
                let kv: Value = serde_json::from_str(k).ok()?;
                let km = kv.as_object()?;
                cur.as_array()?
                    .iter()
                    .find(|it| km.iter().all(|(kk, vv)| it.get(kk) == Some(vv)))?
            }
            PE::I(i) => cur.as_array()?.get(*i)?,
            PE::V(s) => {
                let vv: Value = serde_json::from_str(s).ok()?;
                cur.as_array()?.iter().find(|x| **x == vv)?
            }
        };
    }
    Some(cur)
}

/// Removes the field or list item at `path` from `obj`.
pub fn remove_at(obj: &mut Value, path: &[PE]) {
    let Some((last, parent)) = path.split_last() else {
        return;
    };
    let mut cur = obj;
    for pe in parent {
        let next = match pe {
            PE::F(f) => cur.get_mut(f),
            PE::K(k) => {
                let Ok(kv) = serde_json::from_str::<Value>(k) else {
                    return;
                };
                let Some(km) = kv.as_object().cloned() else {
                    return;
                };
                cur.as_array_mut().and_then(|a| {
                    a.iter_mut()
                        .find(|it| km.iter().all(|(kk, vv)| it.get(kk) == Some(vv)))
                })
            }
            PE::I(i) => cur.as_array_mut().and_then(|a| a.get_mut(*i)),
            PE::V(_) => None,
        };
        match next {
            Some(n) => cur = n,
            None => return,
        }
    }
    match last {
        PE::F(f) => {
            if let Some(m) = cur.as_object_mut() {
                m.remove(f);
            }
        }
        PE::K(k) => {
            if let (Ok(Value::Object(km)), Some(a)) =
                (serde_json::from_str::<Value>(k), cur.as_array_mut())
            {
                a.retain(|it| !km.iter().all(|(kk, vv)| it.get(kk) == Some(vv)));
            }
        }
        PE::V(s) => {
            if let (Ok(vv), Some(a)) = (serde_json::from_str::<Value>(s), cur.as_array_mut()) {
                a.retain(|x| *x != vv);
            }
        }
        PE::I(_) => {}
    }
}

/// `.spec.template.spec.containers[name="web"].image`, as conflict messages print paths.
pub fn path_string(path: &[PE]) -> String {
    let mut s = String::new();
    for pe in path {
        match pe {
            PE::F(f) => {
                s.push('.');
                s.push_str(f);
            }
            PE::K(k) => {
                let inner = serde_json::from_str::<Value>(k)
                    .ok()
                    .and_then(|v| v.as_object().cloned())
                    .map(|m| {
                        m.iter()
                            .map(|(a, b)| format!("{a}={b}"))
                            .collect::<Vec<_>>()
                            .join(",")
                    })
                    .unwrap_or_default();
                s.push_str(&format!("[{inner}]"));
            }
            PE::I(i) => s.push_str(&format!("[{i}]")),
            PE::V(v) => s.push_str(&format!("[={v}]")),
        }
    }
    s
}

// ---- FieldsV1 serialisation ---------------------------------------------

fn pe_string(pe: &PE) -> String {
    match pe {
        PE::F(f) => format!("f:{f}"),
        PE::K(k) => format!("k:{k}"),
        PE::I(i) => format!("i:{i}"),
        PE::V(v) => format!("v:{v}"),
    }
}

pub fn to_fields_v1(set: &FieldSet) -> Value {
    let mut root = Map::new();
    for path in set {
        let mut cur = &mut root;
        for pe in path {
            let entry = cur.entry(pe_string(pe)).or_insert_with(|| json!({}));
            cur = entry.as_object_mut().expect("fieldsV1 nodes are objects");
        }
    }
    // Mark member nodes that also have children with ".".
    fn mark(node: &mut Map<String, Value>, path: &mut Path, set: &FieldSet) {
        for (k, v) in node.iter_mut() {
            if k == "." {
                continue;
            }
            if let Some(pe) = parse_pe(k) {
                path.push(pe);
                if let Value::Object(child) = v {
                    if !child.is_empty() {
                        mark(child, path, set);
                        if set.contains(path) {
                            child.insert(".".into(), json!({}));
                        }
                    }
                }
                path.pop();
            }
        }
    }
    mark(&mut root, &mut vec![], set);
    Value::Object(root)
}

fn parse_pe(s: &str) -> Option<PE> {
    let (t, rest) = s.split_once(':')?;
    Some(match t {
        "f" => PE::F(rest.to_string()),
        "k" => {
            // Canonicalise the key JSON (sorted keys, compact).
            let v: Value = serde_json::from_str(rest).ok()?;
            PE::K(v.to_string())
        }
        "i" => PE::I(rest.parse().ok()?),
        "v" => PE::V(rest.to_string()),
        _ => return None,
    })
}

pub fn from_fields_v1(v: &Value) -> Option<FieldSet> {
    fn go(
        node: &Map<String, Value>,
        path: &mut Path,
        out: &mut FieldSet,
        depth: usize,
    ) -> Option<()> {
        if depth > 100 {
            return None;
        }
        for (k, v) in node {
            if k == "." {
                out.insert(path.clone());
                continue;
            }
            let pe = parse_pe(k)?;
            path.push(pe);
            let child = v.as_object()?;
            if child.is_empty() {
                out.insert(path.clone());
            } else {
                go(child, path, out, depth + 1)?;
            }
            path.pop();
        }
        Some(())
    }
    let mut out = FieldSet::new();
    go(v.as_object()?, &mut vec![], &mut out, 0)?;
    Some(out)
}

// ---- managedFields entries ----------------------------------------------

#[derive(Debug, Clone)]
pub struct Entry {
    pub manager: String,
    pub operation: String,
    pub api_version: String,
    pub subresource: String,
    pub time: String,
    pub set: FieldSet,
}

impl Entry {
    fn same_owner(&self, manager: &str, op: &str, sub: &str) -> bool {
        self.manager == manager && self.operation == op && self.subresource == sub
    }
}

/// Parses `metadata.managedFields`; malformed entries are dropped (the
/// apiserver resets unparseable managedFields rather than failing).
pub fn read_entries(obj: &Value) -> Vec<Entry> {
    let Some(list) = obj
        .get("metadata")
        .and_then(|m| m.get("managedFields"))
        .and_then(Value::as_array)
    else {
        return vec![];
    };
    list.iter()
        .filter_map(|e| {
            let s = |k: &str| e.get(k).and_then(Value::as_str).unwrap_or("").to_string();
            Some(Entry {
                manager: s("manager"),
                operation: s("operation"),
                api_version: s("apiVersion"),
                subresource: s("subresource"),
                time: s("time"),
                set: from_fields_v1(e.get("fieldsV1")?)?,
            })
        })
        .collect()
}

pub fn write_entries(obj: &mut Value, entries: &[Entry]) {
    let list: Vec<Value> = entries
        .iter()
        .filter(|e| !e.set.is_empty())
        .map(|e| {
            let mut v = json!({
                "manager": e.manager,
                "operation": e.operation,
                "apiVersion": e.api_version,
                "time": e.time,
                "fieldsType": "FieldsV1",
                "fieldsV1": to_fields_v1(&e.set),
            });
            if !e.subresource.is_empty() {
                v["subresource"] = json!(e.subresource);
            }
            v
        })
        .collect();
    let m = crate::util::meta_mut(obj);
    if list.is_empty() {
        m.remove("managedFields");
    } else {
        m.insert("managedFields".into(), Value::Array(list));
    }
}

/// Records a non-apply write (create, update, patch) by `manager`: the
/// fields it changed become its own and leave every other owner.
pub fn track_update(
    old: Option<&Value>,
    new: &mut Value,
    manager: &str,
    api_version: &str,
    subresource: &str,
    skip_status: bool,
) {
    let status_only = subresource == "status";
    let empty = json!({});
    let oldv = old.unwrap_or(&empty);
    let mut entries = read_entries(oldv);
    let old_leaves = leaves(oldv, skip_status, status_only);
    let new_leaves = leaves(new, skip_status, status_only);
    let changed: FieldSet = new_leaves
        .iter()
        .filter(|p| !old_leaves.contains(*p) || value_at(oldv, p) != value_at(new, p))
        .cloned()
        .collect();
    let removed: FieldSet = old_leaves.difference(&new_leaves).cloned().collect();
    for e in entries.iter_mut() {
        if !e.same_owner(manager, "Update", subresource) {
            e.set
                .retain(|p| !changed.contains(p) && !removed.contains(p));
        }
    }
    match entries
        .iter_mut()
        .find(|e| e.same_owner(manager, "Update", subresource))
    {
        Some(e) => {
            e.set.retain(|p| !removed.contains(p));
            e.set.extend(changed);
            e.time = crate::util::now_rfc3339();
            e.api_version = api_version.to_string();
        }
        None if !changed.is_empty() => entries.push(Entry {
            manager: manager.to_string(),
            operation: "Update".into(),
            api_version: api_version.to_string(),
            subresource: subresource.to_string(),
            time: crate::util::now_rfc3339(),
            set: changed,
        }),
        None => {}
    }
    entries.retain(|e| !e.set.is_empty());
    write_entries(new, &entries);
}

/// Merges an applied configuration into the live object: maps merge
/// recursively, keyed lists merge by key, everything else is replaced.
pub fn merge_applied(live: &Value, applied: &Value, field: &str, depth: usize) -> Value {
    if depth > 100 {
        return applied.clone();
    }
    match (live, applied) {
        (Value::Object(l), Value::Object(a)) => {
            let mut out = l.clone();
            for (k, v) in a {
                if v.is_null() {
                    out.remove(k);
                    continue;
                }
                let cur = l.get(k).cloned().unwrap_or(Value::Null);
                out.insert(k.clone(), merge_applied(&cur, v, k, depth + 1));
            }
            Value::Object(out)
        }
        (Value::Array(l), Value::Array(a)) if a.iter().all(Value::is_object) && !a.is_empty() => {
            let mut probe = a.clone();
            probe.extend(l.iter().cloned());
            match merge_key(field, &probe) {
                Some(key) => {
                    let mut out: Vec<Value> = vec![];
                    for it in a {
                        let kv = it.get(key);
                        match l.iter().find(|x| x.get(key) == kv) {
                            Some(lv) => out.push(merge_applied(lv, it, "", depth + 1)),
                            None => out.push(it.clone()),
                        }
                    }
                    for lv in l {
                        if !a.iter().any(|x| x.get(key) == lv.get(key)) {
                            out.push(lv.clone());
                        }
                    }
                    Value::Array(out)
                }
                None => applied.clone(),
            }
        }
        _ => applied.clone(),
    }
}

/// Server-side apply of `applied` (already a JSON object) by `manager`.
/// Returns the new object (managedFields updated) or a 409 Conflict.
pub fn apply(
    live: Option<&Value>,
    applied: &Value,
    manager: &str,
    force: bool,
    api_version: &str,
    skip_status: bool,
) -> ApiResult<Value> {
    let empty = json!({});
    let livev = live.unwrap_or(&empty);
    let mut entries = read_entries(livev);
    let applied_set = leaves(applied, skip_status, false);
    // Conflicts: another owner holds a field this apply sets to a different value.
    let mut conflicts: Vec<(String, String, Path)> = vec![];
    if live.is_some() {
        for e in &entries {
            if e.same_owner(manager, "Apply", "") || e.subresource == "status" {
                continue;
            }
            for p in e.set.intersection(&applied_set) {
                let av = value_at(applied, p);
                if matches!(av, Some(Value::Object(_))) {
                    continue;
                }
                if value_at(livev, p) != av {
                    conflicts.push((e.manager.clone(), e.api_version.clone(), p.clone()));
                }
            }
        }
    }
    if !conflicts.is_empty() && !force {
        return Err(conflict_error(&conflicts));
    }
    if force {
        let cset: FieldSet = conflicts.iter().map(|c| c.2.clone()).collect();
        for e in entries.iter_mut() {
            if !e.same_owner(manager, "Apply", "") {
                e.set.retain(|p| !cset.contains(p));
            }
        }
    }
    let mut merged = merge_applied(livev, applied, "", 0);
    // Fields this manager applied before but dropped now, and nobody else owns, go away.
    let previous: FieldSet = entries
        .iter()
        .find(|e| e.same_owner(manager, "Apply", ""))
        .map(|e| e.set.clone())
        .unwrap_or_default();
    let others: Vec<&Entry> = entries
        .iter()
        .filter(|e| !e.same_owner(manager, "Apply", ""))
        .collect();
    let mut dropped: Vec<&Path> = previous
        .difference(&applied_set)
        .filter(|p| {
            !others
                .iter()
                .any(|e| e.set.iter().any(|q| q.starts_with(p) || p.starts_with(q)))
        })
        .collect();
    // Remove deeper paths first so list items vanish after their fields.
    dropped.sort_by_key(|p| std::cmp::Reverse(p.len()));
    for p in dropped {
        remove_at(&mut merged, p);
    }
    match entries
        .iter_mut()
        .find(|e| e.same_owner(manager, "Apply", ""))
    {
        Some(e) => {
            e.set = applied_set;
            e.time = crate::util::now_rfc3339();
            e.api_version = api_version.to_string();
        }
        None => entries.push(Entry {
            manager: manager.to_string(),
            operation: "Apply".into(),
            api_version: api_version.to_string(),
            subresource: String::new(),
            time: crate::util::now_rfc3339(),
            set: applied_set,
        }),
    }
    entries.retain(|e| !e.set.is_empty());
    write_entries(&mut merged, &entries);
    Ok(merged)
}

fn conflict_error(conflicts: &[(String, String, Path)]) -> ApiError {
    let n = conflicts.len();
    let causes: Vec<Value> = conflicts
        .iter()
        .map(|(m, av, p)| json!({"reason": "FieldManagerConflict", "message": format!("conflict with \"{m}\" using {av}"), "field": path_string(p)}))
        .collect();
    let message = if n == 1 {
        let (m, av, p) = &conflicts[0];
        format!(
            "Apply failed with 1 conflict: conflict with \"{m}\" using {av}: {}",
            path_string(p)
        )
    } else {
        let mut s = format!("Apply failed with {n} conflicts: ");
        let mut by: Vec<(String, String, Vec<String>)> = vec![];
        for (m, av, p) in conflicts {
            match by.iter_mut().find(|x| &x.0 == m && &x.1 == av) {
                Some(x) => x.2.push(path_string(p)),
                None => by.push((m.clone(), av.clone(), vec![path_string(p)])),
            }
        }
        let parts: Vec<String> = by
            .iter()
            .map(|(m, av, ps)| {
                format!(
                    "conflicts with \"{m}\" using {av}:\n{}",
                    ps.iter()
                        .map(|p| format!("- {p}"))
                        .collect::<Vec<_>>()
                        .join("\n")
                )
            })
            .collect();
        s.push_str(&parts.join("\n"));
        s
    };
    ApiError::new(409, "Conflict", message).with_details(json!({"causes": causes}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_v1_roundtrip() {
        let obj = json!({"metadata": {"labels": {"a": "b"}}, "spec": {"containers": [{"name": "web", "image": "x", "env": [{"name": "M", "value": "1"}]}]}});
        let set = leaves(&obj, true, false);
        let v1 = to_fields_v1(&set);
        assert!(v1["f:spec"]["f:containers"]["k:{\"name\":\"web\"}"]
            .get(".")
            .is_some());
        assert_eq!(from_fields_v1(&v1).unwrap(), set);
    }

    #[test]
    fn apply_conflicts_and_force() {
        let mut live = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"message": "v2", "other": "x"}});
        track_update(
            None,
            &mut live,
            "kubectl-client-side-apply",
            "v1",
            "",
            false,
        );
        let applied = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"message": "v1"}});
        let err = apply(Some(&live), &applied, "kubectl", false, "v1", false).unwrap_err();
        assert_eq!(err.code, 409);
        assert!(
            err.message
                .contains("conflict with \"kubectl-client-side-apply\" using v1: .data.message"),
            "{}",
            err.message
        );
        let out = apply(Some(&live), &applied, "kubectl", true, "v1", false).unwrap();
        assert_eq!(out["data"]["message"], "v1");
        assert_eq!(out["data"]["other"], "x");
        // Same values: shared ownership, no conflict.
        let same = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"other": "x"}});
        assert!(apply(Some(&live), &same, "kubectl", false, "v1", false).is_ok());
    }

    #[test]
    fn apply_removes_dropped_fields() {
        let a1 = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "1", "b": "2"}});
        let o1 = apply(None, &a1, "m", false, "v1", false).unwrap();
        let a2 = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "1"}});
        let o2 = apply(Some(&o1), &a2, "m", false, "v1", false).unwrap();
        assert_eq!(o2["data"], json!({"a": "1"}));
    }
}
