//! The report as helm-diff prints it: every format and flag.  Expected
//! texts are helm-diff's behaviour as its own tests and source pin it down
//! (databus23/helm-diff v3.15.11, `diff/diff_test.go`, `report.go`), worked
//! out by hand here — not output captured from this crate.

use capstan_diff::{diff_indexes, diff_manifests, parse, Options, Ownership, ParseOptions};

fn ns() -> ParseOptions {
    ParseOptions {
        namespace: "default".into(),
        ..Default::default()
    }
}

fn run(old: &str, new: &str, o: &Options) -> (String, bool) {
    let out = diff_manifests(old, new, &ns(), o).expect("diff");
    (out.stdout, out.changed)
}

fn opts(f: impl FnOnce(&mut Options)) -> Options {
    let mut o = Options::default();
    f(&mut o);
    o
}

const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n";

fn cm(lines: &[&str]) -> String {
    let mut s = CM.to_string();
    for l in lines {
        s.push_str(&format!("  {l}\n"));
    }
    s
}

const TEXT1: [&str; 10] = [
    "line1", "line2", "line3", "line4", "line5", "line6", "line7", "line8", "line9", "line10",
];
const TEXT2: [&str; 10] = [
    "line1 - different!",
    "line2 - different!",
    "line3",
    "line4",
    "line5",
    "line6",
    "line7",
    "line8 - different!",
    "line9",
    "line10",
];

/// A ConfigMap whose data block is TEXT1/TEXT2-like lines, without the
/// trailing newline, so only those lines differ.
fn ctx_case(context: i64) -> String {
    let a: Vec<String> = TEXT1.iter().map(|l| format!("{l}: x")).collect();
    let b: Vec<String> = TEXT2.iter().map(|l| format!("{l}: x")).collect();
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let b: Vec<&str> = b.iter().map(String::as_str).collect();
    run(&cm(&a), &cm(&b), &opts(|o| o.context = context)).0
}

#[test]
fn context_lines() {
    let head = "default, cm, ConfigMap (v1) has changed:\n";
    assert_eq!(
        ctx_case(0),
        format!("{head}...\n-   line1: x\n-   line2: x\n+   line1 - different!: x\n+   line2 - different!: x\n...\n-   line8: x\n+   line8 - different!: x\n...\n")
    );
    assert_eq!(
        ctx_case(1),
        format!("{head}...\n  data:\n-   line1: x\n-   line2: x\n+   line1 - different!: x\n+   line2 - different!: x\n    line3: x\n...\n    line7: x\n-   line8: x\n+   line8 - different!: x\n    line9: x\n...\n")
    );
    assert_eq!(
        ctx_case(2),
        format!("{head}...\n    name: cm\n  data:\n-   line1: x\n-   line2: x\n+   line1 - different!: x\n+   line2 - different!: x\n    line3: x\n    line4: x\n...\n    line6: x\n    line7: x\n-   line8: x\n+   line8 - different!: x\n    line9: x\n    line10: x\n")
    );
    let all = ctx_case(-1);
    assert!(
        all.starts_with(&format!("{head}  apiVersion: v1\n")),
        "{all}"
    );
    // Objects are trimmed: no blank line after the last one.
    assert!(
        all.ends_with("  line8 - different!: x\n    line9: x\n    line10: x\n"),
        "{all:?}"
    );
}

#[test]
fn strip_trailing_cr() {
    let a = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n";
    let b = a.replace('\n', "\r\n");
    let (out, changed) = run(a, &b, &Options::default());
    // (The last line's `\r` went with the trimming of the object.)
    assert!(
        changed && out.contains("- metadata:\n+ apiVersion: v1\r\n"),
        "{out:?}"
    );
    let (out, _) = run(a, &b, &opts(|o| o.strip_trailing_cr = true));
    // Texts differ, lines do not: no entry at all.
    assert_eq!(out, "");
}

