//! `capstan diff` against the in-process Kubernetes API emulator with the
//! seed's fraud-model chart: the cluster scenarios of helm-diff's spec
//! (`../shared/reference/helm-diff.md` §10).
//!
//! The oracle needs no stored goldens: for every `diff upgrade`, the
//! expected report is the report of the release as `get manifest` + `get
//! hooks` print it against `template --is-upgrade` with the same values
//! (both already Helm-verified elsewhere), printed by `diff manifests`;
//! on top of that, the lines the spec quotes are checked literally.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use capstan_kube_emulator::{Options, Sandbox};

struct Env(Sandbox);

impl std::ops::Deref for Env {
    type Target = Sandbox;
    fn deref(&self) -> &Sandbox {
        &self.0
    }
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn chart() -> String {
    repo()
        .join("examples/fraud-model")
        .to_string_lossy()
        .into_owned()
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn capstan(args: &[&str], kubeconfig: Option<&Path>, stdin: Option<&str>) -> Run {
    let mut c = Command::new(env!("CARGO_BIN_EXE_capstan"));
    c.args(args);
    if let Some(k) = kubeconfig {
        c.arg("--kubeconfig").arg(k);
    }
    for v in [
        "HELM_DRIVER",
        "HELM_NAMESPACE",
        "HELM_DIFF_COLOR",
        "HELM_DIFF_OUTPUT",
        "HELM_DIFF_TPL",
        "HELM_DIFF_THREE_WAY_MERGE",
        "HELM_DIFF_NORMALIZE_MANIFESTS",
        "HELM_DIFF_OUTPUT_CONTEXT",
        "HELM_DIFF_IGNORE_UNKNOWN_FLAGS",
    ] {
        c.env_remove(v);
    }
    let out: Output = match stdin {
        None => c.output().expect("run capstan"),
        Some(text) => {
            c.stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped());
            let mut child = c.spawn().expect("spawn capstan");
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(text.as_bytes())
                .expect("write stdin");
            child.wait_with_output().expect("wait")
        }
    };
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

impl Env {
    fn run(&self, args: &[&str]) -> Run {
        capstan(args, Some(&self.kubeconfig), None)
    }
    fn ok(&self, args: &[&str]) -> String {
        let r = self.run(args);
        assert_eq!(r.code, 0, "capstan {args:?}:\n{}\n{}", r.stdout, r.stderr);
        r.stdout
    }

    /// A raw API request (for changes made "by hand", outside capstan).
    fn request(&self, method: &str, path: &str, ctype: &str, body: &str) -> u16 {
        let url = self.emulator.url.trim_start_matches("http://");
        let mut s = TcpStream::connect(url).expect("connect to the emulator");
        let req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {url}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        s.write_all(req.as_bytes()).expect("send");
        let mut resp = String::new();
        s.read_to_string(&mut resp).expect("read");
        resp.split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0)
    }

    /// What `diff upgrade` must print, from texts Helm-verified elsewhere:
    /// the stored release (`get manifest` + `get hooks`) against `template
    /// --is-upgrade` with the same value flags, through `diff manifests`.
    fn expected_upgrade(
        &self,
        name: &str,
        chart: &str,
        ns: &str,
        flags: &[&str],
        report: &[&str],
    ) -> Run {
        let dir = tempfile::tempdir().expect("tempdir");
        let old = format!(
            "{}{}",
            self.ok(&["get", "manifest", name, "-n", ns]),
            self.ok(&["get", "hooks", name, "-n", ns])
        );
        let mut targs = vec!["template", name, chart, "-n", ns, "--is-upgrade"];
        targs.extend_from_slice(flags);
        let new = self.ok(&targs);
        let (o, n) = (dir.path().join("old.yaml"), dir.path().join("new.yaml"));
        std::fs::write(&o, old).expect("write");
        std::fs::write(&n, new).expect("write");
        let (o, n) = (
            o.to_string_lossy().into_owned(),
            n.to_string_lossy().into_owned(),
        );
        let mut args = vec!["diff", "manifests", &o, &n, "-n", ns];
        args.extend_from_slice(report);
        capstan(&args, None, None)
    }
}

fn lines(s: &str) -> Vec<&str> {
    s.lines().collect()
}

#[test]
fn helm_diff_cluster_scenarios() {
    let env = Env(Sandbox::start(
        "diff",
        Options {
            ready_after_ms: 50,
            ..Default::default()
        },
    )
    .expect("start emulator"));
    let chart = chart();
    let staging = format!("{chart}/values-staging.yaml");
    let prod = format!("{chart}/values-prod.yaml");
    let ns = "team-fraud-staging";

    // 1. Nothing changed: empty report, exit 0 even with --detailed-exitcode.
    env.ok(&[
        "install",
        "fraud-model",
        &chart,
        "-n",
        ns,
        "--create-namespace",
        "-f",
        &staging,
    ]);
    let up = |extra: &[&str]| {
        let mut a = vec![
            "diff",
            "upgrade",
            "fraud-model",
            &chart,
            "-n",
            ns,
            "-f",
            &staging,
        ];
        a.extend_from_slice(extra);
        env.run(&a)
    };
    let r = up(&["--detailed-exitcode"]);
    assert_eq!((r.code, r.stdout.as_str()), (0, ""), "{}", r.stderr);

    // 2. A new image tag.
    let tag = [
        "--set",
        "image.tag=v2.2.0",
        "--set",
        "model.path=/models/fraud/v2.2.0/model.pt",
    ];
    let mut a: Vec<&str> = tag.to_vec();
    a.extend(["-C", "2", "--detailed-exitcode"]);
    let r = up(&a);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains(
        "Error: identified at least one change, exiting with non-zero exit code (detailed-exitcode parameter enabled)"
    ));
    let headers: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.ends_with(" has changed:"))
        .collect();
    assert_eq!(
        headers,
        vec![
            "team-fraud-staging, fraud-model, Deployment (apps) has changed:",
            "team-fraud-staging, fraud-model, Ingress (networking.k8s.io) has changed:",
            "team-fraud-staging, fraud-model, Service (v1) has changed:",
            "team-fraud-staging, fraud-model, ServiceAccount (v1) has changed:",
            "team-fraud-staging, fraud-model-config, ConfigMap (v1) has changed:",
            "team-fraud-staging, fraud-model-pre-upgrade-validate, Job (batch) has changed:",
        ]
    );
    let l = lines(&r.stdout);
    for want in [
        "-           image: \"registry.company.com/fraud-model:v2.2.0-rc1\"",
        "+           image: \"registry.company.com/fraud-model:v2.2.0\"",
        "-     app.kubernetes.io/version: \"v2.2.0-rc1\"",
        "-               value: \"/models/fraud/v2.2.0-rc1/model.pt\"",
        "+               value: \"/models/fraud/v2.2.0/model.pt\"",
        "...",
    ] {
        assert!(l.contains(&want), "missing {want:?} in:\n{}", r.stdout);
    }
    assert!(l
        .iter()
        .any(|x| x.starts_with("-         checksum/config: ")));
    assert!(l
        .iter()
        .any(|x| x.starts_with("+         checksum/config: ")));
    let mut flags: Vec<&str> = vec!["-f", &staging];
    flags.extend(tag);
    let want = env.expected_upgrade("fraud-model", &chart, ns, &flags, &["-C", "2"]);
    assert_eq!(
        r.stdout, want.stdout,
        "diff upgrade = report of get manifest+hooks vs template"
    );
    for out in ["simple", "json", "structured"] {
        let mut a: Vec<&str> = tag.to_vec();
        a.extend(["--output", out]);
        let got = up(&a);
        let want = env.expected_upgrade("fraud-model", &chart, ns, &flags, &["--output", out]);
        assert_eq!(got.stdout, want.stdout, "--output {out}");
    }
    let mut a: Vec<&str> = tag.to_vec();
    a.extend(["--output", "simple"]);
    let simple = up(&a).stdout;
    assert_eq!(simple.matches(" to be changed.\n").count(), 6, "{simple}");
    assert!(simple.ends_with("Plan: 0 to add, 6 to change, 0 to destroy, 0 to change ownership.\n"));

    // Invoked as Helm invokes its diff plugin: the binary named `helm-diff`,
    // helm-diff's arguments, namespace and context from HELM_* variables.
    let bin = tempfile::tempdir().expect("tempdir");
    let plugin = bin.path().join("helm-diff");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_capstan"), &plugin).expect("symlink");
    let mut pa = vec![
        "upgrade",
        "fraud-model",
        &chart,
        "-f",
        &staging,
        "--output",
        "simple",
    ];
    pa.extend(tag);
    let out = Command::new(&plugin)
        .args(&pa)
        .env("KUBECONFIG", &env.kubeconfig)
        .env("HELM_NAMESPACE", ns)
        .env("HELM_KUBECONTEXT", "kube-emulator")
        .env("HELM_BIN", "/nonexistent/helm")
        .env_remove("HELM_DRIVER")
        .output()
        .expect("run as plugin");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        simple,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // 3. A Secret: redacted, never a secret byte in any output.
    let sc = tempfile::tempdir().expect("tempdir");
    let secret_chart = sc.path().join("fraud-model");
    copy_dir(Path::new(&chart), &secret_chart);
    std::fs::write(
        secret_chart.join("templates/secret.yaml"),
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ include \"fraud-model.fullname\" . }}-api\n  labels:\n    {{- include \"fraud-model.labels\" . | nindent 4 }}\ntype: Opaque\ndata:\n  api-key: {{ .Values.apiKey | b64enc | quote }}\n  feature-token: {{ \"tok-123\" | b64enc | quote }}\n",
    )
    .expect("write secret template");
    let sch = secret_chart.to_string_lossy().into_owned();
    env.ok(&[
        "install",
        "keys",
        &sch,
        "-n",
        ns,
        "-f",
        &staging,
        "--set",
        "apiKey=old-key-123",
    ]);
    let sec = |extra: &[&str]| {
        let mut a = vec![
            "diff",
            "upgrade",
            "keys",
            &sch,
            "-n",
            ns,
            "-f",
            &staging,
            "--set",
            "apiKey=new-key-4567",
        ];
        a.extend_from_slice(extra);
        env.run(&a)
    };
    let r = sec(&["--detailed-exitcode"]);
    assert_eq!(r.code, 2);
    let block = r
        .stdout
        .split("team-fraud-staging, keys-fraud-model-api, Secret (v1) has changed:\n")
        .nth(1)
        .expect("secret entry");
    assert!(
        block.starts_with("  # Source: fraud-model/templates/secret.yaml\n"),
        "{block}"
    );
    for want in [
        "      app.kubernetes.io/version: v2.2.0-rc1\n",
        "  data:\n-   api-key: '-------- # (11 bytes)'\n+   api-key: '++++++++ # (12 bytes)'\n    feature-token: 'REDACTED # (7 bytes)'\n  type: Opaque\n\n",
    ] {
        assert!(block.contains(want), "missing {want:?} in:\n{block}");
    }
    for leak in [
        "old-key-123",
        "new-key-4567",
        "b2xkLWtleS0xMjM=",
        "bmV3LWtleS00NTY3",
        "tok-123",
        "dG9rLTEyMw==",
    ] {
        assert!(
            !r.stdout.contains(leak) && !r.stderr.contains(leak),
            "{leak} leaked"
        );
    }
    let q = sec(&["-q"]).stdout;
    assert!(q.contains(
        "team-fraud-staging, keys-fraud-model-api, Secret (v1) has changed:\n+ Changes suppressed on sensitive content of type Secret\n"
    ));
    assert!(sec(&["--show-secrets-decoded"])
        .stdout
        .contains("  stringData:\n-   api-key: old-key-123\n+   api-key: new-key-4567\n"));

    // 4. Changes are counted before line suppression.
    let mut a: Vec<&str> = tag.to_vec();
    a.extend(["--suppress-output-line-regex", ".*", "--detailed-exitcode"]);
    let r = up(&a);
    assert_eq!(r.code, 2);
    assert!(
        r.stdout
            .lines()
            .all(|l| l.ends_with(" has changed, but diff is empty after suppression.")),
        "{}",
        r.stdout
    );
    assert_eq!(r.stdout.lines().count(), 6);

    // 5. Revisions (never hooks).
    let mut a = vec!["upgrade", "fraud-model", &chart, "-n", ns, "-f", &staging];
    a.extend(tag);
    env.ok(&a);
    let plan5 = "Plan: 0 to add, 5 to change, 0 to destroy, 0 to change ownership.\n";
    let r12 = env.ok(&[
        "diff",
        "revision",
        "fraud-model",
        "1",
        "2",
        "--output",
        "simple",
        "-n",
        ns,
    ]);
    assert!(r12.ends_with(plan5) && !r12.contains("Job"), "{r12}");
    assert_eq!(
        env.ok(&[
            "diff",
            "revision",
            "fraud-model",
            "2",
            "1",
            "--output",
            "simple",
            "-n",
            ns
        ]),
        r12
    );
    let r1 = env.run(&[
        "diff",
        "revision",
        "fraud-model",
        "1",
        "--output",
        "simple",
        "-n",
        ns,
        "--detailed-exitcode",
    ]);
    // helm-diff exits 0 here (a bug); capstan honours --detailed-exitcode.
    assert_eq!((r1.code, r1.stdout.as_str()), (2, r12.as_str()));

    // 6. Rollback is step 2 reversed, without the hook Job.
    let rb = env.ok(&["diff", "rollback", "fraud-model", "1", "-C", "0", "-n", ns]);
    assert!(rb.contains("-           image: \"registry.company.com/fraud-model:v2.2.0\"\n+           image: \"registry.company.com/fraud-model:v2.2.0-rc1\"\n"), "{rb}");
    assert!(!rb.contains("Job (batch)"));

    // 7. Not installed.
    let r = env.run(&["diff", "upgrade", "nothere", &chart, "-n", ns]);
    assert_eq!(r.code, 1);
    assert_eq!(r.stderr, "********************\n\n\tRelease was not present in Helm.  Include the `--allow-unreleased` to perform diff without exiting in error.\n\n********************\n");
    let r = env.run(&["diff", "upgrade", "nothere", &chart, "-n", ns, "--install"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let adds: Vec<&str> = r.stdout.lines().filter(|l| l.starts_with(ns)).collect();
    assert!(
        !adds.is_empty() && adds.iter().all(|l| l.ends_with(" has been added:")),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains(" has been added:\n- \n+ # Source: "));

    // 8. --take-ownership of a ConfigMap made by hand.
    let prod_ns = "team-fraud-prod";
    assert_eq!(
        env.request(
            "POST",
            "/api/v1/namespaces",
            "application/json",
            r#"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team-fraud-prod"}}"#
        ),
        201
    );
    assert_eq!(env.request("POST", "/api/v1/namespaces/team-fraud-prod/configmaps", "application/json", r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"fraud-model-config"},"data":{"x":"1"}}"#), 201);
    let r = env.run(&[
        "diff",
        "upgrade",
        "fraud-model",
        &chart,
        "-n",
        prod_ns,
        "-f",
        &prod,
        "--install",
        "--take-ownership",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.starts_with("team-fraud-prod, fraud-model-config, ConfigMap (v1) changed ownership:\n- \n+ team-fraud-prod/fraud-model\nteam-fraud-prod, fraud-model-config, ConfigMap (v1) has changed:\n"), "{}", r.stdout);
    let rest: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.starts_with("team-fraud-prod, fraud-model,"))
        .collect();
    assert!(
        !rest.is_empty() && rest.iter().all(|l| l.ends_with(" has been added:")),
        "{}",
        r.stdout
    );

    // 9. --three-way-merge after a live scale.
    assert_eq!(up(&tag).stdout, "", "same values: nothing to report");
    assert_eq!(
        env.request(
            "PATCH",
            "/apis/apps/v1/namespaces/team-fraud-staging/deployments/fraud-model?fieldManager=kubectl-scale",
            "application/merge-patch+json",
            r#"{"spec":{"replicas":5}}"#
        ),
        200
    );
    assert_eq!(
        up(&tag).stdout,
        "",
        "without --three-way-merge the live scale is invisible"
    );
    let mut a: Vec<&str> = tag.to_vec();
    a.push("--three-way-merge");
    let r = up(&a);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let dep = r
        .stdout
        .split("team-fraud-staging, fraud-model, Deployment (apps) has changed:\n")
        .nth(1)
        .expect("deployment entry");
    assert!(dep.contains("-   replicas: 5\n+   replicas: 2\n"), "{dep}");
    // Only that: every other live object is what an apply would leave
    // (the ConfigMap's `|` block scalar keeps its final newline on the way
    // to the cluster, as with Helm).
    let headers: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.starts_with("team-fraud-staging, "))
        .collect();
    assert_eq!(
        headers,
        vec!["team-fraud-staging, fraud-model, Deployment (apps) has changed:"],
        "{}",
        r.stdout
    );
    assert!(
        !dep.contains("# Source:")
            && dep.starts_with("  apiVersion: apps/v1\n  kind: Deployment\n"),
        "{dep}"
    );

    // 10. Two releases, keyed by template path.
    env.ok(&[
        "upgrade",
        "fraud-model",
        &chart,
        "-n",
        prod_ns,
        "-f",
        &prod,
        "--install",
        "--take-ownership",
    ]);
    let rel = env.ok(&[
        "diff",
        "release",
        "team-fraud-staging/fraud-model",
        "team-fraud-prod/fraud-model",
        "-C",
        "1",
    ]);
    for want in [
        "fraud-model/templates/configmap.yaml has changed:\n",
        "-   namespace: team-fraud-staging\n+   namespace: team-fraud-prod\n",
        "fraud-model/templates/deployment.yaml has changed:\n",
        "fraud-model/templates/hpa.yaml has been added:\n",
    ] {
        assert!(rel.contains(want), "missing {want:?} in:\n{rel}");
    }
    let r = env.run(&[
        "diff",
        "release",
        "team-fraud-staging/keys",
        "team-fraud-staging/fraud-model",
    ]);
    assert_eq!(r.code, 0, "same chart name: comparable ({})", r.stderr);
    // Releases of different charts: an error (helm-diff prints it on
    // stdout and exits 0).
    let tiny = sc.path().join("tiny");
    env.ok(&["create", &tiny.to_string_lossy()]);
    env.ok(&["install", "other", &tiny.to_string_lossy(), "-n", ns]);
    let r = env.run(&[
        "diff",
        "release",
        "team-fraud-staging/other",
        "team-fraud-staging/fraud-model",
    ]);
    assert_eq!((r.code, r.stdout.as_str()), (1, ""));
    assert_eq!(
        r.stderr,
        "Error: Incomparable Releases: unable to compare releases from two different charts \"tiny\", \"fraud-model\"\n"
    );

    // 11. upgrade --diff --dry-run prints the report and changes nothing.
    let before = env.ok(&["history", "fraud-model", "-n", ns, "-o", "json"]);
    let mut a = vec![
        "upgrade",
        "fraud-model",
        &chart,
        "-n",
        ns,
        "-f",
        &staging,
        "--set",
        "image.tag=v3",
        "--diff",
        "--dry-run",
    ];
    let r = env.run(&a);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .starts_with("team-fraud-staging, fraud-model, Deployment (apps) has changed:\n"),
        "{}",
        r.stdout
    );
    assert!(r
        .stdout
        .contains("+           image: \"registry.company.com/fraud-model:v3\"\n"));
    assert!(
        !r.stdout.contains("STATUS:"),
        "only the report: {}",
        r.stdout
    );
    assert_eq!(
        env.ok(&["history", "fraud-model", "-n", ns, "-o", "json"]),
        before
    );
    // Without --dry-run: the same report, then the upgrade (which takes
    // `replicas` back from step 9's scaler).
    a.pop();
    a.push("--force-conflicts");
    let r = env.run(&a);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("+           image: \"registry.company.com/fraud-model:v3\"\n")
            && r.stdout.contains("has been upgraded")
    );
    assert_eq!(
        env.run(&[
            "diff",
            "upgrade",
            "fraud-model",
            &chart,
            "-n",
            ns,
            "-f",
            &staging,
            "--set",
            "image.tag=v3"
        ])
        .stdout,
        ""
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir") {
        let e = e.expect("entry");
        let p = e.path();
        let t = to.join(e.file_name());
        if p.is_dir() {
            copy_dir(&p, &t);
        } else {
            std::fs::copy(&p, &t).expect("copy");
        }
    }
}

