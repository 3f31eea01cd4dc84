//! create / lint / package / show against our own expectations, and
//! against Helm's reference (`../shared/oracle/helm-ref`) when present.

use std::path::{Path, PathBuf};
use std::process::Command;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lint")
}

fn oracle() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/oracle/helm-ref");
    if p.exists() {
        Some(p)
    } else {
        capstan_testkit::skip(format_args!(
            "skipping oracle comparison: ../shared is absent"
        ));
        None
    }
}

fn lint(path: &Path) -> capstan_action::lint::LintResult {
    let req = capstan_action::lint::LintRequest {
        namespace: "default".into(),
        ..Default::default()
    };
    capstan_action::lint::lint_paths(
        &[path.display().to_string()],
        &gotmpl::Value::empty_map(),
        &req,
        None,
    )
}

fn has(r: &capstan_action::lint::LintResult, sev: u8, needle: &str) -> bool {
    r.messages
        .iter()
        .any(|m| m.severity == sev && m.err.contains(needle))
}

#[test]
fn lint_rules_fire_on_broken_fixtures() {
    use capstan_action::lint::{ERROR, WARNING};
    let f = fixtures();
    assert!(has(
        &lint(&f.join("bad-semver")),
        ERROR,
        "is not a valid SemVer"
    ));
    assert!(has(
        &lint(&f.join("v-prefixed-version")),
        WARNING,
        "is not a valid SemVerV2"
    ));
    assert!(has(
        &lint(&f.join("numeric-appversion")),
        ERROR,
        "appVersion should be of type string but it's of type float64"
    ));
    assert!(has(
        &lint(&f.join("unknown-field")),
        WARNING,
        "unknown field \"engine\""
    ));
    assert!(has(&lint(&f.join("bad-icon")), ERROR, "invalid icon URL"));
    assert!(has(
        &lint(&f.join("no-templates")),
        WARNING,
        "directory does not exist"
    ));
    assert!(has(
        &lint(&f.join("missing-version")),
        ERROR,
        "version is required"
    ));
    assert!(has(
        &lint(&f.join("deprecated-apis")),
        WARNING,
        "batch/v1beta1 CronJob is deprecated in v1.21+"
    ));
    assert!(has(
        &lint(&f.join("deployment-rules")),
        ERROR,
        "must contain matchLabels or matchExpressions"
    ));
    assert!(has(
        &lint(&f.join("deployment-rules")),
        WARNING,
        "illegal indent"
    ));
    assert!(has(
        &lint(&f.join("long-names")),
        WARNING,
        "must be no more than 63 characters"
    ));
    assert!(has(
        &lint(&f.join("bad-crds")),
        ERROR,
        "object kind is not 'CustomResourceDefinition'"
    ));
    assert!(has(
        &lint(&f.join("bad-extension")),
        ERROR,
        "file extension '.json' not valid"
    ));
    assert!(has(
        &lint(&f.join("v-prefixed-version")),
        WARNING,
        "version 'v1.2.3' is not a valid SemVerV2"
    ));
    let r = lint(&f.join("no-chartfile"));
    assert_eq!(r.total_charts_linted, 0);
    assert!(r.errors[0].contains("unable to check Chart.yaml file in chart"));
}

#[test]
fn lint_matches_helm_on_fixtures() {
    let Some(helm) = oracle() else { return };
    let mut entries: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for dir in entries {
        let out = Command::new(&helm).arg("lint").arg(&dir).output().unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let norm = |s: &str| {
            // Schema errors list locations in Go map order: compare as sets.
            let mut lines: Vec<&str> = s.trim_end().lines().collect();
            lines.sort();
            lines.join("\n")
        };
        let mut want: Vec<(u64, String, String)> = v["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["severity"].as_u64().unwrap(),
                    m["path"].as_str().unwrap().to_string(),
                    norm(m["error"].as_str().unwrap()),
                )
            })
            .collect();
        let mut got: Vec<(u64, String, String)> = lint(&dir)
            .messages
            .iter()
            .map(|m| (m.severity as u64, m.path.clone(), norm(&m.err)))
            .collect();
        want.sort();
        got.sort();
        assert_eq!(got, want, "{}", dir.display());
    }
}

