//! Simulated controllers: just enough of kube-controller-manager and the
//! kubelet that Helm's waits (kstatus and legacy) and hook watches see
//! objects progress.
//!
//! Every ADDED/MODIFIED event of a relevant kind schedules one reconcile of
//! that object after `--ready-after-ms`. Reconciles are idempotent and
//! write only when the computed status differs (condition timestamps are
//! preserved), so they settle instead of looping.
//!
//! Fixed rules (tests and outside scripts rely on them): a Job (or a bare
//! run-to-completion Pod) fails when its name or any container env value
//! contains the fail text; a workload never becomes ready when its name or an
//! env value contains the never-ready text.

use crate::fields;
use crate::store::{EventType, Inner, Key, Store};
use crate::util::*;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

pub struct CtlConfig {
    pub ready_after: Duration,
    pub fail_text: String,
    pub never_ready_text: String,
}

const MANAGER: &str = "kube-controller-manager";

fn relevant(group: &str, resource: &str) -> bool {
    matches!(
        (group, resource),
        (
            "apps",
            "deployments" | "statefulsets" | "daemonsets" | "replicasets"
        ) | ("batch", "jobs")
            | ("", "pods" | "persistentvolumeclaims" | "services")
    )
}

pub fn spawn(store: Arc<Store>, cfg: Arc<CtlConfig>) {
    let pending: Arc<Mutex<HashSet<Key>>> = Arc::new(Mutex::new(HashSet::new()));
    let mut rx = store.subscribe();
    tokio::spawn(async move {
        loop {
            let keys: Vec<Key> = match rx.recv().await {
                Ok(ev) => {
                    if ev.etype == EventType::Deleted || !relevant(&ev.group, &ev.resource) {
                        continue;
                    }
                    vec![(
                        ev.group.clone(),
                        ev.resource.clone(),
                        ev.namespace.clone(),
                        meta_str(&ev.object, "name").to_string(),
                    )]
                }
                Err(RecvError::Lagged(_)) => {
                    // Missed events: reconcile everything relevant.
                    let inner = store.lock();
                    inner
                        .objects
                        .keys()
                        .filter(|k| relevant(&k.0, &k.1))
                        .cloned()
                        .collect()
                }
                Err(RecvError::Closed) => return,
            };
            for key in keys {
                {
                    let mut p = pending.lock().unwrap_or_else(|e| e.into_inner());
                    if !p.insert(key.clone()) {
                        continue;
                    }
                }
                let (store, cfg, pending) = (store.clone(), cfg.clone(), pending.clone());
                tokio::spawn(async move {
                    tokio::time::sleep(cfg.ready_after).await;
                    pending
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .remove(&key);
                    let mut inner = store.lock();
                    reconcile(&mut inner, &key, &cfg);
                });
            }
        }
    });
}

fn reconcile(inner: &mut Inner, key: &Key, cfg: &CtlConfig) {
    let Some(obj) = inner.get(key).cloned() else {
        return;
    };
    match (key.0.as_str(), key.1.as_str()) {
        ("apps", "deployments") => deployment(inner, key, &obj, cfg),
        ("apps", "replicasets") => replicaset(inner, key, &obj, cfg),
        ("apps", "statefulsets") => statefulset(inner, key, &obj, cfg),
        ("apps", "daemonsets") => daemonset(inner, key, &obj, cfg),
        ("batch", "jobs") => job(inner, key, &obj, cfg),
        ("", "pods") => pod(inner, key, &obj, cfg),
        ("", "persistentvolumeclaims") => pvc(inner, key, &obj, cfg),
        ("", "services") => service(inner, key, &obj),
        _ => {}
    }
}

// ---- helpers ------------------------------------------------------------

/// Env values of every container in a pod spec.
fn env_values(pod_spec: Option<&Value>) -> Vec<String> {
    let mut out = vec![];
    for list in ["containers", "initContainers"] {
        for c in pod_spec
            .and_then(|s| s.get(list))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            for e in c.get("env").and_then(Value::as_array).into_iter().flatten() {
                if let Some(v) = e.get("value").and_then(Value::as_str) {
                    out.push(v.to_string());
                }
            }
        }
    }
    out
}

fn matches_rule(name: &str, pod_spec: Option<&Value>, text: &str) -> bool {
    !text.is_empty()
        && (name.contains(text) || env_values(pod_spec).iter().any(|v| v.contains(text)))
}

