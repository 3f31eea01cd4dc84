//! Flag groups and flag values shared by several release commands:
//! install and upgrade's [`DeployArgs`], `--wait`, `--dry-run`,
//! `--server-side`, `--timeout` and `-o/--output`.

use capstan_lifecycle as lc;
use capstan_printer::OutputFormat;
use clap::Args;

use crate::ValueArgs;

/// Flags shared by install and upgrade.
#[derive(Args, Debug, Clone)]
pub struct DeployArgs {
    #[command(flatten)]
    pub values: ValueArgs,
    /// Create the release namespace if not present.
    #[arg(long = "create-namespace")]
    pub create_namespace: bool,
    /// Wait strategy: watcher (bare --wait), legacy or hookOnly (the default).
    #[arg(long = "wait", num_args = 0..=1, require_equals = true, default_missing_value = "watcher")]
    pub wait: Option<String>,
    /// Also wait for Jobs to complete.
    #[arg(long = "wait-for-jobs")]
    pub wait_for_jobs: bool,
    /// Time to wait for any individual Kubernetes operation.
    #[arg(long = "timeout", default_value = "5m0s")]
    pub timeout: String,
    /// Roll back (upgrade) or uninstall (install) on failure.
    #[arg(long = "rollback-on-failure")]
    pub rollback_on_failure: bool,
    /// Deprecated: use --rollback-on-failure.
    #[arg(long = "atomic")]
    pub atomic: bool,
    /// Simulate: client (bare --dry-run), server or none.
    #[arg(long = "dry-run", num_args = 0..=1, require_equals = true, default_missing_value = "client")]
    pub dry_run: Option<String>,
    /// A custom description.
    #[arg(long = "description")]
    pub description: Option<String>,
    /// Labels added to the release metadata (key=value, comma-separated).
    #[arg(short = 'l', long = "labels", value_delimiter = ',')]
    pub labels: Vec<String>,
    /// Prevent hooks from running.
    #[arg(long = "no-hooks")]
    pub no_hooks: bool,
    /// Skip installing CRDs from the chart's crds/ directory.
    #[arg(long = "skip-crds")]
    pub skip_crds: bool,
    /// Adopt existing objects without checking their ownership.
    #[arg(long = "take-ownership")]
    pub take_ownership: bool,
    /// Take over fields owned by other field managers (server-side apply).
    #[arg(long = "force-conflicts")]
    pub force_conflicts: bool,
    /// Replace objects (PUT) instead of patching them.
    #[arg(long = "force-replace")]
    pub force_replace: bool,
    /// Deprecated: use --force-replace.
    #[arg(long = "force")]
    pub force: bool,
    /// Server-side apply: true, false or auto (upgrade/rollback: the release's method).
    #[arg(long = "server-side")]
    pub server_side: Option<String>,
    /// Skip the values schema validation.
    #[arg(long = "skip-schema-validation")]
    pub skip_schema_validation: bool,
    /// Do not print the release notes.
    #[arg(long = "hide-notes")]
    pub hide_notes: bool,
    /// Also render the subcharts' NOTES.txt.
    #[arg(long = "render-subchart-notes")]
    pub render_subchart_notes: bool,
    /// Leave Secrets out of a dry run's output.
    #[arg(long = "hide-secret")]
    pub hide_secret: bool,
    /// Accepted for compatibility (chart repositories are not supported yet).
    #[arg(long = "devel")]
    pub devel: bool,
    /// Accepted: capstan does not validate against the OpenAPI schema client-side.
    #[arg(long = "disable-openapi-validation")]
    pub disable_openapi_validation: bool,
    /// Accepted; `getHostByName` is not resolved yet (it returns "").
    #[arg(long = "enable-dns")]
    pub enable_dns: bool,
    /// Output format: table, json or yaml.
    #[arg(short = 'o', long = "output", default_value = "table")]
    pub output: String,
    /// Accepted for compatibility: chart version constraint.
    #[arg(long = "version")]
    pub version: Option<String>,
}

/// `--wait[=strategy]`: absent is Helm 4's `hookOnly`.
pub fn wait_flag(w: Option<&str>) -> Result<lc::WaitStrategy, String> {
    w.map_or(Ok(lc::WaitStrategy::HookOnly), lc::WaitStrategy::parse)
}

/// `--dry-run[=client|server|none]`: absent is no dry run.
pub fn dry_run_flag(d: Option<&str>) -> Result<lc::DryRun, String> {
    d.map_or(Ok(lc::DryRun::None), lc::DryRun::parse)
}

/// `--server-side true|false|auto`: `None` is `auto`.
pub fn server_side_flag(s: Option<&str>) -> Result<Option<bool>, String> {
    match s {
        None | Some("auto") => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(o) => Err(format!(
            "invalid server-side value {o:?}: must be true, false or auto"
        )),
    }
}

impl DeployArgs {
    fn dry_run(&self) -> Result<lc::DryRun, String> {
        dry_run_flag(self.dry_run.as_deref())
    }
    pub fn server_side(&self) -> Result<Option<bool>, String> {
        server_side_flag(self.server_side.as_deref())
    }
    /// The library's options for these flags.
    pub fn options(&self, chart: String) -> Result<lc::DeployOptions, String> {
        Ok(lc::DeployOptions {
            chart,
            values: self.values.to_options(),
            create_namespace: self.create_namespace,
            wait: lc::WaitSpec {
                // `--rollback-on-failure` turning this into a real wait is
                // the library's rule (`lc::DeployOptions::effective_wait`).
                strategy: wait_flag(self.wait.as_deref())?,
                for_jobs: self.wait_for_jobs,
                timeout: duration(&self.timeout)?,
            },
            rollback_on_failure: self.atomic || self.rollback_on_failure,
            dry_run: self.dry_run()?,
            description: self.description.clone(),
            labels: lc::parse_labels(&self.labels)?,
            no_hooks: self.no_hooks,
            take_ownership: self.take_ownership,
            force_conflicts: self.force_conflicts,
            force_replace: self.force_replace || self.force,
            skip_crds: self.skip_crds,
            skip_schema_validation: self.skip_schema_validation,
            subchart_notes: self.render_subchart_notes,
            hide_secret: self.hide_secret,
            catch_signals: true,
        })
    }

    pub fn check(&self) -> Result<(), String> {
        if (self.force_replace || self.force) && self.force_conflicts {
            return Err(
                "invalid operation: force-conflicts can not be used with force-replace".into(),
            );
        }
        if self.atomic {
            eprintln!("Flag --atomic has been deprecated, use --rollback-on-failure instead");
        }
        if self.force {
            eprintln!("Flag --force has been deprecated, use --force-replace instead");
        }
        Ok(())
    }
}

/// `--timeout`: Go's `ParseDuration`, worded as pflag reports a bad value.
pub fn duration(s: &str) -> Result<std::time::Duration, String> {
    lc::parse_duration(s).map_err(|e| format!("invalid argument {s:?} for \"--timeout\" flag: {e}"))
}

/// `-o/--output`, checked once, where capstan has always checked it: after
/// the operation, before printing (Helm rejects a bad value while parsing
/// flags; the text here is capstan's `invalid format type "…"`).
pub fn output_format(s: &str) -> Result<OutputFormat, String> {
    Ok(OutputFormat::parse(s)?)
}