#[test]
fn added_and_removed_objects() {
    let svc = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n";
    let (out, _) = run("", svc, &Options::default());
    assert_eq!(
        out,
        "default, web, Service (v1) has been added:\n- \n+ apiVersion: v1\n+ kind: Service\n+ metadata:\n+   name: web\n"
    );
    let (out, _) = run(svc, "", &Options::default());
    assert_eq!(
        out,
        "default, web, Service (v1) has been removed:\n- apiVersion: v1\n- kind: Service\n- metadata:\n-   name: web\n+ \n"
    );
    // `helm.sh/resource-policy: keep` objects are never "removed".
    let kept = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  annotations:\n    helm.sh/resource-policy: keep\n";
    assert_eq!(run(kept, "", &Options::default()), (String::new(), false));
}

#[test]
fn order_modified_then_removed_then_added() {
    let a = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\ndata: {x: '1'}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: z-gone\n";
    let b = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a-new\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\ndata: {x: '2'}\n";
    let (out, _) = run(a, b, &opts(|o| o.output = "simple".into()));
    assert_eq!(
        out,
        "default, b, ConfigMap (v1) to be changed.\ndefault, z-gone, ConfigMap (v1) to be removed.\ndefault, a-new, ConfigMap (v1) to be added.\nPlan: 1 to add, 1 to change, 1 to destroy, 0 to change ownership.\n"
    );
    assert_eq!(
        run("", "", &opts(|o| o.output = "simple".into())).0,
        "Plan: 0 to add, 0 to change, 0 to destroy, 0 to change ownership.\n"
    );
}

#[test]
fn colours() {
    let a = cm(&["k: a"]);
    let b = cm(&["k: b"]);
    let (out, _) = run(
        &a,
        &b,
        &opts(|o| {
            o.color = true;
            o.context = 0;
        }),
    );
    assert_eq!(
        out,
        "\x1b[0;33mdefault, cm, ConfigMap (v1) has changed:\x1b[0m\n...\n\x1b[0;31m-   k: a\x1b[0m\n\x1b[0;32m+   k: b\x1b[0m\n"
    );
    let (out, _) = run("", &a, &opts(|o| o.color = true));
    assert!(out.starts_with("\x1b[0;32mdefault, cm, ConfigMap (v1) has been added:\x1b[0m\n"));
    let (out, _) = run(&a, "", &opts(|o| o.color = true));
    assert!(out.starts_with("\x1b[0;31mdefault, cm, ConfigMap (v1) has been removed:\x1b[0m\n"));
    let (out, _) = run(
        &a,
        &b,
        &opts(|o| {
            o.color = true;
            o.suppressed_kinds = vec!["ConfigMap".into()];
        }),
    );
    assert_eq!(
        out,
        "\x1b[0;33mdefault, cm, ConfigMap (v1) has changed:\x1b[0m\n\x1b[0;33m+ Changes suppressed on sensitive content of type ConfigMap\n\x1b[0m"
    );
    let (out, _) = run(
        &a,
        &b,
        &opts(|o| {
            o.color = true;
            o.suppress_line_regex = vec!["k: ".into()];
        }),
    );
    assert_eq!(
        out,
        "\x1b[0;94mdefault, cm, ConfigMap (v1) has changed, but diff is empty after suppression.\x1b[0m\n"
    );
}

#[test]
fn line_suppression() {
    let a = cm(&["k: a", "keep: 1"]);
    let b = cm(&["k: b", "keep: 2"]);
    let (out, changed) = run(
        &a,
        &b,
        &opts(|o| o.suppress_line_regex = vec!["^  k:".into()]),
    );
    assert!(changed);
    assert!(
        out.contains("-   keep: 1\n+   keep: 2\n") && !out.contains("k: a"),
        "{out}"
    );
    // Every change suppressed: MODIFY_SUPPRESSED, still "changed".
    let (out, changed) = run(
        &a,
        &b,
        &opts(|o| {
            o.suppress_line_regex = vec!["k".into()];
            o.output = "simple".into();
        }),
    );
    assert!(changed);
    assert_eq!(
        out,
        "default, cm, ConfigMap (v1) has changed, but diff is empty after suppression.\nPlan: 0 to add, 0 to change, 0 to destroy, 0 to change ownership.\n"
    );
    // ADD keeps its header with no lines.
    let (out, _) = run("", &a, &opts(|o| o.suppress_line_regex = vec![".*".into()]));
    assert_eq!(out, "default, cm, ConfigMap (v1) has been added:\n");
    let bad = diff_manifests(
        &a,
        &b,
        &ns(),
        &opts(|o| o.suppress_line_regex = vec!["(".into()]),
    );
    assert_eq!(
        bad.unwrap_err().0,
        "error parsing regexp: missing closing ): `(`"
    );
}

