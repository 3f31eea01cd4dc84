//! The seed's release story end to end, through the `capstan` binary
//! against the in-process Kubernetes API emulator: one chart in three
//! environments, an atomic upgrade whose model-validation hook fails and
//! is rolled back, a passing upgrade, a rollback, list/history/status/get,
//! the umbrella chart as one release, uninstall — and an upgrade killed
//! halfway that `rollback` recovers.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use capstan_kube_emulator::{Emulator, Options};
use serde_json::Value as Json;

struct Env {
    _emu: Emulator,
    dir: PathBuf,
    kubeconfig: PathBuf,
}

impl Drop for Env {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn start(opts: Options) -> Env {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let dir = std::env::temp_dir().join(format!("capstan-lifecycle-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let kubeconfig = dir.join("kubeconfig");
    let emu = Emulator::start(Options { kubeconfig: Some(kubeconfig.clone()), ready_after_ms: 100, ..opts }).expect("start emulator");
    Env { _emu: emu, dir, kubeconfig }
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn example(name: &str) -> String {
    repo().join("examples").join(name).to_string_lossy().into_owned()
}

impl Env {
    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_capstan"))
            .args(args)
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .env_remove("HELM_DRIVER")
            .env_remove("HELM_NAMESPACE")
            .output()
            .expect("run capstan")
    }

    /// Run and require success; returns stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "capstan {args:?} failed:\nstdout:\n{stdout}\nstderr:\n{stderr}");
        stdout
    }

    /// Run and require failure; returns stderr.
    fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(!out.status.success(), "capstan {args:?} should have failed; stdout:\n{}", String::from_utf8_lossy(&out.stdout));
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    /// `history -o json` as (revision, status, description).
    fn history(&self, name: &str, ns: &str) -> Vec<(i64, String, String)> {
        let out = self.ok(&["history", name, "-n", ns, "-o", "json"]);
        let v: Json = serde_json::from_str(&out).expect("history json");
        v.as_array()
            .expect("array")
            .iter()
            .map(|r| {
                (
                    r["revision"].as_i64().unwrap_or(-1),
                    r["status"].as_str().unwrap_or("").to_string(),
                    r["description"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect()
    }

    fn statuses(&self, name: &str, ns: &str) -> Vec<(i64, String)> {
        self.history(name, ns).into_iter().map(|(r, s, _)| (r, s)).collect()
    }
}

fn hs(items: &[(i64, &str)]) -> Vec<(i64, String)> {
    items.iter().map(|(r, s)| (*r, s.to_string())).collect()
}

#[test]
fn seed_scenario_one_chart_three_environments() {
    let env = start(Options::default());
    let chart = example("fraud-model");
    let vals = |f: &str| format!("{chart}/{f}");

    // Three environments from one chart.
    let dev = env.ok(&["install", "fraud-model", &chart, "-n", "team-fraud-dev", "--create-namespace"]);
    assert!(dev.contains("NAME: fraud-model\n") && dev.contains("STATUS: deployed\n") && dev.contains("REVISION: 1\n"), "{dev}");
    assert!(dev.contains("NOTES:\n"), "notes are printed: {dev}");
    env.ok(&["install", "fraud-model", &chart, "-n", "team-fraud-staging", "--create-namespace", "-f", &vals("values-staging.yaml")]);
    env.ok(&["install", "fraud-model", &chart, "-n", "team-fraud-prod", "--create-namespace", "-f", &vals("values-prod.yaml")]);

    // The same name again in one namespace is refused, as Helm refuses it.
    let err = env.fails(&["install", "fraud-model", &chart, "-n", "team-fraud-prod"]);
    assert!(err.contains("cannot re-use a name that is still in use"), "{err}");

    // An atomic upgrade of prod whose model fails validation: the
    // pre-upgrade Job gets MODEL_PATH, the emulator fails it, and the
    // release goes back to revision 1.
    let err = env.fails(&[
        "upgrade", "fraud-model", &chart, "-n", "team-fraud-prod", "-f", &vals("values-prod.yaml"),
        "--set", "image.tag=v2.2.0", "--set", "model.path=/models/fraud/v2.2.0-fail/model.pt",
        "--rollback-on-failure", "--timeout", "60s",
    ]);
    assert!(err.contains("UPGRADE FAILED: release fraud-model failed, and has been rolled back due to rollback-on-failure being set: pre-upgrade hooks failed:"), "{err}");
    assert!(err.contains("fraud-model-validate") || err.contains("Job/team-fraud-prod/"), "names the failed Job: {err}");
    let h = env.history("fraud-model", "team-fraud-prod");
    assert_eq!(h.iter().map(|(r, s, _)| (*r, s.clone())).collect::<Vec<_>>(), hs(&[(1, "superseded"), (2, "failed"), (3, "deployed")]));
    assert_eq!(h[2].2, "Rollback to 1");
    assert!(h[1].2.starts_with("Upgrade \"fraud-model\" failed: pre-upgrade hooks failed:"), "{:?}", h[1]);
    let values = env.ok(&["get", "values", "fraud-model", "-n", "team-fraud-prod", "-o", "json"]);
    assert!(!values.contains("v2.2.0"), "rolled-back values are revision 1's: {values}");

    // A model that passes: the upgrade lands as revision 4.
    let up = env.ok(&[
        "upgrade", "fraud-model", &chart, "-n", "team-fraud-prod", "-f", &vals("values-prod.yaml"),
        "--set", "image.tag=v2.2.0", "--set", "model.path=/models/fraud/v2.2.0/model.pt", "--rollback-on-failure",
    ]);
    assert!(up.starts_with("Release \"fraud-model\" has been upgraded. Happy Helming!\n"), "{up}");
    assert!(up.contains("REVISION: 4\n") && up.contains("DESCRIPTION: Upgrade complete\n"), "{up}");
    let manifest = env.ok(&["get", "manifest", "fraud-model", "-n", "team-fraud-prod"]);
    assert!(manifest.contains("fraud-model:v2.2.0"), "the new image is deployed");
    let hooks = env.ok(&["get", "hooks", "fraud-model", "-n", "team-fraud-prod"]);
    assert!(hooks.contains("# Source: fraud-model/templates/model-validation-job.yaml") && hooks.contains("pre-upgrade"), "{hooks}");

    // Rollback to the first revision.
    let rb = env.ok(&["rollback", "fraud-model", "1", "-n", "team-fraud-prod"]);
    assert_eq!(rb, "Rollback was a success! Happy Helming!\n");
    assert_eq!(
        env.statuses("fraud-model", "team-fraud-prod"),
        hs(&[(1, "superseded"), (2, "failed"), (3, "superseded"), (4, "superseded"), (5, "deployed")])
    );
    let manifest = env.ok(&["get", "manifest", "fraud-model", "-n", "team-fraud-prod"]);
    assert!(!manifest.contains("fraud-model:v2.2.0") && manifest.contains("fraud-model:v2.1.0"), "revision 1's image is back");

    // list -A: one release per environment, each on its latest revision.
    let list = env.ok(&["list", "-A"]);
    let lines: Vec<&str> = list.lines().collect();
    let header: Vec<&str> = lines[0].split('\t').map(str::trim).collect();
    assert_eq!(header, ["NAME", "NAMESPACE", "REVISION", "UPDATED", "STATUS", "CHART", "APP VERSION"], "{list}");
    assert_eq!(lines.len(), 4, "{list}");
    assert!(list.contains("team-fraud-prod") && list.contains("team-fraud-staging") && list.contains("team-fraud-dev"));
    let short = env.ok(&["list", "-n", "team-fraud-prod", "-q"]);
    assert_eq!(short, "fraud-model\n");

    // history's table has Helm's columns.
    let table = env.ok(&["history", "fraud-model", "-n", "team-fraud-prod"]);
    let header: Vec<&str> = table.lines().next().unwrap_or("").split('\t').map(str::trim).collect();
    assert_eq!(header, ["REVISION", "UPDATED", "STATUS", "CHART", "APP VERSION", "DESCRIPTION"], "{table}");
    assert_eq!(table.lines().count(), 6);

    // status of an older revision.
    let st = env.ok(&["status", "fraud-model", "-n", "team-fraud-prod", "--revision", "2"]);
    assert!(st.contains("STATUS: failed\n"), "{st}");

    // Uninstall removes the records (and --keep-history keeps them).
    let un = env.ok(&["uninstall", "fraud-model", "-n", "team-fraud-dev"]);
    assert_eq!(un, "release \"fraud-model\" uninstalled\n");
    let err = env.fails(&["status", "fraud-model", "-n", "team-fraud-dev"]);
    assert!(err.contains("release: not found"), "{err}");
    env.ok(&["uninstall", "fraud-model", "-n", "team-fraud-staging", "--keep-history"]);
    assert_eq!(env.statuses("fraud-model", "team-fraud-staging"), hs(&[(1, "uninstalled")]));
    let uninstalled = env.ok(&["list", "-n", "team-fraud-staging", "--uninstalled", "-q"]);
    assert_eq!(uninstalled, "fraud-model\n");
}

#[test]
fn umbrella_chart_is_one_release() {
    let env = start(Options::default());
    let chart = example("ml-serving-stack");
    let dev = format!("{chart}/values-dev.yaml");
    let prod = format!("{chart}/values-prod.yaml");
    env.ok(&["dependency", "list", &chart]);
    let out = env.ok(&["install", "stack", &chart, "-n", "ml", "--create-namespace", "-f", &dev, "--wait", "--timeout", "60s"]);
    assert!(out.contains("STATUS: deployed\n"), "{out}");
    let manifest = env.ok(&["get", "manifest", "stack", "-n", "ml"]);
    // The aliased subchart keeps its chart name in template paths.
    for sub in ["fraud-model", "feature-store-proxy", "redis"] {
        assert!(manifest.contains(&format!("# Source: ml-serving-stack/charts/{sub}/")), "{sub} is part of the release:\n{manifest}");
    }
    let up = env.ok(&["upgrade", "stack", &chart, "-n", "ml", "-f", &prod, "--wait", "--timeout", "60s"]);
    assert!(up.contains("REVISION: 2\n"), "{up}");
    assert_eq!(env.statuses("stack", "ml"), hs(&[(1, "superseded"), (2, "deployed")]));
    // Values flow: `get values` shows what was supplied for revision 2.
    let v = env.ok(&["get", "values", "stack", "-n", "ml", "-o", "json"]);
    let v: Json = serde_json::from_str(&v).expect("values json");
    assert_eq!(v.pointer("/global/environment").and_then(Json::as_str), Some("prod"));
    // Upgrading without value flags reuses the deployed values (Helm's default).
    env.ok(&["upgrade", "stack", &chart, "-n", "ml"]);
    let v3: Json = serde_json::from_str(&env.ok(&["get", "values", "stack", "-n", "ml", "-o", "json"])).expect("json");
    assert_eq!(v3.pointer("/global/environment").and_then(Json::as_str), Some("prod"));
    env.ok(&["uninstall", "stack", "-n", "ml", "--wait"]);
    let list = env.ok(&["list", "-A", "-q"]);
    assert_eq!(list, "");
}

#[test]
fn interrupted_upgrade_is_recoverable() {
    // The Deployment of this upgrade never becomes ready, so `--wait` keeps
    // the process busy with the release pending; then it is killed.
    let env = start(Options::default());
    let chart = example("fraud-model");
    env.ok(&["install", "fm", &chart, "-n", "crash", "--create-namespace"]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_capstan"))
        .args(["upgrade", "fm", &chart, "-n", "crash", "--set", "model.path=/models/never-ready/model.pt", "--wait", "--timeout", "120s"])
        .arg("--kubeconfig")
        .arg(&env.kubeconfig)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn upgrade");
    // Wait until revision 2 is recorded as pending, then kill -9.
    let mut pending = false;
    for _ in 0..200 {
        std::thread::sleep(std::time::Duration::from_millis(100));
        let out = env.run(&["history", "fm", "-n", "crash", "-o", "json"]);
        if String::from_utf8_lossy(&out.stdout).contains("pending-upgrade") {
            pending = true;
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(pending, "the upgrade recorded a pending revision before it was killed");
    assert_eq!(env.statuses("fm", "crash"), hs(&[(1, "deployed"), (2, "pending-upgrade")]));

    // Another upgrade is refused with Helm's message…
    let err = env.fails(&["upgrade", "fm", &chart, "-n", "crash"]);
    assert!(err.contains("another operation (install/upgrade/rollback) is in progress"), "{err}");
    // …and rollback recovers: a new revision, none lost or duplicated.
    env.ok(&["rollback", "fm", "1", "-n", "crash"]);
    assert_eq!(env.statuses("fm", "crash"), hs(&[(1, "superseded"), (2, "pending-upgrade"), (3, "deployed")]));
    // After that, upgrades work again.
    env.ok(&["upgrade", "fm", &chart, "-n", "crash", "--set", "replicaCount=2"]);
    assert_eq!(env.statuses("fm", "crash").last().cloned(), Some((4, "deployed".to_string())));
}
