//! Integration tests: small charts built in temp dirs.  Expectations were
//! confirmed against Helm v4.2.3 (helm-ref `values` / `template`).

use std::fs;
use std::path::Path;

use capstan_chart::{
    cli_values::ValueOptions, coalesce_values, load, process_dependencies, values,
};

fn write(root: &Path, files: &[(&str, &str)]) {
    for (name, body) in files {
        let p = root.join(name);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, body).unwrap();
    }
}

fn json(v: &gotmpl::Value) -> serde_json::Value {
    values::to_json(v)
}

#[test]
fn loads_files_in_walk_order_and_sorts_special_files() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        &[
            ("Chart.yaml", "apiVersion: v2\nname: t\nversion: 0.1.0\n"),
            ("values.yaml", "a: 1\n"),
            ("templates/b.yaml", "b"),
            ("templates/.hidden", "x"),
            ("a/b.txt", "1"),
            ("a.txt", "2"),
            ("values.schema.json", "{}"),
            (".helmignore", "*.bak\n"),
            ("skip.bak", "no"),
        ],
    );
    let c = load(d.path()).unwrap();
    let names: Vec<&str> = c.files.iter().map(|f| f.name.as_str()).collect();
    // Directory "a" sorts before "a.txt" by name, then its contents follow.
    assert_eq!(names, vec![".helmignore", "a/b.txt", "a.txt"]);
    assert_eq!(c.templates.len(), 1);
    assert!(c.schema.is_some());
    assert_eq!(c.metadata.name, "t");
}

#[test]
fn chart_yaml_errors() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        &[("Chart.yaml", "apiVersion: v2\nversion: 0.1.0\n")],
    );
    assert_eq!(
        load(d.path()).unwrap_err().to_string(),
        "validation: chart.metadata.name is required"
    );
    write(
        d.path(),
        &[("Chart.yaml", "apiVersion: v2\nname: t\nversion: nope\n")],
    );
    assert_eq!(
        load(d.path()).unwrap_err().to_string(),
        "validation: chart.metadata.version \"nope\" is invalid"
    );
    write(
        d.path(),
        &[(
            "Chart.yaml",
            "apiVersion: v2\nname: t\nversion: 1.0.0\ntype: foo\n",
        )],
    );
    assert_eq!(
        load(d.path()).unwrap_err().to_string(),
        "validation: chart.metadata.type must be application or library"
    );
    write(
        d.path(),
        &[(
            "Chart.yaml",
            "apiVersion: v2\nname: t\nversion: 1.0.0\nkeywords: x\n",
        )],
    );
    assert_eq!(
        load(d.path()).unwrap_err().to_string(),
        "cannot load Chart.yaml: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal string into Go struct field Metadata.keywords of type []string"
    );
    let e = tempfile::tempdir().unwrap();
    write(e.path(), &[("values.yaml", "a: 1\n")]);
    assert_eq!(
        load(e.path()).unwrap_err().to_string(),
        "Chart.yaml file is missing"
    );
}

#[test]
fn missing_api_version_defaults_to_v1_and_floats_become_strings() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        &[("Chart.yaml", "name: t\nversion: 0.1.0\nappVersion: 1.10\n")],
    );
    let c = load(d.path()).unwrap();
    assert_eq!(c.metadata.api_version, "v1");
    assert_eq!(c.metadata.app_version, "1.1");
}

#[test]
fn values_yaml_errors() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        &[
            ("Chart.yaml", "apiVersion: v2\nname: t\nversion: 0.1.0\n"),
            ("values.yaml", "- a\n"),
        ],
    );
    assert_eq!(
        load(d.path()).unwrap_err().to_string(),
        "cannot load values.yaml: cannot unmarshal yaml document: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type map[string]interface {}"
    );
    write(d.path(), &[("values.yaml", "a: 1\n---x\n")]);
    assert_eq!(
        load(d.path()).unwrap_err().to_string(),
        "cannot load values.yaml: error reading yaml document: invalid Yaml document separator: x"
    );
}