/// Usage errors exit 1 (not clap's 2, which `--detailed-exitcode` means
/// "changes"), help exits 0 and reads like helm-diff's.
#[test]
fn usage_errors_exit_one() {
    for args in [
        &["diff", "upgrade", "--bogus"][..],
        &["diff", "manifests", "a.yaml", "b.yaml", "--context", "x"],
        &["diff", "upgrade", "only-one-arg"],
        &["diff", "revision", "r"],
        &["diff", "release", "r"],
        &["diff", "nonsense-subcommand-flag", "--nope"],
    ] {
        let r = capstan(args, None, None);
        assert_eq!(r.code, 1, "{args:?}: {}", r.stderr);
        assert!(!r.stderr.is_empty());
    }
    let r = capstan(&["diff", "upgrade", "only-one-arg"], None, None);
    assert_eq!(
        r.stderr,
        "Error: This command needs 2 arguments: release name, chart path\n"
    );
    let r = capstan(&["diff", "revision", "r"], None, None);
    assert!(r
        .stderr
        .contains("Minimum 2 arguments required: release name, revision"));
    let h = capstan(&["diff", "upgrade", "--help"], None, None);
    assert_eq!(h.code, 0);
    for flag in [
        "--detailed-exitcode",
        "--three-way-merge",
        "--reuse-values",
        "--suppress-secrets",
        "--find-renames",
        "--output",
        "--allow-unreleased",
        "Better than helm-diff",
    ] {
        assert!(h.stdout.contains(flag), "help lacks {flag}:\n{}", h.stdout);
    }
    let v = capstan(&["diff", "version"], None, None);
    assert_eq!((v.code, v.stdout.as_str()), (0, "3.15.11\n"));
    // HELM_DIFF_IGNORE_UNKNOWN_FLAGS: `helm upgrade` wrappers pass flags
    // diff does not know; `--dry-run` renders offline, everything added.
    let out = Command::new(env!("CARGO_BIN_EXE_capstan"))
        .args([
            "diff",
            "upgrade",
            "r",
            &chart(),
            "--dry-run",
            "--atomic",
            "--wait=watcher",
            "--output",
            "simple",
        ])
        .env("HELM_DIFF_IGNORE_UNKNOWN_FLAGS", "true")
        .env("HELM_DIFF_COLOR", "true")
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.starts_with(
            "\x1b[0;32mdefault, r-fraud-model, Deployment (apps) to be added.\x1b[0m\n"
        ),
        "{stdout:?}"
    );
    assert!(
        stdout.ends_with("Plan: 5 to add, 0 to change, 0 to destroy, 0 to change ownership.\n"),
        "{stdout}"
    );
    let r = capstan(
        &["diff", "upgrade", "r", &chart(), "--dry-run", "--atomic"],
        None,
        None,
    );
    assert_eq!(r.code, 1, "unknown flags are errors without the variable");
    // The deprecated `diff RELEASE CHART` form says so on stderr.
    let r = capstan(
        &["diff", "rel", "/nonexistent-chart", "--dry-run"],
        None,
        None,
    );
    assert!(
        r.stderr.starts_with(
            "Command \"helm diff\" is deprecated, use \"helm diff upgrade\" instead\n"
        ),
        "{}",
        r.stderr
    );
}

