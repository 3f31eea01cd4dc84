//! End-to-end checks of `capstan template` on the project's example charts
//! (`examples/fraud-model`, `examples/ml-serving-stack`) in every environment
//! the seed document uses (dev, staging, prod).
//!
//! Two layers:
//! 1. capstan alone: every chart × environment renders, and the output holds
//!    the kinds the chart is built to produce there (asserted from the charts'
//!    design, e.g. prod turns autoscaling on, so an HPA must appear).
//! 2. against the oracle: when `../shared/oracle/helm-ref` exists next to the
//!    repository, capstan's output must equal Helm's: byte for byte for the
//!    manifest (`--no-hooks`, which is what helm-ref prints) and NOTES, and as
//!    equal JSON objects for `--per-file` (engine output per template, hooks
//!    and NOTES.txt included), for both install and upgrade renders.
//!    Without the oracle these comparisons print a skip message and pass.
//!
//! No expected output is stored here: Helm itself is the expectation.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// One `template` invocation of an example chart.
struct Case {
    release: &'static str,
    chart: &'static str,
    namespace: &'static str,
    /// Values file inside the chart directory, if any (dev uses defaults for
    /// fraud-model, as in the seed).
    values: Option<&'static str>,
    /// Kinds the rendered output (hooks included) must contain.
    kinds: &'static [&'static str],
}

const CASES: &[Case] = &[
    Case {
        release: "fraud-model",
        chart: "examples/fraud-model",
        namespace: "team-fraud-dev",
        values: None,
        kinds: &[
            "ServiceAccount",
            "ConfigMap",
            "Service",
            "Deployment",
            "Job",
        ],
    },
    Case {
        release: "fraud-model",
        chart: "examples/fraud-model",
        namespace: "team-fraud-staging",
        values: Some("values-staging.yaml"),
        kinds: &[
            "ServiceAccount",
            "ConfigMap",
            "Service",
            "Deployment",
            "Ingress",
            "Job",
        ],
    },
    Case {
        release: "fraud-model",
        chart: "examples/fraud-model",
        namespace: "team-fraud-prod",
        values: Some("values-prod.yaml"),
        kinds: &[
            "ServiceAccount",
            "ConfigMap",
            "Service",
            "Deployment",
            "HorizontalPodAutoscaler",
            "Ingress",
            "Job",
        ],
    },
    Case {
        release: "team-fraud-stack",
        chart: "examples/ml-serving-stack",
        namespace: "team-fraud-dev",
        values: Some("values-dev.yaml"),
        kinds: &["ConfigMap", "Service", "Deployment", "StatefulSet"],
    },
    Case {
        release: "team-fraud-stack",
        chart: "examples/ml-serving-stack",
        namespace: "team-fraud-staging",
        values: Some("values-staging.yaml"),
        kinds: &[
            "ConfigMap",
            "Service",
            "Deployment",
            "StatefulSet",
            "Ingress",
            "Job",
        ],
    },
    Case {
        release: "team-fraud-stack",
        chart: "examples/ml-serving-stack",
        namespace: "team-fraud-prod",
        values: Some("values-prod.yaml"),
        kinds: &[
            "ConfigMap",
            "Service",
            "Deployment",
            "StatefulSet",
            "HorizontalPodAutoscaler",
            "Ingress",
            "Job",
        ],
    },
];

impl Case {
    fn label(&self) -> String {
        format!(
            "{} -n {} -f {}",
            self.chart,
            self.namespace,
            self.values.unwrap_or("(chart defaults)")
        )
    }

    /// `NAME CHART -n NS [-f CHART/values-ENV.yaml]`, relative to the repo root
    /// (the way the seed's command lines are written).
    fn template_args(&self) -> Vec<String> {
        let mut args = vec![
            "template".to_string(),
            self.release.to_string(),
            self.chart.to_string(),
            "-n".to_string(),
            self.namespace.to_string(),
        ];
        if let Some(file) = self.values {
            args.push("-f".to_string());
            args.push(format!("{}/{}", self.chart, file));
        }
        args
    }
}

/// The repository root: `crates/cli` is two levels below it.
fn repo_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = manifest.join("..").join("..");
    root.canonicalize().unwrap_or(root)
}

/// The oracle, when this checkout sits next to `shared/`.
fn helm_ref() -> Option<PathBuf> {
    let path = repo_root()
        .join("..")
        .join("shared")
        .join("oracle")
        .join("helm-ref");
    path.is_file().then_some(path)
}

