//! The seed's distribution story end to end through the `capstan` binary,
//! on real servers the test starts itself (crates/testservers): the
//! umbrella's redis comes from a chart repository (`dependency update`),
//! the stack is packaged, pushed to a real OCI registry, rendered from
//! `oci://…@sha256:…` exactly as from its directory, and installed and
//! upgraded from `oci://…` into the Kubernetes API emulator.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use capstan_kube_emulator::{Options, Sandbox};
use capstan_testservers::{ChartRepo, Registry};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Helm's homes in a temporary directory, so nothing leaks in or out.
struct Homes {
    dir: tempfile::TempDir,
}

impl Homes {
    fn new() -> Homes {
        Homes {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    fn run(&self, args: &[&str]) -> Output {
        let d = self.dir.path();
        Command::new(env!("CARGO_BIN_EXE_capstan"))
            .args(args)
            .env("HELM_CONFIG_HOME", d.join("config"))
            .env("HELM_CACHE_HOME", d.join("cache"))
            .env("HELM_DATA_HOME", d.join("data"))
            .env("DOCKER_CONFIG", d.join("docker"))
            .env_remove("HELM_REPOSITORY_CONFIG")
            .env_remove("HELM_REPOSITORY_CACHE")
            .env_remove("HELM_REGISTRY_CONFIG")
            .env_remove("HELM_CONTENT_CACHE")
            .env_remove("HELM_DRIVER")
            .env_remove("HELM_NAMESPACE")
            .output()
            .expect("run capstan")
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "capstan {args:?} failed:\nstdout:\n{stdout}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

/// `Pulled: …` / `Digest: …` lines Helm 4.2.3 prints before the output of
/// a command that read an `oci://` chart, and the rest.
fn split_pull_preamble(out: &str) -> (String, String) {
    let mut pre = String::new();
    let mut rest = out;
    while rest.starts_with("Pulled: ") || rest.starts_with("Digest: ") {
        let end = rest.find('\n').map_or(rest.len(), |i| i + 1);
        pre.push_str(&rest[..end]);
        rest = &rest[end..];
    }
    (pre, rest.to_string())
}

#[test]
fn seed_flow_dependency_update_package_push_template_install_upgrade_from_oci() {
    let registry = match Registry::start(false, None) {
        Ok(r) => r,
        Err(why) => {
            capstan_testkit::skip(format!("distribution flow: {why}"));
            return;
        }
    };
    let h = Homes::new();
    let work = h.dir.path().join("work");
    // The chart repository serves redis, packaged from the example's
    // vendored copy, with an index made by `capstan repo index`.
    let served = work.join("served");
    std::fs::create_dir_all(&served).unwrap();
    let example = repo_root().join("examples/ml-serving-stack");
    h.ok(&[
        "package",
        example.join("charts/redis").to_str().unwrap(),
        "-d",
        served.to_str().unwrap(),
    ]);
    let charts_repo = ChartRepo::start(&served, None, None);
    h.ok(&[
        "repo",
        "index",
        served.to_str().unwrap(),
        "--url",
        &charts_repo.url,
    ]);

    // The umbrella without its vendored redis; redis now names the repository.
    let umbrella = work.join("ml-serving-stack");
    copy_dir(&example, &umbrella);
    std::fs::remove_dir_all(umbrella.join("charts/redis")).unwrap();
    let chart_yaml = std::fs::read_to_string(umbrella.join("Chart.yaml")).unwrap();
    let chart_yaml = chart_yaml.replace(
        "  - name: redis\n",
        &format!("  - name: redis\n    repository: \"{}\"\n", charts_repo.url),
    );
    std::fs::write(umbrella.join("Chart.yaml"), chart_yaml).unwrap();

    let out = h.ok(&["dependency", "update", umbrella.to_str().unwrap()]);
    // Helm counts every declared dependency, vendored ones too.
    assert!(out.contains("Saving 4 charts"), "{out}");
    assert!(
        out.contains(&format!("Downloading redis from repo {}", charts_repo.url)),
        "{out}"
    );
    let lock = std::fs::read_to_string(umbrella.join("Chart.lock")).unwrap();
    // Every dependency is locked (vendored ones with an empty repository).
    assert!(
        lock.starts_with("dependencies:\n- name: model-server\n  repository: \"\"\n"),
        "{lock}"
    );
    assert!(
        lock.contains(&format!(
            "- name: redis\n  repository: {}\n  version: 18.",
            charts_repo.url
        )),
        "{lock}"
    );
    assert!(lock.contains("\ndigest: sha256:"), "{lock}");
    let redis_tgz: Vec<_> = std::fs::read_dir(umbrella.join("charts"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("redis-") && n.ends_with(".tgz"))
        .collect();
    assert_eq!(redis_tgz.len(), 1, "{redis_tgz:?}");

    // The stack renders the same with the downloaded redis as vendored.
    let from_example = h.ok(&["template", "stack", example.to_str().unwrap()]);
    let from_umbrella = h.ok(&["template", "stack", umbrella.to_str().unwrap()]);
    assert_eq!(from_umbrella, from_example);

    // Package, push, and render from the registry by digest.
    let pkg = work.join("pkg");
    h.ok(&[
        "package",
        umbrella.to_str().unwrap(),
        "-d",
        pkg.to_str().unwrap(),
    ]);
    let tgz = pkg.join("ml-serving-stack-2.3.0.tgz");
    let remote = format!("oci://{}/helm-charts", registry.host);
    let pushed = h.ok(&["push", tgz.to_str().unwrap(), &remote, "--plain-http"]);
    let reference = format!("{}/helm-charts/ml-serving-stack:2.3.0", registry.host);
    assert!(
        pushed.starts_with(&format!("Pushed: {reference}\nDigest: sha256:")),
        "{pushed}"
    );
    let digest = pushed
        .lines()
        .find_map(|l| l.strip_prefix("Digest: "))
        .unwrap()
        .to_string();
    let by_digest = format!("{remote}/ml-serving-stack@{digest}");
    let rendered = h.ok(&["template", "stack", &by_digest, "--plain-http"]);
    let (pre, body) = split_pull_preamble(&rendered);
    // Helm 4.2.3 prints the registry client's lines on stdout first (#32215).
    assert_eq!(
        pre,
        format!(
            "Pulled: {}/helm-charts/ml-serving-stack@{digest}\nDigest: {digest}\n",
            registry.host
        )
    );
    assert_eq!(body, from_example);

    // Pull puts the same bytes on disk.
    // Like Helm, pull writes into an existing directory only.
    let pulled = work.join("pulled");
    std::fs::create_dir_all(&pulled).unwrap();
    h.ok(&[
        "pull",
        &format!("{remote}/ml-serving-stack"),
        "--version",
        "2.3.0",
        "--plain-http",
        "-d",
        pulled.to_str().unwrap(),
    ]);
    assert_eq!(
        std::fs::read(pulled.join("ml-serving-stack-2.3.0.tgz")).unwrap(),
        std::fs::read(&tgz).unwrap()
    );

    // Install and upgrade from oci:// into the emulator.
    let sandbox = Sandbox::start(
        "distribution",
        Options {
            ready_after_ms: 50,
            ..Options::default()
        },
    )
    .expect("start emulator");
    let kubeconfig = sandbox.kubeconfig.to_string_lossy().into_owned();
    let oci_chart = format!("{remote}/ml-serving-stack");
    let installed = h.ok(&[
        "install",
        "stack",
        &oci_chart,
        "--version",
        "2.3.0",
        "--plain-http",
        "--kubeconfig",
        &kubeconfig,
    ]);
    let (pre, body) = split_pull_preamble(&installed);
    assert_eq!(pre, format!("Pulled: {reference}\nDigest: {digest}\n"));
    assert!(body.starts_with("NAME: stack\n"), "{body}");
    assert!(body.contains("STATUS: deployed\nREVISION: 1\n"), "{body}");
    let upgraded = h.ok(&[
        "upgrade",
        "stack",
        &oci_chart,
        "--version",
        "2.3.0",
        "--plain-http",
        "--set",
        "global.environment=staging",
        "--kubeconfig",
        &kubeconfig,
    ]);
    assert!(
        upgraded.contains("STATUS: deployed\nREVISION: 2\n"),
        "{upgraded}"
    );
    let manifest = h.ok(&["get", "manifest", "stack", "--kubeconfig", &kubeconfig]);
    let expected = h.ok(&[
        "template",
        "stack",
        umbrella.to_str().unwrap(),
        "--set",
        "global.environment=staging",
        "--is-upgrade",
        // `get manifest` holds no hooks.
        "--no-hooks",
    ]);
    assert!(
        manifest.trim() == expected.trim(),
        "the upgraded release's manifest is not the chart's rendering"
    );
    drop(sandbox);
}
