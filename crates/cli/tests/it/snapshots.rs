//! Snapshots of capstan's own output, so that a change in what it prints
//! shows up on any machine — with or without `../shared`:
//! - `template` of the example charts in each environment of the seed;
//! - `lint` of every lint fixture (`crates/action/tests/fixtures/lint`);
//! - the errors of broken templates (lexer, parser and executor), one
//!   input file each under `inputs/template-errors/`.
//!
//! The snapshots are capstan's output, never Helm's goldens. What keeps
//! them honest is that the same outputs are compared with Helm itself
//! whenever the oracle is present: `examples.rs` (template, byte for byte),
//! `crates/action/tests/authoring.rs` (lint) and `broken_charts.rs`
//! (error texts). When a snapshot changes, run those with `../shared` in
//! place before accepting it (`cargo insta review`, or
//! `INSTA_UPDATE=always`).

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// What a command printed, as a person reads it: exit code, stdout, stderr.
fn run(args: &[&str], dir: &Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_capstan"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run capstan");
    format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("snapshots");
    s.set_prepend_module_to_snapshot(false);
    s
}

#[test]
fn example_charts_per_environment() {
    let cases: &[(&str, &str, &str, Option<&str>)] = &[
        (
            "fraud-model",
            "examples/fraud-model",
            "team-fraud-dev",
            None,
        ),
        (
            "fraud-model",
            "examples/fraud-model",
            "team-fraud-staging",
            Some("values-staging.yaml"),
        ),
        (
            "fraud-model",
            "examples/fraud-model",
            "team-fraud-prod",
            Some("values-prod.yaml"),
        ),
        (
            "ml-serving-stack",
            "examples/ml-serving-stack",
            "ml-dev",
            Some("values-dev.yaml"),
        ),
        (
            "ml-serving-stack",
            "examples/ml-serving-stack",
            "ml-staging",
            Some("values-staging.yaml"),
        ),
        (
            "ml-serving-stack",
            "examples/ml-serving-stack",
            "ml-prod",
            Some("values-prod.yaml"),
        ),
    ];
    let root = repo_root();
    for (release, chart, ns, values) in cases {
        let file = values.map(|v| format!("{chart}/{v}"));
        let mut args = vec!["template", release, chart, "-n", ns];
        if let Some(f) = &file {
            args.extend(["-f", f.as_str()]);
        }
        let out = run(&args, &root);
        assert!(out.starts_with("exit: 0\n"), "{out}");
        let name = format!(
            "template-{}-{}",
            release,
            ns.rsplit('-').next().unwrap_or(ns)
        );
        settings().bind(|| insta::assert_snapshot!(name, out));
    }
}

#[test]
fn lint_fixtures() {
    let fixtures = repo_root().join("crates/action/tests/fixtures/lint");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .expect("lint fixtures")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 20, "lint fixtures went missing");
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        // Relative paths, so the snapshot does not depend on the checkout.
        let out = run(&["lint", &name], &fixtures);
        settings().bind(|| insta::assert_snapshot!(format!("lint-{name}"), out));
    }
}

#[test]
fn template_errors() {
    let inputs = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/inputs/template-errors");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&inputs)
        .expect("inputs")
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    assert!(files.len() >= 20, "template error inputs went missing");
    for file in files {
        let dir = tempfile::tempdir().unwrap();
        let chart = dir.path().join("c");
        std::fs::create_dir_all(chart.join("templates")).unwrap();
        std::fs::write(
            chart.join("Chart.yaml"),
            "apiVersion: v2\nname: c\nversion: 0.1.0\n",
        )
        .unwrap();
        std::fs::write(chart.join("values.yaml"), "list: [a, b]\n").unwrap();
        std::fs::copy(&file, chart.join("templates/t.yaml")).unwrap();
        let out = run(&["template", "c"], dir.path());
        let name = file.file_stem().unwrap().to_string_lossy().into_owned();
        let input = std::fs::read_to_string(&file).unwrap();
        settings().bind(|| {
            insta::with_settings!({ description => input.clone() }, {
                insta::assert_snapshot!(format!("template-error-{name}"), out)
            })
        });
    }
}