fn run(program: &Path, args: &[String]) -> Output {
    Command::new(program)
        .args(args)
        .current_dir(repo_root())
        .env("TZ", "UTC")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()))
}

fn capstan(args: &[String]) -> Output {
    run(Path::new(env!("CARGO_BIN_EXE_capstan")), args)
}

fn with_flags(mut args: Vec<String>, flags: &[&str]) -> Vec<String> {
    args.extend(flags.iter().map(|f| f.to_string()));
    args
}

fn describe_failure(who: &str, args: &[String], out: &Output) -> String {
    format!(
        "{who} {} exited with {}\nstderr:\n{}",
        args.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Where two texts first differ, with a few lines of context from each.
fn first_difference(ours: &str, theirs: &str) -> String {
    let a: Vec<&str> = ours.split_inclusive('\n').collect();
    let b: Vec<&str> = theirs.split_inclusive('\n').collect();
    let at = a
        .iter()
        .zip(&b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    let from = at.saturating_sub(3);
    let show = |lines: &[&str]| -> String {
        let end = (at + 4).min(lines.len());
        lines.get(from..end).map(|l| l.concat()).unwrap_or_default()
    };
    format!(
        "first difference at line {} (capstan {} lines, helm {} lines)\n--- capstan:\n{}--- helm:\n{}",
        at + 1,
        a.len(),
        b.len(),
        show(&a),
        show(&b)
    )
}

/// Panic once with every collected failure, so one run reports them all.
fn finish(failures: Vec<String>) {
    if !failures.is_empty() {
        panic!(
            "{} failure(s):\n\n{}",
            failures.len(),
            failures.join("\n\n")
        );
    }
}

#[test]
fn examples_render_in_every_environment() {
    let mut failures = Vec::new();
    for case in CASES {
        let args = case.template_args();
        let out = capstan(&args);
        if !out.status.success() {
            failures.push(describe_failure("capstan", &args, &out));
            continue;
        }
        let text = String::from_utf8_lossy(&out.stdout);
        if text.trim().is_empty() {
            failures.push(format!("{}: empty output", case.label()));
            continue;
        }
        for kind in case.kinds {
            let line = format!("kind: {kind}\n");
            if !text.lines().any(|l| l.trim_end() == line.trim_end()) {
                failures.push(format!(
                    "{}: no `{}` in the output",
                    case.label(),
                    line.trim_end()
                ));
            }
        }
        // Every document is introduced by Helm's source comment.
        if !text.starts_with("---\n# Source: ") {
            failures.push(format!(
                "{}: output does not start with a `# Source:` document",
                case.label()
            ));
        }
    }
    finish(failures);
}

/// The contract with the test cluster emulator: the pre-upgrade validation
/// Job carries the model path from the values as its MODEL_PATH env value,
/// so a path containing "fail" makes that Job fail there.
#[test]
fn validation_hook_takes_model_path_from_values() {
    let path = "/models/fraud/v9.9.9-fail-canary/model.pt";
    let runs = [
        ("examples/fraud-model", "fraud-model", None, "model.path"),
        (
            "examples/ml-serving-stack",
            "team-fraud-stack",
            Some("examples/ml-serving-stack/values-prod.yaml"),
            "fraud-model.model.path",
        ),
    ];
    let mut failures = Vec::new();
    for (chart, release, values, key) in runs {
        let mut args = vec![
            "template".to_string(),
            release.to_string(),
            chart.to_string(),
        ];
        args.extend(["-n".to_string(), "team-fraud-prod".to_string()]);
        if let Some(file) = values {
            args.extend(["-f".to_string(), file.to_string()]);
        }
        args.extend(["--set".to_string(), format!("{key}={path}")]);
        let out = capstan(&args);
        if !out.status.success() {
            failures.push(describe_failure("capstan", &args, &out));
            continue;
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let job = text.split("\n---\n").find(|doc| {
            doc.lines().any(|l| l == "kind: Job") && doc.contains("\"helm.sh/hook\": pre-upgrade")
        });
        match job {
            None => failures.push(format!("{chart}: no pre-upgrade Job hook in the output")),
            Some(doc) => {
                let lines: Vec<&str> = doc.lines().map(str::trim).collect();
                let wanted = format!("value: \"{path}\"");
                let ok = lines
                    .windows(2)
                    .any(|w| w[0] == "- name: MODEL_PATH" && w[1] == wanted);
                if !ok {
                    failures.push(format!(
                        "{chart}: the Job has no MODEL_PATH env with value {path:?}"
                    ));
                }
            }
        }
    }
    finish(failures);
}

#[test]
fn examples_match_helm_manifest_and_notes() {
    let Some(oracle) = helm_ref() else {
        capstan_testkit::skip(format_args!("SKIP examples_match_helm_manifest_and_notes: ../shared/oracle/helm-ref not found next to the repository"));
        return;
    };
    let mut failures = Vec::new();
    for case in CASES {
        // helm-ref prints `helm template --no-hooks`; NOTES via --notes.
        for (ours_flags, theirs_flags, what) in [
            (&["--no-hooks"][..], &[][..], "manifest"),
            (&["--notes"][..], &["--notes"][..], "NOTES"),
        ] {
            let helm_args = with_flags(case.template_args(), theirs_flags);
            let helm = run(&oracle, &helm_args);
            if !helm.status.success() {
                failures.push(describe_failure("helm-ref", &helm_args, &helm));
                continue;
            }
            let our_args = with_flags(case.template_args(), ours_flags);
            let ours = capstan(&our_args);
            if !ours.status.success() {
                failures.push(describe_failure("capstan", &our_args, &ours));
                continue;
            }
            if ours.stdout != helm.stdout {
                failures.push(format!(
                    "{} ({what}): capstan differs from helm\n{}",
                    case.label(),
                    first_difference(
                        &String::from_utf8_lossy(&ours.stdout),
                        &String::from_utf8_lossy(&helm.stdout)
                    )
                ));
            }
        }
    }
    finish(failures);
}

#[test]
fn examples_match_helm_per_file() {
    let Some(oracle) = helm_ref() else {
        capstan_testkit::skip(format_args!("SKIP examples_match_helm_per_file: ../shared/oracle/helm-ref not found next to the repository"));
        return;
    };
    let mut failures = Vec::new();
    for case in CASES {
        // Install and upgrade renders differ (.Release.IsUpgrade in NOTES).
        for flags in [&["--per-file"][..], &["--per-file", "--is-upgrade"][..]] {
            let args = with_flags(case.template_args(), flags);
            let helm = run(&oracle, &args);
            if !helm.status.success() {
                failures.push(describe_failure("helm-ref", &args, &helm));
                continue;
            }
            let ours = capstan(&args);
            if !ours.status.success() {
                failures.push(describe_failure("capstan", &args, &ours));
                continue;
            }
            let parse = |who: &str,
                         bytes: &[u8]|
             -> Result<serde_json::Map<String, serde_json::Value>, String> {
                match serde_json::from_slice::<serde_json::Value>(bytes) {
                    Ok(serde_json::Value::Object(map)) => Ok(map),
                    Ok(other) => Err(format!(
                        "{who} --per-file printed JSON that is not an object: {other}"
                    )),
                    Err(e) => Err(format!("{who} --per-file printed invalid JSON: {e}")),
                }
            };
            let (ours, helm) = match (
                parse("capstan", &ours.stdout),
                parse("helm-ref", &helm.stdout),
            ) {
                (Ok(a), Ok(b)) => (a, b),
                (a, b) => {
                    failures.extend(
                        a.err()
                            .into_iter()
                            .chain(b.err())
                            .map(|e| format!("{}: {e}", case.label())),
                    );
                    continue;
                }
            };
            let label = format!("{} {}", case.label(), flags.join(" "));
            for key in helm.keys().filter(|k| !ours.contains_key(*k)) {
                failures.push(format!("{label}: capstan is missing template {key}"));
            }
            for key in ours.keys().filter(|k| !helm.contains_key(*k)) {
                failures.push(format!("{label}: capstan has extra template {key}"));
            }
            for (key, theirs) in &helm {
                match ours.get(key) {
                    Some(mine) if mine != theirs => {
                        let text = |v: &serde_json::Value| {
                            v.as_str()
                                .map(str::to_string)
                                .unwrap_or_else(|| v.to_string())
                        };
                        failures.push(format!(
                            "{label}: {key} differs\n{}",
                            first_difference(&text(mine), &text(theirs))
                        ));
                    }
                    _ => {}
                }
            }
        }
    }
    finish(failures);
}