fn template_spec(obj: &Value) -> Option<&Value> {
    get_path(obj, &["spec", "template", "spec"])
}

fn replicas(obj: &Value) -> i64 {
    get_path(obj, &["spec", "replicas"])
        .and_then(Value::as_i64)
        .unwrap_or(1)
        .max(0)
}

fn generation(obj: &Value) -> i64 {
    get_path(obj, &["metadata", "generation"])
        .and_then(Value::as_i64)
        .unwrap_or(1)
}

fn owner_ref(api_version: &str, kind: &str, owner: &Value) -> Value {
    json!({"apiVersion": api_version, "kind": kind, "name": meta_str(owner, "name"), "uid": meta_str(owner, "uid"),
           "controller": true, "blockOwnerDeletion": true})
}

fn owned_by(obj: &Value, uid: &str) -> bool {
    meta(obj)
        .and_then(|m| m.get("ownerReferences"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .any(|r| r.get("uid").and_then(Value::as_str) == Some(uid))
        })
        .unwrap_or(false)
}

fn has_controller(obj: &Value) -> bool {
    meta(obj)
        .and_then(|m| m.get("ownerReferences"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .any(|r| r.get("controller").and_then(Value::as_bool) == Some(true))
        })
        .unwrap_or(false)
}

/// Drops zero counters, as Go's omitempty does.
fn compact(mut status: Value) -> Value {
    if let Some(m) = status.as_object_mut() {
        m.retain(|_, v| v.as_i64() != Some(0));
    }
    status
}

