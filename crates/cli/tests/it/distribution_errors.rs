//! Bad input to the distribution commands, on real servers the test
//! starts: each gets one clear error, never a panic, and leaves no
//! half-written `repositories.yaml`, repository cache, `Chart.lock`,
//! `charts/` or pulled file behind.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use capstan_testservers::{ChartRepo, Tls};

struct Homes {
    dir: tempfile::TempDir,
}

impl Homes {
    fn new() -> Homes {
        Homes {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }
    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
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
            .output()
            .expect("run capstan")
    }
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "capstan {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
    /// Fails with exactly one `Error: ` line on stderr; returns it.
    fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(!out.status.success(), "capstan {args:?} should fail");
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(stderr.starts_with("Error: "), "{stderr}");
        assert_eq!(stderr.matches("Error: ").count(), 1, "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        stderr
    }
}

/// Every file under `dir` (relative path, bytes), to prove nothing changed.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(root: &Path, d: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        let Ok(rd) = std::fs::read_dir(d) else { return };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                out.push((rel, std::fs::read(&p).unwrap_or_default()));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn chart_dir(root: &Path, name: &str, version: &str) -> PathBuf {
    let d = root.join(format!("src-{name}-{version}"));
    std::fs::create_dir_all(d.join("templates")).unwrap();
    std::fs::write(
        d.join("Chart.yaml"),
        format!("apiVersion: v2\nname: {name}\nversion: {version}\n"),
    )
    .unwrap();
    std::fs::write(d.join("values.yaml"), "a: 1\n").unwrap();
    d
}

fn served_repo(h: &Homes, tls: Option<Tls>) -> ChartRepo {
    let served = h.path("served");
    std::fs::create_dir_all(&served).unwrap();
    let src = chart_dir(&h.path("src"), "redis", "18.2.1");
    h.ok(&[
        "package",
        src.to_str().unwrap(),
        "-d",
        served.to_str().unwrap(),
    ]);
    h.ok(&["repo", "index", served.to_str().unwrap()]);
    ChartRepo::start(&served, tls, None)
}

#[test]
fn corrupt_index_and_tls_failures_leave_no_repository_or_cache_behind() {
    let h = Homes::new();
    // A repository whose index.yaml is not an index.
    let bad = h.path("bad");
    std::fs::create_dir_all(&bad).unwrap();
    std::fs::write(
        bad.join("index.yaml"),
        "entries: [this, is: not {an index\n",
    )
    .unwrap();
    let bad_repo = ChartRepo::start(&bad, None, None);
    let e = h.fails(&["repo", "add", "bad", &bad_repo.url]);
    assert!(
        e.starts_with(&format!(
            "Error: looks like \"{}\" is not a valid chart repository or cannot be reached: ",
            bad_repo.url
        )),
        "{e}"
    );
    assert!(!h.path("config/repositories.yaml").exists());
    assert!(
        snapshot(&h.path("cache")).is_empty(),
        "cache written: {:?}",
        snapshot(&h.path("cache"))
    );

    // HTTPS with a CA the client does not trust, then with --ca-file.
    let tls = Tls::make(&h.path("tls"));
    let secure = served_repo(&h, Some(tls.clone()));
    let e = h.fails(&["repo", "add", "secure", &secure.url]);
    assert!(
        e.contains("x509: certificate signed by unknown authority"),
        "{e}"
    );
    assert!(!h.path("config/repositories.yaml").exists());
    let out = h.ok(&[
        "repo",
        "add",
        "secure",
        &secure.url,
        "--ca-file",
        tls.ca.to_str().unwrap(),
    ]);
    assert_eq!(out, "\"secure\" has been added to your repositories\n");
    assert!(h.path("cache/repository/secure-index.yaml").exists());
    // A second bad add leaves the first repository's file and cache alone.
    let before = (snapshot(&h.path("config")), snapshot(&h.path("cache")));
    h.fails(&["repo", "add", "bad", &bad_repo.url]);
    assert_eq!(
        (snapshot(&h.path("config")), snapshot(&h.path("cache"))),
        before
    );
}

