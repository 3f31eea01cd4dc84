//! Integration tests over HTTP against the built emulator binary:
//! malformed requests, selectors and paging, optimistic concurrency,
//! server-side apply conflicts, patches, watches, simulated controllers
//! (Jobs with logs, workload readiness), namespaces, CRDs, protobuf and faults.

use crate::common;

use common::{Emu, Watch};
use serde_json::{json, Value};

const CM: &str = "/api/v1/namespaces/default/configmaps";
const JSON: Option<&str> = Some("application/json");

fn cm(name: &str, labels: Value) -> String {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "labels": labels}, "data": {"k": "v"}}).to_string()
}

fn assert_status(v: &Value, code: u16, reason: &str) {
    assert_eq!(v["kind"], "Status", "{v}");
    assert_eq!(v["code"], code, "{v}");
    assert_eq!(v["reason"], reason, "{v}");
}

#[test]
fn malformed_requests_get_status_errors_and_never_crash() {
    let e = Emu::start(&[]);
    type Case<'a> = (&'a str, String, Option<&'a str>, Vec<u8>, u16, &'a str);
    let cases: Vec<Case> = vec![
        ("POST", CM.into(), JSON, b"{not json".to_vec(), 400, "BadRequest"),
        ("POST", CM.into(), JSON, b"[1,2,3]".to_vec(), 400, "BadRequest"),
        ("POST", CM.into(), JSON, b"".to_vec(), 400, "BadRequest"),
        ("POST", CM.into(), JSON, "[".repeat(100_000).into_bytes(), 400, "BadRequest"),
        ("POST", CM.into(), Some("application/vnd.kubernetes.protobuf"), b"\x00\x01garbage".to_vec(), 400, "BadRequest"),
        ("POST", CM.into(), Some("application/vnd.kubernetes.protobuf"), b"k8s\x00\x0a\xff\xff\xff\xff".to_vec(), 400, "BadRequest"),
        ("POST", CM.into(), Some("text/x-nonsense"), b"{}".to_vec(), 415, "UnsupportedMediaType"),
        ("POST", CM.into(), JSON, br#"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"x"}}"#.to_vec(), 400, "BadRequest"),
        ("POST", CM.into(), JSON, br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{}}"#.to_vec(), 422, "Invalid"),
        ("POST", CM.into(), JSON, br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"Bad_Name"}}"#.to_vec(), 422, "Invalid"),
        ("POST", CM.into(), JSON, br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x","labels":{"a":"-bad-"}}}"#.to_vec(), 422, "Invalid"),
        ("POST", CM.into(), JSON, br#"{"metadata":{"name":"x"},"data":{"n":1}}"#.to_vec(), 400, "BadRequest"),
        ("POST", "/api/v1/namespaces/default/secrets".into(), JSON, br#"{"metadata":{"name":"x"},"data":{"n":"%%%"}}"#.to_vec(), 400, "BadRequest"),
        ("POST", "/api/v1/namespaces/nope/configmaps".into(), JSON, cm("x", json!({})).into_bytes(), 404, "NotFound"),
        ("GET", "/api/v1/namespaces/default/widgets".into(), None, vec![], 404, "NotFound"),
        ("GET", "/apis/nosuch.example.com/v1/things".into(), None, vec![], 404, "NotFound"),
        ("GET", "/api/v1/configmaps/x".into(), None, vec![], 404, "NotFound"),
        ("GET", format!("{CM}?labelSelector=a%20b%20c"), None, vec![], 400, "BadRequest"),
        ("GET", format!("{CM}?labelSelector=k%20in%20(a"), None, vec![], 400, "BadRequest"),
        ("GET", format!("{CM}?fieldSelector=spec.nope%3Dx"), None, vec![], 400, "BadRequest"),
        ("GET", format!("{CM}?fieldSelector=garbage"), None, vec![], 400, "BadRequest"),
        ("GET", format!("{CM}?limit=abc"), None, vec![], 400, "BadRequest"),
        ("GET", format!("{CM}?limit=1&continue=%21%21notbase64"), None, vec![], 400, "BadRequest"),
        ("GET", format!("{CM}?watch=true&resourceVersion=abc"), None, vec![], 400, "BadRequest"),
        ("GET", format!("{CM}?watch=true&sendInitialEvents=true"), None, vec![], 422, "Invalid"),
        ("POST", format!("{CM}?dryRun=Sometimes"), JSON, cm("x", json!({})).into_bytes(), 400, "BadRequest"),
        ("PATCH", format!("{CM}/missing"), Some("application/merge-patch+json"), b"{}".to_vec(), 404, "NotFound"),
        ("PATCH", format!("{CM}/x"), Some("application/apply-patch+yaml"), b"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\"}".to_vec(), 400, "BadRequest"),
        ("PATCH", format!("{CM}/x?fieldManager=t"), Some("application/apply-patch+yaml"), b"::: not yaml [".to_vec(), 400, "BadRequest"),
        ("PATCH", format!("{CM}/x?fieldManager=t"), Some("application/apply-patch+yaml"), b"{\"metadata\":{}}".to_vec(), 400, "BadRequest"),
        ("DELETE", format!("{CM}/missing"), JSON, br#"{"propagationPolicy":"Sideways"}"#.to_vec(), 422, "Invalid"),
        ("DELETE", format!("{CM}/missing"), JSON, b"\"x\"".to_vec(), 400, "BadRequest"),
        ("PUT", "/version".into(), JSON, b"{}".to_vec(), 405, "MethodNotAllowed"),
        ("POST", format!("{CM}/x"), JSON, b"{}".to_vec(), 405, "MethodNotAllowed"),
    ];
    for (method, path, ct, body, code, reason) in cases {
        let (got, text) = e.req(method, &path, ct, &body);
        let v: Value = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("{method} {path}: not JSON: {text}"));
        assert_eq!(got, code, "{method} {path}: {text}");
        assert_status(&v, code, reason);
    }
    // Needs an existing object: JSON patch errors.
    assert_eq!(e.json("POST", CM, JSON, &cm("x", json!({}))).0, 201);
    let (c, v) = e.json(
        "PATCH",
        &format!("{CM}/x"),
        Some("application/json-patch+json"),
        r#"{"op":"add"}"#,
    );
    assert_eq!(c, 400, "{v}");
    let (c, v) = e.json(
        "PATCH",
        &format!("{CM}/x"),
        Some("application/json-patch+json"),
        r#"[{"op":"remove","path":"/nope/deeper"}]"#,
    );
    assert_eq!(c, 422, "{v}");
    let (c, v) = e.json(
        "PATCH",
        &format!("{CM}/x"),
        Some("application/json-patch+json"),
        r#"[{"op":"replace","path":"/metadata/name","value":"y"}]"#,
    );
    assert_eq!(c, 422, "{v}");
    // Still alive.
    assert_eq!(e.get("/version").0, 200);
}

#[test]
fn selectors_and_paging() {
    let e = Emu::start(&[]);
    for (i, tier) in ["web", "web", "db", "cache", "web"].iter().enumerate() {
        let (c, v) = e.json(
            "POST",
            CM,
            JSON,
            &cm(
                &format!("c{i}"),
                json!({"tier": tier, "idx": i.to_string()}),
            ),
        );
        assert_eq!(c, 201, "{v}");
        assert_eq!(v["metadata"]["namespace"], "default");
        assert!(v["metadata"]["uid"].as_str().unwrap().len() > 10);
    }
    let names = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["metadata"]["name"].as_str().unwrap().to_string())
            .collect()
    };
    let (_, v) = e.get(&format!("{CM}?labelSelector=tier%3Dweb"));
    assert_eq!(names(&v), ["c0", "c1", "c4"]);
    let (_, v) = e.get(&format!("{CM}?labelSelector=tier%20in%20(db,cache)"));
    assert_eq!(names(&v), ["c2", "c3"]);
    let (_, v) = e.get(&format!("{CM}?labelSelector=tier!%3Dweb,idx"));
    assert_eq!(names(&v), ["c2", "c3"]);
    let (_, v) = e.get(&format!("{CM}?labelSelector=!tier"));
    assert_eq!(names(&v), Vec::<String>::new());
    let (_, v) = e.get(&format!("{CM}?fieldSelector=metadata.name%3Dc3"));
    assert_eq!(names(&v), ["c3"]);
    // limit/continue
    let (_, p1) = e.get(&format!("{CM}?limit=2"));
    assert_eq!(names(&p1), ["c0", "c1"]);
    assert_eq!(p1["metadata"]["remainingItemCount"], 3);
    let tok = p1["metadata"]["continue"]
        .as_str()
        .unwrap()
        .replace('=', "%3D")
        .replace('+', "%2B")
        .replace('/', "%2F");
    let (_, p2) = e.get(&format!("{CM}?limit=2&continue={tok}"));
    assert_eq!(names(&p2), ["c2", "c3"]);
    // All namespaces, cluster-scoped listing, table output.
    let (_, all) = e.get("/api/v1/configmaps");
    assert_eq!(all["items"].as_array().unwrap().len(), 5);
    let (_, ns) = e.get("/api/v1/namespaces");
    assert!(names(&ns).contains(&"kube-system".to_string()));
    // deletecollection by selector
    let (c, v) = e.json(
        "DELETE",
        &format!("{CM}?labelSelector=tier%3Dweb"),
        None,
        "",
    );
    assert_eq!(c, 200, "{v}");
    let (_, v) = e.get(CM);
    assert_eq!(names(&v), ["c2", "c3"]);
}

