//! Interoperability with real Helm v4 (the oracle's `helm_python`, Helm's
//! own Go SDK) over the in-process Kubernetes emulator:
//! - Helm writes records; capstan decodes each one and re-encodes it to the
//!   very same JSON bytes Helm wrote;
//! - capstan writes records; Helm lists, shows and upgrades them.
//!
//! Skipped (with a message) when ../shared or the oracle is absent.

use crate::common;

use std::collections::BTreeMap;

use capstan_release::*;
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use kube::api::{Api, ListParams};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn helm_written_records_round_trip_byte_for_byte() {
    let Some(py) = common::oracle_python("helm_written_records_round_trip_byte_for_byte") else {
        return;
    };
    let emu = common::start_emulator();
    let emu_ref = &emu;
    let out = tokio::task::block_in_place(|| common::run_helm(&py, emu_ref, "write"));
    assert_eq!(out["ok"], true);
    let client = common::client(&emu).await;

    // Every record object, raw: data.release → base64/gunzip → JSON bytes.
    let secrets: Api<Secret> = Api::namespaced(client.clone(), "default");
    let list = secrets
        .list(&ListParams::default().labels("owner=helm"))
        .await
        .expect("list secrets");
    let mut checked = 0;
    let mut seen = String::new();
    for s in &list.items {
        assert_eq!(s.type_.as_deref(), Some("helm.sh/release.v1"));
        let payload = String::from_utf8(s.data.as_ref().unwrap()["release"].0.clone()).unwrap();
        let json = decode_bytes(&payload).expect("decode");
        let r = from_json(&json).expect("parse");
        let again = to_json(&r);
        assert_eq!(
            again.as_bytes(),
            &json[..],
            "record {:?} does not round-trip",
            s.metadata.name
        );
        // Our own envelope decodes back to the same release.
        assert_eq!(decode(&encode(&r).unwrap()).unwrap(), r);
        seen.push_str(&String::from_utf8_lossy(&json));
        checked += 1;
    }
    // The values exercised Go's escaping and float formatting.
    for needle in [
        r#"\u003c\u0026\u003e"#,
        r#"\u2028"#,
        r#"\u0001"#,
        r#"\t"#,
        "1e+21",
        "1e-7",
        "0.25",
        r#""deleted""#,
    ] {
        if needle == r#""deleted""# {
            assert!(!seen.contains(needle), "Helm 4 omits a zero deleted time");
        } else {
            assert!(seen.contains(needle), "records lack {needle}");
        }
    }
    assert_eq!(checked, 3, "install, upgrade, rollback");

    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    let list = cms
        .list(&ListParams::default().labels("owner=helm"))
        .await
        .expect("list configmaps");
    assert_eq!(list.items.len(), 1);
    for c in &list.items {
        let json = decode_bytes(&c.data.as_ref().unwrap()["release"]).unwrap();
        assert_eq!(to_json(&from_json(&json).unwrap()).as_bytes(), &json[..]);
    }

    // The same records through the driver and Storage.
    let st = Storage::new(Driver::secrets(client.clone(), "default"));
    let h = st.history("hr").await.expect("history");
    let mut statuses: Vec<(i64, Status)> = h.iter().map(|r| (r.version, r.info.status)).collect();
    statuses.sort_by_key(|x| x.0);
    assert_eq!(
        statuses,
        vec![
            (1, Status::Superseded),
            (2, Status::Superseded),
            (3, Status::Deployed)
        ]
    );
    let deployed = st.deployed("hr").await.unwrap();
    assert_eq!(deployed.version, 3);
    assert_eq!(deployed.info.description, "Rollback to 1");
    let v1 = st.get("hr", 1).await.unwrap();
    assert_eq!(
        v1.labels,
        BTreeMap::from([
            ("team".into(), "data".into()),
            ("tier".into(), "gold".into())
        ])
    );
    assert_eq!(v1.info.description, "first <install>");
    assert_eq!(v1.apply_method.as_deref(), Some("ssa"));
    assert_eq!(v1.chart.as_ref().unwrap().name(), "demo");
    assert_eq!(v1.config["replicaCount"], 2);
    assert!(v1
        .hooks
        .iter()
        .any(|h| h.events == ["pre-upgrade"] && h.weight == -5));
    // The upgrade ran the pre-upgrade hook: its last run is recorded.
    let v2 = st.get("hr", 2).await.unwrap();
    let hook = v2
        .hooks
        .iter()
        .find(|h| h.events == ["pre-upgrade"])
        .unwrap();
    assert_eq!(hook.last_run.phase, "Succeeded");
    assert!(!hook.last_run.started_at.is_zero() && !hook.last_run.completed_at.is_zero());
    let cm = Storage::new(Driver::configmaps(client.clone(), "default"));
    assert_eq!(cm.last("hcm").await.unwrap().config["message"], "cm");
    // All namespaces.
    let all = Driver::secrets(client.clone(), "")
        .list(&|_| true)
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
}

