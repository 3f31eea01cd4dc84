//! Shared test setup: the in-process Kubernetes emulator, a kube client for
//! it, and (when available) the oracle's Python with real Helm.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;

use capstan_kube_emulator::{Emulator, Options};

pub fn start_emulator() -> Emulator {
    Emulator::start(Options {
        ready_after_ms: 50,
        ..Options::default()
    })
    .expect("start emulator")
}

pub async fn client(emu: &Emulator) -> kube::Client {
    let kc = kube::config::Kubeconfig::from_yaml(&emu.kubeconfig).expect("kubeconfig");
    let cfg = kube::Config::from_custom_kubeconfig(kc, &kube::config::KubeConfigOptions::default())
        .await
        .expect("kube config");
    kube::Client::try_from(cfg).expect("kube client")
}

/// `../shared` relative to the repository root, if present.
pub fn shared_dir() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    p.is_dir().then_some(p)
}

/// The oracle's Python interpreter (with `helm_python`), or `None` with a
/// printed reason.
pub fn oracle_python(test: &str) -> Option<PathBuf> {
    let Some(shared) = shared_dir() else {
        capstan_testkit::skip(format_args!("{test}: skipped: ../shared is absent"));
        return None;
    };
    let setup = shared.join("oracle/setup");
    let out = match Command::new(&setup).output() {
        Ok(o) if o.status.success() => o,
        Ok(o) => {
            capstan_testkit::skip(format_args!(
                "{test}: skipped: oracle setup failed: {}",
                String::from_utf8_lossy(&o.stderr)
            ));
            return None;
        }
        Err(e) => {
            capstan_testkit::skip(format_args!(
                "{test}: skipped: cannot run {}: {e}",
                setup.display()
            ));
            return None;
        }
    };
    let py = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    if !py.is_file() {
        capstan_testkit::skip(format_args!(
            "{test}: skipped: oracle interpreter {} not found",
            py.display()
        ));
        return None;
    }
    Some(py)
}

/// Runs tests/helm_interop.py in MODE against the emulator; returns its JSON output.
pub fn run_helm(py: &PathBuf, emu: &Emulator, mode: &str) -> serde_json::Value {
    let shared = shared_dir().expect("shared");
    let chart = shared.join("kube-clients/chart/demo");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/helm_interop.py");
    let home = tempfile::tempdir().expect("tempdir");
    let out = Command::new(py)
        .arg(&script)
        .arg(&emu.url)
        .arg(&chart)
        .arg(mode)
        .env("HOME", home.path())
        .env("TZ", "UTC")
        .env_remove("KUBECONFIG")
        .output()
        .expect("run python");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "helm_interop.py {mode} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let last = stdout.lines().last().unwrap_or("");
    serde_json::from_str(last)
        .unwrap_or_else(|e| panic!("helm_interop.py {mode}: bad output {e}: {stdout}"))
}

pub fn demo_chart_dir() -> Option<PathBuf> {
    shared_dir().map(|s| s.join("kube-clients/chart/demo"))
}

pub async fn create_namespaces(c: &kube::Client, names: &[&str]) {
    use k8s_openapi::api::core::v1::Namespace;
    let api: kube::Api<Namespace> = kube::Api::all(c.clone());
    for n in names {
        let ns = Namespace {
            metadata: kube::api::ObjectMeta {
                name: Some(n.to_string()),
                ..Default::default()
            },
            ..Default::default()
        };
        api.create(&Default::default(), &ns)
            .await
            .expect("create namespace");
    }
}