#[test]
fn optimistic_concurrency_update_and_generation() {
    let e = Emu::start(&[]);
    let dep = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": "nginx:1"}]}}}});
    let path = "/apis/apps/v1/namespaces/default/deployments";
    let (c, v) = e.json("POST", path, JSON, &dep.to_string());
    assert_eq!(c, 201, "{v}");
    assert_eq!(v["metadata"]["generation"], 1);
    assert_eq!(v["spec"]["progressDeadlineSeconds"], 600, "defaulted");
    let rv = v["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string();
    let (c, _) = e.json("POST", path, JSON, &dep.to_string());
    assert_eq!(c, 409);
    // Stale resourceVersion → 409 Conflict; current → 200 and generation bump.
    let mut upd = v.clone();
    upd["spec"]["replicas"] = json!(3);
    upd["metadata"]["resourceVersion"] = json!("1");
    let (c, err) = e.json("PUT", &format!("{path}/web"), JSON, &upd.to_string());
    assert_eq!(c, 409);
    assert_status(&err, 409, "Conflict");
    upd["metadata"]["resourceVersion"] = json!(rv);
    let (c, v2) = e.json("PUT", &format!("{path}/web"), JSON, &upd.to_string());
    assert_eq!(c, 200, "{v2}");
    assert_eq!(v2["metadata"]["generation"], 2);
    // Metadata-only change keeps the generation.
    let (c, v3) = e.json(
        "PATCH",
        &format!("{path}/web"),
        Some("application/merge-patch+json"),
        r#"{"metadata":{"labels":{"x":"y"}}}"#,
    );
    assert_eq!(c, 200);
    assert_eq!(v3["metadata"]["generation"], 2);
    // Unconditional PUT (no resourceVersion) succeeds.
    let mut upd = v3.clone();
    upd["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("resourceVersion");
    assert_eq!(
        e.json("PUT", &format!("{path}/web"), JSON, &upd.to_string())
            .0,
        200
    );
    // Selector is immutable.
    let (c, v) = e.json("PATCH", &format!("{path}/web"), Some("application/merge-patch+json"),
        r#"{"spec":{"selector":{"matchLabels":{"app":"other"}},"template":{"metadata":{"labels":{"app":"other"}}}}}"#);
    assert_eq!(c, 422, "{v}");
    // dryRun=All does not persist.
    let (c, _) = e.json(
        "POST",
        &format!("{CM}?dryRun=All"),
        JSON,
        &cm("dry", json!({})),
    );
    assert_eq!(c, 201);
    assert_eq!(e.get(&format!("{CM}/dry")).0, 404);
}

#[test]
fn server_side_apply_ownership_conflicts_and_force() {
    let e = Emu::start(&[]);
    let path = format!("{CM}/owned");
    let body = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "owned"}, "data": {"a": "1", "b": "2"}}).to_string();
    let (c, v) = e.json("POST", &format!("{CM}?fieldManager=editor"), JSON, &body);
    assert_eq!(c, 201, "{v}");
    assert_eq!(v["metadata"]["managedFields"][0]["manager"], "editor");
    assert_eq!(v["metadata"]["managedFields"][0]["operation"], "Update");
    let apply = |mgr: &str, force: bool, data: Value| {
        let b = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "owned"}, "data": data}).to_string();
        e.json(
            "PATCH",
            &format!("{path}?fieldManager={mgr}&force={force}"),
            Some("application/apply-patch+yaml"),
            &b,
        )
    };
    // Same value: co-ownership, no conflict.
    let (c, v) = apply("tool", false, json!({"a": "1"}));
    assert_eq!(c, 200, "{v}");
    // Different value: 409 with a FieldManagerConflict cause.
    let (c, v) = apply("tool", false, json!({"a": "1", "b": "changed"}));
    assert_status(&v, 409, "Conflict");
    assert_eq!(c, 409);
    assert_eq!(v["details"]["causes"][0]["reason"], "FieldManagerConflict");
    assert_eq!(v["details"]["causes"][0]["field"], ".data.b");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("conflict with \"editor\""),
        "{v}"
    );
    // Force takes ownership.
    let (c, v) = apply("tool", true, json!({"a": "1", "b": "changed"}));
    assert_eq!(c, 200, "{v}");
    assert_eq!(v["data"]["b"], "changed");
    let mf = v["metadata"]["managedFields"].as_array().unwrap();
    let tool = mf.iter().find(|m| m["manager"] == "tool").unwrap();
    assert_eq!(tool["operation"], "Apply");
    assert!(tool["fieldsV1"]["f:data"].get("f:b").is_some());
    let editor = mf.iter().find(|m| m["manager"] == "editor").unwrap();
    assert!(
        editor["fieldsV1"]["f:data"].get("f:b").is_none(),
        "{editor}"
    );
    // Dropping a field the applier alone owns removes it; co-owned fields stay.
    let (c, v) = apply("tool", false, json!({"a": "1"}));
    assert_eq!(c, 200);
    assert_eq!(v["data"], json!({"a": "1"}));
    // Apply creates (201) when absent.
    let b = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "fresh"}, "data": {"x": "y"}}).to_string();
    let (c, v) = e.json(
        "PATCH",
        &format!("{CM}/fresh?fieldManager=tool"),
        Some("application/apply-patch+yaml"),
        &b,
    );
    assert_eq!(c, 201, "{v}");
    // YAML body works too.
    let y = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fresh\ndata:\n  x: z\n";
    let (c, v) = e.json(
        "PATCH",
        &format!("{CM}/fresh?fieldManager=tool"),
        Some("application/apply-patch+yaml"),
        y,
    );
    assert_eq!(c, 200, "{v}");
    assert_eq!(v["data"]["x"], "z");
}