/// The two-file mode, its formats, environment and stdin.
#[test]
fn manifests_mode() {
    let dir = tempfile::tempdir().expect("tempdir");
    let old = "---\n# Source: c/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  a: \"1\"\n  b: \"2\"\n";
    let new = "---\n# Source: c/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  a: \"1\"\n  b: \"3\"\n---\n# Source: c/templates/svc.yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc\n";
    let (o, n) = (dir.path().join("old.yaml"), dir.path().join("new.yaml"));
    std::fs::write(&o, old).expect("write");
    std::fs::write(&n, new).expect("write");
    let (o, n) = (
        o.to_string_lossy().into_owned(),
        n.to_string_lossy().into_owned(),
    );
    let r = capstan(
        &["diff", "manifests", &o, &n, "--namespace", "ns", "-C", "1"],
        None,
        None,
    );
    assert_eq!(r.code, 0);
    assert_eq!(
        r.stdout,
        "ns, cfg, ConfigMap (v1) has changed:\n...\n    a: \"1\"\n-   b: \"2\"\n+   b: \"3\"\nns, svc, Service (v1) has been added:\n- \n+ # Source: c/templates/svc.yaml\n+ apiVersion: v1\n+ kind: Service\n+ metadata:\n+   name: svc\n"
    );
    let r = capstan(&["diff", "manifests", &o, &n, "--color"], None, None);
    assert!(
        r.stdout
            .starts_with("\x1b[0;33mdefault, cfg, ConfigMap (v1) has changed:\x1b[0m\n"),
        "{:?}",
        r.stdout
    );
    assert!(r
        .stdout
        .contains("\x1b[0;31m-   b: \"2\"\x1b[0m\n\x1b[0;32m+   b: \"3\"\x1b[0m\n"));
    let r = capstan(
        &["diff", "manifests", "-", &n, "--output", "json"],
        None,
        Some(old),
    );
    assert_eq!(
        r.stdout,
        "[{\n  \"api\": \"v1\",\n  \"kind\": \"ConfigMap\",\n  \"namespace\": \"default\",\n  \"name\": \"cfg\",\n  \"change\": \"MODIFY\"\n},{\n  \"api\": \"v1\",\n  \"kind\": \"Service\",\n  \"namespace\": \"default\",\n  \"name\": \"svc\",\n  \"change\": \"ADD\"\n}]\n"
    );
    let same = capstan(
        &[
            "diff",
            "manifests",
            &o,
            &o,
            "--output",
            "json",
            "--detailed-exitcode",
        ],
        None,
        None,
    );
    assert_eq!((same.code, same.stdout.as_str()), (0, "[]\n"));
    // HELM_DIFF_TPL with --output template.
    let tpl = dir.path().join("t.tpl");
    std::fs::write(
        &tpl,
        "{{ range . }}{{ .Kind }}/{{ .Name }}={{ .Change }} {{ end }}",
    )
    .expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_capstan"))
        .args(["diff", "manifests", &o, &n, "--output", "template"])
        .env("HELM_DIFF_TPL", &tpl)
        .output()
        .expect("run");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "ConfigMap/cfg=MODIFY Service/svc=ADD \n"
    );
    // HELM_DIFF_OUTPUT when the flag is absent.
    let out = Command::new(env!("CARGO_BIN_EXE_capstan"))
        .args(["diff", "manifests", &o, &n])
        .env("HELM_DIFF_OUTPUT", "simple")
        .output()
        .expect("run");
    assert!(String::from_utf8_lossy(&out.stdout)
        .ends_with("Plan: 1 to add, 1 to change, 0 to destroy, 0 to change ownership.\n"));
    // An unreadable manifest is exit 1 with the reason.
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "kind: [\n").expect("write");
    let r = capstan(
        &["diff", "manifests", &o, &bad.to_string_lossy()],
        None,
        None,
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.starts_with("Error: YAML unmarshal error: "),
        "{}",
        r.stderr
    );
    let r = capstan(
        &["diff", "manifests", &o, "/nonexistent/x.yaml"],
        None,
        None,
    );
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (
            1,
            "Error: open /nonexistent/x.yaml: no such file or directory\n"
        )
    );
}

