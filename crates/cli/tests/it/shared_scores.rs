//! Scores against the shared reference data (Helm's conformance vectors and
//! the real-chart corpus), when `../shared` sits beside the repository.
//!
//! Each score must not fall below the floor recorded in `tests/floors.txt`
//! (a ratchet: raise it when the score rises).  Without `../shared` the
//! tests print why they skip.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn shared() -> Option<PathBuf> {
    let p = repo_root().join("../shared");
    p.is_dir().then_some(p)
}

fn floor(key: &str) -> usize {
    let text =
        std::fs::read_to_string(repo_root().join("tests/floors.txt")).expect("tests/floors.txt");
    text.lines()
        .filter_map(|l| l.split_once('='))
        .find(|(k, _)| k.trim() == key)
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no floor for {key} in tests/floors.txt"))
}

/// Run a scorer and parse its closing `N passed, M failed` line.
fn score(cmd: &mut Command) -> (usize, usize, String) {
    let out = cmd.output().expect("run scorer");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let last = stdout
        .lines()
        .rev()
        .find(|l| l.contains(" passed, "))
        .unwrap_or_else(|| panic!("no score line in:\n{stdout}"));
    let nums: Vec<usize> = last
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|s| s.parse().ok())
        .collect();
    (nums[0], nums[1], stdout)
}

#[test]
fn conformance_vectors() {
    let Some(shared) = shared() else {
        capstan_testkit::skip(format_args!(
            "skipping: ../shared/conformance is not present"
        ));
        return;
    };
    let bin = env!("CARGO_BIN_EXE_capstan");
    let (passed, failed, out) = score(
        Command::new(shared.join("conformance/run-with"))
            .arg("-v")
            .arg("-j")
            .arg("2")
            .arg("--cmd")
            .arg(format!(
                "{bin} template {{release}} {{chart}} -n {{namespace}} --per-file"
            )),
    );
    eprintln!("{out}");
    eprintln!("conformance: {passed} passed, {failed} failed");
    assert!(
        passed >= floor("conformance"),
        "conformance score {passed} fell below the floor"
    );
}

#[test]
fn corpus_charts() {
    let Some(shared) = shared() else {
        capstan_testkit::skip(format_args!("skipping: ../shared/corpus is not present"));
        return;
    };
    let bin = env!("CARGO_BIN_EXE_capstan");
    let (passed, failed, out) = score(
        Command::new(shared.join("corpus/check"))
            .arg("-v")
            .arg("--cmd")
            .arg(format!(
                "{bin} template {{release}} {{chart}} -n {{namespace}} {{values}} --no-hooks"
            )),
    );
    eprintln!("{out}");
    eprintln!("corpus: {passed} passed, {failed} failed");
    assert!(
        passed >= floor("corpus"),
        "corpus score {passed} fell below the floor"
    );
}
