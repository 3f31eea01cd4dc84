//! Integration tests of the cluster layer against the in-process Kubernetes
//! API emulator (`capstan-kube-emulator`), over real HTTP(S) through kube-rs.

use std::path::PathBuf;
use std::time::Duration;

use capstan_kube::{
    ApplyOptions, ClientOptions, Cluster, Deleted, ErrorKind, Propagation, WaitOptions,
};
use capstan_kube_emulator::{Options, Sandbox};

type Env = Sandbox;

fn start(tls: bool) -> Env {
    Sandbox::start(
        "kube-test",
        Options {
            tls,
            ready_after_ms: 100,
            ..Options::default()
        },
    )
    .expect("start emulator")
}

async fn connect(env: &Env) -> Cluster {
    Cluster::connect(&ClientOptions {
        kubeconfig: Some(env.kubeconfig.clone()),
        ..Default::default()
    })
    .await
    .expect("connect")
}

fn docs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

type Docs = Vec<(String, String)>;
/// (path, kind, manifest) of each hook.
type Hooks = Vec<(String, String, String)>;

/// Render a chart as `helm template` would (on a big stack: rendering is recursive).
fn render(chart: &str, release: &str) -> (Docs, Hooks) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(chart);
    let req = action::TemplateRequest {
        release_name: Some(release.into()),
        chart: root.to_string_lossy().into_owned(),
        namespace: "default".into(),
        ..Default::default()
    };
    engine::run_with_big_stack(move || {
        let out = action::template(&req).expect("render chart");
        let manifests = out
            .manifests
            .iter()
            .map(|m| (m.name.clone(), m.content.clone()))
            .collect();
        let hooks = out
            .hooks
            .iter()
            .map(|h| (h.path.clone(), h.kind.clone(), h.manifest.clone()))
            .collect();
        (manifests, hooks)
    })
}

fn wait(secs: u64) -> WaitOptions {
    WaitOptions {
        timeout: Duration::from_secs(secs),
        interval: Duration::from_millis(100),
        progress: None,
    }
}

#[tokio::test]
async fn example_charts_apply_wait_and_delete() {
    let env = start(false);
    let cluster = connect(&env).await;
    assert_eq!(cluster.namespace(), "default");
    for chart in ["fraud-model", "ml-serving-stack"] {
        let (manifests, hooks) = render(chart, chart);
        assert!(!manifests.is_empty(), "{chart}: nothing rendered");
        let res = cluster
            .build(&manifests)
            .await
            .unwrap_or_else(|e| panic!("{chart}: build: {e}"));
        assert_eq!(res.len(), manifests.len());
        for r in &res {
            assert_eq!(r.namespace.as_deref(), Some("default"), "{}", r.describe());
            assert_eq!(r.object["metadata"]["namespace"], "default");
        }
        let applied = cluster
            .apply_all(&res, &ApplyOptions::default())
            .await
            .unwrap_or_else(|e| panic!("{chart}: apply: {e}"));
        assert_eq!(applied.len(), res.len());
        for r in &res {
            let live = cluster
                .get(r)
                .await
                .expect("get")
                .unwrap_or_else(|| panic!("{} missing", r.describe()));
            let managers: Vec<&str> = live["metadata"]["managedFields"]
                .as_array()
                .map(|a| a.iter().filter_map(|m| m["manager"].as_str()).collect())
                .unwrap_or_default();
            assert!(
                managers.contains(&"helm"),
                "{}: managers {managers:?}",
                r.describe()
            );
        }
        cluster
            .wait_ready(&res, &wait(30))
            .await
            .unwrap_or_else(|e| panic!("{chart}: wait: {e}"));

        // Hook Jobs of the charts run to completion.
        let hook_docs: Vec<(String, String)> = hooks
            .iter()
            .filter(|h| h.1 == "Job")
            .map(|h| (h.0.clone(), h.2.clone()))
            .collect();
        if !hook_docs.is_empty() {
            let hook_res = cluster.build(&hook_docs).await.expect("build hooks");
            cluster
                .apply_all(&hook_res, &ApplyOptions::default())
                .await
                .expect("apply hooks");
            cluster
                .wait_hooks(&hook_res, &wait(30))
                .await
                .expect("hooks complete");
        }

        let deleted = cluster
            .delete_all(&res, Propagation::Background)
            .await
            .expect("delete");
        assert!(
            deleted.iter().all(|(_, d)| *d == Deleted::Deleted),
            "{deleted:?}"
        );
        cluster.wait_deleted(&res, &wait(10)).await.expect("gone");
        let again = cluster
            .delete_all(&res, Propagation::Background)
            .await
            .expect("delete again");
        assert!(
            again.iter().all(|(_, d)| *d == Deleted::NotFound),
            "{again:?}"
        );
    }
}

