//! The seed's release story end to end, through the `capstan` binary
//! against the in-process Kubernetes API emulator: one chart in three
//! environments, an atomic upgrade whose model-validation hook fails and
//! is rolled back, a passing upgrade, a rollback, list/history/status/get,
//! the umbrella chart as one release, uninstall — and an upgrade killed
//! halfway, whose release lock the next upgrade takes over.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use capstan_kube_emulator::{Options, Sandbox};
use serde_json::Value as Json;

/// The emulator sandbox, with the capstan runners below.
struct Env(Sandbox);

impl std::ops::Deref for Env {
    type Target = Sandbox;
    fn deref(&self) -> &Sandbox {
        &self.0
    }
}

fn start(opts: Options) -> Env {
    Env(Sandbox::start(
        "lifecycle",
        Options {
            ready_after_ms: 100,
            ..opts
        },
    )
    .expect("start emulator"))
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn example(name: &str) -> String {
    repo()
        .join("examples")
        .join(name)
        .to_string_lossy()
        .into_owned()
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
        assert!(
            out.status.success(),
            "capstan {args:?} failed:\nstdout:\n{stdout}\nstderr:\n{stderr}"
        );
        stdout
    }

    /// Run and require failure; returns stderr.
    fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            !out.status.success(),
            "capstan {args:?} should have failed; stdout:\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
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
        self.history(name, ns)
            .into_iter()
            .map(|(r, s, _)| (r, s))
            .collect()
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
    let dev = env.ok(&[
        "install",
        "fraud-model",
        &chart,
        "-n",
        "team-fraud-dev",
        "--create-namespace",
    ]);
    assert!(
        dev.contains("NAME: fraud-model\n")
            && dev.contains("STATUS: deployed\n")
            && dev.contains("REVISION: 1\n"),
        "{dev}"
    );
    assert!(dev.contains("NOTES:\n"), "notes are printed: {dev}");
    env.ok(&[
        "install",
        "fraud-model",
        &chart,
        "-n",
        "team-fraud-staging",
        "--create-namespace",
        "-f",
        &vals("values-staging.yaml"),
    ]);
    env.ok(&[
        "install",
        "fraud-model",
        &chart,
        "-n",
        "team-fraud-prod",
        "--create-namespace",
        "-f",
        &vals("values-prod.yaml"),
    ]);

    // The same name again in one namespace is refused, as Helm refuses it.
    let err = env.fails(&["install", "fraud-model", &chart, "-n", "team-fraud-prod"]);
    assert!(err.contains("INSTALLATION FAILED: release name check failed: cannot reuse a name that is still in use"), "{err}");

    // An atomic upgrade of prod whose model fails validation: the
    // pre-upgrade Job gets MODEL_PATH, the emulator fails it, and the
    // release goes back to revision 1.
    let err = env.fails(&[
        "upgrade",
        "fraud-model",
        &chart,
        "-n",
        "team-fraud-prod",
        "-f",
        &vals("values-prod.yaml"),
        "--set",
        "image.tag=v2.2.0",
        "--set",
        "model.path=/models/fraud/v2.2.0-fail/model.pt",
        "--rollback-on-failure",
        "--timeout",
        "60s",
    ]);
    assert!(err.contains("UPGRADE FAILED: release fraud-model failed, and has been rolled back due to rollback-on-failure being set: pre-upgrade hooks failed:"), "{err}");
    assert!(
        err.contains("Job/team-fraud-prod/fraud-model-pre-upgrade-validate"),
        "names the failed Job: {err}"
    );
    // The hook's output-log policy shows the validator's log (on stderr, as Helm's logger does).
    assert!(
        err.contains("error: exit code 1"),
        "the failed hook's log is shown: {err}"
    );
    let h = env.history("fraud-model", "team-fraud-prod");
    assert_eq!(
        h.iter()
            .map(|(r, s, _)| (*r, s.clone()))
            .collect::<Vec<_>>(),
        hs(&[(1, "superseded"), (2, "failed"), (3, "deployed")])
    );
    assert_eq!(h[2].2, "Rollback to 1");
    assert!(
        h[1].2
            .starts_with("Upgrade \"fraud-model\" failed: pre-upgrade hooks failed:"),
        "{:?}",
        h[1]
    );
    let values = env.ok(&[
        "get",
        "values",
        "fraud-model",
        "-n",
        "team-fraud-prod",
        "-o",
        "json",
    ]);
    assert!(
        !values.contains("v2.2.0"),
        "rolled-back values are revision 1's: {values}"
    );

    // A model that passes: the upgrade lands as revision 4.
    let up = env.ok(&[
        "upgrade",
        "fraud-model",
        &chart,
        "-n",
        "team-fraud-prod",
        "-f",
        &vals("values-prod.yaml"),
        "--set",
        "image.tag=v2.2.0",
        "--set",
        "model.path=/models/fraud/v2.2.0/model.pt",
        "--rollback-on-failure",
    ]);
    assert!(
        up.starts_with("Release \"fraud-model\" has been upgraded. Happy Helming!\n"),
        "{up}"
    );
    assert!(
        up.contains("REVISION: 4\n") && up.contains("DESCRIPTION: Upgrade complete\n"),
        "{up}"
    );
    let manifest = env.ok(&["get", "manifest", "fraud-model", "-n", "team-fraud-prod"]);
    assert!(
        manifest.contains("fraud-model:v2.2.0"),
        "the new image is deployed"
    );
    let hooks = env.ok(&["get", "hooks", "fraud-model", "-n", "team-fraud-prod"]);
    assert!(
        hooks.contains("# Source: fraud-model/templates/model-validation-job.yaml")
            && hooks.contains("pre-upgrade"),
        "{hooks}"
    );

    // Rollback to the first revision.
    let rb = env.ok(&["rollback", "fraud-model", "1", "-n", "team-fraud-prod"]);
    assert_eq!(rb, "Rollback was a success! Happy Helming!\n");
    assert_eq!(
        env.statuses("fraud-model", "team-fraud-prod"),
        hs(&[
            (1, "superseded"),
            (2, "failed"),
            (3, "superseded"),
            (4, "superseded"),
            (5, "deployed")
        ])
    );
    let manifest = env.ok(&["get", "manifest", "fraud-model", "-n", "team-fraud-prod"]);
    assert!(
        !manifest.contains("fraud-model:v2.2.0") && manifest.contains("fraud-model:v2.1.0"),
        "revision 1's image is back"
    );

    // list -A: one release per environment, each on its latest revision.
    let list = env.ok(&["list", "-A"]);
    let lines: Vec<&str> = list.lines().collect();
    let header: Vec<&str> = lines[0].split('\t').map(str::trim).collect();
    assert_eq!(
        header,
        [
            "NAME",
            "NAMESPACE",
            "REVISION",
            "UPDATED",
            "STATUS",
            "CHART",
            "APP VERSION"
        ],
        "{list}"
    );
    assert_eq!(lines.len(), 4, "{list}");
    assert!(
        list.contains("team-fraud-prod")
            && list.contains("team-fraud-staging")
            && list.contains("team-fraud-dev")
    );
    let short = env.ok(&["list", "-n", "team-fraud-prod", "-q"]);
    assert_eq!(short, "fraud-model\n");

    // history's table has Helm's columns.
    let table = env.ok(&["history", "fraud-model", "-n", "team-fraud-prod"]);
    let header: Vec<&str> = table
        .lines()
        .next()
        .unwrap_or("")
        .split('\t')
        .map(str::trim)
        .collect();
    assert_eq!(
        header,
        [
            "REVISION",
            "UPDATED",
            "STATUS",
            "CHART",
            "APP VERSION",
            "DESCRIPTION"
        ],
        "{table}"
    );
    assert_eq!(table.lines().count(), 6);

    // status of an older revision.
    let st = env.ok(&[
        "status",
        "fraud-model",
        "-n",
        "team-fraud-prod",
        "--revision",
        "2",
    ]);
    assert!(st.contains("STATUS: failed\n"), "{st}");

    // Uninstall removes the records (and --keep-history keeps them).
    let un = env.ok(&["uninstall", "fraud-model", "-n", "team-fraud-dev"]);
    assert_eq!(un, "release \"fraud-model\" uninstalled\n");
    let err = env.fails(&["status", "fraud-model", "-n", "team-fraud-dev"]);
    assert!(err.contains("release: not found"), "{err}");
    env.ok(&[
        "uninstall",
        "fraud-model",
        "-n",
        "team-fraud-staging",
        "--keep-history",
    ]);
    assert_eq!(
        env.statuses("fraud-model", "team-fraud-staging"),
        hs(&[(1, "uninstalled")])
    );
    let uninstalled = env.ok(&["list", "-n", "team-fraud-staging", "--uninstalled", "-q"]);
    assert_eq!(uninstalled, "fraud-model\n");
    // `upgrade --install` over a kept, uninstalled release installs it again as the next revision.
    let again = env.ok(&[
        "upgrade",
        "--install",
        "fraud-model",
        &chart,
        "-n",
        "team-fraud-staging",
        "-f",
        &vals("values-staging.yaml"),
    ]);
    assert!(
        again.starts_with("Release \"fraud-model\" does not exist. Installing it now.\n"),
        "{again}"
    );
    assert_eq!(
        env.statuses("fraud-model", "team-fraud-staging"),
        hs(&[(1, "superseded"), (2, "deployed")])
    );
}

