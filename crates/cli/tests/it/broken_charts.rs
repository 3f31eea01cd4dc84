//! Broken and hostile inputs to `capstan template`: each gives one clear
//! error (exit 1, `Error: …` naming the file/line/key), never a panic.
//! When Helm's oracle is present, the message must be Helm's, byte for byte.

use std::path::{Path, PathBuf};
use std::process::Command;

fn write(root: &Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        let p = root.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

fn helm_ref() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/oracle/helm-ref");
    p.exists().then_some(p)
}

const CHART: &str = "apiVersion: v2\nname: c\nversion: 0.1.0\n";

/// (case, files, extra args, text our message must contain)
type Case = (
    &'static str,
    Vec<(&'static str, &'static str)>,
    Vec<&'static str>,
    &'static str,
);

fn cases() -> Vec<Case> {
    // Big enough for files to be parsed while earlier ones already run:
    // a parse error must still win over an earlier file's failure, as in
    // Go, where everything is parsed first.
    let pad: &'static str = Box::leak(
        "# padding line for a template of some size\n"
            .repeat(150)
            .into_boxed_str(),
    );
    let failing: &'static str =
        Box::leak(format!("{pad}x: {{{{ fail \"runs first\" }}}}\n").into_boxed_str());
    let unparsable: &'static str = Box::leak(format!("{pad}y: {{{{ if }}}}\n").into_boxed_str());
    vec![
        (
            "parse error after a failing template",
            vec![("Chart.yaml", CHART), ("templates/a.yaml", failing), ("templates/m.yaml", pad), ("templates/z.yaml", unparsable)],
            vec![],
            "missing value for if",
        ),
        ("missing Chart.yaml", vec![("values.yaml", "a: 1\n")], vec![], "Chart.yaml file is missing"),
        ("bad Chart.yaml", vec![("Chart.yaml", "apiVersion: v2\nname: c\nversion: [\n")], vec![], "cannot load Chart.yaml"),
        ("Chart.yaml without version", vec![("Chart.yaml", "apiVersion: v2\nname: c\n")], vec![], "chart.metadata.version is required"),
        ("bad values.yaml", vec![("Chart.yaml", CHART), ("values.yaml", "a: [\n")], vec![], "cannot load values.yaml"),
        (
            "missing dependency",
            vec![("Chart.yaml", "apiVersion: v2\nname: c\nversion: 0.1.0\ndependencies:\n- name: redis\n  version: 1.0.0\n")],
            vec![],
            "missing in charts/ directory: redis",
        ),
        (
            "cyclic include",
            vec![
                ("Chart.yaml", CHART),
                ("templates/t.yaml", "{{- define \"a\" }}{{ include \"b\" . }}{{ end }}{{- define \"b\" }}{{ include \"a\" . }}{{ end }}\n{{ include \"a\" . }}\n"),
            ],
            vec![],
            "rendering template has a nested reference name",
        ),
        (
            "schema violation",
            vec![
                ("Chart.yaml", CHART),
                ("values.yaml", "replicas: three\n"),
                ("values.schema.json", r#"{"type":"object","properties":{"replicas":{"type":"integer"}}}"#),
            ],
            vec![],
            "at '/replicas': got string, want integer",
        ),
        ("unclosed action", vec![("Chart.yaml", CHART), ("templates/t.yaml", "a: {{ .Values.x\n")], vec![], "parse error at (c/templates/t.yaml:2)"),
        (
            "invalid YAML output",
            vec![("Chart.yaml", CHART), ("templates/t.yaml", "a: b: c\n")],
            vec![],
            "YAML parse error on c/templates/t.yaml",
        ),
        ("invalid --set", vec![("Chart.yaml", CHART)], vec!["--set", "a[x]=1"], "failed parsing --set data"),
        ("missing values file", vec![("Chart.yaml", CHART)], vec!["-f", "/nonexistent/values.yaml"], "/nonexistent/values.yaml"),
        (
            "required value",
            vec![("Chart.yaml", CHART), ("templates/t.yaml", "a: {{ required \"image.tag is required\" .Values.image }}\n")],
            vec![],
            "execution error at (c/templates/t.yaml:1:6): image.tag is required",
        ),
    ]
}

/// What Helm's `template` command appends when the install action failed
/// while rendering (it then returns a partial release along with the error).
const HINT: &str = "Use --debug flag to render out invalid YAML";

/// The cases above that fail while rendering (template parse or execution
/// errors, output that is not YAML), as opposed to loading or values errors.
fn render_stage(case: &str) -> bool {
    matches!(
        case,
        "cyclic include"
            | "unclosed action"
            | "invalid YAML output"
            | "required value"
            | "parse error after a failing template"
    )
}