#[test]
fn create_writes_helm_scaffold_and_validates_names() {
    let tmp = std::env::temp_dir().join(format!("capstan-create-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let name = tmp.join("web-app").display().to_string();
    let req = capstan_action::create::CreateRequest {
        name: name.clone(),
        ..Default::default()
    };
    let out = capstan_action::create::create(&req).unwrap();
    assert_eq!(out.stdout, format!("Creating {name}\n"));
    let chart_yaml = std::fs::read_to_string(tmp.join("web-app/Chart.yaml")).unwrap();
    assert!(chart_yaml.contains("name: web-app\n"));
    let helpers = std::fs::read_to_string(tmp.join("web-app/templates/_helpers.tpl")).unwrap();
    assert!(helpers.contains("define \"web-app.fullname\"") && !helpers.contains("<CHARTNAME>"));
    assert!(tmp.join("web-app/charts").is_dir());
    // A freshly created chart lints with only the icon recommendation.
    let r = lint(&tmp.join("web-app"));
    assert_eq!(r.messages.len(), 1, "{:?}", r.messages);
    assert!(
        capstan_action::create::create(&capstan_action::create::CreateRequest {
            name: "bad name".into(),
            ..Default::default()
        })
        .is_err()
    );
    if let Some(helm) = oracle() {
        let py = Command::new(helm.with_file_name("setup")).output().unwrap();
        let py = String::from_utf8_lossy(&py.stdout).trim().to_string();
        let href = tmp.join("helm");
        std::fs::create_dir_all(&href).unwrap();
        let st = Command::new(py)
            .args([
                "-c",
                "import helm_python,sys; helm_python.Chart.create('web-app', sys.argv[1])",
            ])
            .arg(&href)
            .status()
            .unwrap();
        assert!(st.success());
        let d = Command::new("diff")
            .arg("-r")
            .arg(href.join("web-app"))
            .arg(tmp.join("web-app"))
            .output()
            .unwrap();
        assert!(d.status.success(), "{}", String::from_utf8_lossy(&d.stdout));
    }
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn package_is_reproducible_and_loads_like_the_directory() {
    let tmp = std::env::temp_dir().join(format!("capstan-pkg-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    capstan_action::create::create(&capstan_action::create::CreateRequest {
        name: tmp.join("pk").display().to_string(),
        ..Default::default()
    })
    .unwrap();
    std::fs::write(tmp.join("pk/.helmignore"), "ignored.txt\n").unwrap();
    std::fs::write(tmp.join("pk/ignored.txt"), "x").unwrap();
    let mk = |d: &str| {
        capstan_action::package::package(&capstan_action::package::PackageRequest {
            path: tmp.join("pk").display().to_string(),
            destination: tmp.join(d).display().to_string(),
            ..Default::default()
        })
        .unwrap()
    };
    let (a, b) = (mk("a"), mk("b"));
    assert_eq!(a.file_name().unwrap(), "pk-0.1.0.tgz");
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    let from_tgz = chart::load(&a).unwrap();
    let from_dir = chart::load(tmp.join("pk")).unwrap();
    assert_eq!(from_tgz.templates, from_dir.templates);
    assert_eq!(from_tgz.files, from_dir.files);
    assert!(!from_tgz.files.iter().any(|f| f.name == "ignored.txt"));
    let _ = std::fs::remove_dir_all(&tmp);
}

/// Library callers branch on the error's kind; the text stays Helm's.
#[test]
fn errors_carry_kinds() {
    use capstan_action::ErrorKind;
    let f = fixtures();
    let err = capstan_action::show::show(
        &f.join("unparsable-chartfile").display().to_string(),
        capstan_action::show::ShowFormat::Chart,
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidChart, "{err}");
    assert!(std::error::Error::source(&err).is_some());

    let out = tempfile::tempdir().unwrap();
    let err = capstan_action::package::package(&capstan_action::package::PackageRequest {
        path: f.join("no-chartfile").display().to_string(),
        destination: out.path().display().to_string(),
        ..Default::default()
    })
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidChart, "{err}");

    let req = capstan_action::TemplateRequest {
        chart: f.join("template-render-error").display().to_string(),
        namespace: "default".into(),
        ..Default::default()
    };
    let err = engine::run_with_big_stack(move || {
        capstan_action::template::template_detailed(&req).unwrap_err()
    });
    assert_eq!(err.kind(), engine::resources::ErrorKind::Template, "{err}");
}

/// The archive bytes are Helm's own (same tar stream, and Go's gzip and
/// deflate reproduced by `gostd::flate`): package charts from the shared
/// corpus with both and compare.  Charts with two or more subchart
/// directories are left out: Helm orders those by Go map iteration, so
/// its own output varies from run to run.
#[test]
fn package_bytes_match_helm() {
    let Some(shared) = capstan_testkit::shared_dir() else {
        capstan_testkit::skip("skipping Helm package comparison: ../shared is absent");
        return;
    };
    let helm_dist = shared.join("distribution/helm-dist");
    let corpus = shared.join("corpus/charts");
    if !helm_dist.exists() || !corpus.is_dir() {
        capstan_testkit::skip("skipping Helm package comparison: no helm-dist or corpus");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    // A chart of awkward entries: names too long for USTAR (PAX headers),
    // a non-ASCII name, incompressible bytes (stored blocks) and long runs.
    let odd = tmp.path().join("src/odd");
    let long_dir = odd.join("files").join("d".repeat(85));
    std::fs::create_dir_all(&long_dir).unwrap();
    std::fs::create_dir_all(odd.join("templates")).unwrap();
    std::fs::write(
        odd.join("Chart.yaml"),
        "apiVersion: v2\nname: odd\nversion: 0.1.0\n",
    )
    .unwrap();
    std::fs::write(long_dir.join("f".repeat(120)), "long\n").unwrap();
    std::fs::write(odd.join("files").join("g".repeat(110)), "long\n").unwrap();
    std::fs::write(odd.join("files/naïve.txt"), "ü\n").unwrap();
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let noise: Vec<u8> = (0..150_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    std::fs::write(odd.join("files/noise.bin"), &noise).unwrap();
    std::fs::write(odd.join("files/zeros.bin"), vec![0u8; 300_000]).unwrap();

    // A scaffold, a chart with a Chart.lock and a packaged subchart, and
    // large ones whose streams cross many window slides and blocks.
    let dirs = [
        "helm-create-scaffold",
        "bitnami-nginx",
        "cert-manager",
        "argo-rollouts",
    ]
    .map(|n| corpus.join(n));
    for dir in dirs.iter().chain([&odd]) {
        let name = dir.file_name().unwrap().to_str().unwrap();
        let (h, c) = (
            tmp.path().join(name).join("h"),
            tmp.path().join(name).join("c"),
        );
        let out = Command::new(&helm_dist)
            .arg("package")
            .arg(dir)
            .arg("-d")
            .arg(&h)
            .env("HELM_CONFIG_HOME", tmp.path().join("cfg"))
            .env("HELM_CACHE_HOME", tmp.path().join("cache"))
            .env("HELM_DATA_HOME", tmp.path().join("data"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "helm-dist: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let ours = capstan_action::package::package(&capstan_action::package::PackageRequest {
            path: dir.display().to_string(),
            destination: c.display().to_string(),
            ..Default::default()
        })
        .unwrap();
        let theirs = std::fs::read_dir(&h)
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        assert_eq!(ours.file_name(), theirs.file_name());
        let (a, b) = (
            std::fs::read(&theirs).unwrap(),
            std::fs::read(&ours).unwrap(),
        );
        assert!(
            a == b,
            "{name}: archive differs from Helm's ({} vs {} bytes)",
            a.len(),
            b.len()
        );
    }
}

/// helm-ref: `template` fails on a rendered document that is not a map
/// (Helm decodes each one into its `SimpleHead`), with the partial
/// manifest attached as for any output that is not valid YAML.
#[test]
fn template_refuses_documents_that_are_not_maps() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path().join("ny");
    std::fs::create_dir_all(root.join("templates")).unwrap();
    std::fs::write(
        root.join("Chart.yaml"),
        "apiVersion: v2\nname: ny\nversion: 0.1.0\n",
    )
    .unwrap();
    for (body, kind) in [
        ("plain string\n", Some("string")),
        ("- a\n- b\n", Some("array")),
        ("kind: ConfigMap\n---\n42\n", Some("number")),
        ("null\n", None),
    ] {
        std::fs::write(root.join("templates/t.yaml"), body).unwrap();
        let req = capstan_action::TemplateRequest {
            chart: root.display().to_string(),
            namespace: "default".into(),
            ..Default::default()
        };
        let got =
            engine::run_with_big_stack(move || capstan_action::template::template_detailed(&req));
        match kind {
            Some(kind) => {
                let err = got.unwrap_err();
                assert_eq!(err.kind(), engine::resources::ErrorKind::Manifest, "{err}");
                assert_eq!(
                    err.to_string(),
                    format!("YAML parse error on ny/templates/t.yaml: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {kind} into Go value of type util.SimpleHead")
                );
                assert!(err
                    .partial_manifest()
                    .is_some_and(|m| m.contains(body.trim())));
            }
            None => assert!(got.unwrap().manifest.contains("\nnull\n")),
        }
    }
}