const CM_V1: &str =
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: owned\ndata:\n  a: \"1\"\n  b: \"2\"\n";
const CM_V2: &str =
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: owned\ndata:\n  a: \"1\"\n  c: \"3\"\n";
const CM_OTHER: &str =
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: owned\ndata:\n  a: \"changed\"\n";

#[tokio::test]
async fn reapply_honours_field_ownership() {
    let env = start(false);
    let cluster = connect(&env).await;
    let helm = ApplyOptions::default();
    let v1 = cluster
        .build(&docs(&[("c/templates/cm.yaml", CM_V1)]))
        .await
        .expect("build");
    cluster.apply_all(&v1, &helm).await.expect("apply v1");
    let v2 = cluster
        .build(&docs(&[("c/templates/cm.yaml", CM_V2)]))
        .await
        .expect("build");
    cluster.apply_all(&v2, &helm).await.expect("apply v2");
    let live = cluster.get(&v2[0]).await.expect("get").expect("exists");
    assert_eq!(
        live["data"],
        serde_json::json!({"a": "1", "c": "3"}),
        "a field no longer applied is removed"
    );

    // Another manager may not take a field helm owns without force.
    let other = cluster
        .build(&docs(&[("x.yaml", CM_OTHER)]))
        .await
        .expect("build");
    let kubectl = ApplyOptions {
        field_manager: "kubectl".into(),
        ..Default::default()
    };
    let err = cluster
        .apply(&other[0], &kubectl)
        .await
        .expect_err("conflict");
    assert!(err.is_conflict(), "{err:?}");
    assert!(
        err.message.starts_with("ConfigMap default/owned: "),
        "{err}"
    );
    assert!(err.message.contains("conflict"), "{err}");
    assert_eq!(err.source_path.as_deref(), Some("x.yaml"));
    cluster
        .apply(
            &other[0],
            &ApplyOptions {
                force: true,
                ..kubectl
            },
        )
        .await
        .expect("forced apply");
    let live = cluster.get(&v2[0]).await.expect("get").expect("exists");
    assert_eq!(live["data"]["a"], "changed");
    assert_eq!(live["data"]["c"], "3", "fields of the other manager stay");
}

const NEVER_READY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-never-ready\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: nginx\n";
const READY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-ok\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {app: ok}\n  template:\n    metadata:\n      labels: {app: ok}\n    spec:\n      containers:\n      - name: web\n        image: nginx\n";

#[tokio::test]
async fn wait_timeout_names_the_unready_resource() {
    let env = start(false);
    let cluster = connect(&env).await;
    let res = cluster
        .build(&docs(&[("t/ok.yaml", READY), ("t/bad.yaml", NEVER_READY)]))
        .await
        .expect("build");
    cluster
        .apply_all(&res, &ApplyOptions::default())
        .await
        .expect("apply");
    cluster
        .wait_ready(&res[..1], &wait(20))
        .await
        .expect("web-ok becomes ready");
    let started = std::time::Instant::now();
    let err = cluster
        .wait_ready(&res, &wait(2))
        .await
        .expect_err("timeout");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(err.kind, ErrorKind::Timeout);
    assert!(
        err.message.starts_with(
            "resource Deployment/default/web-never-ready not ready. status: InProgress, message: "
        ),
        "{err}"
    );
    assert!(!err.message.contains("web-ok"), "{err}");
    assert!(
        err.message.ends_with("\ncontext deadline exceeded"),
        "{err}"
    );
}

fn job(name: &str) -> String {
    format!(
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {name}\nspec:\n  backoffLimit: 0\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: check\n        image: busybox\n        command: [sh, -c, 'echo checking']\n"
    )
}

