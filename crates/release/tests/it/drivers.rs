//! Storage drivers: memory, and Secrets/ConfigMaps against the emulator.

use crate::common;

use std::collections::BTreeMap;

use capstan_release::*;
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use kube::api::Api;

fn rel(name: &str, version: i64, ns: &str, status: Status) -> Release {
    let now = Time::now();
    Release {
        name: name.into(),
        info: Info {
            first_deployed: now,
            last_deployed: now,
            status,
            description: format!("rev {version}"),
            ..Default::default()
        },
        manifest: format!("# {name} v{version}\n"),
        version,
        namespace: ns.into(),
        labels: BTreeMap::from([("team".into(), "a".into())]),
        apply_method: Some("ssa".into()),
        ..Default::default()
    }
}

fn versions(mut v: Vec<Release>) -> Vec<i64> {
    v.sort_by_key(|r| r.version);
    v.into_iter().map(|r| r.version).collect()
}

/// The same scenario for every driver.
async fn exercise(d: Driver, other_ns: Driver, all_ns: Driver) {
    let st = Storage::new(d.clone());
    // create / get / duplicate
    st.create(&rel("app", 1, "ns1", Status::Deployed))
        .await
        .unwrap();
    let e = st
        .create(&rel("app", 1, "ns1", Status::Deployed))
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::AlreadyExists, "{e}");
    let got = st.get("app", 1).await.unwrap();
    assert_eq!(got.info.description, "rev 1");
    assert_eq!(
        got.labels,
        BTreeMap::from([("team".into(), "a".into())]),
        "get filters system labels"
    );
    assert_eq!(
        st.get("app", 9).await.unwrap_err().kind,
        ErrorKind::NotFound
    );
    assert_eq!(
        st.get("app", 9).await.unwrap_err().to_string(),
        "release: not found"
    );

    // update: supersede 1, add 2
    let mut r1 = got.clone();
    r1.info.status = Status::Superseded;
    st.update(&r1).await.unwrap();
    st.create(&rel("app", 2, "ns1", Status::Deployed))
        .await
        .unwrap();
    assert_eq!(
        st.get("app", 1).await.unwrap().info.status,
        Status::Superseded
    );
    let e = st
        .update(&rel("app", 5, "ns1", Status::Deployed))
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound, "{e}");

    // query / history / deployed / last / list
    let q = d
        .query(&BTreeMap::from([
            ("name".into(), "app".into()),
            ("status".into(), "superseded".into()),
        ]))
        .await
        .unwrap();
    assert_eq!(versions(q.clone()), vec![1]);
    // list/query keep every object label, system ones included (as Helm).
    assert_eq!(
        q[0].labels.get("status").map(String::as_str),
        Some("superseded")
    );
    assert_eq!(q[0].labels.get("owner").map(String::as_str), Some("helm"));
    assert!(q[0].labels.contains_key("modifiedAt"));
    assert_eq!(versions(st.history("app").await.unwrap()), vec![1, 2]);
    assert_eq!(st.deployed("app").await.unwrap().version, 2);
    assert_eq!(st.last("app").await.unwrap().version, 2);
    assert_eq!(
        st.history("nope").await.unwrap_err().kind,
        ErrorKind::NotFound
    );
    let e = st.deployed("nope").await.unwrap_err();
    assert_eq!(
        (e.kind, e.to_string()),
        (
            ErrorKind::NoDeployed,
            "\"nope\" has no deployed releases".to_string()
        )
    );
    let bad = d
        .query(&BTreeMap::from([("name".into(), "-bad-".into())]))
        .await
        .unwrap_err();
    assert!(
        bad.to_string()
            .starts_with("invalid label value: \"-bad-\""),
        "{bad}"
    );
    assert_eq!(versions(st.list_deployed().await.unwrap()), vec![2]);
    assert_eq!(st.list_releases().await.unwrap().len(), 2);

    // max_history: keep 2 → creating v3 prunes v1 (never the deployed one)
    let mut pruning = st.clone();
    pruning.max_history = 2;
    let mut r2 = st.get("app", 2).await.unwrap();
    r2.info.status = Status::Superseded;
    st.update(&r2).await.unwrap();
    pruning
        .create(&rel("app", 3, "ns1", Status::Deployed))
        .await
        .unwrap();
    assert_eq!(versions(st.history("app").await.unwrap()), vec![2, 3]);
    // With 1 kept and v3 deployed, v2 goes but v3 stays even though it is older than v4.
    pruning.max_history = 1;
    pruning
        .create(&rel("app", 4, "ns1", Status::PendingUpgrade))
        .await
        .unwrap();
    assert_eq!(versions(st.history("app").await.unwrap()), vec![3, 4]);

    // other namespaces and all namespaces
    let other = Storage::new(other_ns.clone());
    other
        .create(&rel("app", 1, "ns2", Status::Failed))
        .await
        .unwrap();
    assert_eq!(versions(other.history("app").await.unwrap()), vec![1]);
    assert_eq!(versions(st.history("app").await.unwrap()), vec![3, 4]);
    let all = all_ns.list(&|_| true).await.unwrap();
    assert_eq!(all.len(), 3);
    let all_uninstalled = Storage::new(all_ns.clone())
        .list_uninstalled()
        .await
        .unwrap();
    assert!(all_uninstalled.is_empty());
    // get in all-namespaces mode finds the object by its labels
    assert_eq!(
        all_ns.get(&make_key("app", 4)).await.unwrap().info.status,
        Status::PendingUpgrade
    );

    // delete
    let gone = st.delete("app", 4).await.unwrap();
    assert_eq!(gone.version, 4);
    assert_eq!(
        st.delete("app", 4).await.unwrap_err().kind,
        ErrorKind::NotFound
    );
    assert_eq!(versions(st.history("app").await.unwrap()), vec![3]);
    assert_eq!(
        all_ns.delete(&make_key("app", 1)).await.unwrap().namespace,
        "ns2"
    );
    assert_eq!(
        other.history("app").await.unwrap_err().kind,
        ErrorKind::NotFound
    );
}

