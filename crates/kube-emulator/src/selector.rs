//! Label and field selectors, parsed like apimachinery does (equality and
//! set-based label requirements; `=`, `==`, `!=` field requirements).
//! Bad syntax is a 400 BadRequest, never a panic.

use crate::util::{is_label_key, is_label_value, ApiError, ApiResult};
use serde_json::Value;

#[derive(Debug, Clone)]
enum LOp {
    Eq(String),
    NotEq(String),
    In(Vec<String>),
    NotIn(Vec<String>),
    Exists,
    NotExists,
}

#[derive(Debug, Clone, Default)]
pub struct LabelSelector {
    reqs: Vec<(String, LOp)>,
}

fn split_top(s: &str) -> Vec<String> {
    let mut out = vec![];
    let mut depth = 0i32;
    let mut cur = String::new();
    for c in s.chars() {
        match c {
            '(' => {
                depth += 1;
                cur.push(c)
            }
            ')' => {
                depth -= 1;
                cur.push(c)
            }
            ',' if depth == 0 => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

fn bad(req: &str, why: &str) -> ApiError {
    ApiError::bad_request(format!("unable to parse requirement: {why}: {req:?}"))
}

impl LabelSelector {
    pub fn parse(s: &str) -> ApiResult<LabelSelector> {
        let mut reqs = vec![];
        if s.trim().is_empty() {
            return Ok(LabelSelector { reqs });
        }
        for raw in split_top(s) {
            let r = raw.trim();
            if r.is_empty() {
                return Err(bad(s, "found empty requirement"));
            }
            let (key, op) = if let Some(k) = r.strip_prefix('!') {
                (k.trim().to_string(), LOp::NotExists)
            } else if let Some((k, rest)) = split_set_op(r, " notin ") {
                (k, LOp::NotIn(parse_set(r, &rest)?))
            } else if let Some((k, rest)) = split_set_op(r, " in ") {
                (k, LOp::In(parse_set(r, &rest)?))
            } else if let Some((k, v)) = r.split_once("!=") {
                (k.trim().to_string(), LOp::NotEq(v.trim().to_string()))
            } else if let Some((k, v)) = r.split_once("==") {
                (k.trim().to_string(), LOp::Eq(v.trim().to_string()))
            } else if let Some((k, v)) = r.split_once('=') {
                (k.trim().to_string(), LOp::Eq(v.trim().to_string()))
            } else {
                if r.contains(['(', ')', '<', '>', ' ']) {
                    return Err(bad(r, "unsupported or malformed operator"));
                }
                (r.to_string(), LOp::Exists)
            };
            if !is_label_key(&key) {
                return Err(bad(r, &format!("invalid label key {key:?}")));
            }
            let values: Vec<&String> = match &op {
                LOp::Eq(v) | LOp::NotEq(v) => vec![v],
                LOp::In(vs) | LOp::NotIn(vs) => vs.iter().collect(),
                _ => vec![],
            };
            for v in values {
                if !is_label_value(v) {
                    return Err(bad(r, &format!("invalid label value {v:?}")));
                }
            }
            reqs.push((key, op));
        }
        Ok(LabelSelector { reqs })
    }

    pub fn matches(&self, obj: &Value) -> bool {
        let labels = crate::util::labels(obj);
        let get = |k: &str| labels.and_then(|l| l.get(k)).and_then(Value::as_str);
        self.reqs.iter().all(|(k, op)| match op {
            LOp::Eq(v) => get(k) == Some(v.as_str()),
            LOp::NotEq(v) => get(k) != Some(v.as_str()),
            LOp::In(vs) => get(k).map(|x| vs.iter().any(|v| v == x)).unwrap_or(false),
            LOp::NotIn(vs) => get(k).map(|x| !vs.iter().any(|v| v == x)).unwrap_or(true),
            LOp::Exists => get(k).is_some(),
            LOp::NotExists => get(k).is_none(),
        })
    }

    /// From a `matchLabels`/`matchExpressions` selector object (workload controllers).
    pub fn from_label_selector(sel: &Value) -> LabelSelector {
        let mut reqs = vec![];
        if let Some(ml) = sel.get("matchLabels").and_then(Value::as_object) {
            for (k, v) in ml {
                reqs.push((k.clone(), LOp::Eq(v.as_str().unwrap_or("").to_string())));
            }
        }
        for e in sel
            .get("matchExpressions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let key = e
                .get("key")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let vals: Vec<String> = e
                .get("values")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default();
            let op = match e.get("operator").and_then(Value::as_str).unwrap_or("") {
                "In" => LOp::In(vals),
                "NotIn" => LOp::NotIn(vals),
                "Exists" => LOp::Exists,
                _ => LOp::NotExists,
            };
            reqs.push((key, op));
        }
        LabelSelector { reqs }
    }
}

fn split_set_op(r: &str, op: &str) -> Option<(String, String)> {
    let i = r.find(op)?;
    Some((
        r[..i].trim().to_string(),
        r[i + op.len()..].trim().to_string(),
    ))
}

fn parse_set(r: &str, rest: &str) -> ApiResult<Vec<String>> {
    let inner = rest
        .strip_prefix('(')
        .and_then(|x| x.strip_suffix(')'))
        .ok_or_else(|| bad(r, "set-based requirement needs parenthesised values"))?;
    Ok(inner
        .split(',')
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect())
}

#[derive(Debug, Clone, Default)]
pub struct FieldSelector {
    reqs: Vec<(String, bool, String)>, // (field, equal?, value)
}

/// Fields selectable per resource (besides metadata.name/namespace).
fn selectable(group: &str, resource: &str, field: &str) -> bool {
    if field == "metadata.name" || field == "metadata.namespace" {
        return true;
    }
    match (group, resource) {
        ("", "pods") => matches!(
            field,
            "spec.nodeName"
                | "spec.restartPolicy"
                | "spec.schedulerName"
                | "spec.serviceAccountName"
                | "spec.hostNetwork"
                | "status.phase"
                | "status.podIP"
                | "status.nominatedNodeName"
        ),
        ("", "secrets") => field == "type",
        ("", "events") => {
            field.starts_with("involvedObject.")
                || matches!(field, "reason" | "type" | "source" | "reportingComponent")
        }
        ("", "namespaces") => field == "status.phase",
        ("", "nodes") => field == "spec.unschedulable",
        ("", "replicationcontrollers") | ("apps", "replicasets") => field == "status.replicas",
        ("batch", "jobs") => field == "status.successful",
        _ => false,
    }
}

impl FieldSelector {
    pub fn parse(s: &str, group: &str, resource: &str) -> ApiResult<FieldSelector> {
        let mut reqs = vec![];
        if s.trim().is_empty() {
            return Ok(FieldSelector { reqs });
        }
        for r in s.split(',') {
            let r = r.trim();
            let (k, eq, v) = if let Some((k, v)) = r.split_once("!=") {
                (k, false, v)
            } else if let Some((k, v)) = r.split_once("==") {
                (k, true, v)
            } else if let Some((k, v)) = r.split_once('=') {
                (k, true, v)
            } else {
                return Err(ApiError::bad_request(format!(
                    "invalid field selector: {r:?}: expected an operator"
                )));
            };
            let k = k.trim();
            if !selectable(group, resource, k) {
                return Err(ApiError::bad_request(format!(
                    "field label not supported: {k}"
                )));
            }
            reqs.push((k.to_string(), eq, v.trim().to_string()));
        }
        Ok(FieldSelector { reqs })
    }

    pub fn matches(&self, obj: &Value) -> bool {
        self.reqs.iter().all(|(k, eq, v)| {
            let parts: Vec<&str> = k.split('.').collect();
            let got = crate::util::get_path(obj, &parts)
                .map(|x| match x {
                    Value::String(s) => s.clone(),
                    Value::Null => String::new(),
                    other => other.to_string(),
                })
                .unwrap_or_default();
            (got == *v) == *eq
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn label_selectors() {
        let o = json!({"metadata": {"labels": {"owner": "helm", "name": "demo", "status": "deployed"}}});
        assert!(LabelSelector::parse("name=demo,owner=helm")
            .unwrap()
            .matches(&o));
        assert!(!LabelSelector::parse("name=demo,owner!=helm")
            .unwrap()
            .matches(&o));
        assert!(
            LabelSelector::parse("status in (deployed, failed),!missing")
                .unwrap()
                .matches(&o)
        );
        assert!(!LabelSelector::parse("status notin (deployed)")
            .unwrap()
            .matches(&o));
        assert!(LabelSelector::parse("owner").unwrap().matches(&o));
        for bad in [
            "a b", "x in a,b", "=x", "a=b=c", "k in (a", "!!a", ",", "a>1",
        ] {
            assert!(LabelSelector::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn field_selectors() {
        let o =
            json!({"metadata": {"name": "a", "namespace": "n"}, "status": {"phase": "Running"}});
        assert!(FieldSelector::parse("metadata.name=a", "", "pods")
            .unwrap()
            .matches(&o));
        assert!(FieldSelector::parse("status.phase!=Failed", "", "pods")
            .unwrap()
            .matches(&o));
        assert!(FieldSelector::parse("spec.foo=a", "", "configmaps").is_err());
        assert!(FieldSelector::parse("nonsense", "", "pods").is_err());
    }
}