#[test]
fn an_index_entry_whose_archive_is_gone_leaves_chart_lock_and_charts_untouched() {
    let h = Homes::new();
    let repo = served_repo(&h, None);
    std::fs::remove_file(h.path("served/redis-18.2.1.tgz")).unwrap();
    let umbrella = h.path("umbrella");
    std::fs::create_dir_all(umbrella.join("charts/vendored")).unwrap();
    std::fs::write(
        umbrella.join("Chart.yaml"),
        format!(
            "apiVersion: v2\nname: umbrella\nversion: 1.0.0\ndependencies:\n  - name: redis\n    version: \"18.x.x\"\n    repository: \"{}\"\n",
            repo.url
        ),
    )
    .unwrap();
    // Something already vendored stays as it was.
    std::fs::write(
        umbrella.join("charts/vendored/Chart.yaml"),
        "apiVersion: v2\nname: vendored\nversion: 0.1.0\n",
    )
    .unwrap();
    let before = snapshot(&umbrella);
    let e = h.fails(&["dependency", "update", umbrella.to_str().unwrap()]);
    assert!(e.contains("404"), "{e}");
    assert_eq!(
        snapshot(&umbrella),
        before,
        "dependency update changed the chart"
    );
    assert!(!umbrella.join("Chart.lock").exists());
}

/// A gzipped tar with one entry whose name climbs out of the chart.
fn escaping_archive() -> Vec<u8> {
    fn entry(out: &mut Vec<u8>, name: &str, data: &[u8]) {
        let mut h = [0u8; 512];
        h[..name.len()].copy_from_slice(name.as_bytes());
        h[100..108].copy_from_slice(b"0000644\0");
        h[108..116].copy_from_slice(b"0000000\0");
        h[116..124].copy_from_slice(b"0000000\0");
        h[124..136].copy_from_slice(format!("{:011o}\0", data.len()).as_bytes());
        h[136..148].copy_from_slice(b"00000000000\0");
        h[156] = b'0';
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        h[148..156].copy_from_slice(b"        ");
        let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
        h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        out.extend_from_slice(&h);
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    let mut tar = Vec::new();
    entry(
        &mut tar,
        "evil/Chart.yaml",
        b"apiVersion: v2\nname: evil\nversion: 1.0.0\n",
    );
    entry(&mut tar, "evil/../../escaped.txt", b"owned\n");
    tar.resize(tar.len() + 1024, 0);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, &tar).unwrap();
    gz.finish().unwrap()
}

#[test]
fn an_archive_that_escapes_its_directory_is_refused_and_nothing_lands() {
    let h = Homes::new();
    let served = h.path("served");
    std::fs::create_dir_all(&served).unwrap();
    std::fs::write(served.join("evil-1.0.0.tgz"), escaping_archive()).unwrap();
    let digest = dist_sha256(&std::fs::read(served.join("evil-1.0.0.tgz")).unwrap());
    std::fs::write(
        served.join("index.yaml"),
        format!("apiVersion: v1\nentries:\n  evil:\n  - apiVersion: v2\n    name: evil\n    version: 1.0.0\n    digest: {digest}\n    urls:\n    - evil-1.0.0.tgz\ngenerated: \"2026-01-01T00:00:00Z\"\n"),
    )
    .unwrap();
    let repo = ChartRepo::start(&served, None, None);
    let dest = h.path("dest/inner");
    std::fs::create_dir_all(&dest).unwrap();
    let e = h.fails(&[
        "pull",
        "evil",
        "--repo",
        &repo.url,
        "--untar",
        "-d",
        dest.to_str().unwrap(),
    ]);
    assert!(e.contains("chart illegally"), "{e}");
    assert!(!h.path("dest/escaped.txt").exists());
    assert!(!h.path("escaped.txt").exists());
    assert!(snapshot(&dest).is_empty(), "{:?}", snapshot(&dest));
}

fn dist_sha256(data: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
