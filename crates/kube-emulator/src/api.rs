//! Request routing and the REST verbs (get, list, watch, create, update,
//! patch in four content types, delete, deletecollection) over the store.
//!
//! Each mutating request runs entirely under the store lock (see
//! `store.rs`), so preconditions, field ownership and the write are atomic.

use crate::fields;
use crate::kinds;
use crate::patch;
use crate::proto;
use crate::resources::ResInfo;
use crate::selector::{FieldSelector, LabelSelector};
use crate::store::{Inner, Key};
use crate::util::*;
use base64::Engine;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// A parsed request, independent of hyper.
pub struct Req {
    pub method: String,
    pub path: String,
    pub query: HashMap<String, String>,
    pub content_type: String,
    pub accept: String,
    pub user_agent: String,
    pub body: Vec<u8>,
}

impl Req {
    pub fn q(&self, k: &str) -> Option<&str> {
        self.query.get(k).map(String::as_str)
    }
    fn flag(&self, k: &str) -> bool {
        matches!(self.q(k), Some("true") | Some("1"))
    }
}

/// What a handler answers.
pub enum Reply {
    Json(u16, Value),
    /// JSON with an explicit content type (aggregated discovery).
    Typed(u16, Value, String),
    Text(u16, String),
    Watch(WatchSpec),
}

pub struct WatchSpec {
    pub info: Arc<ResInfo>,
    pub namespace: Option<String>,
    pub labels: LabelSelector,
    pub fields: FieldSelector,
    pub send_initial: bool,
    /// Initial synthetic ADDED events (state at subscription time).
    pub initial: Vec<Value>,
    /// Events to replay (resourceVersion resume).
    pub replay: Vec<Arc<crate::store::Event>>,
    pub start_rv: u64,
    pub bookmarks: bool,
    pub timeout_secs: Option<u64>,
    pub expired: Option<ApiError>,
    /// Subscribed under the store lock, so no event after `start_rv` is missed.
    pub rx: tokio::sync::broadcast::Receiver<Arc<crate::store::Event>>,
}

/// Resource-path target.
pub struct Target {
    pub info: Arc<ResInfo>,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub sub: Option<String>,
}

pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let h = std::str::from_utf8(&b[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match h {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub fn parse_query(q: &str) -> HashMap<String, String> {
    let mut m = HashMap::new();
    for part in q.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        m.entry(percent_decode(k))
            .or_insert_with(|| percent_decode(v));
    }
    m
}

fn mime(ct: &str) -> String {
    ct.split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Decodes a create/update body by content type.
fn decode_body(req: &Req, expected_kind: &str) -> ApiResult<Value> {
    let ct = mime(&req.content_type);
    if req.body.is_empty() {
        return Err(ApiError::bad_request("the request body is empty"));
    }
    let v: Value = match ct.as_str() {
        "application/vnd.kubernetes.protobuf" => proto::decode_object(&req.body, expected_kind)
            .map_err(|e| ApiError::bad_request(format!("failed to decode protobuf body: {e}")))?,
        "application/yaml" | "application/x-yaml" | "text/yaml" => {
            serde_yaml::from_slice(&req.body)
                .map_err(|e| ApiError::bad_request(format!("error decoding YAML body: {e}")))?
        }
        "application/json" | "" | "*/*" => serde_json::from_slice(&req.body).map_err(|e| {
            ApiError::bad_request(format!("couldn't get version/kind; json parse error: {e}"))
        })?,
        other => return Err(ApiError::unsupported_media(other)),
    };
    if !v.is_object() {
        return Err(ApiError::bad_request(
            "the request body must be a JSON object",
        ));
    }
    Ok(v)
}

fn parse_json_or_yaml(body: &[u8]) -> ApiResult<Value> {
    if let Ok(v) = serde_json::from_slice::<Value>(body) {
        return Ok(v);
    }
    serde_yaml::from_slice::<Value>(body)
        .map_err(|e| ApiError::bad_request(format!("error decoding patch: {e}")))
}

/// Routes `/api/v1/...` and `/apis/G/V/...` paths under the store lock.
pub fn resolve(inner: &Inner, group: &str, version: &str, segs: &[&str]) -> ApiResult<Target> {
    let nsres = |r: &str| {
        inner
            .find_resource(group, version, r)
            .filter(|i| i.namespaced)
    };
    if segs.len() >= 3 && segs[0] == "namespaces" {
        if let Some(info) = nsres(segs[2]) {
            if segs.len() > 5 {
                return Err(ApiError::not_found_path());
            }
            return Ok(Target {
                info,
                namespace: Some(segs[1].to_string()),
                name: segs.get(3).map(|s| s.to_string()),
                sub: segs.get(4).map(|s| s.to_string()),
            });
        }
    }
    let info = inner
        .find_resource(group, version, segs[0])
        .ok_or_else(ApiError::not_found_path)?;
    if segs.len() > 3 {
        return Err(ApiError::not_found_path());
    }
    let name = segs.get(1).map(|s| s.to_string());
    if info.namespaced && name.is_some() {
        // A namespaced resource addressed without its namespace.
        return Err(ApiError::not_found_path());
    }
    Ok(Target {
        info,
        namespace: None,
        name,
        sub: segs.get(2).map(|s| s.to_string()),
    })
}

fn key_of(t: &Target, name: &str) -> Key {
    (
        t.info.group.clone(),
        t.info.resource.clone(),
        t.namespace.clone().unwrap_or_default(),
        name.to_string(),
    )
}

/// Adds apiVersion/kind of the requested version (CRDs may serve several).
pub fn present(info: &ResInfo, mut obj: Value) -> Value {
    if let Some(m) = obj.as_object_mut() {
        m.insert("apiVersion".into(), json!(info.api_version()));
        m.insert("kind".into(), json!(info.kind));
    }
    obj
}

fn dry_run(req: &Req) -> ApiResult<bool> {
    match req.q("dryRun") {
        None | Some("") => Ok(false),
        Some("All") => Ok(true),
        Some(other) => Err(ApiError::bad_request(format!(
            "Invalid dry run value: {other:?}: supported value is \"All\""
        ))),
    }
}

fn manager(req: &Req) -> ApiResult<String> {
    match req.q("fieldManager") {
        Some(m) if !m.is_empty() => {
            if m.len() > 128 {
                return Err(ApiError::new(
                    422,
                    "Invalid",
                    "fieldManager: Too long: may not be longer than 128",
                ));
            }
            Ok(m.to_string())
        }
        _ => {
            let ua = req.user_agent.split('/').next().unwrap_or("").trim();
            Ok(if ua.is_empty() {
                "unknown".into()
            } else {
                ua.to_string()
            })
        }
    }
}

pub fn handle_resource(inner: &mut Inner, req: &Req, t: Target) -> ApiResult<Reply> {
    let info = t.info.clone();
    if let Some(ns) = &t.namespace {
        if ns.is_empty() {
            return Err(ApiError::not_found_path());
        }
    }
    match (req.method.as_str(), t.name.clone(), t.sub.clone()) {
        ("GET", None, _) => {
            if req.flag("watch") {
                watch(inner, req, &t)
            } else {
                list(inner, req, &t)
            }
        }
        ("GET", Some(name), None) => {
            let obj = inner.get(&key_of(&t, &name)).cloned().ok_or_else(|| ApiError::not_found(&info.group, &info.resource, &name))?;
            Ok(single_reply(req, &info, obj))
        }
        ("GET", Some(name), Some(sub)) => match sub.as_str() {
            "status" if info.has_status => {
                let obj = inner.get(&key_of(&t, &name)).cloned().ok_or_else(|| ApiError::not_found(&info.group, &info.resource, &name))?;
                Ok(Reply::Json(200, present(&info, obj)))
            }
            "log" if info.group.is_empty() && info.resource == "pods" => pod_log(inner, req, &t, &name),
            "scale" if info.has_scale => {
                let obj = inner.get(&key_of(&t, &name)).ok_or_else(|| ApiError::not_found(&info.group, &info.resource, &name))?;
                Ok(Reply::Json(200, scale_of(obj)))
            }
            _ => Err(ApiError::not_found_path()),
        },
        ("POST", None, None) => create(inner, req, &t),
        ("PUT", Some(name), sub) => update(inner, req, &t, &name, sub.as_deref()),
        ("PATCH", Some(name), sub) => patch_verb(inner, req, &t, &name, sub.as_deref()),
        ("DELETE", Some(name), None) => delete(inner, req, &t, &name),
        ("DELETE", None, None) => delete_collection(inner, req, &t),
        ("POST", Some(_), _) => Err(ApiError::method_not_allowed("POST is not supported on a named resource (subresources like eviction or binding are not emulated)")),
        _ => Err(ApiError::method_not_allowed(format!("the server does not allow this method on the requested resource: {}", req.method))),
    }
}

fn wants_table(req: &Req) -> bool {
    req.accept
        .split(',')
        .next()
        .map(|a| a.contains("as=Table"))
        .unwrap_or(false)
}

fn single_reply(req: &Req, info: &ResInfo, obj: Value) -> Reply {
    if wants_table(req) {
        return Reply::Json(200, table(info, &[obj], None));
    }
    Reply::Json(200, present(info, obj))
}

// ---- list / watch -------------------------------------------------------

fn selectors(req: &Req, info: &ResInfo) -> ApiResult<(LabelSelector, FieldSelector)> {
    let ls = LabelSelector::parse(req.q("labelSelector").unwrap_or(""))?;
    let fs = FieldSelector::parse(
        req.q("fieldSelector").unwrap_or(""),
        &info.group,
        &info.resource,
    )?;
    Ok((ls, fs))
}

fn matching(
    inner: &Inner,
    t: &Target,
    ls: &LabelSelector,
    fs: &FieldSelector,
) -> Vec<(Key, Value)> {
    inner
        .list(&t.info.group, &t.info.resource, t.namespace.as_deref())
        .into_iter()
        .filter(|(_, v)| ls.matches(v) && fs.matches(v))
        .collect()
}

fn list(inner: &Inner, req: &Req, t: &Target) -> ApiResult<Reply> {
    let info = &t.info;
    if req.q("resourceVersionMatch").is_some() && req.q("resourceVersion").unwrap_or("").is_empty()
    {
        return Err(ApiError::new(422, "Invalid", "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided"));
    }
    if let Some(rv) = req.q("resourceVersion") {
        if !rv.is_empty() && rv.parse::<u64>().is_err() {
            return Err(ApiError::bad_request(format!(
                "invalid resource version {rv:?}"
            )));
        }
    }
    let (ls, fs) = selectors(req, info)?;
    let limit: usize = match req.q("limit") {
        None | Some("") => 0,
        Some(l) => l
            .parse::<i64>()
            .map_err(|_| ApiError::bad_request(format!("invalid limit {l:?}")))?
            .max(0) as usize,
    };
    let mut items = matching(inner, t, &ls, &fs);
    if let Some(tok) = req.q("continue").filter(|c| !c.is_empty()) {
        let start = decode_continue(tok)?;
        items.retain(|(k, _)| (k.2.as_str(), k.3.as_str()) > (start.0.as_str(), start.1.as_str()));
    }
    let mut meta = json!({"resourceVersion": inner.rv.to_string()});
    if limit > 0 && items.len() > limit {
        let remaining = items.len() - limit;
        items.truncate(limit);
        if let Some((k, _)) = items.last() {
            let tok = base64::engine::general_purpose::STANDARD
                .encode(json!({"ns": k.2, "name": k.3, "rv": inner.rv}).to_string());
            meta["continue"] = json!(tok);
            meta["remainingItemCount"] = json!(remaining);
        }
    }
    let objs: Vec<Value> = items.into_iter().map(|(_, v)| present(info, v)).collect();
    if wants_table(req) {
        return Ok(Reply::Json(200, table(info, &objs, Some(meta))));
    }
    Ok(Reply::Json(
        200,
        json!({"kind": format!("{}List", info.kind), "apiVersion": info.api_version(), "metadata": meta, "items": objs}),
    ))
}

fn decode_continue(tok: &str) -> ApiResult<(String, String)> {
    let bad = || ApiError::bad_request(format!("continue key is not valid: {tok:?}"));
    let raw = base64::engine::general_purpose::STANDARD
        .decode(tok)
        .map_err(|_| bad())?;
    let v: Value = serde_json::from_slice(&raw).map_err(|_| bad())?;
    let ns = v.get("ns").and_then(Value::as_str).ok_or_else(bad)?;
    let name = v.get("name").and_then(Value::as_str).ok_or_else(bad)?;
    Ok((ns.to_string(), name.to_string()))
}

fn watch(inner: &Inner, req: &Req, t: &Target) -> ApiResult<Reply> {
    let info = t.info.clone();
    let (ls, fs) = selectors(req, &info)?;
    let send_initial = req.flag("sendInitialEvents");
    let bookmarks = req.flag("allowWatchBookmarks");
    let rv_param = req.q("resourceVersion").unwrap_or("");
    if req.q("sendInitialEvents").is_some() {
        if req.q("resourceVersionMatch") != Some("NotOlderThan") {
            return Err(ApiError::new(422, "Invalid", "resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"));
        }
        if send_initial && !bookmarks {
            return Err(ApiError::new(422, "Invalid", "allowWatchBookmarks: Forbidden: sendInitialEvents requires setting allowWatchBookmarks to true"));
        }
    } else if req.q("resourceVersionMatch").is_some() {
        return Err(ApiError::new(422, "Invalid", "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"));
    }
    let timeout_secs = match req.q("timeoutSeconds") {
        None | Some("") => None,
        Some(s) => Some(
            s.parse::<u64>()
                .map_err(|_| ApiError::bad_request(format!("invalid timeoutSeconds {s:?}")))?,
        ),
    };
    let mut spec = WatchSpec {
        info,
        namespace: t.namespace.clone(),
        labels: ls.clone(),
        fields: fs.clone(),
        send_initial,
        initial: vec![],
        replay: vec![],
        start_rv: inner.rv,
        bookmarks,
        timeout_secs,
        expired: None,
        rx: inner.subscribe(),
    };
    let rv: Option<u64> = match rv_param {
        "" => None,
        s => Some(
            s.parse::<u64>()
                .map_err(|_| ApiError::bad_request(format!("invalid resource version {s:?}")))?,
        ),
    };
    match rv {
        Some(n) if n > 0 && !send_initial => match inner.events_since(n) {
            Some(evs) => spec.replay = evs,
            None => {
                spec.expired = Some(ApiError::new(
                    410,
                    "Expired",
                    format!("too old resource version: {n} ({})", inner.rv),
                ));
            }
        },
        _ => {
            spec.initial = matching(inner, t, &ls, &fs)
                .into_iter()
                .map(|(_, v)| v)
                .collect();
        }
    }
    Ok(Reply::Watch(spec))
}

// ---- table output -------------------------------------------------------

fn table(info: &ResInfo, objs: &[Value], list_meta: Option<Value>) -> Value {
    let mut cols = vec![
        json!({"name": "Name", "type": "string", "format": "name", "description": "Name must be unique within a namespace.", "priority": 0}),
    ];
    type Column = (&'static str, Box<dyn Fn(&Value) -> Value>);
    let extra: Vec<Column> = match (info.group.as_str(), info.resource.as_str()) {
        ("apps", "deployments") => vec![
            (
                "Ready",
                Box::new(|o: &Value| {
                    json!(format!(
                        "{}/{}",
                        num(o, &["status", "readyReplicas"]),
                        num(o, &["spec", "replicas"])
                    ))
                }),
            ),
            (
                "Up-to-date",
                Box::new(|o: &Value| json!(num(o, &["status", "updatedReplicas"]))),
            ),
            (
                "Available",
                Box::new(|o: &Value| json!(num(o, &["status", "availableReplicas"]))),
            ),
        ],
        ("", "pods") => vec![(
            "Status",
            Box::new(|o: &Value| {
                json!(get_path(o, &["status", "phase"])
                    .and_then(Value::as_str)
                    .unwrap_or("Pending"))
            }),
        )],
        ("", "secrets") => vec![
            (
                "Type",
                Box::new(|o: &Value| {
                    json!(o.get("type").and_then(Value::as_str).unwrap_or("Opaque"))
                }),
            ),
            (
                "Data",
                Box::new(|o: &Value| {
                    json!(o
                        .get("data")
                        .and_then(Value::as_object)
                        .map(|m| m.len())
                        .unwrap_or(0))
                }),
            ),
        ],
        ("", "configmaps") => vec![(
            "Data",
            Box::new(|o: &Value| {
                json!(o
                    .get("data")
                    .and_then(Value::as_object)
                    .map(|m| m.len())
                    .unwrap_or(0))
            }),
        )],
        ("", "services") => vec![
            (
                "Type",
                Box::new(|o: &Value| {
                    json!(get_path(o, &["spec", "type"])
                        .and_then(Value::as_str)
                        .unwrap_or(""))
                }),
            ),
            (
                "Cluster-IP",
                Box::new(|o: &Value| {
                    json!(get_path(o, &["spec", "clusterIP"])
                        .and_then(Value::as_str)
                        .unwrap_or(""))
                }),
            ),
        ],
        _ => vec![],
    };
    for (n, _) in &extra {
        let ty = if *n == "Data" || *n == "Up-to-date" || *n == "Available" {
            "integer"
        } else {
            "string"
        };
        cols.push(json!({"name": n, "type": ty, "format": "", "description": "", "priority": 0}));
    }
    cols.push(json!({"name": "Age", "type": "string", "format": "", "description": "CreationTimestamp is a timestamp representing the server time when this object was created.", "priority": 0}));
    let rows: Vec<Value> = objs
        .iter()
        .map(|o| {
            let mut cells = vec![json!(meta_str(o, "name"))];
            for (_, f) in &extra {
                cells.push(f(o));
            }
            cells.push(json!(age(meta_str(o, "creationTimestamp"))));
            let mut m = meta(o).cloned().unwrap_or_default();
            m.remove("managedFields");
            json!({"cells": cells, "object": {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": m}})
        })
        .collect();
    let mut t = json!({"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {}, "columnDefinitions": cols, "rows": rows});
    if let Some(m) = list_meta {
        t["metadata"] = m;
    }
    t
}

fn num(o: &Value, p: &[&str]) -> i64 {
    get_path(o, p).and_then(Value::as_i64).unwrap_or(0)
}

// ---- writes -------------------------------------------------------------

/// Checks the body's apiVersion/kind against the URL; fills them in when absent.
fn check_type(info: &ResInfo, obj: &mut Value) -> ApiResult<()> {
    let av = obj
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let kind = obj
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if !av.is_empty() && av != info.api_version() {
        return Err(ApiError::bad_request(format!(
            "the API version in the data ({av}) does not match the expected API version ({})",
            info.api_version()
        )));
    }
    if !kind.is_empty() && kind != info.kind {
        return Err(ApiError::bad_request(format!(
            "the kind in the data ({kind}) does not match the expected kind ({})",
            info.kind
        )));
    }
    obj["apiVersion"] = json!(info.api_version());
    obj["kind"] = json!(info.kind);
    if !obj
        .get("metadata")
        .map(|m| m.is_object() || m.is_null())
        .unwrap_or(true)
    {
        return Err(ApiError::bad_request("metadata must be an object"));
    }
    Ok(())
}

/// Puts the URL namespace into the object (or rejects a mismatch).
fn check_namespace(t: &Target, obj: &mut Value) -> ApiResult<()> {
    let body_ns = meta_str(obj, "namespace").to_string();
    match &t.namespace {
        Some(ns) if t.info.namespaced => {
            if !body_ns.is_empty() && &body_ns != ns {
                return Err(ApiError::bad_request("the namespace of the provided object does not match the namespace sent on the request"));
            }
            meta_mut(obj).insert("namespace".into(), json!(ns));
        }
        _ => {
            if t.info.namespaced {
                return Err(ApiError::not_found_path());
            }
            meta_mut(obj).remove("namespace");
        }
    }
    Ok(())
}

fn require_namespace(inner: &Inner, t: &Target) -> ApiResult<()> {
    if let Some(ns) = &t.namespace {
        if !inner.namespace_exists(ns) {
            return Err(ApiError::not_found("", "namespaces", ns));
        }
    }
    Ok(())
}

const SERVER_META: &[&str] = &[
    "uid",
    "resourceVersion",
    "creationTimestamp",
    "deletionTimestamp",
    "generation",
    "selfLink",
    "managedFields",
];

/// Final steps shared by every write: validate, default, generation, store.
fn commit(
    inner: &mut Inner,
    t: &Target,
    key: Key,
    mut obj: Value,
    old: Option<&Value>,
    dry: bool,
) -> ApiResult<(u16, Value)> {
    let info = t.info.clone();
    kinds::validate(&info, &obj, old)?;
    kinds::default(&info, &mut obj, old, inner);
    if info.tracks_generation() {
        let g = match old {
            None => 1,
            Some(o) => {
                let og = get_path(o, &["metadata", "generation"])
                    .and_then(Value::as_i64)
                    .unwrap_or(1);
                if kinds::spec_changed(o, &obj) {
                    og + 1
                } else {
                    og
                }
            }
        };
        meta_mut(&mut obj).insert("generation".into(), json!(g));
    }
    if dry {
        return Ok((if old.is_some() { 200 } else { 201 }, present(&info, obj)));
    }
    let stored = match old {
        None => inner.insert_new(key, obj),
        Some(_) => inner.replace(key, obj),
    };
    if info.group == "apiextensions.k8s.io" && info.resource == "customresourcedefinitions" {
        inner.refresh_crds();
    }
    Ok((
        if old.is_some() { 200 } else { 201 },
        present(&info, stored),
    ))
}

fn create(inner: &mut Inner, req: &Req, t: &Target) -> ApiResult<Reply> {
    let info = t.info.clone();
    let dry = dry_run(req)?;
    let mgr = manager(req)?;
    let mut obj = decode_body(req, &info.kind)?;
    check_type(&info, &mut obj)?;
    check_namespace(t, &mut obj)?;
    let m = meta_mut(&mut obj);
    for k in SERVER_META {
        m.remove(*k);
    }
    let mut name = m
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if name.is_empty() {
        let gen = m
            .get("generateName")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if gen.is_empty() {
            return Err(ApiError::invalid(
                &info.group,
                &info.kind,
                "",
                "metadata.name",
                "Required value: name or generateName is required",
            ));
        }
        name = format!("{gen}{}", random_suffix(5));
        m.insert("name".into(), json!(name));
    }
    m.insert("uid".into(), json!(uuid::Uuid::new_v4().to_string()));
    m.insert("creationTimestamp".into(), json!(now_rfc3339()));
    require_namespace(inner, t)?;
    let key = key_of(t, &name);
    if inner.get(&key).is_some() {
        return Err(ApiError::already_exists(&info.group, &info.resource, &name));
    }
    if info.has_status {
        if let Some(m) = obj.as_object_mut() {
            m.remove("status");
        }
    }
    fields::track_update(
        None,
        &mut obj,
        &mgr,
        &info.api_version(),
        "",
        info.has_status,
    );
    let (code, v) = commit(inner, t, key, obj, None, dry)?;
    Ok(Reply::Json(code, v))
}

/// Carries server-owned metadata from the live object into a replacement.
fn keep_identity(old: &Value, new: &mut Value) {
    let om = meta(old).cloned().unwrap_or_default();
    let nm = meta_mut(new);
    for k in [
        "uid",
        "creationTimestamp",
        "generation",
        "deletionTimestamp",
    ] {
        match om.get(k) {
            Some(v) => {
                nm.insert(k.into(), v.clone());
            }
            None => {
                nm.remove(k);
            }
        }
    }
}

fn update(
    inner: &mut Inner,
    req: &Req,
    t: &Target,
    name: &str,
    sub: Option<&str>,
) -> ApiResult<Reply> {
    let info = t.info.clone();
    match sub {
        None => {}
        Some("status") if info.has_status => {}
        Some("scale") if info.has_scale => return scale_update(inner, req, t, name),
        _ => return Err(ApiError::not_found_path()),
    }
    let dry = dry_run(req)?;
    let mgr = manager(req)?;
    let mut obj = decode_body(req, &info.kind)?;
    check_type(&info, &mut obj)?;
    check_namespace(t, &mut obj)?;
    let body_name = meta_str(&obj, "name").to_string();
    if body_name.is_empty() {
        meta_mut(&mut obj).insert("name".into(), json!(name));
    } else if body_name != name {
        return Err(ApiError::bad_request(format!(
            "the name of the object ({body_name}) does not match the name on the URL ({name})"
        )));
    }
    let key = key_of(t, name);
    let old = inner
        .get(&key)
        .cloned()
        .ok_or_else(|| ApiError::not_found(&info.group, &info.resource, name))?;
    let rv = meta_str(&obj, "resourceVersion").to_string();
    if !rv.is_empty() && rv != meta_str(&old, "resourceVersion") {
        return Err(ApiError::conflict_modified(
            &info.group,
            &info.resource,
            name,
        ));
    }
    let new = if sub == Some("status") {
        let mut n = old.clone();
        n["status"] = obj.get("status").cloned().unwrap_or(json!({}));
        fields::track_update(
            Some(&old),
            &mut n,
            &mgr,
            &info.api_version(),
            "status",
            true,
        );
        n
    } else {
        let mut n = obj;
        keep_identity(&old, &mut n);
        if info.has_status {
            match old.get("status") {
                Some(s) => n["status"] = s.clone(),
                None => {
                    if let Some(m) = n.as_object_mut() {
                        m.remove("status");
                    }
                }
            }
        }
        let explicit = meta(&n).and_then(|m| m.get("managedFields")).cloned();
        let old_mf = meta(&old).and_then(|m| m.get("managedFields")).cloned();
        if explicit.is_some() && explicit != old_mf {
            let entries = fields::read_entries(&n);
            fields::write_entries(&mut n, &entries);
        } else {
            if let Some(mf) = old_mf {
                meta_mut(&mut n).insert("managedFields".into(), mf);
            }
            fields::track_update(
                Some(&old),
                &mut n,
                &mgr,
                &info.api_version(),
                "",
                info.has_status,
            );
        }
        n
    };
    let (code, v) = commit(inner, t, key, new, Some(&old), dry)?;
    Ok(Reply::Json(code, v))
}

fn patch_verb(
    inner: &mut Inner,
    req: &Req,
    t: &Target,
    name: &str,
    sub: Option<&str>,
) -> ApiResult<Reply> {
    let info = t.info.clone();
    let status_sub = match sub {
        None => false,
        Some("status") if info.has_status => true,
        Some("scale") if info.has_scale => return scale_patch(inner, req, t, name),
        _ => return Err(ApiError::not_found_path()),
    };
    let dry = dry_run(req)?;
    let ct = mime(&req.content_type);
    let key = key_of(t, name);
    let old = inner.get(&key).cloned();
    if req.body.is_empty() {
        return Err(ApiError::bad_request("the request body is empty"));
    }
    if ct == "application/apply-patch+yaml" || ct == "application/apply-patch+cbor" {
        if ct.ends_with("cbor") {
            return Err(ApiError::unsupported_media(&ct));
        }
        let mgr = match req.q("fieldManager") {
            Some(m) if !m.is_empty() => m.to_string(),
            _ => {
                return Err(ApiError::bad_request(
                    "PATCH, application/apply-patch+yaml requires fieldManager parameter",
                ))
            }
        };
        let force = match req.q("force") {
            None | Some("") | Some("false") => false,
            Some("true") => true,
            Some(other) => {
                return Err(ApiError::bad_request(format!(
                    "invalid force value {other:?}"
                )))
            }
        };
        let mut applied = parse_json_or_yaml(&req.body)?;
        if !applied.is_object() {
            return Err(ApiError::bad_request(
                "the applied configuration must be an object",
            ));
        }
        let av = applied
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or("");
        let kind = applied.get("kind").and_then(Value::as_str).unwrap_or("");
        if av.is_empty() || kind.is_empty() {
            return Err(ApiError::bad_request(format!("invalid object type: {av}, Kind={kind}: apiVersion and kind are required for apply")));
        }
        check_type(&info, &mut applied)?;
        check_namespace(t, &mut applied)?;
        let body_name = meta_str(&applied, "name").to_string();
        if body_name.is_empty() {
            meta_mut(&mut applied).insert("name".into(), json!(name));
        } else if body_name != name {
            return Err(ApiError::bad_request(format!(
                "the name of the object ({body_name}) does not match the name on the URL ({name})"
            )));
        }
        let rv = meta_str(&applied, "resourceVersion").to_string();
        if let Some(o) = &old {
            if !rv.is_empty() && rv != meta_str(o, "resourceVersion") {
                return Err(ApiError::conflict_modified(
                    &info.group,
                    &info.resource,
                    name,
                ));
            }
        }
        {
            let m = meta_mut(&mut applied);
            for k in SERVER_META {
                m.remove(*k);
            }
        }
        if info.has_status && !status_sub {
            if let Some(m) = applied.as_object_mut() {
                m.remove("status");
            }
        }
        let mut new = fields::apply(
            old.as_ref(),
            &applied,
            &mgr,
            force,
            &info.api_version(),
            info.has_status && !status_sub,
        )?;
        match &old {
            Some(o) => {
                keep_identity(o, &mut new);
                meta_mut(&mut new).insert(
                    "resourceVersion".into(),
                    json!(meta_str(o, "resourceVersion")),
                );
            }
            None => {
                require_namespace(inner, t)?;
                let m = meta_mut(&mut new);
                m.insert("uid".into(), json!(uuid::Uuid::new_v4().to_string()));
                m.insert("creationTimestamp".into(), json!(now_rfc3339()));
            }
        }
        let (code, v) = commit(inner, t, key, new, old.as_ref(), dry)?;
        return Ok(Reply::Json(code, v));
    }
    let old = old.ok_or_else(|| ApiError::not_found(&info.group, &info.resource, name))?;
    let mgr = manager(req)?;
    let body = serde_json::from_slice::<Value>(&req.body)
        .map_err(|e| ApiError::bad_request(format!("error decoding patch: {e}")))?;
    let mut new = match ct.as_str() {
        "application/merge-patch+json" => {
            if !body.is_object() {
                return Err(ApiError::bad_request("a merge patch must be a JSON object"));
            }
            patch::merge_patch(&old, &body)
        }
        "application/strategic-merge-patch+json" => {
            if info.custom {
                return Err(ApiError::new(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"));
            }
            if !body.is_object() {
                return Err(ApiError::bad_request(
                    "a strategic merge patch must be a JSON object",
                ));
            }
            patch::strategic_merge(&old, &body)?
        }
        "application/json-patch+json" => patch::json_patch(&old, &body)?,
        other => return Err(ApiError::unsupported_media(other)),
    };
    if !new.is_object() {
        return Err(ApiError::new(
            422,
            "Invalid",
            "the patched object is not a JSON object",
        ));
    }
    check_type(&info, &mut new)?;
    if meta_str(&new, "name") != name {
        return Err(ApiError::invalid(
            &info.group,
            &info.kind,
            name,
            "metadata.name",
            "Invalid value: field is immutable",
        ));
    }
    if meta_str(&new, "namespace") != t.namespace.as_deref().unwrap_or("") {
        return Err(ApiError::invalid(
            &info.group,
            &info.kind,
            name,
            "metadata.namespace",
            "Invalid value: field is immutable",
        ));
    }
    let rv = meta_str(&new, "resourceVersion").to_string();
    if !rv.is_empty() && rv != meta_str(&old, "resourceVersion") {
        return Err(ApiError::conflict_modified(
            &info.group,
            &info.resource,
            name,
        ));
    }
    keep_identity(&old, &mut new);
    if info.has_status {
        if status_sub {
            let st = new.get("status").cloned();
            let mut n = old.clone();
            match st {
                Some(s) => n["status"] = s,
                None => {
                    if let Some(m) = n.as_object_mut() {
                        m.remove("status");
                    }
                }
            }
            new = n;
        } else {
            match old.get("status") {
                Some(s) => new["status"] = s.clone(),
                None => {
                    if let Some(m) = new.as_object_mut() {
                        m.remove("status");
                    }
                }
            }
        }
    }
    let new_mf = meta(&new).and_then(|m| m.get("managedFields")).cloned();
    let old_mf = meta(&old).and_then(|m| m.get("managedFields")).cloned();
    if new_mf != old_mf && new_mf.is_some() {
        // The client rewrote managedFields itself (kubectl's CSA→SSA migration).
        let entries = fields::read_entries(&new);
        fields::write_entries(&mut new, &entries);
    } else {
        let sub = if status_sub { "status" } else { "" };
        fields::track_update(
            Some(&old),
            &mut new,
            &mgr,
            &info.api_version(),
            sub,
            info.has_status,
        );
    }
    let (code, v) = commit(inner, t, key, new, Some(&old), dry)?;
    Ok(Reply::Json(code, v))
}

fn delete_options(req: &Req) -> ApiResult<Value> {
    let mut opts = json!({});
    if !req.body.is_empty() {
        let ct = mime(&req.content_type);
        opts = if ct == "application/vnd.kubernetes.protobuf" {
            proto::decode_object(&req.body, "DeleteOptions").map_err(|e| {
                ApiError::bad_request(format!("failed to decode DeleteOptions: {e}"))
            })?
        } else {
            serde_json::from_slice(&req.body).map_err(|e| {
                ApiError::bad_request(format!("failed to decode DeleteOptions: {e}"))
            })?
        };
        if !opts.is_object() {
            return Err(ApiError::bad_request("DeleteOptions must be an object"));
        }
    }
    if let Some(p) = req.q("propagationPolicy") {
        opts["propagationPolicy"] = json!(p);
    }
    if let Some(p) = opts.get("propagationPolicy").and_then(Value::as_str) {
        if !matches!(p, "Orphan" | "Background" | "Foreground") {
            return Err(ApiError::new(422, "Invalid", format!("propagationPolicy: Unsupported value: {p:?}: supported values: \"Foreground\", \"Background\", \"Orphan\"")));
        }
    }
    Ok(opts)
}

fn is_dry(req: &Req, opts: &Value) -> ApiResult<bool> {
    let q = dry_run(req)?;
    let b = opts
        .get("dryRun")
        .and_then(Value::as_array)
        .map(|a| a.iter().any(|x| x == "All"))
        .unwrap_or(false);
    Ok(q || b)
}

/// Removes one object and what hangs off it (namespace contents, CRs of a
/// CRD, owned dependents unless orphaning).
fn remove_object(inner: &mut Inner, info: &ResInfo, key: &Key, opts: &Value) -> Option<Value> {
    let obj = inner.remove(key)?;
    if info.group.is_empty() && info.resource == "namespaces" {
        let ns = key.3.clone();
        let keys: Vec<Key> = inner
            .objects
            .keys()
            .filter(|k| k.2 == ns)
            .cloned()
            .collect();
        for k in keys {
            inner.remove(&k);
        }
    }
    if info.group == "apiextensions.k8s.io" && info.resource == "customresourcedefinitions" {
        let spec = obj.get("spec").cloned().unwrap_or(json!({}));
        let g = spec
            .get("group")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let r = get_path(&spec, &["names", "plural"])
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let keys: Vec<Key> = inner
            .objects
            .keys()
            .filter(|k| k.0 == g && k.1 == r)
            .cloned()
            .collect();
        for k in keys {
            inner.remove(&k);
        }
        inner.refresh_crds();
    }
    let default_policy = if info.group == "batch" {
        "Orphan"
    } else {
        "Background"
    };
    let orphan = opts.get("orphanDependents").and_then(Value::as_bool) == Some(true)
        || opts
            .get("propagationPolicy")
            .and_then(Value::as_str)
            .unwrap_or(default_policy)
            == "Orphan";
    if !orphan {
        inner.delete_dependents(meta_str(&obj, "uid"), 0);
    }
    Some(obj)
}

fn delete(inner: &mut Inner, req: &Req, t: &Target, name: &str) -> ApiResult<Reply> {
    let info = t.info.clone();
    let opts = delete_options(req)?;
    let dry = is_dry(req, &opts)?;
    let key = key_of(t, name);
    let obj = inner
        .get(&key)
        .cloned()
        .ok_or_else(|| ApiError::not_found(&info.group, &info.resource, name))?;
    if let Some(pre) = opts.get("preconditions") {
        if let Some(uid) = pre.get("uid").and_then(Value::as_str) {
            if uid != meta_str(&obj, "uid") {
                return Err(ApiError::new(
                    409,
                    "Conflict",
                    format!(
                        "Precondition failed: UID in precondition: {uid}, UID in object meta: {}",
                        meta_str(&obj, "uid")
                    ),
                ));
            }
        }
        if let Some(rv) = pre.get("resourceVersion").and_then(Value::as_str) {
            if rv != meta_str(&obj, "resourceVersion") {
                return Err(ApiError::new(409, "Conflict", format!("Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {}", meta_str(&obj, "resourceVersion"))));
            }
        }
    }
    if dry {
        return Ok(Reply::Json(200, present(&info, obj)));
    }
    let removed = remove_object(inner, &info, &key, &opts).unwrap_or(obj);
    Ok(Reply::Json(200, present(&info, removed)))
}

fn delete_collection(inner: &mut Inner, req: &Req, t: &Target) -> ApiResult<Reply> {
    let info = t.info.clone();
    if info.group.is_empty() && info.resource == "namespaces" {
        return Err(ApiError::method_not_allowed(
            "deletecollection is not supported for namespaces",
        ));
    }
    let opts = delete_options(req)?;
    let dry = is_dry(req, &opts)?;
    let (ls, fs) = selectors(req, &info)?;
    let items = matching(inner, t, &ls, &fs);
    let mut out = vec![];
    for (k, v) in items {
        if dry {
            out.push(present(&info, v));
        } else if let Some(o) = remove_object(inner, &info, &k, &opts) {
            out.push(present(&info, o));
        }
    }
    Ok(Reply::Json(
        200,
        json!({"kind": format!("{}List", info.kind), "apiVersion": info.api_version(), "metadata": {"resourceVersion": inner.rv.to_string()}, "items": out}),
    ))
}

// ---- subresources -------------------------------------------------------

fn pod_log(inner: &Inner, req: &Req, t: &Target, name: &str) -> ApiResult<Reply> {
    let key = key_of(t, name);
    let pod = inner
        .get(&key)
        .ok_or_else(|| ApiError::not_found("", "pods", name))?;
    let names: Vec<String> = get_path(pod, &["spec", "containers"])
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|c| c.get("name").and_then(Value::as_str).map(String::from))
                .collect()
        })
        .unwrap_or_default();
    if let Some(c) = req.q("container") {
        if !c.is_empty() && !names.iter().any(|n| n == c) {
            return Err(ApiError::bad_request(format!(
                "container {c} is not valid for pod {name}"
            )));
        }
    } else if names.len() > 1 {
        return Err(ApiError::bad_request(format!(
            "a container name must be specified for pod {name}, choose one of: [{}]",
            names.join(" ")
        )));
    }
    let ns = t.namespace.clone().unwrap_or_default();
    let phase = get_path(pod, &["status", "phase"])
        .and_then(Value::as_str)
        .unwrap_or("Pending");
    let Some(text) = inner.logs.get(&(ns, name.to_string())) else {
        if phase == "Pending" {
            return Err(ApiError::bad_request(format!(
                "container \"{}\" in pod \"{name}\" is waiting to start: ContainerCreating",
                names.first().cloned().unwrap_or_default()
            )));
        }
        return Ok(Reply::Text(200, String::new()));
    };
    let mut text = text.clone();
    if let Some(n) = req.q("tailLines").and_then(|s| s.parse::<usize>().ok()) {
        let lines: Vec<&str> = text.lines().collect();
        let start = lines.len().saturating_sub(n);
        text = lines[start..].iter().map(|l| format!("{l}\n")).collect();
    }
    Ok(Reply::Text(200, text))
}

fn scale_of(obj: &Value) -> Value {
    let sel = get_path(obj, &["spec", "selector", "matchLabels"])
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default();
    let m = meta(obj).cloned().unwrap_or_default();
    let pick = |k: &str| m.get(k).cloned().unwrap_or(Value::Null);
    json!({
        "kind": "Scale", "apiVersion": "autoscaling/v1",
        "metadata": {"name": pick("name"), "namespace": pick("namespace"), "uid": pick("uid"),
                     "resourceVersion": pick("resourceVersion"), "creationTimestamp": pick("creationTimestamp")},
        "spec": {"replicas": num(obj, &["spec", "replicas"])},
        "status": {"replicas": num(obj, &["status", "replicas"]), "selector": sel}
    })
}

fn set_replicas(
    inner: &mut Inner,
    req: &Req,
    t: &Target,
    name: &str,
    replicas: i64,
) -> ApiResult<Reply> {
    let info = t.info.clone();
    let key = key_of(t, name);
    let old = inner
        .get(&key)
        .cloned()
        .ok_or_else(|| ApiError::not_found(&info.group, &info.resource, name))?;
    if replicas < 0 {
        return Err(ApiError::invalid(
            "autoscaling",
            "Scale",
            name,
            "spec.replicas",
            "Invalid value: must be greater than or equal to 0",
        ));
    }
    let mut new = old.clone();
    set_path(&mut new, &["spec", "replicas"], json!(replicas));
    fields::track_update(
        Some(&old),
        &mut new,
        &manager(req)?,
        &info.api_version(),
        "scale",
        true,
    );
    let dry = dry_run(req)?;
    let (_, v) = commit(inner, t, key, new, Some(&old), dry)?;
    Ok(Reply::Json(200, scale_of(&v)))
}

fn scale_update(inner: &mut Inner, req: &Req, t: &Target, name: &str) -> ApiResult<Reply> {
    let body: Value = serde_json::from_slice(&req.body)
        .map_err(|e| ApiError::bad_request(format!("error decoding Scale: {e}")))?;
    let r = get_path(&body, &["spec", "replicas"])
        .and_then(Value::as_i64)
        .unwrap_or(0);
    set_replicas(inner, req, t, name, r)
}

fn scale_patch(inner: &mut Inner, req: &Req, t: &Target, name: &str) -> ApiResult<Reply> {
    let info = t.info.clone();
    let old = inner
        .get(&key_of(t, name))
        .cloned()
        .ok_or_else(|| ApiError::not_found(&info.group, &info.resource, name))?;
    let body: Value = serde_json::from_slice(&req.body)
        .map_err(|e| ApiError::bad_request(format!("error decoding patch: {e}")))?;
    let cur = scale_of(&old);
    let new = match mime(&req.content_type).as_str() {
        "application/json-patch+json" => patch::json_patch(&cur, &body)?,
        "application/merge-patch+json" | "application/strategic-merge-patch+json" => {
            patch::merge_patch(&cur, &body)
        }
        other => return Err(ApiError::unsupported_media(other)),
    };
    let r = get_path(&new, &["spec", "replicas"])
        .and_then(Value::as_i64)
        .unwrap_or(0);
    set_replicas(inner, req, t, name, r)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn query_decoding() {
        let q = parse_query("labelSelector=name%3Ddemo%2Cowner%3Dhelm&limit=500&x=%zz&y=%4");
        assert_eq!(q["labelSelector"], "name=demo,owner=helm");
        assert_eq!(q["x"], "%zz");
        assert_eq!(q["y"], "%4");
    }
}