#[test]
fn rename_detection() {
    let a = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: old-name\ndata:\n  a: '1'\n  b: '2'\n  c: '3'\n  d: '4'\n";
    let b = a.replace("old-name", "new-name");
    let (plain, _) = run(a, &b, &opts(|o| o.output = "simple".into()));
    assert!(
        plain.contains("to be removed.") && plain.contains("to be added."),
        "{plain}"
    );
    let (out, _) = run(a, &b, &opts(|o| o.find_renames = 0.5));
    assert_eq!(
        out.lines().next(),
        Some("default, old-name, ConfigMap (v1) has changed:"),
        "a rename is a change under the old key: {out}"
    );
    assert!(out.contains("-   name: old-name\n+   name: new-name\n"));
    // Above the threshold: no rename.
    let (out, _) = run(
        a,
        &b,
        &opts(|o| {
            o.find_renames = 0.05;
            o.output = "simple".into();
        }),
    );
    assert!(out.contains("to be removed."));
    // A renamed Secret is diffed (helm-diff reports a parse error here).
    let s1 = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s-1\ndata:\n  k: dmFsdWU=\n";
    let s2 = s1.replace("s-1", "s-2");
    let (out, _) = run(s1, &s2, &opts(|o| o.find_renames = 0.9));
    assert!(
        out.starts_with("default, s-1, Secret (v1) has changed:\n"),
        "{out}"
    );
    assert!(
        out.contains("    k: 'REDACTED # (5 bytes)'\n") && !out.contains("Error parsing"),
        "{out}"
    );
}

#[test]
fn secrets_shown_when_asked() {
    let s1 = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  k: dmFsdWU=\n";
    let s2 = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  k: b3RoZXI=\n";
    let (out, _) = run(s1, s2, &opts(|o| o.show_secrets = true));
    assert!(out.contains("-   k: dmFsdWU=\n+   k: b3RoZXI=\n"), "{out}");
    let (out, _) = run(s1, s2, &opts(|o| o.show_secrets_decoded = true));
    assert!(
        out.contains("  stringData:\n-   k: value\n+   k: other\n"),
        "{out}"
    );
    // Raw texts differ but redact alike (only the order changed): no entry.
    let s3 = "kind: Secret\napiVersion: v1\nmetadata:\n  name: s\ndata:\n  k: dmFsdWU=\n";
    assert_eq!(run(s1, s3, &Options::default()), (String::new(), false));
}

#[test]
fn ownership_entries_come_first() {
    let cmtext = cm(&["k: a"]);
    let old = parse(&cmtext, &ns()).expect("parse");
    let new = parse(&cm(&["k: b"]), &ns()).expect("parse");
    let own = vec![Ownership {
        key: "default, cm, ConfigMap (v1)".into(),
        old_owner: String::new(),
        new_owner: "default/rel".into(),
    }];
    let out = diff_indexes(&old, &new, &own, &opts(|o| o.context = 0)).expect("diff");
    assert_eq!(
        out.stdout,
        "default, cm, ConfigMap (v1) changed ownership:\n- \n+ default/rel\ndefault, cm, ConfigMap (v1) has changed:\n...\n-   k: a\n+   k: b\n"
    );
    let out = diff_indexes(
        &old,
        &old,
        &own,
        &opts(|o| {
            o.output = "simple".into();
            o.color = true;
        }),
    )
    .expect("diff");
    assert_eq!(
        out.stdout,
        "\x1b[0;35mdefault, cm, ConfigMap (v1) to change ownership.\x1b[0m\nPlan: 0 to add, 0 to change, 0 to destroy, 1 to change ownership.\n"
    );
    let j = diff_indexes(&old, &old, &own, &opts(|o| o.output = "json".into())).expect("diff");
    assert!(
        j.stdout.contains("\"change\": \"OWNERSHIP\""),
        "{}",
        j.stdout
    );
}