/// Keeps the old condition timestamps when a condition did not change.
fn keep_condition_times(old: Option<&Value>, new: &mut Value) {
    let old_conds = old
        .and_then(|s| s.get("conditions"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if let Some(conds) = new.get_mut("conditions").and_then(Value::as_array_mut) {
        for c in conds {
            let same = old_conds.iter().find(|o| {
                o.get("type") == c.get("type")
                    && o.get("status") == c.get("status")
                    && o.get("reason") == c.get("reason")
            });
            if let Some(o) = same {
                for k in ["lastTransitionTime", "lastUpdateTime", "lastProbeTime"] {
                    if let Some(t) = o.get(k) {
                        c[k] = t.clone();
                    }
                }
            }
        }
    }
}

fn cond(t: &str, status: bool, reason: &str, message: &str) -> Value {
    let now = now_rfc3339();
    json!({"type": t, "status": if status { "True" } else { "False" }, "reason": reason, "message": message,
           "lastTransitionTime": now, "lastUpdateTime": now})
}

fn api_version_of(obj: &Value) -> String {
    obj.get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("v1")
        .to_string()
}

/// Writes `.status` as the controller manager (no-op when unchanged).
fn write_status(inner: &mut Inner, key: &Key, mut status: Value) {
    let Some(old) = inner.get(key).cloned() else {
        return;
    };
    keep_condition_times(old.get("status"), &mut status);
    if old.get("status") == Some(&status) {
        return;
    }
    let mut new = old.clone();
    new["status"] = status;
    fields::track_update(
        Some(&old),
        &mut new,
        MANAGER,
        &api_version_of(&old),
        "status",
        true,
    );
    inner.replace(key.clone(), new);
}

/// Creates an object on behalf of a controller.
fn create(inner: &mut Inner, key: Key, mut obj: Value) -> Value {
    {
        let m = meta_mut(&mut obj);
        m.insert("name".into(), json!(key.3));
        if !key.2.is_empty() {
            m.insert("namespace".into(), json!(key.2));
        }
        m.insert("uid".into(), json!(uuid::Uuid::new_v4().to_string()));
        m.insert("creationTimestamp".into(), json!(now_rfc3339()));
    }
    let status = obj.as_object_mut().and_then(|m| m.remove("status"));
    let av = api_version_of(&obj);
    fields::track_update(None, &mut obj, MANAGER, &av, "", true);
    if key.1 != "pods" {
        meta_mut(&mut obj).insert("generation".into(), json!(1));
    }
    if let Some(s) = status {
        obj["status"] = s;
    }
    inner.insert_new(key, obj)
}

// ---- pods ---------------------------------------------------------------

fn pod_status(phase: &str, ready: bool, pod: &Value, exit: Option<i32>) -> Value {
    let now = now_rfc3339();
    let containers: Vec<Value> = get_path(pod, &["spec", "containers"])
        .and_then(Value::as_array)
        .map(|cs| {
            cs.iter()
                .map(|c| {
                    let state = match exit {
                        Some(code) => json!({"terminated": {"exitCode": code, "reason": if code == 0 { "Completed" } else { "Error" }, "startedAt": now, "finishedAt": now}}),
                        None => json!({"running": {"startedAt": now}}),
                    };
                    json!({"name": c.get("name").cloned().unwrap_or(json!("")), "image": c.get("image").cloned().unwrap_or(json!("")),
                           "imageID": "", "ready": ready, "started": exit.is_none(), "restartCount": 0, "state": state})
                })
                .collect()
        })
        .unwrap_or_default();
    let t = |b: bool| if b { "True" } else { "False" };
    json!({
        "phase": phase,
        "conditions": [
            {"type": "PodScheduled", "status": "True", "lastTransitionTime": now},
            {"type": "Initialized", "status": "True", "lastTransitionTime": now},
            {"type": "ContainersReady", "status": t(ready), "lastTransitionTime": now},
            {"type": "Ready", "status": t(ready), "lastTransitionTime": now}
        ],
        "hostIP": "10.0.0.1", "podIP": "10.244.0.10", "podIPs": [{"ip": "10.244.0.10"}],
        "startTime": pod.get("status").and_then(|s| s.get("startTime")).cloned().unwrap_or(json!(now)),
        "qosClass": "BestEffort",
        "containerStatuses": containers
    })
}

/// Log text for a run-to-completion container: what its `echo`s print.
fn simulated_log(pod: &Value, failed: bool, cfg: &CtlConfig) -> String {
    let mut out = String::new();
    for c in get_path(pod, &["spec", "containers"])
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let mut words: Vec<String> = vec![];
        for k in ["command", "args"] {
            for a in c.get(k).and_then(Value::as_array).into_iter().flatten() {
                if let Some(s) = a.as_str() {
                    words.push(s.to_string());
                }
            }
        }
        let script = words.join(" ");
        let mut echoed = false;
        for part in script.split(['\n', ';']).flat_map(|p| p.split("&&")) {
            let p = part.trim();
            if let Some(rest) = p
                .strip_prefix("echo ")
                .or_else(|| p.find(" echo ").map(|i| &p[i + 6..]))
            {
                out.push_str(rest.trim().trim_matches(|c| c == '"' || c == '\''));
                out.push('\n');
                echoed = true;
            }
        }
        if !echoed {
            let name = c.get("name").and_then(Value::as_str).unwrap_or("");
            out.push_str(&format!("container {name} ran (kube-emulator)\n"));
        }
    }
    if failed {
        out.push_str(&format!(
            "error: exit code 1 (kube-emulator: the name or an env value contains {:?})\n",
            cfg.fail_text
        ));
    }
    out
}

/// Bare pods (no controller owner): run-to-completion pods finish, others run.
fn pod(inner: &mut Inner, key: &Key, obj: &Value, cfg: &CtlConfig) {
    if has_controller(obj) {
        return;
    }
    let phase = get_path(obj, &["status", "phase"])
        .and_then(Value::as_str)
        .unwrap_or("Pending");
    if phase == "Succeeded" || phase == "Failed" {
        return;
    }
    let restart = get_path(obj, &["spec", "restartPolicy"])
        .and_then(Value::as_str)
        .unwrap_or("Always");
    let name = &key.3;
    if restart == "Always" {
        let ready = !matches_rule(name, obj.get("spec"), &cfg.never_ready_text);
        write_status(inner, key, pod_status("Running", ready, obj, None));
    } else {
        let failed = matches_rule(name, obj.get("spec"), &cfg.fail_text);
        let log = simulated_log(obj, failed, cfg);
        inner.logs.insert((key.2.clone(), key.3.clone()), log);
        let st = pod_status(
            if failed { "Failed" } else { "Succeeded" },
            false,
            obj,
            Some(if failed { 1 } else { 0 }),
        );
        write_status(inner, key, st);
    }
}

/// Makes the pods owned by `owner` match `want` (ordinal names for StatefulSets).
#[allow(clippy::too_many_arguments)]
fn sync_pods(
    inner: &mut Inner,
    owner: &Value,
    owner_av: &str,
    owner_kind: &str,
    template: &Value,
    want: i64,
    ready: bool,
    ordinal: bool,
) -> i64 {
    let ns = meta_str(owner, "namespace").to_string();
    let uid = meta_str(owner, "uid").to_string();
    let oname = meta_str(owner, "name").to_string();
    let mut pods: Vec<(Key, Value)> = inner
        .list("", "pods", Some(&ns))
        .into_iter()
        .filter(|(_, p)| owned_by(p, &uid))
        .collect();
    pods.sort_by(|a, b| a.0 .3.cmp(&b.0 .3));
    while pods.len() as i64 > want {
        if let Some((k, _)) = pods.pop() {
            inner.remove(&k);
        }
    }
    let mut i = 0;
    while (pods.len() as i64) < want && i < 1000 {
        let name = if ordinal {
            format!("{oname}-{}", pods.len())
        } else {
            format!("{oname}-{}", random_suffix(5))
        };
        i += 1;
        let key: Key = ("".into(), "pods".into(), ns.clone(), name.clone());
        if inner.get(&key).is_some() {
            continue;
        }
        let mut pod = json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {
                "labels": get_path(template, &["metadata", "labels"]).cloned().unwrap_or(json!({})),
                "ownerReferences": [owner_ref(owner_av, owner_kind, owner)]
            },
            "spec": template.get("spec").cloned().unwrap_or(json!({})),
        });
        if let Some(a) = get_path(template, &["metadata", "annotations"]) {
            pod["metadata"]["annotations"] = a.clone();
        }
        set_path(&mut pod, &["spec", "nodeName"], json!("emulator-node"));
        let created = create(inner, key.clone(), pod);
        pods.push((key, created));
    }
    let mut ready_count = 0;
    for (k, p) in &pods {
        write_status(inner, k, pod_status("Running", ready, p, None));
        if ready {
            ready_count += 1;
        }
    }
    ready_count
}