fn run_capstan(chart: &Path, extra: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_capstan"))
        .args(["template", "rel"])
        .arg(chart)
        .args(extra)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `--debug`: output that is not valid YAML is printed (every non-blank
/// rendered file, `# Source:`-headed) before the error; without it the
/// error carries Helm's hint.  Failures before rendering get neither.
#[test]
fn render_stage_failures() {
    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("c");
    write(
        &chart,
        &[
            ("Chart.yaml", CHART),
            ("templates/ok.yaml", "x: 1\n"),
            ("templates/blank.yaml", "{{/* nothing */}}\n"),
            ("templates/t.yaml", "a: b: c\n"),
        ],
    );
    let (code, stdout, stderr) = run_capstan(&chart, &[]);
    assert_eq!(code, Some(1));
    assert_eq!(stdout, "");
    assert!(
        stderr.starts_with("Error: YAML parse error on c/templates/t.yaml"),
        "{stderr}"
    );
    assert!(
        stderr.trim_end().ends_with(&format!("\n\n{HINT}")),
        "{stderr}"
    );

    let (code, stdout, stderr) = run_capstan(&chart, &["--debug"]);
    assert_eq!(code, Some(1));
    assert_eq!(
        stdout,
        "---\n# Source: c/templates/ok.yaml\nx: 1\n\n---\n# Source: c/templates/t.yaml\na: b: c\n"
    );
    assert!(
        stderr.starts_with("Error: YAML parse error on c/templates/t.yaml"),
        "{stderr}"
    );
    assert!(!stderr.contains(HINT), "{stderr}");

    // A template error: the partial release has an empty manifest.
    let chart2 = dir.path().join("c2");
    write(
        &chart2,
        &[
            ("Chart.yaml", CHART),
            (
                "templates/t.yaml",
                "a: {{ required \"need x\" .Values.x }}\n",
            ),
        ],
    );
    let (code, stdout, stderr) = run_capstan(&chart2, &["--debug"]);
    assert_eq!(code, Some(1));
    assert_eq!(stdout, "\n");
    assert!(
        stderr.contains("need x") && !stderr.contains(HINT),
        "{stderr}"
    );
    let (_, stdout, stderr) = run_capstan(&chart2, &[]);
    assert_eq!(stdout, "");
    assert!(stderr.trim_end().ends_with(HINT), "{stderr}");

    // Values errors come before rendering: no hint, nothing printed.
    let chart3 = dir.path().join("c3");
    write(
        &chart3,
        &[
            ("Chart.yaml", CHART),
            ("values.yaml", "count: x\n"),
            (
                "values.schema.json",
                r#"{"type":"object","properties":{"count":{"type":"integer"}}}"#,
            ),
            ("templates/t.yaml", "a: 1\n"),
        ],
    );
    for extra in [&[][..], &["--debug"][..]] {
        let (code, stdout, stderr) = run_capstan(&chart3, extra);
        assert_eq!(code, Some(1));
        assert_eq!(stdout, "");
        assert!(
            stderr.contains("at '/count'") && !stderr.contains(HINT),
            "{stderr}"
        );
    }

    // --per-file (the SDK's view) keeps the bare message.
    let (_, _, stderr) = run_capstan(&chart2, &["--per-file"]);
    assert!(!stderr.contains(HINT), "{stderr}");
}

const SDK_DEPENDENCY_PREFIX: &str =
    "Error: chart dependencies are missing; run dependency update/build first: ";
const CLI_DEPENDENCY_PREFIX: &str = "Error: an error occurred while checking for chart dependencies. You may need to run 'helm dependency build' to fetch missing dependencies: ";

#[test]
fn broken_inputs_fail_cleanly() {
    let bin = env!("CARGO_BIN_EXE_capstan");
    let oracle = helm_ref();
    if oracle.is_none() {
        capstan_testkit::skip("helm-ref not present: checking our messages only");
    }
    for (name, files, args, needle) in cases() {
        let dir = tempfile::tempdir().unwrap();
        let chart = dir.path().join("c");
        std::fs::create_dir_all(&chart).unwrap();
        write(&chart, &files);
        let out = Command::new(bin)
            .args(["template", "rel"])
            .arg(&chart)
            .args(&args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{name}: want exit 1, got {:?}; stderr: {stderr}",
            out.status
        );
        assert!(stderr.starts_with("Error: "), "{name}: {stderr}");
        assert!(
            stderr.contains(needle),
            "{name}: {needle:?} not in {stderr:?}"
        );
        assert!(!stderr.contains("panicked"), "{name}: panic: {stderr}");
        // helm-ref has no --set-file/-f on missing files in the same form; compare chart errors.
        if let (Some(helm), true) = (&oracle, args.is_empty()) {
            let h = Command::new(helm)
                .args(["template", "rel"])
                .arg(&chart)
                .output()
                .unwrap();
            let hs = String::from_utf8_lossy(&h.stderr);
            let helm_err = hs
                .lines()
                .filter(|l| !l.contains(" WARN ") && !l.contains(" INFO "))
                .collect::<Vec<_>>()
                .join("\n");
            assert!(!h.status.success(), "{name}: Helm renders this");
            // helm-ref is Helm's SDK; Helm's CLI adds a hint to failures
            // that happen while rendering (see `render_stage_failures`).
            let want = if render_stage(name) {
                format!("{}\n\n{HINT}", helm_err.trim_end())
            } else {
                helm_err.trim_end().to_string()
            };
            // helm-ref's SDK wrapper checks dependencies itself, in its own
            // words; Helm's CLI (v4.2.3 pkg/cmd/install.go and template.go,
            // runInstall) wraps action.CheckDependencies' error in these.
            let want = match want.strip_prefix(SDK_DEPENDENCY_PREFIX) {
                Some(rest) => format!("{CLI_DEPENDENCY_PREFIX}{rest}"),
                None => want,
            };
            assert_eq!(
                stderr.trim_end(),
                want,
                "{name}: message differs from Helm's"
            );
        }
    }
}