/// `diff local`: two charts rendered offline under one release name; the
/// report equals `diff manifests` of their `template` output.
#[test]
fn local_charts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let chart = chart();
    let other = dir.path().join("fraud-model");
    copy_dir(Path::new(&chart), &other);
    let values = std::fs::read_to_string(other.join("values.yaml")).expect("values");
    std::fs::write(
        other.join("values.yaml"),
        values.replacen("replicaCount: 1", "replicaCount: 4", 1),
    )
    .expect("write");
    let other = other.to_string_lossy().into_owned();
    let r = capstan(
        &[
            "diff",
            "local",
            &chart,
            &other,
            "--detailed-exitcode",
            "-C",
            "1",
        ],
        None,
        None,
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stdout
            .starts_with("default, release-fraud-model, Deployment (apps) has changed:\n"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("-   replicas: 1\n+   replicas: 4\n"),
        "{}",
        r.stdout
    );
    let t1 = capstan(&["template", "release", &chart], None, None).stdout;
    let t2 = capstan(&["template", "release", &other], None, None).stdout;
    let (p1, p2) = (dir.path().join("1.yaml"), dir.path().join("2.yaml"));
    std::fs::write(&p1, t1).expect("write");
    std::fs::write(&p2, t2).expect("write");
    let want = capstan(
        &[
            "diff",
            "manifests",
            &p1.to_string_lossy(),
            &p2.to_string_lossy(),
            "-C",
            "1",
        ],
        None,
        None,
    );
    assert_eq!(r.stdout, want.stdout);
    let same = capstan(
        &[
            "diff",
            "local",
            &chart,
            &chart,
            "--release",
            "x",
            "--detailed-exitcode",
        ],
        None,
        None,
    );
    assert_eq!((same.code, same.stdout.as_str()), (0, ""));
}