// ---- workloads ----------------------------------------------------------

fn deployment(inner: &mut Inner, key: &Key, dep: &Value, cfg: &CtlConfig) {
    let n = replicas(dep);
    let gen = generation(dep);
    let template = get_path(dep, &["spec", "template"])
        .cloned()
        .unwrap_or(json!({}));
    let hash = fnv_hex(template.to_string().as_bytes(), 10);
    let rs_name = format!("{}-{hash}", key.3);
    let uid = meta_str(dep, "uid").to_string();
    // Scale down ReplicaSets of older templates.
    let old_rs: Vec<(Key, Value)> = inner
        .list("apps", "replicasets", Some(&key.2))
        .into_iter()
        .filter(|(k, v)| owned_by(v, &uid) && k.3 != rs_name)
        .collect();
    for (k, v) in old_rs {
        if replicas(&v) != 0 {
            let mut nv = v.clone();
            set_path(&mut nv, &["spec", "replicas"], json!(0));
            fields::track_update(Some(&v), &mut nv, MANAGER, "apps/v1", "", true);
            inner.replace(k.clone(), nv);
        }
        if let Some(cur) = inner.get(&k).cloned() {
            replicaset(inner, &k, &cur, cfg);
        }
    }
    let rs_key: Key = (
        "apps".into(),
        "replicasets".into(),
        key.2.clone(),
        rs_name.clone(),
    );
    let mut rs_tmpl = template.clone();
    set_path(
        &mut rs_tmpl,
        &["metadata", "labels", "pod-template-hash"],
        json!(hash),
    );
    let mut selector = get_path(dep, &["spec", "selector"])
        .cloned()
        .unwrap_or(json!({}));
    set_path(
        &mut selector,
        &["matchLabels", "pod-template-hash"],
        json!(hash),
    );
    let revision = inner
        .list("apps", "replicasets", Some(&key.2))
        .iter()
        .filter(|(_, v)| owned_by(v, &uid))
        .count()
        .max(1);
    match inner.get(&rs_key).cloned() {
        None => {
            let rs = json!({
                "apiVersion": "apps/v1", "kind": "ReplicaSet",
                "metadata": {
                    "labels": get_path(&rs_tmpl, &["metadata", "labels"]).cloned().unwrap_or(json!({})),
                    "annotations": {"deployment.kubernetes.io/desired-replicas": n.to_string(), "deployment.kubernetes.io/max-replicas": (n + 1).to_string(),
                                    "deployment.kubernetes.io/revision": revision.to_string()},
                    "ownerReferences": [owner_ref("apps/v1", "Deployment", dep)]
                },
                "spec": {"replicas": n, "selector": selector, "template": rs_tmpl}
            });
            create(inner, rs_key.clone(), rs);
        }
        Some(rs) if replicas(&rs) != n => {
            let mut nv = rs.clone();
            set_path(&mut nv, &["spec", "replicas"], json!(n));
            fields::track_update(Some(&rs), &mut nv, MANAGER, "apps/v1", "", true);
            inner.replace(rs_key.clone(), nv);
        }
        Some(_) => {}
    }
    if let Some(rs) = inner.get(&rs_key).cloned() {
        replicaset(inner, &rs_key, &rs, cfg);
    }
    let never = matches_rule(&key.3, template_spec(dep), &cfg.never_ready_text);
    let status = if never {
        json!({"observedGeneration": gen, "replicas": n, "updatedReplicas": n, "unavailableReplicas": n,
               "conditions": [cond("Available", false, "MinimumReplicasUnavailable", "Deployment does not have minimum availability."),
                              cond("Progressing", true, "ReplicaSetUpdated", &format!("ReplicaSet \"{rs_name}\" is progressing."))]})
    } else {
        json!({"observedGeneration": gen, "replicas": n, "updatedReplicas": n, "readyReplicas": n, "availableReplicas": n,
               "conditions": [cond("Available", true, "MinimumReplicasAvailable", "Deployment has minimum availability."),
                              cond("Progressing", true, "NewReplicaSetAvailable", &format!("ReplicaSet \"{rs_name}\" has successfully progressed."))]})
    };
    write_status(inner, key, compact(status));
}

