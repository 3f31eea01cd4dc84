//! `capstan template`: Helm's `template` command line over
//! `action::template::template`; the chart may be a reference
//! (`oci://…`, `REPO/CHART`, `--repo URL`), located as Helm does.

use clap::Args;

use crate::flags::ChartPathArgs;
use crate::ValueArgs;

#[derive(Args, Debug)]
pub struct TemplateArgs {
    /// [NAME] CHART
    #[arg(num_args = 1..=2, required = true)]
    pub args: Vec<String>,
    #[command(flatten)]
    pub values: ValueArgs,
    /// Only show manifests rendered from the given templates.
    #[arg(short = 's', long = "show-only")]
    pub show_only: Vec<String>,
    /// Prevent hooks from running during install.
    #[arg(long = "no-hooks")]
    pub no_hooks: bool,
    /// Skip tests from templated output.
    #[arg(long = "skip-tests")]
    pub skip_tests: bool,
    /// Include CRDs in the templated output.
    #[arg(long = "include-crds")]
    pub include_crds: bool,
    /// If set, no CRDs will be installed.
    #[arg(long = "skip-crds")]
    pub skip_crds: bool,
    /// Set .Release.IsUpgrade instead of .Release.IsInstall.
    #[arg(long = "is-upgrade")]
    pub is_upgrade: bool,
    /// Kubernetes version used for Capabilities.KubeVersion.
    #[arg(long = "kube-version")]
    pub kube_version: Option<String>,
    /// Kubernetes api versions used for Capabilities.APIVersions.
    #[arg(short = 'a', long = "api-versions", value_delimiter = ',')]
    pub api_versions: Vec<String>,
    /// Write the executed templates to files in output-dir instead of stdout.
    #[arg(long = "output-dir")]
    pub output_dir: Option<String>,
    /// Use release name in the output-dir path.
    #[arg(long = "release-name")]
    pub release_name: bool,
    /// Generate the name (and omit the NAME parameter).
    #[arg(short = 'g', long = "generate-name")]
    pub generate_name: bool,
    /// Specify template used to name the release.
    #[arg(long = "name-template")]
    pub name_template: Option<String>,
    /// Skip the values schema validation.
    #[arg(long = "skip-schema-validation")]
    pub skip_schema_validation: bool,
    /// Print Helm's engine output per template file as a JSON object
    /// (what `helm-ref template --per-file` prints), before splitting.
    #[arg(long = "per-file")]
    pub per_file: bool,
    /// Print the rendered NOTES.txt instead of the manifests.
    #[arg(long = "notes")]
    pub notes: bool,
    #[command(flatten)]
    pub chart_path: ChartPathArgs,
    /// Accepted for compatibility (client-side rendering is always used).
    #[arg(long = "dry-run", num_args = 0..=1, require_equals = true, default_missing_value = "client")]
    pub dry_run: Option<String>,
    /// Accepted for compatibility.
    #[arg(long = "create-namespace")]
    pub create_namespace: bool,
    /// Accepted for compatibility.
    #[arg(long = "description")]
    pub description: Option<String>,
}

pub fn run(
    a: &TemplateArgs,
    namespace: &str,
    debug: bool,
    settings: &dist::paths::Settings,
) -> Result<String, String> {
    let (name, chart) = match a.args.as_slice() {
        [chart] => (None, chart.clone()),
        [name, chart] => (Some(name.clone()), chart.clone()),
        _ => return Err("template requires CHART".into()),
    };
    let chart = a.chart_path.locate(&chart, settings)?;
    let req = action::template::TemplateRequest {
        release_name: name,
        generate_name: a.generate_name,
        name_template: a.name_template.clone(),
        chart,
        namespace: namespace.to_string(),
        values: a.values.to_options(),
        is_upgrade: a.is_upgrade,
        kube_version: a.kube_version.clone(),
        api_versions: a.api_versions.clone(),
        skip_schema_validation: a.skip_schema_validation,
        include_crds: a.include_crds && !a.skip_crds,
        no_hooks: a.no_hooks,
        skip_tests: a.skip_tests,
        show_only: a.show_only.clone(),
        debug,
        render_only: a.per_file,
        // `capstan template` renders once and exits.
        one_shot: true,
    };
    let out = match action::template::template_detailed(&req) {
        Ok(out) => out,
        Err(f) => return Err(render_failure(f, debug && !a.per_file, !a.per_file)),
    };
    for w in &out.warnings {
        eprintln!("{w}");
    }
    if a.per_file {
        let obj: serde_json::Map<String, serde_json::Value> = out
            .per_file
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect();
        return Ok(
            serde_json::to_string_pretty(&serde_json::Value::Object(obj))
                .map_err(|e| e.to_string())?
                + "\n",
        );
    }
    if a.notes {
        return Ok(out.notes);
    }
    if let Some(dir) = &a.output_dir {
        action::template::write_output_dir(&out, dir, a.release_name).map_err(|e| e.to_string())?;
        return Ok(String::new());
    }
    Ok(out.manifest)
}

/// What Helm's `template` command does with an install that failed while
/// rendering (its action then returns a partial release with the error):
/// with `--debug` it prints the release manifest it got (the rendered
/// files when the output was not valid YAML) and returns the error as is;
/// without, it only adds a hint.  `--per-file` (helm-ref's SDK view) keeps
/// the SDK's bare message.
fn render_failure(f: action::template::TemplateFailure, debug: bool, cli_hint: bool) -> String {
    match f.partial_manifest() {
        None => f.to_string(),
        Some(_) if !cli_hint => f.to_string(),
        Some(manifest) if debug => {
            use std::io::Write;
            let mut stdout = std::io::stdout().lock();
            let _ = writeln!(stdout, "{}", manifest.trim());
            let _ = stdout.flush();
            f.to_string()
        }
        Some(_) => format!("{f}\n\nUse --debug flag to render out invalid YAML"),
    }
}