#[test]
fn strategic_merge_json_patch_and_merge_patch() {
    let e = Emu::start(&[]);
    let path = "/apis/apps/v1/namespaces/default/deployments";
    let dep = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "smp"},
        "spec": {"selector": {"matchLabels": {"app": "smp"}},
                 "template": {"metadata": {"labels": {"app": "smp"}}, "spec": {"containers": [
                     {"name": "a", "image": "a:1", "env": [{"name": "X", "value": "1"}, {"name": "Y", "value": "2"}]},
                     {"name": "b", "image": "b:1"}]}}}});
    assert_eq!(e.json("POST", path, JSON, &dep.to_string()).0, 201);
    let smp = r#"{"spec":{"template":{"spec":{"containers":[{"name":"a","env":[{"name":"X","value":"9"},{"name":"Y","$patch":"delete"}]}]}}}}"#;
    let (c, v) = e.json(
        "PATCH",
        &format!("{path}/smp"),
        Some("application/strategic-merge-patch+json"),
        smp,
    );
    assert_eq!(c, 200, "{v}");
    let cs = &v["spec"]["template"]["spec"]["containers"];
    assert_eq!(cs.as_array().unwrap().len(), 2, "containers merged by name");
    assert_eq!(cs[0]["env"], json!([{"name": "X", "value": "9"}]));
    assert_eq!(cs[1]["image"], "b:1");
    let (c, v) = e.json(
        "PATCH",
        &format!("{path}/smp"),
        Some("application/json-patch+json"),
        r#"[{"op":"replace","path":"/spec/replicas","value":4}]"#,
    );
    assert_eq!(c, 200);
    assert_eq!(v["spec"]["replicas"], 4);
    let (c, v) = e.json(
        "PATCH",
        &format!("{path}/smp"),
        Some("application/merge-patch+json"),
        r#"{"spec":{"template":{"spec":{"containers":[{"name":"only","image":"o:1"}]}}}}"#,
    );
    assert_eq!(c, 200);
    assert_eq!(
        v["spec"]["template"]["spec"]["containers"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "merge patch replaces lists"
    );
    // JSON patch with a stale resourceVersion precondition → 409.
    let (c, _) = e.json(
        "PATCH",
        &format!("{path}/smp"),
        Some("application/json-patch+json"),
        r#"[{"op":"replace","path":"/metadata/resourceVersion","value":"3"}]"#,
    );
    assert_eq!(c, 409);
}