fn replicaset(inner: &mut Inner, key: &Key, rs: &Value, cfg: &CtlConfig) {
    let n = replicas(rs);
    let never = matches_rule(&key.3, template_spec(rs), &cfg.never_ready_text);
    let template = get_path(rs, &["spec", "template"])
        .cloned()
        .unwrap_or(json!({}));
    let ready = sync_pods(
        inner,
        rs,
        "apps/v1",
        "ReplicaSet",
        &template,
        n,
        !never,
        false,
    );
    let status = json!({"observedGeneration": generation(rs), "replicas": n, "fullyLabeledReplicas": n,
                        "readyReplicas": ready, "availableReplicas": ready});
    write_status(inner, key, compact(status));
}

fn statefulset(inner: &mut Inner, key: &Key, sts: &Value, cfg: &CtlConfig) {
    let n = replicas(sts);
    let never = matches_rule(&key.3, template_spec(sts), &cfg.never_ready_text);
    let template = get_path(sts, &["spec", "template"])
        .cloned()
        .unwrap_or(json!({}));
    let rev = format!("{}-{}", key.3, fnv_hex(template.to_string().as_bytes(), 10));
    let ready = sync_pods(
        inner,
        sts,
        "apps/v1",
        "StatefulSet",
        &template,
        n,
        !never,
        true,
    );
    let status = json!({"observedGeneration": generation(sts), "replicas": n, "readyReplicas": ready, "currentReplicas": n,
                        "updatedReplicas": n, "availableReplicas": ready, "currentRevision": rev, "updateRevision": rev,
                        "collisionCount": 0});
    write_status(inner, key, compact(status));
}

fn daemonset(inner: &mut Inner, key: &Key, ds: &Value, cfg: &CtlConfig) {
    let never = matches_rule(&key.3, template_spec(ds), &cfg.never_ready_text);
    let template = get_path(ds, &["spec", "template"])
        .cloned()
        .unwrap_or(json!({}));
    let ready = sync_pods(
        inner,
        ds,
        "apps/v1",
        "DaemonSet",
        &template,
        1,
        !never,
        false,
    );
    let mut status = json!({"observedGeneration": generation(ds), "desiredNumberScheduled": 1, "currentNumberScheduled": 1,
                            "updatedNumberScheduled": 1, "numberAvailable": ready, "numberReady": ready, "numberMisscheduled": 0});
    if ready == 0 {
        status["numberUnavailable"] = json!(1);
    }
    // desiredNumberScheduled must stay present even when zero (kstatus checks presence).
    let mut s = compact(status);
    s["desiredNumberScheduled"] = json!(1);
    write_status(inner, key, s);
}