/// A release as capstan's install would record it, from the demo chart.
fn our_release(name: &str, chart_dir: &std::path::Path) -> Release {
    let chart = chart::load(chart_dir).expect("load demo chart");
    let mut config = BTreeMap::new();
    config.insert("message".to_string(), Json::from("from capstan"));
    config.insert("replicaCount".to_string(), Json::from(1));
    let now = Time::now();
    Release {
        name: name.into(),
        info: Info {
            first_deployed: now,
            last_deployed: now,
            description: "Install complete".into(),
            status: Status::Deployed,
            notes: format!("{name} notes\n"),
            ..Default::default()
        },
        chart: Some(ChartRecord::from_chart(&chart)),
        config,
        manifest: format!(
            "---\n# Source: demo/templates/configmap.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}-config\ndata:\n  message: \"from capstan\"\n"
        ),
        hooks: vec![],
        version: 1,
        namespace: "default".into(),
        labels: BTreeMap::from([("team".into(), "capstan".into())]),
        apply_method: Some("ssa".into()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn helm_reads_and_upgrades_capstan_records() {
    let Some(py) = common::oracle_python("helm_reads_and_upgrades_capstan_records") else {
        return;
    };
    let chart_dir = common::demo_chart_dir().unwrap();
    let emu = common::start_emulator();
    let client = common::client(&emu).await;
    let st = Storage::new(Driver::secrets(client.clone(), "default"));
    let ours = our_release("cap", &chart_dir);
    st.create(&ours).await.expect("create cap");
    let cm = Storage::new(Driver::configmaps(client.clone(), "default"));
    cm.create(&our_release("capcm", &chart_dir))
        .await
        .expect("create capcm");

    let emu_ref = &emu;
    let out = tokio::task::block_in_place(|| common::run_helm(&py, emu_ref, "read"));
    let hist = out["history"].as_array().expect("history list");
    assert_eq!(hist.len(), 1, "{out}");
    let text = out.to_string();
    assert!(
        text.contains("from capstan"),
        "values or manifest missing: {text}"
    );
    assert!(text.contains("cap notes"), "notes missing: {text}");
    assert!(text.contains("deployed"), "{text}");
    assert_eq!(out["cm_history"].as_array().map(Vec::len), Some(1), "{out}");
    assert_eq!(
        out["history_after"].as_array().map(Vec::len),
        Some(2),
        "{out}"
    );

    // Helm superseded our revision 1 and wrote revision 2, which we read back.
    let v1 = st.get("cap", 1).await.unwrap();
    assert_eq!(v1.info.status, Status::Superseded);
    // Helm re-marshalled our record when it superseded it: apart from the
    // fields it changed, its bytes are exactly what we write.
    let raw: Api<Secret> = Api::namespaced(client.clone(), "default");
    let obj = raw.get("sh.helm.release.v1.cap.v1").await.unwrap();
    let helm_bytes =
        decode_bytes(std::str::from_utf8(&obj.data.as_ref().unwrap()["release"].0).unwrap())
            .unwrap();
    let mut expect = ours.clone();
    expect.info.status = v1.info.status;
    expect.info.description = v1.info.description.clone();
    assert_eq!(
        to_json(&expect),
        String::from_utf8(helm_bytes).unwrap(),
        "Go's marshalling of our record differs"
    );
    let v2 = st.last("cap").await.unwrap();
    assert_eq!((v2.version, v2.info.status), (2, Status::Deployed));
    assert_eq!(v2.config["message"], "helm upgraded");
    assert_eq!(v2.labels.get("team").map(String::as_str), Some("capstan"));
    eprintln!(
        "helm output: {}",
        serde_json::to_string_pretty(&out).unwrap()
    );
}