#[test]
fn multi_document_values_merge() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        &[
            ("Chart.yaml", "apiVersion: v2\nname: t\nversion: 0.1.0\n"),
            ("values.yaml", "# pre\n---\nx: 1\n---\nz: 2\n"),
        ],
    );
    let c = load(d.path()).unwrap();
    let v = coalesce_values(&c, &gotmpl::Value::Nil).unwrap();
    assert_eq!(json(&v), serde_json::json!({"x": 1, "z": 2}));
}

#[test]
fn chart_default_nulls_dropped_user_nulls_delete_defaults() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        &[
            ("Chart.yaml", "apiVersion: v2\nname: t\nversion: 0.1.0\n"),
            ("values.yaml", "a: null\nb:\n  c: null\n  d: 1\n"),
        ],
    );
    let c = load(d.path()).unwrap();
    let v = coalesce_values(&c, &gotmpl::Value::Nil).unwrap();
    assert_eq!(json(&v), serde_json::json!({"b": {"d": 1}}));
    let user = ValueOptions {
        values: vec!["b.d=null,b.e=null,z=null".into()],
        ..Default::default()
    }
    .merge()
    .unwrap();
    let v = coalesce_values(&c, &user).unwrap();
    assert_eq!(json(&v), serde_json::json!({"b": {"e": null}, "z": null}));
}

fn dep_chart(root: &Path) {
    write(
        root,
        &[
            (
                "Chart.yaml",
                "apiVersion: v2\nname: p\nversion: 1.0.0\ndependencies:\n- name: sub\n  version: \">=0.1.0\"\n  condition: sub.enabled\n  import-values:\n  - data\n  - child: cfg\n    parent: fromsub\n- name: sub2\n  version: \"~1.2.0\"\n  alias: first\n- name: sub2\n  version: 1.2.x\n  alias: second\n  condition: second.switch\n- name: lib\n  version: \"*\"\n  tags: [backend]\n",
            ),
            ("values.yaml", "global:\n  g1: top\nsub:\n  x: parent\nsecond:\n  switch: false\ntags:\n  backend: false\nfromsub:\n  keep: parentwins\n"),
            ("charts/sub/Chart.yaml", "apiVersion: v2\nname: sub\nversion: 0.2.0\n"),
            (
                "charts/sub/values.yaml",
                "enabled: true\nx: child\nglobal:\n  g1: sub\n  g2: sub\nexports:\n  data:\n    exported: \"yes\"\ncfg:\n  keep: childval\n  other: 1\n",
            ),
            ("charts/sub2/Chart.yaml", "apiVersion: v2\nname: sub2\nversion: 1.2.3\n"),
            ("charts/sub2/values.yaml", "v: sub2\n"),
            ("charts/lib/Chart.yaml", "apiVersion: v2\nname: lib\nversion: 0.1.0\ntype: library\n"),
        ],
    );
}

#[test]
fn dependencies_alias_condition_tags_import_values_globals() {
    let d = tempfile::tempdir().unwrap();
    dep_chart(d.path());
    let mut c = load(d.path()).unwrap();
    let user = gotmpl::Value::empty_map();
    process_dependencies(&mut c, &user).unwrap();
    let names: Vec<String> = c.dependencies.iter().map(|d| d.full_path()).collect();
    assert_eq!(names, vec!["p/charts/sub", "p/charts/first"]);
    let v = coalesce_values(&c, &user).unwrap();
    assert_eq!(
        json(&v),
        serde_json::json!({
            "exported": "yes",
            "first": {"global": {"g1": "top"}, "v": "sub2"},
            "fromsub": {"keep": "parentwins", "other": 1},
            "global": {"g1": "top"},
            "second": {"switch": false},
            "sub": {"cfg": {"keep": "childval", "other": 1}, "enabled": true,
                    "exports": {"data": {"exported": "yes"}},
                    "global": {"g1": "top", "g2": "sub"}, "x": "parent"},
            "tags": {"backend": false}
        })
    );
    // Subchart scope is top[name].
    let sub = values::scoped_values(&v, &["sub"]);
    assert_eq!(json(&sub)["x"], serde_json::json!("parent"));
}