// ---- jobs, pvcs, services -------------------------------------------------

fn job(inner: &mut Inner, key: &Key, job: &Value, cfg: &CtlConfig) {
    let conds = get_path(job, &["status", "conditions"])
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let finished = conds.iter().any(|c| {
        matches!(
            c.get("type").and_then(Value::as_str),
            Some("Complete") | Some("Failed")
        ) && c.get("status").and_then(Value::as_str) == Some("True")
    });
    if finished || get_path(job, &["spec", "suspend"]).and_then(Value::as_bool) == Some(true) {
        return;
    }
    let uid = meta_str(job, "uid").to_string();
    let pods: Vec<(Key, Value)> = inner
        .list("", "pods", Some(&key.2))
        .into_iter()
        .filter(|(_, p)| owned_by(p, &uid))
        .collect();
    let start = get_path(job, &["status", "startTime"])
        .cloned()
        .unwrap_or(json!(now_rfc3339()));
    let template = get_path(job, &["spec", "template"])
        .cloned()
        .unwrap_or(json!({}));
    if pods.is_empty() {
        let name = format!("{}-{}", key.3, random_suffix(5));
        let pod = json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"labels": get_path(&template, &["metadata", "labels"]).cloned().unwrap_or(json!({})),
                         "ownerReferences": [owner_ref("batch/v1", "Job", job)]},
            "spec": template.get("spec").cloned().unwrap_or(json!({})),
        });
        let pkey: Key = ("".into(), "pods".into(), key.2.clone(), name);
        let created = create(inner, pkey.clone(), pod);
        write_status(inner, &pkey, pod_status("Running", true, &created, None));
        write_status(
            inner,
            key,
            json!({"active": 1, "ready": 1, "startTime": start, "terminating": 0, "uncountedTerminatedPods": {}}),
        );
        return;
    }
    let failed = matches_rule(&key.3, template.get("spec"), &cfg.fail_text);
    let completions = get_path(job, &["spec", "completions"])
        .and_then(Value::as_i64)
        .unwrap_or(1)
        .max(1);
    for (pk, p) in &pods {
        let log = simulated_log(p, failed, cfg);
        inner.logs.insert((pk.2.clone(), pk.3.clone()), log);
        let st = pod_status(
            if failed { "Failed" } else { "Succeeded" },
            false,
            p,
            Some(if failed { 1 } else { 0 }),
        );
        write_status(inner, pk, st);
    }
    let now = now_rfc3339();
    let status = if failed {
        json!({"failed": pods.len(), "ready": 0, "terminating": 0, "startTime": start, "uncountedTerminatedPods": {},
               "conditions": [cond("FailureTarget", true, "BackoffLimitExceeded", "Job has reached the specified backoff limit"),
                              cond("Failed", true, "BackoffLimitExceeded", "Job has reached the specified backoff limit")]})
    } else {
        json!({"succeeded": completions, "ready": 0, "terminating": 0, "startTime": start, "completionTime": now, "uncountedTerminatedPods": {},
               "conditions": [cond("SuccessCriteriaMet", true, "CompletionsReached", "Reached expected number of succeeded pods"),
                              cond("Complete", true, "CompletionsReached", "Reached expected number of succeeded pods")]})
    };
    write_status(inner, key, status);
}

fn pvc(inner: &mut Inner, key: &Key, obj: &Value, cfg: &CtlConfig) {
    if matches_rule(&key.3, None, &cfg.never_ready_text) {
        return;
    }
    let storage = get_path(obj, &["spec", "resources", "requests", "storage"])
        .cloned()
        .unwrap_or(json!("1Gi"));
    let modes = get_path(obj, &["spec", "accessModes"])
        .cloned()
        .unwrap_or(json!(["ReadWriteOnce"]));
    write_status(
        inner,
        key,
        json!({"phase": "Bound", "accessModes": modes, "capacity": {"storage": storage}}),
    );
}

fn service(inner: &mut Inner, key: &Key, obj: &Value) {
    if get_path(obj, &["spec", "type"]).and_then(Value::as_str) == Some("LoadBalancer") {
        write_status(
            inner,
            key,
            json!({"loadBalancer": {"ingress": [{"ip": "127.0.0.1", "ipMode": "VIP"}]}}),
        );
    }
}