#[test]
fn watch_list_bookmark_live_events_and_resume() {
    let e = Emu::start(&[]);
    assert_eq!(
        e.json("POST", CM, JSON, &cm("pre", json!({"w": "1"}))).0,
        201
    );
    let mut w = Watch::open(&e.addr, &format!("{CM}?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=30"));
    assert_eq!(w.code, 200);
    let ev = w.next(5).expect("initial ADDED");
    assert_eq!(ev["type"], "ADDED");
    assert_eq!(ev["object"]["metadata"]["name"], "pre");
    assert_eq!(ev["object"]["kind"], "ConfigMap");
    let bm = w.next(5).expect("bookmark");
    assert_eq!(bm["type"], "BOOKMARK");
    assert_eq!(
        bm["object"]["metadata"]["annotations"]["k8s.io/initial-events-end"],
        "true"
    );
    let bm_rv: u64 = bm["object"]["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    // Live events.
    assert_eq!(
        e.json("POST", CM, JSON, &cm("live", json!({"w": "1"}))).0,
        201
    );
    let ev = w.next(5).expect("live ADDED");
    assert_eq!(
        (
            ev["type"].as_str(),
            ev["object"]["metadata"]["name"].as_str()
        ),
        (Some("ADDED"), Some("live"))
    );
    e.json(
        "PATCH",
        &format!("{CM}/live"),
        Some("application/merge-patch+json"),
        r#"{"data":{"k":"2"}}"#,
    );
    assert_eq!(w.next(5).unwrap()["type"], "MODIFIED");
    e.json("DELETE", &format!("{CM}/live"), None, "");
    assert_eq!(w.next(5).unwrap()["type"], "DELETED");
    // Resume from the bookmark's resourceVersion: only later events replay.
    let mut w2 = Watch::open(
        &e.addr,
        &format!("{CM}?watch=true&resourceVersion={bm_rv}&labelSelector=w%3D1"),
    );
    let types: Vec<String> = (0..3)
        .filter_map(|_| w2.next(3))
        .map(|v| v["type"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(types, ["ADDED", "MODIFIED", "DELETED"]);
    // Label-selector transitions: an object leaving the selector is DELETED for the watcher.
    let mut w3 = Watch::open(&e.addr, &format!("{CM}?watch=true&labelSelector=w%3D1"));
    assert_eq!(w3.next(3).unwrap()["type"], "ADDED"); // "pre" (initial state)
    e.json(
        "PATCH",
        &format!("{CM}/pre"),
        Some("application/merge-patch+json"),
        r#"{"metadata":{"labels":{"w":"2"}}}"#,
    );
    assert_eq!(w3.next(5).unwrap()["type"], "DELETED");
    // Too-old resourceVersion → ERROR 410 event (after enough history churn it would expire; rv 1 predates it).
    let mut w4 = Watch::open(&e.addr, &format!("{CM}?watch=true&resourceVersion=1"));
    let ev = w4.next(3).unwrap();
    assert_eq!(ev["type"], "ERROR");
    assert_eq!(ev["object"]["code"], 410);
}

#[test]
fn jobs_succeed_or_fail_with_pod_logs() {
    let e = Emu::start(&["--ready-after-ms", "50"]);
    let path = "/apis/batch/v1/namespaces/default/jobs";
    let job = |name: &str, env: &str| {
        json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name},
               "spec": {"backoffLimit": 0, "template": {"spec": {"restartPolicy": "Never", "containers": [
                   {"name": "main", "image": "busybox", "command": ["sh", "-c", "echo hello from job"], "env": [{"name": "E", "value": env}]}]}}}})
        .to_string()
    };
    for (name, env, ok) in [
        ("good", "fine", true),
        ("will-fail", "fine", false),
        ("envjob", "please fail now", false),
    ] {
        let (c, v) = e.json("POST", path, JSON, &job(name, env));
        assert_eq!(c, 201, "{v}");
        let want = if ok { "Complete" } else { "Failed" };
        let j = e.wait_for(&format!("{path}/{name}"), 10, |v| {
            v["status"]["conditions"]
                .as_array()
                .map(|cs| {
                    cs.iter()
                        .any(|c| c["type"] == want && c["status"] == "True")
                })
                .unwrap_or(false)
        });
        if ok {
            assert_eq!(j["status"]["succeeded"], 1);
        } else {
            assert_eq!(j["status"]["failed"], 1);
        }
        let (_, pods) = e.get(&format!(
            "/api/v1/namespaces/default/pods?labelSelector=job-name%3D{name}"
        ));
        let pod = &pods["items"][0];
        assert_eq!(
            pod["status"]["phase"],
            if ok { "Succeeded" } else { "Failed" }
        );
        let pname = pod["metadata"]["name"].as_str().unwrap();
        let (c, log) = e.req(
            "GET",
            &format!("/api/v1/namespaces/default/pods/{pname}/log?container=main"),
            None,
            b"",
        );
        assert_eq!(c, 200);
        assert!(log.contains("hello from job"), "{log}");
        assert_eq!(log.contains("error"), !ok, "{log}");
        let (c, _) = e.req(
            "GET",
            &format!("/api/v1/namespaces/default/pods/{pname}/log?container=nope"),
            None,
            b"",
        );
        assert_eq!(c, 400);
        // Background deletion removes the Job's pod.
        let (c, _) = e.json(
            "DELETE",
            &format!("{path}/{name}"),
            JSON,
            r#"{"propagationPolicy":"Background"}"#,
        );
        assert_eq!(c, 200);
        assert_eq!(
            e.get(&format!("/api/v1/namespaces/default/pods/{pname}")).0,
            404
        );
    }
}