#[tokio::test]
async fn jobs_succeed_and_fail_with_logs() {
    let env = start(false);
    let cluster = connect(&env).await;
    let ok_doc = job("validate");
    let bad_doc = job("validate-fail");
    let res = cluster
        .build(&docs(&[("h/ok.yaml", &ok_doc), ("h/bad.yaml", &bad_doc)]))
        .await
        .expect("build");
    cluster
        .apply_all(&res, &ApplyOptions::default())
        .await
        .expect("apply");

    cluster
        .wait_job("default", "validate", &wait(20))
        .await
        .expect("job succeeds");
    let logs = cluster.job_logs("default", "validate").await.expect("logs");
    assert_eq!(logs.len(), 1, "{logs:?}");
    assert_eq!(logs[0].container, "check");
    assert!(!logs[0].log.is_empty());

    let err = cluster
        .wait_job("default", "validate-fail", &wait(20))
        .await
        .expect_err("job fails");
    assert_eq!(err.kind, ErrorKind::Failed);
    assert!(
        err.message.starts_with("resource Job/default/validate-fail not ready. status: Failed, message: Job Failed. failed: 1/1"),
        "{err}"
    );
    assert!(
        err.message
            .contains("Job default/validate-fail failed: BackoffLimitExceeded"),
        "{err}"
    );
    let logs = cluster
        .job_logs("default", "validate-fail")
        .await
        .expect("logs of the failed job");
    assert_eq!(logs.len(), 1);
    assert!(!logs[0].log.is_empty());

    // The hook rule: a failed Job ends the wait early, whatever the timeout.
    let err = cluster
        .wait_hooks(&res, &wait(60))
        .await
        .expect_err("hook failure");
    assert!(err.message.contains("Job/default/validate-fail"), "{err}");

    let err = cluster
        .wait_job("default", "absent", &wait(1))
        .await
        .expect_err("absent job times out");
    assert_eq!(err.kind, ErrorKind::Timeout);
}

const WIDGET: &str =
    "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w1\nspec:\n  size: 3\n";
const CRD: &str = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\n  namespace: ignored\nspec:\n  group: example.com\n  names:\n    kind: Widget\n    plural: widgets\n    singular: widget\n    listKind: WidgetList\n  scope: Namespaced\n  versions:\n  - name: v1\n    served: true\n    storage: true\n    schema:\n      openAPIV3Schema:\n        type: object\n        x-kubernetes-preserve-unknown-fields: true\n";

#[tokio::test]
async fn unknown_kinds_and_crds_in_the_same_run() {
    let env = start(false);
    let cluster = connect(&env).await;
    let err = cluster
        .build(&docs(&[("c/templates/w.yaml", WIDGET)]))
        .await
        .expect_err("unknown kind");
    assert_eq!(err.kind, ErrorKind::NoMapping);
    assert_eq!(
        err.message,
        "resource mapping not found for name: \"w1\" namespace: \"\" from \"\": no matches for kind \"Widget\" in version \"example.com/v1\"\nensure CRDs are installed first"
    );
    assert_eq!(err.source_path.as_deref(), Some("c/templates/w.yaml"));

    let crd = cluster
        .build(&docs(&[("c/crds/w.yaml", CRD)]))
        .await
        .expect("build crd");
    assert_eq!(crd[0].namespace, None);
    assert!(
        crd[0].object["metadata"].get("namespace").is_none(),
        "cluster-scoped objects keep no namespace"
    );
    cluster
        .apply_all(&crd, &ApplyOptions::default())
        .await
        .expect("apply crd");
    cluster
        .wait_ready(&crd, &wait(10))
        .await
        .expect("established");

    // Discovery is refreshed by itself: the Widget maps now.
    let w = cluster
        .build(&docs(&[("c/templates/w.yaml", WIDGET)]))
        .await
        .expect("widget maps after the CRD");
    assert_eq!(w[0].namespace.as_deref(), Some("default"));
    cluster
        .apply_all(&w, &ApplyOptions::default())
        .await
        .expect("apply widget");
    cluster
        .wait_ready(&w, &wait(10))
        .await
        .expect("a CR without conditions is ready");
    assert!(cluster
        .api_versions()
        .await
        .expect("api versions")
        .iter()
        .any(|v| v == "example.com/v1/Widget"));
}