#[test]
fn custom_template_and_structured_suppression() {
    let dir = std::env::temp_dir().join(format!("capstan-diff-tpl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    let tpl = dir.join("custom.tpl");
    std::fs::write(
        &tpl,
        "{{- range $i, $e := . }}{{ $e.Name }}{{ if not (last $i $) }}, {{ end }}{{ end }}",
    )
    .expect("write");
    let a = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: nginx\n";
    let b = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: nginx\n  labels: {a: b}\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n";
    let (out, _) = run(
        a,
        b,
        &opts(|o| {
            o.output = "template".into();
            o.template_file = Some(tpl.clone());
        }),
    );
    assert_eq!(out, "nginx, web\n");
    let (out, _) = run(
        a,
        b,
        &opts(|o| {
            o.output = "structured".into();
            o.suppressed_kinds = vec!["Deployment".into()];
        }),
    );
    assert!(out.contains("    \"changeType\": \"MODIFY\",\n    \"resourceStatus\": {\n      \"oldExists\": true,\n      \"newExists\": true\n    },\n    \"changesSuppressed\": true\n  },"), "{out}");
    assert!(out.contains("\"changeType\": \"ADD\",\n    \"resourceStatus\": {\n      \"oldExists\": false,\n      \"newExists\": true\n    }\n  }\n]\n"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn tests_and_normalisation() {
    let hook = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: t\n  annotations:\n    helm.sh/hook: test-success\n";
    assert_eq!(run("", hook, &Options::default()), (String::new(), false));
    let p = ParseOptions {
        include_tests: true,
        ..ns()
    };
    let out = diff_manifests("", hook, &p, &Options::default()).expect("diff");
    assert!(out
        .stdout
        .starts_with("default, t, Pod (v1) has been added:\n"));
    // Style-only differences vanish with --normalize-manifests.
    let a = "# Source: x\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {a: '1'}\n";
    let b = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: \"1\"\n";
    assert!(run(a, b, &Options::default()).1);
    let p = ParseOptions {
        normalize: true,
        ..ns()
    };
    let out = diff_manifests(a, b, &p, &Options::default()).expect("diff");
    assert_eq!((out.stdout.as_str(), out.changed), ("", false));
}

#[test]
fn dyff_report_paths_and_values() {
    let a = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n      - name: app\n        image: app:1\n";
    let b = a
        .replace("replicas: 1", "replicas: 3")
        .replace("app:1", "app:2");
    let dyff = |x: &str, y: &str| run(x, y, &opts(|o| o.output = "dyff".into())).0;
    // One document on the old side: paths without the document's name.
    assert_eq!(
        dyff(a, &b),
        "\nspec.replicas\n± value change\n- 1\n+ 3\n\nspec.template.spec.containers.app.image\n± value change\n- app:1\n+ app:2\n\n"
    );
    assert_eq!(dyff(a, a), "\n");
    // A map's own removals/additions come before the changes inside it;
    // added entries are indented by two, removed ones are not.
    let c = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  gone: x\n  kept: a\n";
    let d = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  labels:\n    team: ml\ndata:\n  kept: b\n";
    assert_eq!(
        dyff(c, d),
        "\nmetadata\n+ one map entry added:\n  labels:\n    team: ml\n\ndata\n- one map entry removed:\ngone: x\n\ndata.kept\n± value change\n- a\n+ b\n\n"
    );
    // Several documents: each path names its document; removal and
    // addition at one path sit side by side when they fit.
    let e = format!("{c}---\n{a}");
    let f = format!("{}---\n{b}", c.replace("gone: x", "new: z"));
    let out = dyff(&e, &f);
    // Columns: the removal block is 24 wide, then three spaces, then the
    // addition block (its YAML indented by two).
    let want = format!(
        "\ndata  (v1/ConfigMap/cm)\n- one map entry removed:   + one map entry added:\ngone: x{}new: z\n\nspec.replicas  (apps/v1/Deployment/web)\n",
        " ".repeat(24 - 7 + 3 + 2)
    );
    assert!(out.starts_with(&want), "{out}");
}