#[tokio::test]
async fn memory_driver() {
    let d = Driver::memory().in_namespace("ns1");
    assert_eq!(d.name(), "Memory");
    assert_eq!(
        d.get("garbage").await.unwrap_err().kind,
        ErrorKind::InvalidKey
    );
    exercise(d.clone(), d.in_namespace("ns2"), d.in_namespace("")).await;
}

/// The memory driver's write fault (test support for the lifecycle's
/// failure paths): chosen writes fail, reads and other writes do not,
/// clones share it, and `None` heals.
#[tokio::test]
async fn memory_write_fault() {
    use capstan_release::driver::{WriteFault, WriteOp};
    let d = Driver::memory().in_namespace("ns1");
    let st = Storage::new(d.clone());
    st.create(&rel("app", 1, "ns1", Status::Deployed))
        .await
        .unwrap();
    let Driver::Memory(m) = &d else {
        unreachable!()
    };
    let fault: WriteFault = std::sync::Arc::new(|op: WriteOp, key: &str, r: Option<&Release>| {
        (op == WriteOp::Update && key.ends_with(".v1") && r.is_some())
            .then(|| Error::new(ErrorKind::Kube, "injected"))
    });
    m.set_write_fault(Some(fault));
    let seen = Storage::new(d.in_namespace("ns1"));
    let err = seen
        .update(&rel("app", 1, "ns1", Status::Superseded))
        .await
        .unwrap_err();
    assert_eq!(err.message, "injected");
    st.create(&rel("app", 2, "ns1", Status::Deployed))
        .await
        .unwrap();
    assert_eq!(
        st.get("app", 1).await.unwrap().info.status,
        Status::Deployed
    );
    m.set_write_fault(None);
    st.update(&rel("app", 1, "ns1", Status::Superseded))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_driver() {
    let emu = common::start_emulator();
    let c = common::client(&emu).await;
    common::create_namespaces(&c, &["ns1", "ns2", "ns3"]).await;
    let d = Driver::secrets(c.clone(), "ns1");
    assert_eq!(d.name(), "Secret");
    exercise(
        d,
        Driver::secrets(c.clone(), "ns2"),
        Driver::secrets(c.clone(), ""),
    )
    .await;

    // The stored object: Helm's type, labels and doubly base64'd payload.
    let st = Storage::new(Driver::secrets(c.clone(), "ns3"));
    let r = rel("obj", 1, "ns3", Status::Deployed);
    st.create(&r).await.unwrap();
    let s = Api::<Secret>::namespaced(c.clone(), "ns3")
        .get("sh.helm.release.v1.obj.v1")
        .await
        .unwrap();
    assert_eq!(s.type_.as_deref(), Some("helm.sh/release.v1"));
    let labels = s.metadata.labels.clone().unwrap();
    let mut keys: Vec<&str> = labels.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        ["createdAt", "name", "owner", "status", "team", "version"]
    );
    assert_eq!(labels["name"], "obj");
    assert_eq!(labels["owner"], "helm");
    assert_eq!(labels["status"], "deployed");
    assert_eq!(labels["version"], "1");
    assert!(labels["createdAt"].parse::<i64>().unwrap() > 1_600_000_000);
    let payload = String::from_utf8(s.data.clone().unwrap()["release"].0.clone()).unwrap();
    let mut back = decode(&payload).unwrap();
    back.labels = r.labels.clone();
    assert_eq!(back, r);

    // A corrupt record is skipped by list, reported by get.
    let mut bad = s.clone();
    bad.metadata = kube::api::ObjectMeta {
        name: Some("sh.helm.release.v1.obj.v2".into()),
        labels: Some(BTreeMap::from([
            ("owner".into(), "helm".into()),
            ("name".into(), "obj".into()),
        ])),
        ..Default::default()
    };
    bad.data = Some(BTreeMap::from([(
        "release".into(),
        k8s_openapi::ByteString(b"%%%".to_vec()),
    )]));
    Api::<Secret>::namespaced(c.clone(), "ns3")
        .create(&Default::default(), &bad)
        .await
        .unwrap();
    assert_eq!(versions(st.history("obj").await.unwrap()), vec![1]);
    let e = st.get("obj", 2).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Codec);
    assert!(
        e.to_string()
            .starts_with("get: failed to decode data \"sh.helm.release.v1.obj.v2\""),
        "{e}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configmaps_driver() {
    let emu = common::start_emulator();
    let c = common::client(&emu).await;
    common::create_namespaces(&c, &["ns1", "ns2", "ns3"]).await;
    let d = Driver::from_name("configmap", c.clone(), "ns1").unwrap();
    assert_eq!(d.name(), "ConfigMap");
    exercise(
        d,
        Driver::configmaps(c.clone(), "ns2"),
        Driver::configmaps(c.clone(), ""),
    )
    .await;
    let st = Storage::new(Driver::configmaps(c.clone(), "ns3"));
    st.create(&rel("obj", 1, "ns3", Status::Deployed))
        .await
        .unwrap();
    let cm = Api::<ConfigMap>::namespaced(c.clone(), "ns3")
        .get("sh.helm.release.v1.obj.v1")
        .await
        .unwrap();
    // ConfigMap data is the single-base64 string (no second encoding).
    let payload = &cm.data.unwrap()["release"];
    assert!(
        payload.starts_with("H4sI"),
        "base64 of a gzip stream: {payload}"
    );
    assert_eq!(decode(payload).unwrap().name, "obj");

    assert_eq!(
        Driver::from_name("", c.clone(), "x").unwrap().name(),
        "Secret"
    );
    assert_eq!(
        Driver::from_name("memory", c.clone(), "x").unwrap().name(),
        "Memory"
    );
    let e = Driver::from_name("sql", c.clone(), "x").err().unwrap();
    assert_eq!(e.kind, ErrorKind::Unsupported);
}
