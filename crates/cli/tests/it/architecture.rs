//! The crate graph is the architecture: data flows one way (Go semantics →
//! templates → YAML → Sprig → charts → engine → offline actions → release
//! records → cluster → lifecycle → CLI; printers beside the
//! cluster layer, over records), with two leaves of facts
//! (`gostd`, `k8smeta`) any layer may use.  This test reads the real
//! graph from `cargo metadata` and fails on any edge the design does not
//! allow — e.g. the cluster layer reaching into the render engine, or
//! release storage pulling in Sprig's crypto stack — and checks that the
//! README's table shows the graph as it is.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;

/// Each workspace crate and the workspace crates its library and binaries
/// may depend on (normal and build dependencies; dev-dependencies are for
/// tests and may reach further).
const ALLOWED: &[(&str, &[&str])] = &[
    ("alloc", &[]),
    ("gostd", &[]),
    ("k8smeta", &[]),
    ("gotmpl", &["gostd"]),
    ("yaml", &["gostd", "gotmpl"]),
    ("funcs", &["gostd", "gotmpl", "yaml"]),
    ("chart", &["gostd", "gotmpl", "yaml"]),
    (
        "engine",
        &["gostd", "gotmpl", "yaml", "funcs", "chart", "k8smeta"],
    ),
    (
        "action",
        &[
            "gostd", "gotmpl", "yaml", "funcs", "chart", "engine", "k8smeta",
        ],
    ),
    ("release", &["gostd", "gotmpl", "yaml", "chart"]),
    ("kube", &["gostd", "gotmpl", "yaml", "k8smeta"]),
    // Printers read release records and nothing above them, so a future
    // `diff`/`plan` (or any library caller) prints as the CLI does.
    (
        "printer",
        &["gostd", "gotmpl", "yaml", "k8smeta", "release"],
    ),
    (
        "lifecycle",
        &[
            "gostd", "gotmpl", "yaml", "funcs", "chart", "engine", "k8smeta", "release", "kube",
        ],
    ),
    // Distribution: repositories, registries, dependency resolution,
    // provenance. After `action` (it packages `file://` dependencies),
    // before the command line; the cluster layers never see it.
    (
        "dist",
        &[
            "gostd", "gotmpl", "yaml", "funcs", "chart", "engine", "k8smeta", "action",
        ],
    ),
    // helm-diff's report: two manifest texts in, text out. It knows no
    // cluster and no release; the command line feeds it.
    ("diff", &["gostd", "gotmpl", "yaml"]),
    (
        "cli",
        &[
            "dist",
            "diff",
            "alloc",
            "gostd",
            "gotmpl",
            "yaml",
            "funcs",
            "chart",
            "engine",
            "k8smeta",
            "action",
            "release",
            "kube",
            "lifecycle",
            "printer",
        ],
    ),
    // Test infrastructure: depends on no workspace crate, and none of the
    // product's crates may depend on it outside their tests.
    ("kube-emulator", &[]),
    ("testkit", &[]),
    ("testservers", &[]),
];

fn short(name: &str) -> &str {
    name.strip_prefix("capstan-").unwrap_or(name)
}

/// The workspace's internal edges from `cargo metadata`, dev-dependencies
/// left out.
fn real_graph() -> BTreeMap<String, BTreeSet<String>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(&root)
        .output()
        .expect("run cargo metadata");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("metadata JSON");
    let packages = meta["packages"].as_array().expect("packages");
    let members: BTreeSet<String> = packages
        .iter()
        .filter_map(|p| p["name"].as_str())
        .map(|n| n.to_string())
        .collect();
    let mut graph = BTreeMap::new();
    for p in packages {
        let name = p["name"].as_str().expect("name");
        let deps: BTreeSet<String> = p["dependencies"]
            .as_array()
            .expect("dependencies")
            .iter()
            .filter(|d| d["kind"].as_str() != Some("dev"))
            .filter_map(|d| d["name"].as_str())
            .filter(|d| members.contains(*d))
            .map(|d| short(d).to_string())
            .collect();
        graph.insert(short(name).to_string(), deps);
    }
    graph
}

#[test]
fn crate_edges_follow_the_data_flow() {
    let graph = real_graph();
    let allowed: BTreeMap<&str, BTreeSet<&str>> = ALLOWED
        .iter()
        .map(|(c, deps)| (*c, deps.iter().copied().collect()))
        .collect();
    let mut bad = Vec::new();
    for (krate, deps) in &graph {
        let Some(ok) = allowed.get(krate.as_str()) else {
            bad.push(format!(
                "{krate} is not in ALLOWED: decide where it sits in the graph"
            ));
            continue;
        };
        for d in deps {
            if !ok.contains(d.as_str()) {
                bad.push(format!("{krate} -> {d}"));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "edges against the data flow:\n{}",
        bad.join("\n")
    );
    // The edges the consolidation removed stay removed.
    for (from, to) in [
        ("kube", "engine"),
        ("release", "funcs"),
        ("lifecycle", "action"),
    ] {
        assert!(
            !graph[from].contains(to),
            "{from} -> {to} is back: it runs against the data flow"
        );
    }
}

/// The README's crate table lists, for each crate, exactly its real
/// internal dependencies.
#[test]
fn readme_shows_the_real_graph() {
    let graph = real_graph();
    let readme =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))
            .expect("README.md");
    let start = readme
        .find("<!-- crate-graph -->")
        .expect("README has a <!-- crate-graph --> table");
    let end = readme[start..]
        .find("<!-- /crate-graph -->")
        .expect("the table ends with <!-- /crate-graph -->")
        + start;
    let mut rows = BTreeMap::new();
    for line in readme[start..end].lines() {
        // | `crates/NAME` | deps | job |
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 4 || !cells[1].starts_with("`crates/") {
            continue;
        }
        let name = cells[1].trim_matches('`').trim_start_matches("crates/");
        let deps: BTreeSet<String> = cells[2]
            .split(',')
            .map(|d| d.trim().trim_matches('`').to_string())
            .filter(|d| !d.is_empty() && d != "—")
            .collect();
        rows.insert(name.to_string(), deps);
    }
    let expected: BTreeMap<String, BTreeSet<String>> = graph.into_iter().collect();
    assert_eq!(
        rows, expected,
        "README's crate-graph table differs from the real graph (cargo metadata)"
    );
}
