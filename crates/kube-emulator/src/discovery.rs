//! Discovery documents (aggregated v2/v2beta1 and legacy), `/version` and
//! the OpenAPI v3 documents clients check before validating writes.
//!
//! The OpenAPI documents are deliberately minimal: what cli-runtime's
//! `queryParamVerifierV3` reads — each kind's PATCH operation with its
//! `x-kubernetes-group-version-kind` and the `fieldValidation` parameter —
//! plus empty component schemas (kubectl then falls back to its compiled-in
//! strategic-merge metadata, as against the measured reference server).

use crate::resources::ResInfo;
use crate::util::fnv_hex;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

pub fn version() -> Value {
    json!({
        "major": "1", "minor": "32",
        "gitVersion": "v1.32.0",
        "gitCommit": "70d3cc986aa8221cd1dfb1121852688902d3bf53",
        "gitTreeState": "clean",
        "buildDate": "2024-12-11T17:59:15Z",
        "goVersion": "go1.23.3",
        "compiler": "gc",
        "platform": "linux/amd64",
        "emulator": "capstan-kube-emulator"
    })
}

/// (version, resources) of one group.
type Versions = Vec<(String, Vec<Arc<ResInfo>>)>;

/// Groups in discovery order: core first, then built-in groups, then CRD groups.
fn grouped(resources: &[Arc<ResInfo>]) -> Vec<(String, Versions)> {
    let mut out: Vec<(String, Versions)> = vec![];
    for r in resources {
        let gi = match out.iter().position(|g| g.0 == r.group) {
            Some(i) => i,
            None => {
                out.push((r.group.clone(), vec![]));
                out.len() - 1
            }
        };
        let versions = &mut out[gi].1;
        let vi = match versions.iter().position(|v| v.0 == r.version) {
            Some(i) => i,
            None => {
                versions.push((r.version.clone(), vec![]));
                versions.len() - 1
            }
        };
        versions[vi].1.push(r.clone());
    }
    // Preferred version first: v2 before v1 (autoscaling), v1 before v1beta1.
    for g in out.iter_mut() {
        g.1.sort_by_key(|v| std::cmp::Reverse(version_priority(&v.0)));
    }
    out
}

/// Kubernetes version ordering: GA > beta > alpha, higher numbers first.
fn version_priority(v: &str) -> (u8, u32, u32) {
    let rest = v.strip_prefix('v').unwrap_or(v);
    let num: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    let major = num.parse().unwrap_or(0);
    let tail = &rest[num.len()..];
    if tail.is_empty() {
        (3, major, 0)
    } else if let Some(b) = tail.strip_prefix("beta") {
        (2, major, b.parse().unwrap_or(0))
    } else if let Some(a) = tail.strip_prefix("alpha") {
        (1, major, a.parse().unwrap_or(0))
    } else {
        (0, major, 0)
    }
}

fn subresources(r: &ResInfo) -> Vec<(&'static str, Value, Vec<&'static str>)> {
    let mut s = vec![];
    let kind = json!({"group": r.group, "version": r.version, "kind": r.kind});
    if r.has_status {
        s.push(("status", kind.clone(), vec!["get", "patch", "update"]));
    }
    if r.has_scale {
        s.push((
            "scale",
            json!({"group": "autoscaling", "version": "v1", "kind": "Scale"}),
            vec!["get", "patch", "update"],
        ));
    }
    if r.group.is_empty() && r.resource == "pods" {
        s.push((
            "log",
            json!({"group": "", "version": "v1", "kind": "Pod"}),
            vec!["get"],
        ));
    }
    s
}

/// `APIGroupDiscoveryList` for `/api` (core) or `/apis` (everything else).
pub fn aggregated(resources: &[Arc<ResInfo>], core: bool, api_version: &str) -> Value {
    let items: Vec<Value> = grouped(resources)
        .into_iter()
        .filter(|(g, _)| g.is_empty() == core)
        .map(|(g, versions)| {
            let vs: Vec<Value> = versions
                .iter()
                .map(|(v, rs)| {
                    let res: Vec<Value> = rs
                        .iter()
                        .map(|r| {
                            let mut o = json!({
                                "resource": r.resource,
                                "responseKind": {"group": r.group, "version": r.version, "kind": r.kind},
                                "scope": if r.namespaced { "Namespaced" } else { "Cluster" },
                                "singularResource": r.singular,
                                "verbs": r.verbs(),
                            });
                            if !r.short_names.is_empty() {
                                o["shortNames"] = json!(r.short_names);
                            }
                            if !r.categories.is_empty() {
                                o["categories"] = json!(r.categories);
                            }
                            let subs: Vec<Value> = subresources(r)
                                .into_iter()
                                .map(|(s, k, verbs)| json!({"subresource": s, "responseKind": k, "verbs": verbs}))
                                .collect();
                            if !subs.is_empty() {
                                o["subresources"] = json!(subs);
                            }
                            o
                        })
                        .collect();
                    json!({"version": v, "resources": res, "freshness": "Current"})
                })
                .collect();
            json!({"metadata": {"name": g, "creationTimestamp": null}, "versions": vs})
        })
        .collect();
    json!({"kind": "APIGroupDiscoveryList", "apiVersion": api_version, "metadata": {}, "items": items})
}

pub fn legacy_api(addr: &str) -> Value {
    json!({"kind": "APIVersions", "versions": ["v1"],
           "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": addr}]})
}

