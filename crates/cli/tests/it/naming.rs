//! Release naming as Helm 4.2.3's `NameAndChart` does it (pkg/action/install.go):
//! `template` sets the name `release-name` before `NameAndChart` runs, so
//! `--name-template` wins over it and `--generate-name` does not; `install`
//! has no default, generates `BASE-UNIXTIME` from the chart reference's base
//! name cut at its first `.`, and refuses a NAME together with either flag.
//! helm-ref (Helm's SDK) has no name flags, so these follow Helm's source.

use std::path::PathBuf;
use std::process::Command;

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn capstan(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_capstan"))
        .args(args)
        .current_dir(repo_root())
        .output()
        .expect("run capstan");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `.Release.Name` as the fraud-model chart prints it (its instance label).
fn instance(manifest: &str) -> &str {
    manifest
        .lines()
        .find_map(|l| l.trim().strip_prefix("app.kubernetes.io/instance: "))
        .expect("an instance label")
}

#[test]
fn template_runs_the_name_template() {
    let (code, out, err) = capstan(&[
        "template",
        "examples/fraud-model",
        "--name-template",
        r#"abc-{{ "x" }}"#,
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(instance(&out), "abc-x");
}

#[test]
fn template_generate_name_keeps_release_name() {
    let (code, out, err) = capstan(&["template", "examples/fraud-model", "--generate-name"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(instance(&out), "release-name");
}

#[test]
fn name_flags_conflict_with_a_name() {
    let (code, _, err) = capstan(&["template", "n", "examples/fraud-model", "--generate-name"]);
    assert_eq!(code, 1);
    assert_eq!(
        err,
        "Error: cannot set --generate-name and also specify a name\n"
    );
    let (code, _, err) = capstan(&[
        "template",
        "n",
        "examples/fraud-model",
        "--name-template",
        "x",
    ]);
    assert_eq!(code, 1);
    assert_eq!(
        err,
        "Error: cannot set --name-template and also specify a name\n"
    );
    // install says so before it needs a cluster.
    let (code, _, err) = capstan(&["install", "n", "examples/fraud-model", "--generate-name"]);
    assert_eq!(code, 1);
    assert_eq!(
        err,
        "Error: INSTALLATION FAILED: cannot set --generate-name and also specify a name\n"
    );
}

#[test]
fn install_needs_a_name_or_generate_name() {
    let (code, _, err) = capstan(&["install", "examples/fraud-model"]);
    assert_eq!(code, 1);
    assert_eq!(
        err,
        "Error: INSTALLATION FAILED: must either provide a name or specify --generate-name\n"
    );
}

#[test]
fn a_failing_name_template_fails_the_command() {
    let (code, _, err) = capstan(&[
        "template",
        "examples/fraud-model",
        "--name-template",
        r#"{{ fail "no name" }}"#,
    ]);
    assert_eq!(code, 1);
    assert!(err.starts_with("Error: template: name-template:1:3: executing \"name-template\" at <fail \"no name\">: error calling fail: no name"), "{err}");
}