#[test]
fn workloads_become_ready_unless_never_ready() {
    let e = Emu::start(&["--ready-after-ms", "50"]);
    let path = "/apis/apps/v1/namespaces/default/deployments";
    let dep = |name: &str, env: &str| {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
               "spec": {"replicas": 2, "selector": {"matchLabels": {"app": name}},
                        "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [
                            {"name": "c", "image": "nginx:1", "env": [{"name": "E", "value": env}]}]}}}})
        .to_string()
    };
    assert_eq!(e.json("POST", path, JSON, &dep("ok", "x")).0, 201);
    let d = e.wait_for(&format!("{path}/ok"), 10, |v| {
        v["status"]["readyReplicas"] == 2
    });
    assert_eq!(
        d["status"]["observedGeneration"],
        d["metadata"]["generation"]
    );
    assert_eq!(d["status"]["updatedReplicas"], 2);
    assert_eq!(d["status"]["availableReplicas"], 2);
    let conds = d["status"]["conditions"].as_array().unwrap();
    assert!(conds
        .iter()
        .any(|c| c["type"] == "Available" && c["status"] == "True"));
    assert!(conds
        .iter()
        .any(|c| c["type"] == "Progressing" && c["reason"] == "NewReplicaSetAvailable"));
    let (_, rs) = e.get("/apis/apps/v1/namespaces/default/replicasets?labelSelector=app%3Dok");
    let rs0 = &rs["items"][0];
    assert_eq!(
        rs0["metadata"]["ownerReferences"][0]["uid"],
        d["metadata"]["uid"]
    );
    assert_eq!(rs0["status"]["readyReplicas"], 2);
    let hash = rs0["metadata"]["labels"]["pod-template-hash"]
        .as_str()
        .unwrap();
    let (_, pods) = e.get(&format!(
        "/api/v1/namespaces/default/pods?labelSelector=app%3Dok,pod-template-hash%3D{hash}"
    ));
    assert_eq!(pods["items"].as_array().unwrap().len(), 2);
    // Never-ready by env value and by name.
    assert_eq!(
        e.json("POST", path, JSON, &dep("slow", "never-ready")).0,
        201
    );
    assert_eq!(
        e.json("POST", path, JSON, &dep("app-never-ready", "x")).0,
        201
    );
    for n in ["slow", "app-never-ready"] {
        let d = e.wait_for(&format!("{path}/{n}"), 10, |v| {
            v["status"]["observedGeneration"].is_number()
        });
        std::thread::sleep(std::time::Duration::from_millis(300));
        let (_, d2) = e.get(&format!("{path}/{n}"));
        assert!(d2["status"]["readyReplicas"].is_null(), "{d} {d2}");
        assert!(d2["status"]["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["type"] == "Available" && c["status"] == "False"));
    }
    // StatefulSet, DaemonSet, PVC.
    let sts = json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db"},
        "spec": {"serviceName": "db", "replicas": 1, "selector": {"matchLabels": {"app": "db"}},
                 "template": {"metadata": {"labels": {"app": "db"}}, "spec": {"containers": [{"name": "c", "image": "pg:1"}]}}}});
    assert_eq!(
        e.json(
            "POST",
            "/apis/apps/v1/namespaces/default/statefulsets",
            JSON,
            &sts.to_string()
        )
        .0,
        201
    );
    let s = e.wait_for(
        "/apis/apps/v1/namespaces/default/statefulsets/db",
        10,
        |v| v["status"]["readyReplicas"] == 1,
    );
    assert_eq!(
        s["status"]["currentRevision"],
        s["status"]["updateRevision"]
    );
    let pvc = json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}});
    assert_eq!(
        e.json(
            "POST",
            "/api/v1/namespaces/default/persistentvolumeclaims",
            JSON,
            &pvc.to_string()
        )
        .0,
        201
    );
    e.wait_for(
        "/api/v1/namespaces/default/persistentvolumeclaims/data",
        10,
        |v| v["status"]["phase"] == "Bound",
    );
}