#[tokio::test]
async fn tls_kubeconfig_and_overrides() {
    let env = start(true);
    let cluster = connect(&env).await;
    let v = cluster.server_version().await.expect("version over TLS");
    assert!(!v.git_version.is_empty());

    // -n wins over the context's namespace; objects default to it.
    let c2 = Cluster::connect(&ClientOptions {
        kubeconfig: Some(env.kubeconfig.clone()),
        namespace: Some("team".into()),
        kube_token: Some("other-token".into()),
        ..Default::default()
    })
    .await
    .expect("connect");
    assert_eq!(c2.namespace(), "team");
    let res = c2.build(&docs(&[("cm.yaml", CM_V1)])).await.expect("build");
    assert_eq!(res[0].namespace.as_deref(), Some("team"));

    // An explicit context that does not exist fails clearly.
    let err = Cluster::connect(&ClientOptions {
        kubeconfig: Some(env.kubeconfig.clone()),
        context: Some("nope".into()),
        ..Default::default()
    })
    .await
    .err()
    .expect("unknown context");
    assert_eq!(err.kind, ErrorKind::Config);

    // --kube-insecure-skip-tls-verify with --kube-apiserver and no kubeconfig CA.
    let url = std::fs::read_to_string(&env.kubeconfig).expect("kubeconfig");
    let server = url
        .lines()
        .find_map(|l| l.trim().strip_prefix("server: "))
        .expect("server line")
        .to_string();
    let bare = env.dir.join("bare-kubeconfig");
    std::fs::write(&bare, "apiVersion: v1\nkind: Config\nclusters:\n- name: x\n  cluster:\n    server: https://127.0.0.1:1\ncontexts:\n- name: x\n  context:\n    cluster: x\n    user: x\n    namespace: ctx-ns\ncurrent-context: x\nusers:\n- name: x\n  user: {}\n").expect("write");
    let c3 = Cluster::connect(&ClientOptions {
        kubeconfig: Some(bare),
        kube_apiserver: Some(server),
        kube_insecure_skip_tls_verify: true,
        ..Default::default()
    })
    .await
    .expect("connect with overrides");
    assert_eq!(c3.namespace(), "ctx-ns");
    c3.server_version()
        .await
        .expect("version with insecure override");
}

#[tokio::test]
async fn release_lease_is_exclusive_until_it_expires() {
    use capstan_kube::LeaseState;
    let env = start(false);
    let c = connect(&env).await;
    let alive = |_: &str| false;
    let ttl = Duration::from_secs(30);
    assert_eq!(
        c.acquire_lease("default", "r", "a", ttl, &alive)
            .await
            .unwrap(),
        LeaseState::Acquired
    );
    // Held and fresh: refused.
    assert_eq!(
        c.acquire_lease("default", "r", "b", ttl, &alive)
            .await
            .unwrap(),
        LeaseState::Held { holder: "a".into() }
    );
    c.renew_lease("default", "r", "a").await.unwrap();
    assert!(c.renew_lease("default", "r", "b").await.is_err());
    // A holder known dead is taken over before expiry.
    let dead = |h: &str| h == "a";
    assert_eq!(
        c.acquire_lease("default", "r", "b", ttl, &dead)
            .await
            .unwrap(),
        LeaseState::TookOver { holder: "a".into() }
    );
    // Releasing someone else's lock does nothing; the owner's frees it.
    c.release_lease("default", "r", "a").await.unwrap();
    assert!(matches!(
        c.acquire_lease("default", "r", "c", ttl, &alive)
            .await
            .unwrap(),
        LeaseState::Held { .. }
    ));
    c.release_lease("default", "r", "b").await.unwrap();
    assert_eq!(
        c.acquire_lease("default", "r", "c", Duration::from_secs(1), &alive)
            .await
            .unwrap(),
        LeaseState::Acquired
    );
    // Not renewed past its duration: expired, taken over.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(
        c.acquire_lease("default", "r", "d", ttl, &alive)
            .await
            .unwrap(),
        LeaseState::TookOver { holder: "c".into() }
    );
}
