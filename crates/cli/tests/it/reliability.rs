//! Faults and hostile input that once lost or stuck a release (issue 16's
//! probe, `../shared/reference/reliability-probe.md`), each reproduced
//! through the `capstan` binary against the API emulator.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use capstan_kube_emulator::{Options, Sandbox};
use serde_json::Value as Json;

fn capstan(kubeconfig: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_capstan"))
        .args(args)
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .env_remove("HELM_DRIVER")
        .env_remove("HELM_NAMESPACE")
        .output()
        .expect("run capstan")
}

fn ok(kc: &Path, args: &[&str]) -> String {
    let out = capstan(kc, args);
    assert!(
        out.status.success(),
        "capstan {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn statuses(kc: &Path, name: &str, ns: &str) -> Vec<(i64, String)> {
    let out = ok(kc, &["history", name, "-n", ns, "-o", "json"]);
    let v: Json = serde_json::from_str(&out).expect("history json");
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

fn hs(items: &[(i64, &str)]) -> Vec<(i64, String)> {
    items.iter().map(|(r, s)| (*r, s.to_string())).collect()
}

fn fraud_model() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/fraud-model")
}

/// A chart of one ConfigMap.
fn simple_chart(dir: &Path) -> String {
    let c = dir.join("simple");
    std::fs::create_dir_all(c.join("templates")).expect("mkdir");
    std::fs::write(
        c.join("Chart.yaml"),
        "apiVersion: v2\nname: simple\nversion: 0.1.0\n",
    )
    .expect("write");
    std::fs::write(c.join("values.yaml"), "").expect("write");
    std::fs::write(
        c.join("templates/cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cm\ndata:\n  marker: {{ .Values.marker | default \"none\" | quote }}\n",
    )
    .expect("write");
    c.to_string_lossy().into_owned()
}

/// One HTTP/1.1 request to the emulator; returns the whole reply.
fn http(url: &str, method: &str, path: &str, ctype: &str, body: &str) -> String {
    use std::io::{Read, Write};
    let hostport = url.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(hostport).expect("connect to the emulator");
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {hostport}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("send");
    let mut reply = String::new();
    let _ = s.read_to_string(&mut reply);
    assert!(
        reply.starts_with("HTTP/1.1 200"),
        "{method} {path}: {reply}"
    );
    reply
}

fn faults(url: &str, json: &str) {
    http(url, "PUT", "/_emulator/faults", "application/json", json);
}

/// Ask the emulator for a network outage: every connection dropped and the
/// port closed for `ms`.
fn cut_network(url: &str, ms: u64) {
    faults(url, &format!("{{\"cutConnectionsMs\":{ms}}}"));
}

/// Probe A8: `-o bogus` used to apply the install or upgrade, then fail, so a
/// script retrying on the exit code applied it twice. Helm rejects the flag
/// before anything runs, and so does capstan now.
#[test]
fn a_bad_output_format_is_refused_before_anything_is_applied() {
    let sb = Sandbox::start("reliability", Options::default()).expect("emulator");
    let kc = &sb.kubeconfig;
    let chart = simple_chart(&sb.dir);
    let want = "Error: invalid argument \"bogus\" for \"-o, --output\" flag: invalid format type\n";

    let out = capstan(
        kc,
        &[
            "install",
            "base",
            &chart,
            "-n",
            "cli",
            "--create-namespace",
            "-o",
            "bogus",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stderr), want);
    assert_eq!(ok(kc, &["list", "-A", "-q"]), "");

    ok(
        kc,
        &["install", "base", &chart, "-n", "cli", "--create-namespace"],
    );
    let out = capstan(kc, &["upgrade", "base", &chart, "-n", "cli", "-o", "bogus"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stderr), want);
    assert_eq!(statuses(kc, "base", "cli"), hs(&[(1, "deployed")]));
}

/// Probe A4: a server written without a scheme (`127.0.0.1:6443`, accepted by
/// kubectl and Helm) made capstan panic.
#[test]
fn a_server_without_a_scheme_is_reached_over_http() {
    let sb = Sandbox::start("reliability", Options::default()).expect("emulator");
    let kc = std::fs::read_to_string(&sb.kubeconfig).expect("kubeconfig");
    assert!(kc.contains("server: http://"), "{kc}");
    let bare = sb.dir.join("bare-kubeconfig");
    std::fs::write(&bare, kc.replace("server: http://", "server: ")).expect("write");
    assert_eq!(ok(&bare, &["list", "-A", "-q"]), "");

    let hostport = sb.emulator.url.trim_start_matches("http://").to_string();
    let out = ok(
        &sb.kubeconfig,
        &["list", "-A", "-q", "--kube-apiserver", &hostport],
    );
    assert_eq!(out, "");
}

/// An emulator whose Pods and Jobs take 400 ms, with fraud-model installed
/// for staging (its pre-upgrade hook Job makes an upgrade last 1–2 s).
struct Staged {
    sb: Sandbox,
    chart: String,
    staging: String,
}

impl Staged {
    fn start() -> Staged {
        let sb = Sandbox::start(
            "reliability",
            Options {
                ready_after_ms: 400,
                ..Options::default()
            },
        )
        .expect("emulator");
        let chart = fraud_model().to_string_lossy().into_owned();
        let staging = format!("{chart}/values-staging.yaml");
        let args = ["install", "fm", &chart, "-n", "k1", "--create-namespace"];
        ok(&sb.kubeconfig, &[&args[..], &["-f", &staging]].concat());
        Staged { sb, chart, staging }
    }

    /// `upgrade --wait` to model `model`, running in the background.
    fn upgrade(&self, timeout: &str, model: &str) -> std::process::Child {
        Command::new(env!("CARGO_BIN_EXE_capstan"))
            .args(["upgrade", "fm", &self.chart, "-n", "k1", "--wait"])
            .args(["--timeout", timeout, "-f", &self.staging])
            .args(["--set", &format!("model.path=/models/{model}/model.pt")])
            .arg("--kubeconfig")
            .arg(&self.sb.kubeconfig)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn upgrade")
    }
}

/// Probe A2: a 0.4 s network outage during an upgrade (hook Job running,
/// then the wait) left the release `pending-upgrade` for good. Requests are
/// now retried, so the upgrade rides it out, as Helm's client-go does.
#[test]
fn an_upgrade_rides_out_a_network_outage() {
    let st = Staged::start();
    for at in [200u64, 700] {
        let child = st.upgrade("60s", &at.to_string());
        std::thread::sleep(Duration::from_millis(at));
        cut_network(&st.sb.emulator.url, 400);
        let out = child.wait_with_output().expect("upgrade");
        assert!(
            out.status.success(),
            "upgrade with an outage at {at} ms failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(
        statuses(&st.sb.kubeconfig, "fm", "k1"),
        hs(&[(1, "superseded"), (2, "superseded"), (3, "deployed")])
    );
}

/// Probe B (`--timeout`): with the API server not answering (every request
/// held 20 s) during an upgrade's hook, `--timeout 3s` blocked until the
/// server came back and then reported success. Now no request outlives the
/// timeout: the upgrade fails with Go's `context deadline exceeded`, and its
/// `failed` status is written once the server answers again.
#[test]
fn a_frozen_api_server_fails_the_upgrade_at_its_timeout() {
    let st = Staged::start();
    let child = st.upgrade("3s", "v4");
    std::thread::sleep(Duration::from_millis(300));
    faults(&st.sb.emulator.url, "{\"latencyMs\":20000}");
    std::thread::sleep(Duration::from_millis(4000));
    faults(&st.sb.emulator.url, "{\"latencyMs\":0}");
    let out = child.wait_with_output().expect("upgrade");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the upgrade succeeded:\n{stderr}");
    assert!(stderr.contains("context deadline exceeded"), "{stderr}");
    assert_eq!(
        statuses(&st.sb.kubeconfig, "fm", "k1"),
        hs(&[(1, "deployed"), (2, "failed")])
    );
}

/// Probe B (corrupt records): an unreadable release record was skipped
/// without a word, so history silently showed an older release. It is
/// still skipped (as Helm does) but named on stderr.
#[test]
fn an_unreadable_record_is_named() {
    let sb = Sandbox::start("reliability", Options::default()).expect("emulator");
    let kc = &sb.kubeconfig;
    let chart = simple_chart(&sb.dir);
    ok(
        kc,
        &["install", "r", &chart, "-n", "c", "--create-namespace"],
    );
    ok(kc, &["upgrade", "r", &chart, "-n", "c"]);
    http(
        &sb.emulator.url,
        "PATCH",
        "/api/v1/namespaces/c/secrets/sh.helm.release.v1.r.v2",
        "application/merge-patch+json",
        "{\"data\":{\"release\":\"ISEh\"}}",
    );
    let out = capstan(kc, &["history", "r", "-n", "c"]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with(
            "WARNING: release record sh.helm.release.v1.r.v2 in namespace \"c\" cannot be read and is skipped"
        ),
        "{stderr}"
    );
    assert_eq!(stderr.matches("WARNING").count(), 1, "{stderr}");
    assert_eq!(statuses(kc, "r", "c"), hs(&[(1, "superseded")]));
}

/// Probe C: Go's flag parser takes the next word as a flag's value, so
/// `--timeout -5s` (already expired), `--history-max -1` (keep all) and
/// `history --max -1` (show none) are values, not unknown flags.
#[test]
fn negative_flag_values_are_values() {
    let sb = Sandbox::start("reliability", Options::default()).expect("emulator");
    let kc = &sb.kubeconfig;
    let chart = simple_chart(&sb.dir);
    ok(
        kc,
        &[
            "install",
            "n",
            &chart,
            "-n",
            "neg",
            "--create-namespace",
            "--timeout",
            "-5s",
        ],
    );
    ok(
        kc,
        &["upgrade", "n", &chart, "-n", "neg", "--history-max", "-1"],
    );
    assert_eq!(
        statuses(kc, "n", "neg"),
        hs(&[(1, "superseded"), (2, "deployed")])
    );
    let out = ok(
        kc,
        &["history", "n", "-n", "neg", "--max", "-1", "-o", "json"],
    );
    assert_eq!(out.trim(), "[]");
}