#[test]
fn namespaces_crds_protobuf_and_faults() {
    let e = Emu::start(&[]);
    // Namespace deletion removes its objects.
    let ns =
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "tmp"}}).to_string();
    assert_eq!(e.json("POST", "/api/v1/namespaces", JSON, &ns).0, 201);
    assert_eq!(
        e.json(
            "POST",
            "/api/v1/namespaces/tmp/configmaps",
            JSON,
            &cm("inside", json!({}))
        )
        .0,
        201
    );
    assert_eq!(e.json("DELETE", "/api/v1/namespaces/tmp", None, "").0, 200);
    assert_eq!(e.get("/api/v1/namespaces/tmp/configmaps/inside").0, 404);
    let (c, v) = e.get("/api/v1/namespaces/tmp/secrets");
    assert_eq!(
        (c, v["items"].as_array().map(|a| a.len())),
        (200, Some(0)),
        "listing a missing namespace is an empty list"
    );
    // A CRD makes its kind servable (discovery, OpenAPI, CRUD); deleting it removes it.
    let crd = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "metadata": {"name": "gadgets.example.org"},
        "spec": {"group": "example.org", "scope": "Namespaced", "names": {"plural": "gadgets", "singular": "gadget", "kind": "Gadget"},
                 "versions": [{"name": "v1", "served": true, "storage": true, "schema": {"openAPIV3Schema": {"type": "object"}}}]}});
    let (c, v) = e.json(
        "POST",
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
        JSON,
        &crd.to_string(),
    );
    assert_eq!(c, 201, "{v}");
    assert!(v["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["type"] == "Established" && c["status"] == "True"));
    let (_, root) = e.get("/openapi/v3");
    assert!(root["paths"].get("apis/example.org/v1").is_some());
    let (c, _) = e.get("/openapi/v3/apis/example.org/v1");
    assert_eq!(c, 200);
    let g = json!({"apiVersion": "example.org/v1", "kind": "Gadget", "metadata": {"name": "g1"}, "spec": {"size": 1}}).to_string();
    assert_eq!(
        e.json(
            "POST",
            "/apis/example.org/v1/namespaces/default/gadgets",
            JSON,
            &g
        )
        .0,
        201
    );
    let (c, v) = e.json(
        "PATCH",
        "/apis/example.org/v1/namespaces/default/gadgets/g1",
        Some("application/strategic-merge-patch+json"),
        "{}",
    );
    assert_eq!(c, 415, "{v}");
    assert_eq!(
        e.json(
            "DELETE",
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gadgets.example.org",
            None,
            ""
        )
        .0,
        200
    );
    assert_eq!(
        e.get("/apis/example.org/v1/namespaces/default/gadgets").0,
        404
    );
    // Cluster-scoped vs namespaced.
    assert_eq!(e.get("/api/v1/namespaces/default/nodes").0, 404);
    assert_eq!(e.get("/api/v1/nodes").0, 200);
    // Protobuf Secret (Helm's release record format).
    let body = protobuf_secret("sh.helm.release.v1.t.v1", "release", b"SDRzSUFB");
    let (c, v) = e.json_bytes(
        "POST",
        "/api/v1/namespaces/default/secrets",
        "application/vnd.kubernetes.protobuf",
        &body,
    );
    assert_eq!(c, 201, "{v}");
    assert_eq!(v["metadata"]["labels"]["owner"], "helm");
    assert_eq!(v["data"]["release"], "U0RSelNVRkI=");
    // Aggregated discovery.
    let (c, text) = common::request_accept(
        &e.addr,
        "/apis",
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json",
    );
    assert_eq!(c, 200);
    assert!(text.contains("\"APIGroupDiscoveryList\""));
    // Faults: every GET fails, then reset.
    let (c, _) = e.json(
        "PUT",
        "/_emulator/faults",
        JSON,
        r#"{"errorRate":{"get":1.0},"errorCode":503}"#,
    );
    assert_eq!(c, 200);
    assert_eq!(e.get(&format!("{CM}/x")).0, 503);
    assert_eq!(e.get(CM).0, 200, "list is a different verb");
    assert_eq!(
        e.json("PUT", "/_emulator/faults", JSON, r#"{"bogus":1}"#).0,
        400
    );
    assert_eq!(e.json("DELETE", "/_emulator/faults", None, "").0, 200);
    assert_eq!(e.get(&format!("{CM}/x")).0, 404);
}

fn protobuf_secret(name: &str, key: &str, val: &[u8]) -> Vec<u8> {
    fn ld(num: u8, data: &[u8], out: &mut Vec<u8>) {
        out.push(num << 3 | 2);
        let mut n = data.len();
        loop {
            let b = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                out.push(b);
                break;
            }
            out.push(b | 0x80);
        }
        out.extend_from_slice(data);
    }
    let mut label = vec![];
    ld(1, b"owner", &mut label);
    ld(2, b"helm", &mut label);
    let mut meta = vec![];
    ld(1, name.as_bytes(), &mut meta);
    ld(11, &label, &mut meta);
    let mut entry = vec![];
    ld(1, key.as_bytes(), &mut entry);
    ld(2, val, &mut entry);
    let mut secret = vec![];
    ld(1, &meta, &mut secret);
    ld(2, &entry, &mut secret);
    ld(3, b"helm.sh/release.v1", &mut secret);
    let mut tm = vec![];
    ld(1, b"v1", &mut tm);
    ld(2, b"Secret", &mut tm);
    let mut out = b"k8s\0".to_vec();
    ld(1, &tm, &mut out);
    ld(2, &secret, &mut out);
    out
}

#[test]
fn in_process_library_start_and_stop() {
    let emu = capstan_kube_emulator::Emulator::start(capstan_kube_emulator::Options {
        tls: true,
        ..Default::default()
    })
    .expect("start");
    assert!(emu.url.starts_with("https://127.0.0.1:"));
    assert!(emu.kubeconfig.contains("certificate-authority-data"));
    assert!(emu
        .ca_pem
        .as_deref()
        .unwrap_or("")
        .contains("BEGIN CERTIFICATE"));
    let plain = capstan_kube_emulator::Emulator::start(Default::default()).expect("start");
    let addr = plain.url.trim_start_matches("http://").to_string();
    let (code, _) = common::request(&addr, "GET", "/version", None, b"");
    assert_eq!(code, 200);
    drop(plain);
    assert!(
        std::net::TcpStream::connect(&addr).is_err(),
        "stopped on drop"
    );
}