#[test]
fn user_values_flip_conditions() {
    let d = tempfile::tempdir().unwrap();
    dep_chart(d.path());
    let mut c = load(d.path()).unwrap();
    let user = ValueOptions {
        values: vec!["sub.enabled=false,second.switch=true".into()],
        ..Default::default()
    }
    .merge()
    .unwrap();
    process_dependencies(&mut c, &user).unwrap();
    let names: Vec<&str> = c.dependencies.iter().map(|d| d.name()).collect();
    assert_eq!(names, vec!["first", "second"]);
}

#[test]
fn missing_dependency_error() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        &[("Chart.yaml", "apiVersion: v2\nname: t\nversion: 0.1.0\ndependencies:\n- name: foo\n  version: 1.0.0\n- name: bar\n")],
    );
    let c = load(d.path()).unwrap();
    assert_eq!(
        capstan_chart::check_dependencies(&c)
            .unwrap_err()
            .to_string(),
        "found in Chart.yaml, but missing in charts/ directory: foo, bar"
    );
}

#[test]
fn chart_metadata_as_template_value() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        &[(
            "Chart.yaml",
            "apiVersion: v2\nname: t\nversion: 0.1.0\nkeywords: [x]\nmaintainers:\n- name: bob\n",
        )],
    );
    let c = load(d.path()).unwrap();
    let m = c.metadata.to_value();
    assert_eq!(m.type_name(), "map[string]interface {}");
    assert_eq!(
        gotmpl::fmt::format_v(&c.metadata.field("Keywords").unwrap()),
        "[x]"
    );
    assert_eq!(
        c.metadata.field("Annotations").unwrap().type_name(),
        "map[string]string"
    );
    assert_eq!(
        gotmpl::fmt::format_v(&c.metadata.field("Sources").unwrap()),
        "[]"
    );
    assert_eq!(
        gotmpl::fmt::format_v(&c.metadata.field("Maintainers").unwrap()),
        "[map[Email: Name:bob URL:]]"
    );
}

#[test]
fn schema_errors_in_helm_format() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        &[
            ("Chart.yaml", "apiVersion: v2\nname: s\nversion: 0.1.0\n"),
            ("values.yaml", "b: x\n"),
            (
                "values.schema.json",
                r#"{"type":"object","properties":{"b":{"type":"integer"}},"required":["c"]}"#,
            ),
        ],
    );
    let c = load(d.path()).unwrap();
    let v = coalesce_values(&c, &gotmpl::Value::Nil).unwrap();
    let e = capstan_chart::schema::validate_against_schema(&c, &v).unwrap_err();
    assert_eq!(
        e.to_string(),
        "values don't meet the specifications of the schema(s) in the following chart(s):\ns:\n- at '': missing property 'c'\n- at '/b': got string, want integer\n"
    );
}

#[test]
fn archive_round_trip_and_path_safety() {
    let mut tarball = Vec::new();
    {
        let gz = flate2::write::GzEncoder::new(&mut tarball, flate2::Compression::default());
        let mut b = tar::Builder::new(gz);
        for (name, body) in [
            ("t/Chart.yaml", "apiVersion: v2\nname: t\nversion: 0.1.0\n"),
            ("t/templates/a.yaml", "a"),
        ] {
            let mut h = tar::Header::new_gnu();
            h.set_size(body.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            b.append_data(&mut h, name, body.as_bytes()).unwrap();
        }
        b.into_inner().unwrap().finish().unwrap();
    }
    let c = capstan_chart::load_archive(&tarball).unwrap();
    assert_eq!(c.templates[0].name, "templates/a.yaml");
    assert!(capstan_chart::load_archive(b"not gzip").is_err());
}

#[test]
fn corpus_charts_all_load() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/charts");
    let Ok(rd) = fs::read_dir(&root) else {
        capstan_testkit::skip(format_args!("corpus not present; skipping"));
        return;
    };
    let mut n = 0;
    for ent in rd.flatten() {
        let mut c = load(ent.path()).unwrap_or_else(|e| panic!("{}: {e}", ent.path().display()));
        // (dependency presence is not asserted: this checkout of the corpus may
        // lack vendored subcharts, which Helm itself then refuses too)
        process_dependencies(&mut c, &gotmpl::Value::Nil)
            .unwrap_or_else(|e| panic!("{}: {e}", ent.path().display()));
        coalesce_values(&c, &gotmpl::Value::Nil).unwrap();
        n += 1;
    }
    assert!(n > 0);
}