fn group_json(g: &str, versions: &[(String, Vec<Arc<ResInfo>>)]) -> Value {
    let vs: Vec<Value> = versions
        .iter()
        .map(|(v, _)| json!({"groupVersion": format!("{g}/{v}"), "version": v}))
        .collect();
    let pref = vs.first().cloned().unwrap_or(json!({}));
    json!({"name": g, "versions": vs, "preferredVersion": pref})
}

pub fn legacy_apis(resources: &[Arc<ResInfo>]) -> Value {
    let groups: Vec<Value> = grouped(resources)
        .iter()
        .filter(|(g, _)| !g.is_empty())
        .map(|(g, vs)| group_json(g, vs))
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

pub fn legacy_group(resources: &[Arc<ResInfo>], group: &str) -> Option<Value> {
    grouped(resources)
        .iter()
        .find(|(g, _)| g == group)
        .map(|(g, vs)| {
            let mut v = group_json(g, vs);
            v["kind"] = json!("APIGroup");
            v["apiVersion"] = json!("v1");
            v
        })
}

pub fn legacy_resource_list(
    resources: &[Arc<ResInfo>],
    group: &str,
    version: &str,
) -> Option<Value> {
    let rs: Vec<&Arc<ResInfo>> = resources
        .iter()
        .filter(|r| r.group == group && r.version == version)
        .collect();
    if rs.is_empty() {
        return None;
    }
    let mut list = vec![];
    for r in rs {
        let mut o = json!({"name": r.resource, "singularName": r.singular, "namespaced": r.namespaced,
                           "kind": r.kind, "verbs": r.verbs()});
        if !r.short_names.is_empty() {
            o["shortNames"] = json!(r.short_names);
        }
        if !r.categories.is_empty() {
            o["categories"] = json!(r.categories);
        }
        list.push(o);
        for (s, k, verbs) in subresources(r) {
            list.push(json!({"name": format!("{}/{}", r.resource, s), "singularName": "", "namespaced": r.namespaced,
                             "kind": k["kind"], "verbs": verbs}));
        }
    }
    let gv = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    Some(
        json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": list}),
    )
}

/// `api/v1`, `apis/apps/v1`, ... → resources.
fn by_gv(resources: &[Arc<ResInfo>]) -> BTreeMap<String, Vec<Arc<ResInfo>>> {
    let mut m: BTreeMap<String, Vec<Arc<ResInfo>>> = BTreeMap::new();
    for r in resources {
        let key = if r.group.is_empty() {
            format!("api/{}", r.version)
        } else {
            format!("apis/{}/{}", r.group, r.version)
        };
        m.entry(key).or_default().push(r.clone());
    }
    m
}

pub fn openapi_root(resources: &[Arc<ResInfo>]) -> Value {
    let mut paths = serde_json::Map::new();
    for (gv, rs) in by_gv(resources) {
        let names: Vec<String> = rs
            .iter()
            .map(|r| format!("{}:{}", r.resource, r.kind))
            .collect();
        let hash = fnv_hex(format!("{gv}|{}", names.join(",")).as_bytes(), 16).to_uppercase();
        paths.insert(
            gv.clone(),
            json!({"serverRelativeURL": format!("/openapi/v3/{gv}?hash={hash}")}),
        );
    }
    json!({"paths": paths})
}

fn param(name: &str, desc: &str) -> Value {
    json!({"name": name, "in": "query", "description": desc, "schema": {"type": "string", "uniqueItems": true}})
}

pub fn openapi_gv(resources: &[Arc<ResInfo>], gv: &str) -> Option<Value> {
    let map = by_gv(resources);
    let rs = map.get(gv)?;
    let mut paths = serde_json::Map::new();
    for r in rs {
        let gvk = json!({"group": r.group, "version": r.version, "kind": r.kind});
        let base = if r.group.is_empty() {
            format!("/api/{}", r.version)
        } else {
            format!("/apis/{}/{}", r.group, r.version)
        };
        let item = if r.namespaced {
            format!("{base}/namespaces/{{namespace}}/{}/{{name}}", r.resource)
        } else {
            format!("{base}/{}/{{name}}", r.resource)
        };
        let patch_params = vec![
            param("dryRun", "When present, indicates that modifications should not be persisted."),
            param("fieldManager", "fieldManager is a name associated with the actor or entity that is making these changes."),
            param("fieldValidation", "fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields."),
            json!({"name": "force", "in": "query", "description": "Force is going to force Apply requests.", "schema": {"type": "boolean", "uniqueItems": true}}),
        ];
        let op = |verb: &str, params: Vec<Value>| {
            json!({
                "description": format!("{verb} the specified {}", r.kind),
                "operationId": format!("{verb}{}", r.kind),
                "parameters": params,
                "responses": {"200": {"description": "OK"}},
                "x-kubernetes-action": verb,
                "x-kubernetes-group-version-kind": gvk,
            })
        };
        paths.insert(
            item,
            json!({
                "get": op("get", vec![]),
                "put": op("put", patch_params[..3].to_vec()),
                "patch": op("patch", patch_params.clone()),
                "delete": op("delete", vec![param("dryRun", "")]),
                "parameters": [
                    {"name": "name", "in": "path", "required": true, "schema": {"type": "string", "uniqueItems": true}},
                    param("pretty", "If 'true', then the output is pretty printed."),
                ],
            }),
        );
    }
    Some(
        json!({"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": "v1.32.0"}, "paths": paths, "components": {"schemas": {}}}),
    )
}