#[test]
fn umbrella_chart_is_one_release() {
    let env = start(Options::default());
    let chart = example("ml-serving-stack");
    let dev = format!("{chart}/values-dev.yaml");
    let prod = format!("{chart}/values-prod.yaml");
    env.ok(&["dependency", "list", &chart]);
    let out = env.ok(&[
        "install",
        "stack",
        &chart,
        "-n",
        "ml",
        "--create-namespace",
        "-f",
        &dev,
        "--wait",
        "--timeout",
        "60s",
    ]);
    assert!(out.contains("STATUS: deployed\n"), "{out}");
    let manifest = env.ok(&["get", "manifest", "stack", "-n", "ml"]);
    // The aliased subchart keeps its chart name in template paths.
    for sub in ["fraud-model", "feature-store-proxy", "redis"] {
        assert!(
            manifest.contains(&format!("# Source: ml-serving-stack/charts/{sub}/")),
            "{sub} is part of the release:\n{manifest}"
        );
    }
    let up = env.ok(&[
        "upgrade",
        "stack",
        &chart,
        "-n",
        "ml",
        "-f",
        &prod,
        "--wait",
        "--timeout",
        "60s",
    ]);
    assert!(up.contains("REVISION: 2\n"), "{up}");
    assert_eq!(
        env.statuses("stack", "ml"),
        hs(&[(1, "superseded"), (2, "deployed")])
    );
    // Values flow: `get values` shows what was supplied for revision 2.
    let v = env.ok(&["get", "values", "stack", "-n", "ml", "-o", "json"]);
    let v: Json = serde_json::from_str(&v).expect("values json");
    assert_eq!(
        v.pointer("/global/environment").and_then(Json::as_str),
        Some("prod")
    );
    // Upgrading without value flags reuses the deployed values (Helm's default).
    env.ok(&["upgrade", "stack", &chart, "-n", "ml"]);
    let v3: Json =
        serde_json::from_str(&env.ok(&["get", "values", "stack", "-n", "ml", "-o", "json"]))
            .expect("json");
    assert_eq!(
        v3.pointer("/global/environment").and_then(Json::as_str),
        Some("prod")
    );
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
        .args([
            "upgrade",
            "fm",
            &chart,
            "-n",
            "crash",
            "--set",
            "model.path=/models/never-ready/model.pt",
            "--wait",
            "--timeout",
            "120s",
        ])
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
    assert!(
        pending,
        "the upgrade recorded a pending revision before it was killed"
    );
    // While it runs, it holds the release's lock: another upgrade, a
    // rollback and an uninstall are refused with Helm's message (Helm
    // refuses only the first; the others race it).
    for args in [
        vec!["upgrade", "fm", chart.as_str(), "-n", "crash"],
        vec!["rollback", "fm", "1", "-n", "crash"],
        vec!["uninstall", "fm", "-n", "crash"],
    ] {
        let err = env.fails(&args);
        assert!(
            err.contains("another operation (install/upgrade/rollback) is in progress")
                && err.contains("is locked by capstan@"),
            "{args:?}: {err}"
        );
    }
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(
        env.statuses("fm", "crash"),
        hs(&[(1, "deployed"), (2, "pending-upgrade")])
    );

    // Killed: its lock's holder is a process of this machine that is gone,
    // so the next upgrade takes the lock over at once, marks the abandoned
    // revision failed and goes ahead (Helm refuses every upgrade from now
    // on, until someone rolls back by hand).
    let out = env.run(&[
        "upgrade",
        "fm",
        &chart,
        "-n",
        "crash",
        "--set",
        "replicaCount=2",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("revision 2 of \"fm\" was left pending-upgrade by a client that stopped"),
        "{stderr}"
    );
    assert_eq!(
        env.statuses("fm", "crash"),
        hs(&[(1, "superseded"), (2, "failed"), (3, "deployed")])
    );
    // Rollback works as ever.
    env.ok(&["rollback", "fm", "1", "-n", "crash"]);
    assert_eq!(
        env.statuses("fm", "crash").last().cloned(),
        Some((4, "deployed".to_string()))
    );
}

/// A small chart written by the test: a ConfigMap, and a test Pod hook.
fn tiny_chart(dir: &Path) -> String {
    let c = dir.join("tiny");
    std::fs::create_dir_all(c.join("templates/tests")).expect("mkdir");
    std::fs::write(
        c.join("Chart.yaml"),
        "apiVersion: v2\nname: tiny\nversion: 0.1.0\nappVersion: \"1.0\"\n",
    )
    .expect("write");
    std::fs::write(c.join("values.yaml"), "message: hello\nextra: false\n").expect("write");
    std::fs::write(
        c.join("templates/cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cm\ndata:\n  message: {{ .Values.message | quote }}\n  revision: {{ .Release.Revision | quote }}\n",
    )
    .expect("write");
    std::fs::write(
        c.join("templates/extra.yaml"),
        "{{- if .Values.extra }}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-extra\ndata: {}\n{{- end }}\n",
    )
    .expect("write");
    std::fs::write(
        c.join("templates/tests/check.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}-check\n  annotations:\n    helm.sh/hook: test\nspec:\n  restartPolicy: Never\n  containers:\n    - name: check\n      image: busybox\n      command: [\"true\"]\n",
    )
    .expect("write");
    // `lookup` reads the live cluster on install/upgrade (not in client dry runs).
    std::fs::write(
        c.join("templates/seen.yaml"),
        "{{- $cm := lookup \"v1\" \"ConfigMap\" .Release.Namespace (printf \"%s-cm\" .Release.Name) }}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-seen\ndata:\n  previous: {{ dig \"data\" \"message\" \"none\" $cm | quote }}\n",
    )
    .expect("write");
    std::fs::write(
        c.join("templates/NOTES.txt"),
        "{{ .Release.Name }} says {{ .Values.message }}\n",
    )
    .expect("write");
    c.to_string_lossy().into_owned()
}

#[test]
fn flags_dry_run_ownership_labels_history_and_tests() {
    let env = start(Options::default());
    let chart = tiny_chart(&env.dir);

    // --dry-run prints Helm's dry-run status (hooks and manifest) and records nothing.
    let dry = env.ok(&["install", "t", &chart, "-n", "ns1", "--dry-run"]);
    assert!(
        dry.contains("STATUS: pending-install\n")
            && dry.contains("DESCRIPTION: Dry run complete\n"),
        "{dry}"
    );
    assert!(
        dry.contains("HOOKS:\n---\n# Source: tiny/templates/tests/check.yaml\n")
            && dry.contains("MANIFEST:\n---\n# Source: tiny/templates/cm.yaml\n"),
        "{dry}"
    );
    assert!(env
        .fails(&["status", "t", "-n", "ns1"])
        .contains("release: not found"));
    assert!(
        dry.contains("previous: \"none\""),
        "lookup is offline in a client dry run: {dry}"
    );

    // install with labels and a description; status -o json is the release record.
    env.ok(&[
        "install",
        "t",
        &chart,
        "-n",
        "ns1",
        "--create-namespace",
        "--labels",
        "team=fraud,tier=gold",
        "--description",
        "first",
    ]);
    let st: Json = serde_json::from_str(&env.ok(&["status", "t", "-n", "ns1", "-o", "json"]))
        .expect("status json");
    assert_eq!(st["info"]["description"], "first");
    assert_eq!(st["version"], 1);
    assert!(
        st.get("chart").is_none(),
        "status strips the chart, as Helm does"
    );
    assert_eq!(st["apply_method"], "ssa");
    let t = env.ok(&["get", "all", "t", "-n", "ns1", "--template", "{{ .Release.Name }} r{{ .Release.Version }} {{ .Release.Info.Status }} {{ .Release.Chart.Metadata.Version }}"]);
    assert_eq!(t, "t r1 deployed 0.1.0");
    let meta = env.ok(&["get", "metadata", "t", "-n", "ns1"]);
    // Helm 4.2.3 shows the record's labels, its own (name, owner, …) included.
    let labels = meta
        .lines()
        .find(|l| l.starts_with("LABELS: "))
        .unwrap_or("");
    assert!(
        labels.contains("team=fraud,tier=gold") && labels.contains("owner=helm"),
        "{meta}"
    );
    assert!(
        meta.contains("CHART: tiny\n") && meta.contains("REVISION: 1\n"),
        "{meta}"
    );
    let listed = env.ok(&["list", "-n", "ns1", "-l", "team=fraud", "-q"]);
    assert_eq!(listed, "t\n");
    assert_eq!(env.ok(&["list", "-n", "ns1", "-l", "team=other", "-q"]), "");

    // history/list JSON carry Helm's field names.
    let h: Json =
        serde_json::from_str(&env.ok(&["history", "t", "-n", "ns1", "-o", "json"])).expect("json");
    let keys: Vec<&str> = h[0]
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    for k in [
        "revision",
        "updated",
        "status",
        "chart",
        "app_version",
        "description",
    ] {
        assert!(keys.contains(&k), "history has {k}: {h}");
    }
    let l: Json =
        serde_json::from_str(&env.ok(&["list", "-n", "ns1", "-o", "json"])).expect("json");
    assert_eq!(
        l[0]["revision"], "1",
        "list's revision is a string in Helm: {l}"
    );
    assert_eq!(l[0]["chart"], "tiny-0.1.0");

    // A server-side dry run validates against the cluster and records nothing.
    let dry = env.ok(&[
        "upgrade",
        "t",
        &chart,
        "-n",
        "ns1",
        "--set",
        "extra=true",
        "--dry-run=server",
    ]);
    assert!(
        dry.contains("DESCRIPTION: Dry run complete\n") && dry.contains("REVISION: 2\n"),
        "{dry}"
    );
    assert_eq!(env.statuses("t", "ns1"), hs(&[(1, "deployed")]));
    env.ok(&["upgrade", "t", &chart, "-n", "ns1", "--set", "extra=true"]);

    // `lookup` saw the live ConfigMap of the previous revision.
    let m = env.ok(&["get", "manifest", "t", "-n", "ns1"]);
    assert!(m.contains("previous: \"hello\""), "{m}");
    assert!(
        dry.contains("previous: \"hello\""),
        "server dry runs look up too: {dry}"
    );

    // --reuse-values keeps the previous revision's user values and adds new ones.
    env.ok(&[
        "upgrade",
        "t",
        &chart,
        "-n",
        "ns1",
        "--reuse-values",
        "--set",
        "message=again",
    ]);
    let v: Json = serde_json::from_str(&env.ok(&["get", "values", "t", "-n", "ns1", "-o", "json"]))
        .expect("json");
    assert_eq!(v, serde_json::json!({"extra": true, "message": "again"}));
    let all: Json =
        serde_json::from_str(&env.ok(&["get", "values", "t", "-n", "ns1", "--all", "-o", "json"]))
            .expect("json");
    assert_eq!(all["message"], "again");
    // --reset-values drops them; the object the chart no longer renders is deleted.
    env.ok(&["upgrade", "t", &chart, "-n", "ns1", "--reset-values"]);
    let m = env.ok(&["get", "manifest", "t", "-n", "ns1"]);
    assert!(
        !m.contains("t-extra") && m.contains("revision: \"4\""),
        "{m}"
    );

    // --history-max prunes old revisions but keeps the deployed one.
    env.ok(&["upgrade", "t", &chart, "-n", "ns1", "--history-max", "2"]);
    let revs: Vec<i64> = env
        .statuses("t", "ns1")
        .into_iter()
        .map(|(r, _)| r)
        .collect();
    assert_eq!(revs, vec![4, 5]);

    // `test` runs the test hooks and records their phase; --logs prints the Pods' logs after the status.
    let out = env.ok(&["test", "t", "-n", "ns1", "--logs"]);
    assert!(
        out.contains("TEST SUITE:     t-check\n") && out.contains("Phase:          Succeeded\n"),
        "{out}"
    );
    assert!(
        out.contains("\n\nPOD LOGS: t-check\ncontainer check ran"),
        "{out}"
    );
    let st = env.ok(&["status", "t", "-n", "ns1"]);
    assert!(st.contains("TEST SUITE:     t-check\n"), "{st}");
    // Helm 4's status table lists the live objects, per version/Kind.
    let resources = st.split("RESOURCES:\n").nth(1).unwrap_or("");
    assert!(resources.starts_with("==> v1/ConfigMap\nNAME"), "{st}");
    assert!(
        resources.lines().nth(2).unwrap_or("").starts_with("t-cm "),
        "{st}"
    );
}

#[test]
fn objects_of_another_release_are_refused() {
    let env = start(Options::default());
    let chart = tiny_chart(&env.dir);
    env.ok(&["install", "a", &chart, "-n", "own", "--create-namespace"]);
    // Same object names (the chart names objects after the release, so
    // render a second release named like the first's objects would be).
    let other = env.dir.join("clash");
    std::fs::create_dir_all(other.join("templates")).expect("mkdir");
    std::fs::write(
        other.join("Chart.yaml"),
        "apiVersion: v2\nname: clash\nversion: 0.1.0\n",
    )
    .expect("write");
    std::fs::write(
        other.join("templates/cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a-cm\ndata: {}\n",
    )
    .expect("write");
    let clash = other.to_string_lossy().into_owned();
    let err = env.fails(&["install", "b", &clash, "-n", "own"]);
    assert!(
        err.contains("INSTALLATION FAILED: unable to continue with install: ConfigMap \"a-cm\" in namespace \"own\" exists and cannot be imported into the current release: invalid ownership metadata;"),
        "{err}"
    );
    assert!(
        err.contains("key \"meta.helm.sh/release-name\" must equal \"b\": current value is \"a\""),
        "{err}"
    );
    // Nothing was recorded for the refused install.
    assert!(env
        .fails(&["status", "b", "-n", "own"])
        .contains("release: not found"));
    // --take-ownership adopts the object.
    env.ok(&["install", "b", &clash, "-n", "own", "--take-ownership"]);
}

#[test]
fn sigterm_marks_the_upgrade_failed_and_atomic_rolls_back() {
    let env = start(Options::default());
    let chart = example("fraud-model");
    env.ok(&["install", "fm", &chart, "-n", "sig", "--create-namespace"]);
    let spawn = |extra: &[&str]| {
        let mut args = vec![
            "upgrade",
            "fm",
            chart.as_str(),
            "-n",
            "sig",
            "--set",
            "model.path=/models/never-ready/model.pt",
            "--wait",
            "--timeout",
            "120s",
        ];
        args.extend_from_slice(extra);
        Command::new(env!("CARGO_BIN_EXE_capstan"))
            .args(&args)
            .arg("--kubeconfig")
            .arg(&env.kubeconfig)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn upgrade")
    };
    let wait_pending = |rev: &str| {
        for _ in 0..200 {
            std::thread::sleep(std::time::Duration::from_millis(100));
            let out = env.run(&["history", "fm", "-n", "sig", "-o", "json"]);
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            if text.contains("pending-upgrade") && text.contains(rev) {
                return true;
            }
        }
        false
    };
    // Without --rollback-on-failure: SIGTERM fails the revision (Helm 4 catches it).
    let child = spawn(&[]);
    assert!(wait_pending("\"revision\":2"));
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let out = child.wait_with_output().expect("wait");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("context canceled"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        env.statuses("fm", "sig"),
        hs(&[(1, "deployed"), (2, "failed")])
    );
    // With it: the interrupted upgrade is rolled back.
    let child = spawn(&["--rollback-on-failure"]);
    assert!(wait_pending("\"revision\":3"));
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let out = child.wait_with_output().expect("wait");
    assert!(!out.status.success());
    assert_eq!(
        env.statuses("fm", "sig"),
        hs(&[
            (1, "superseded"),
            (2, "failed"),
            (3, "failed"),
            (4, "deployed")
        ])
    );
}

#[test]
fn client_side_apply_releases_stay_client_side() {
    // A release made with --server-side=false (as every Helm 3 release is)
    // records apply_method csa; upgrades latch it and patch client-side.
    let env = start(Options::default());
    let chart = tiny_chart(&env.dir);
    env.ok(&[
        "install",
        "c",
        &chart,
        "-n",
        "csa",
        "--create-namespace",
        "--server-side=false",
    ]);
    let st: Json =
        serde_json::from_str(&env.ok(&["status", "c", "-n", "csa", "-o", "json"])).expect("json");
    assert_eq!(st["apply_method"], "csa");
    env.ok(&[
        "upgrade",
        "c",
        &chart,
        "-n",
        "csa",
        "--set",
        "message=patched",
        "--set",
        "extra=true",
    ]);
    let st: Json =
        serde_json::from_str(&env.ok(&["status", "c", "-n", "csa", "-o", "json"])).expect("json");
    assert_eq!(st["apply_method"], "csa");
    assert_eq!(st["info"]["status"], "deployed");
    // --server-side=true moves it to server-side apply.
    env.ok(&["upgrade", "c", &chart, "-n", "csa", "--server-side=true"]);
    let st: Json =
        serde_json::from_str(&env.ok(&["status", "c", "-n", "csa", "-o", "json"])).expect("json");
    assert_eq!(st["apply_method"], "ssa");
}
