//! Interop with real Helm v4.2.3 (helm-ref's Go SDK, driven from Python)
//! on one emulated cluster: each tool continues the other's release, and
//! both read the same history. Skips when ../shared (the oracle) is absent.
//!
//! Helm's library applies objects as field manager `python` (its host
//! process); capstan is told to use the same name (`CAPSTAN_FIELD_MANAGER`),
//! as the `helm` CLI and capstan both use `helm` in real use.

use std::path::{Path, PathBuf};
use std::process::Command;

use capstan_kube_emulator::{Options, Sandbox};
use serde_json::Value as Json;

fn shared() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    p.join("oracle/setup").exists().then_some(p)
}

fn oracle_python(shared: &Path) -> Option<String> {
    let out = Command::new(shared.join("oracle/setup")).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

struct Env {
    sandbox: Sandbox,
    python: String,
    chart: String,
}

impl std::ops::Deref for Env {
    type Target = Sandbox;
    fn deref(&self) -> &Sandbox {
        &self.sandbox
    }
}

fn start() -> Option<Env> {
    let Some(shared) = shared() else {
        capstan_testkit::skip(format_args!(
            "skipping: ../shared (helm-ref) is not present"
        ));
        return None;
    };
    let Some(python) = oracle_python(&shared) else {
        capstan_testkit::skip(format_args!(
            "skipping: the oracle's Python environment could not be set up"
        ));
        return None;
    };
    let sandbox = Sandbox::start(
        "interop",
        Options {
            ready_after_ms: 100,
            ..Options::default()
        },
    )
    .expect("emulator");
    let chart = shared
        .join("kube-clients/chart/demo")
        .to_string_lossy()
        .into_owned();
    Some(Env {
        sandbox,
        python,
        chart,
    })
}

impl Env {
    /// `capstan ARGS` against the sandbox's cluster, default driver.
    fn capstan_command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_capstan"));
        c.args(args)
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .env_remove("HELM_DRIVER");
        c
    }

    fn capstan(&self, args: &[&str]) -> String {
        let out = self
            .capstan_command(args)
            .env("CAPSTAN_FIELD_MANAGER", "python")
            .output()
            .expect("run capstan");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "capstan {args:?}:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    }

    /// Run one Helm SDK call; `op` is Python code using `cfg` and `chart`,
    /// whose value is printed as JSON.
    fn helm(&self, op: &str) -> Json {
        serde_json::from_str(&self.helm_raw(op)).unwrap_or(Json::Null)
    }

    /// The SDK's answer as compact JSON text, in the order Helm's Go JSON
    /// had its fields (Python keeps insertion order).
    fn helm_raw(&self, op: &str) -> String {
        let code = format!(
            "import json, helm_python as helm\nchart = {chart:?}\ndef run(f):\n    try:\n        f()\n        return ''\n    except Exception as e:\n        return str(e)\nwith helm.Config(namespace='demo', kubeconfig_path={kc:?}) as cfg:\n    res = {op}\nprint(json.dumps(res, default=str, separators=(',', ':'), ensure_ascii=False))\n",
            chart = self.chart,
            kc = self.kubeconfig.to_string_lossy(),
        );
        let home = self.dir.join("home");
        std::fs::create_dir_all(&home).expect("home");
        let out = Command::new(&self.python)
            .arg("-c")
            .arg(&code)
            .env("HOME", &home)
            .env_remove("KUBECONFIG")
            .output()
            .expect("python");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "helm {op}:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout.lines().last().unwrap_or("null").to_string()
    }

    fn capstan_statuses(&self, name: &str) -> Vec<(i64, String)> {
        let v: Json =
            serde_json::from_str(&self.capstan(&["history", name, "-n", "demo", "-o", "json"]))
                .expect("json");
        v.as_array()
            .expect("array")
            .iter()
            .map(|r| {
                (
                    r["revision"].as_i64().unwrap_or(-1),
                    r["status"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect()
    }

    fn helm_statuses(&self, name: &str) -> Vec<(i64, String)> {
        let v = self.helm(&format!(
            "[(r['revision'], r['status']) for r in cfg.history({name:?})]"
        ));
        let mut out: Vec<(i64, String)> = v
            .as_array()
            .expect("array")
            .iter()
            .map(|p| {
                (
                    p[0].as_i64().unwrap_or(-1),
                    p[1].as_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        out.sort();
        out
    }
}

fn hs(items: &[(i64, &str)]) -> Vec<(i64, String)> {
    items.iter().map(|(r, s)| (*r, s.to_string())).collect()
}

#[test]
fn helm_installs_capstan_upgrades_helm_rolls_back() {
    let Some(env) = start() else { return };
    env.helm(
        "cfg.install(chart, 'h2c', {'message': 'from helm'}, create_namespace=True)['revision']",
    );
    let up = env.capstan(&[
        "upgrade",
        "h2c",
        &env.chart,
        "-n",
        "demo",
        "--set",
        "message=from capstan",
    ]);
    assert!(up.contains("REVISION: 2\n"), "{up}");
    env.helm("cfg.rollback('h2c', version=1)");
    let expect = hs(&[(1, "superseded"), (2, "superseded"), (3, "deployed")]);
    assert_eq!(env.capstan_statuses("h2c"), expect);
    assert_eq!(env.helm_statuses("h2c"), expect);
    // Helm's rollback restored Helm's values; capstan reads them.
    let v: Json =
        serde_json::from_str(&env.capstan(&["get", "values", "h2c", "-n", "demo", "-o", "json"]))
            .expect("json");
    assert_eq!(v["message"], "from helm");
    // The live ConfigMap carries the rolled-back value.
    let m = env.capstan(&["get", "manifest", "h2c", "-n", "demo"]);
    assert!(m.contains("message: \"from helm\""), "{m}");
}

#[test]
fn capstan_installs_helm_upgrades_capstan_rolls_back() {
    let Some(env) = start() else { return };
    env.capstan(&[
        "install",
        "c2h",
        &env.chart,
        "-n",
        "demo",
        "--create-namespace",
        "--set",
        "message=from capstan",
    ]);
    let v = env.helm("cfg.upgrade(chart, 'c2h', {'message': 'from helm'})['revision']");
    assert_eq!(v, 2);
    env.capstan(&["rollback", "c2h", "1", "-n", "demo"]);
    let expect = hs(&[(1, "superseded"), (2, "superseded"), (3, "deployed")]);
    assert_eq!(env.helm_statuses("c2h"), expect);
    assert_eq!(env.capstan_statuses("c2h"), expect);
    let st = env.helm("cfg.status('c2h')");
    assert_eq!(st["revision"], 3);
    assert_eq!(st["status"], "deployed");
    let vals = env.helm("cfg.get_values('c2h')");
    assert!(vals.to_string().contains("from capstan"), "{vals}");
    // `get metadata -o json` and `get values -o json` print what Helm's
    // actions return, field for field and in Go's field order.
    for rev in ["1", "3"] {
        let ours = env.capstan(&[
            "get",
            "metadata",
            "c2h",
            "-n",
            "demo",
            "-o",
            "json",
            "--revision",
            rev,
        ]);
        let helm = env.helm_raw(&format!("cfg.get_metadata('c2h', revision={rev})"));
        assert_eq!(
            ours.trim_end(),
            helm,
            "get metadata --revision {rev}: same fields, same order"
        );
        let ours: Json = serde_json::from_str(&env.capstan(&[
            "get",
            "values",
            "c2h",
            "-n",
            "demo",
            "-o",
            "json",
            "--revision",
            rev,
        ]))
        .expect("json");
        assert_eq!(
            ours,
            env.helm(&format!("cfg.get_values('c2h', revision={rev})")),
            "get values --revision {rev}"
        );
    }
    // Helm uninstalls what capstan made.
    env.helm("cfg.uninstall('c2h') and None");
    assert_eq!(env.capstan(&["list", "-n", "demo", "-q"]), "");
}

impl Env {
    /// Run capstan expecting failure; the error text without `Error: `.
    fn capstan_err(&self, args: &[&str]) -> String {
        let out = self.capstan_command(args).output().expect("run capstan");
        assert!(!out.status.success(), "capstan {args:?} should fail");
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        err.lines()
            .find_map(|l| l.strip_prefix("Error: "))
            .unwrap_or("")
            .to_string()
    }
}

#[test]
fn error_messages_match_helm() {
    let Some(env) = start() else { return };
    env.capstan(&[
        "install",
        "taken",
        &env.chart,
        "-n",
        "demo",
        "--create-namespace",
    ]);
    // (capstan args, Helm SDK call, the Helm CLI's prefix for that command)
    let cases: Vec<(Vec<&str>, &str, &str)> = vec![
        (
            vec!["install", "taken", &env.chart, "-n", "demo"],
            "cfg.install(chart, 'taken')",
            "INSTALLATION FAILED: ",
        ),
        (
            vec!["install", "Bad_Name", &env.chart, "-n", "demo"],
            "cfg.install(chart, 'Bad_Name')",
            "INSTALLATION FAILED: ",
        ),
        (
            vec!["upgrade", "nope", &env.chart, "-n", "demo"],
            "cfg.upgrade(chart, 'nope')",
            "UPGRADE FAILED: ",
        ),
        (
            vec!["upgrade", "Bad_Name", &env.chart, "-n", "demo"],
            "cfg.upgrade(chart, 'Bad_Name')",
            "UPGRADE FAILED: ",
        ),
        (
            vec!["rollback", "taken", "9", "-n", "demo"],
            "cfg.rollback('taken', version=9)",
            "",
        ),
        (
            vec!["rollback", "Bad_Name", "-n", "demo"],
            "cfg.rollback('Bad_Name')",
            "",
        ),
        (
            vec!["history", "nope", "-n", "demo"],
            "cfg.history('nope')",
            "",
        ),
        (
            vec!["history", "Bad_Name", "-n", "demo"],
            "cfg.history('Bad_Name')",
            "",
        ),
        (
            vec!["uninstall", "nope", "-n", "demo"],
            "cfg.uninstall('nope')",
            "",
        ),
        (
            vec!["uninstall", "Bad_Name", "-n", "demo"],
            "cfg.uninstall('Bad_Name')",
            "",
        ),
        (
            vec!["status", "nope", "-n", "demo"],
            "cfg.status('nope')",
            "",
        ),
        (
            vec!["status", "Bad_Name", "-n", "demo"],
            "cfg.status('Bad_Name')",
            "",
        ),
    ];
    // One SDK run: each call's error text (or "" when it succeeds).
    let ops: Vec<String> = cases
        .iter()
        .map(|(_, op, _)| format!("lambda: {op}"))
        .collect();
    let helm = env.helm(&format!("[run(f) for f in [{}]]", ops.join(", ")));
    let helm = helm.as_array().cloned().unwrap_or_default();
    assert_eq!(
        helm.len(),
        cases.len(),
        "the SDK answered every case: {helm:?}"
    );
    for ((args, _, prefix), theirs) in cases.iter().zip(helm) {
        let theirs = theirs.as_str().unwrap_or("");
        assert!(!theirs.is_empty(), "Helm fails {args:?} too");
        assert_eq!(
            env.capstan_err(args),
            format!("{prefix}{theirs}"),
            "capstan {args:?}"
        );
    }
}

#[test]
fn failed_hook_messages_match_helm() {
    let Some(env) = start() else { return };
    // The same story for each tool on its own release: a failing
    // pre-upgrade hook, without and then with --rollback-on-failure.
    env.capstan(&[
        "install",
        "ours",
        &env.chart,
        "-n",
        "demo",
        "--create-namespace",
    ]);
    env.helm("cfg.install(chart, 'theirs')['revision']");
    let ours_plain = env.capstan_err(&[
        "upgrade",
        "ours",
        &env.chart,
        "-n",
        "demo",
        "--set",
        "hook.fail=true",
        "--timeout",
        "30s",
    ]);
    let ours_atomic = env.capstan_err(&[
        "upgrade",
        "ours",
        &env.chart,
        "-n",
        "demo",
        "--set",
        "hook.fail=true",
        "--rollback-on-failure",
        "--timeout",
        "30s",
    ]);
    let theirs = env.helm(
        "[run(lambda: cfg.upgrade(chart, 'theirs', {'hook': {'fail': True}}, timeout=30)), \
          run(lambda: cfg.upgrade(chart, 'theirs', {'hook': {'fail': True}}, rollback_on_failure=True, timeout=30))]",
    );
    let theirs: Vec<String> = theirs
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|v| v.as_str().unwrap_or("").replace("theirs", "ours"))
        .collect();
    assert_eq!(theirs.len(), 2);
    assert_eq!(ours_plain, format!("UPGRADE FAILED: {}", theirs[0]));
    assert_eq!(ours_atomic, format!("UPGRADE FAILED: {}", theirs[1]));
    // And both histories tell the same story.
    let ours = env.capstan_statuses("ours");
    let theirs = env.helm_statuses("theirs");
    assert_eq!(ours, theirs);
}

#[test]
fn unreachable_cluster_errors_match_helm() {
    let Some(env) = start() else { return };
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let dead = env.dir.join("dead-kubeconfig");
    let text = std::fs::read_to_string(&env.kubeconfig).expect("kubeconfig");
    let live = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("server: "))
        .expect("server line")
        .to_string();
    std::fs::write(
        &dead,
        text.replace(&live, &format!("http://127.0.0.1:{port}")),
    )
    .expect("write");
    let dead_s = dead.to_string_lossy().into_owned();
    let theirs = env.helm(&format!(
        "[run(lambda: helm.Config(namespace='demo', kubeconfig_path={dead_s:?}).install(chart, 'x')), \
          run(lambda: helm.Config(namespace='demo', kubeconfig_path={dead_s:?}).list()), \
          run(lambda: helm.Config(namespace='demo', kubeconfig_path={dead_s:?}).history('x'))]"
    ));
    let theirs: Vec<String> = theirs
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|v| v.as_str().unwrap_or("").to_string())
        .collect();
    let ours = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_capstan"))
            .args(args)
            .arg("--kubeconfig")
            .arg(&dead)
            .output()
            .expect("run");
        assert!(!out.status.success());
        String::from_utf8_lossy(&out.stderr)
            .lines()
            .find_map(|l| l.strip_prefix("Error: ").map(str::to_string))
            .unwrap_or_default()
    };
    assert_eq!(
        ours(&["install", "x", &env.chart, "-n", "demo"]),
        format!("INSTALLATION FAILED: {}", theirs[0])
    );
    assert_eq!(ours(&["list", "-n", "demo"]), theirs[1]);
    assert_eq!(ours(&["history", "x", "-n", "demo"]), theirs[2]);
}
