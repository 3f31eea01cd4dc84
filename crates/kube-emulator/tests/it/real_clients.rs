//! Acceptance: real Helm v4.2.3 (through the oracle's Go SDK) and real
//! kubectl drive `../shared/kube-clients/run_all.sh` against the emulator,
//! over HTTP and over HTTPS, and `verify.py` must report no failure.
//!
//! Skips (with a message) when `../shared/kube-clients` (relative to the
//! repository root) or `kubectl` is not available.

use crate::common;

use common::{Emu, TempDir};
use std::path::PathBuf;
use std::process::Command;

fn shared_dir() -> Option<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = root.join("../shared/kube-clients");
    dir.join("run_all.sh").is_file().then_some(dir)
}

fn have(cmd: &str, args: &[&str]) -> bool {
    Command::new(cmd)
        .args(args)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn run_against(dir: &std::path::Path, tls: bool) {
    let emu = Emu::start(if tls { &["--tls"] } else { &[] });
    let out = TempDir::new(if tls { "https" } else { "http" });
    let started = std::time::Instant::now();
    let res = Command::new("bash")
        .arg(dir.join("run_all.sh"))
        .arg(&out.0)
        .args(["--server", &emu.url])
        .output()
        .expect("run run_all.sh");
    let stdout = String::from_utf8_lossy(&res.stdout);
    eprintln!("{stdout}");
    eprintln!(
        "run_all.sh against {} took {:?}",
        emu.url,
        started.elapsed()
    );
    let last = stdout
        .lines()
        .rev()
        .find(|l| l.contains(" passed, "))
        .unwrap_or("");
    let mut nums = last
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<u32>().unwrap_or(0));
    let (passed, failed) = (nums.next().unwrap_or(0), nums.next().unwrap_or(u32::MAX));
    assert!(
        passed > 0 && failed == 0,
        "verify.py over {}: {last:?}\nstderr: {}",
        emu.url,
        String::from_utf8_lossy(&res.stderr)
    );
}

#[test]
fn real_helm_and_kubectl_over_http_and_https() {
    let Some(dir) = shared_dir() else {
        capstan_testkit::skip(
            "SKIP: ../shared/kube-clients not found relative to the repository root",
        );
        return;
    };
    if !have("kubectl", &["version", "--client"]) {
        eprintln!("SKIP: kubectl is not installed");
        return;
    }
    if !dir.join("../oracle/setup").is_file() {
        capstan_testkit::skip("SKIP: ../shared/oracle/setup (Helm's Go SDK) not found");
        return;
    }
    run_against(&dir, false);
    run_against(&dir, true);
}
