//! Flag groups and flag values shared by several release commands:
//! install and upgrade's [`DeployArgs`], the chart-locating flags of every
//! command that takes a chart reference ([`ChartPathArgs`]), `--wait`,
//! `--dry-run`, `--server-side`, `--timeout` and `-o/--output`.

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
    #[arg(long = "timeout", default_value = "5m0s", allow_hyphen_values = true)]
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
    /// Accepted: capstan does not validate against the OpenAPI schema client-side.
    #[arg(long = "disable-openapi-validation")]
    pub disable_openapi_validation: bool,
    /// Accepted; `getHostByName` is not resolved yet (it returns "").
    #[arg(long = "enable-dns")]
    pub enable_dns: bool,
    /// Output format: table, json or yaml.
    #[arg(short = 'o', long = "output", default_value = "table")]
    pub output: String,
    /// Print what this will change first, as `capstan diff upgrade` reports it, from the
    /// render that is then applied; with --dry-run print only that report.
    #[arg(long = "diff")]
    pub diff: bool,
    #[command(flatten)]
    pub chart_path: ChartPathArgs,
}

/// Helm's `ChartPathOptions` flags (plus `--devel`): how a chart reference
/// (`oci://…`, `REPO/CHART`, `CHART --repo URL`, a URL or a path) is found
/// and fetched.
#[derive(Args, Debug, Clone, Default)]
pub struct ChartPathArgs {
    /// Specify a version constraint for the chart version to use (exact or a
    /// range like ^2.0.0); without it, the latest version is used.
    #[arg(long = "version")]
    pub version: Option<String>,
    /// Use development versions, too. Equivalent to version '>0.0.0-0'. If
    /// --version is set, this is ignored.
    #[arg(long = "devel")]
    pub devel: bool,
    /// Chart repository url where to locate the requested chart.
    #[arg(long = "repo")]
    pub repo: Option<String>,
    /// Chart repository username where to locate the requested chart.
    #[arg(long = "username")]
    pub username: Option<String>,
    /// Chart repository password where to locate the requested chart.
    #[arg(long = "password")]
    pub password: Option<String>,
    /// Pass credentials to all domains.
    #[arg(long = "pass-credentials")]
    pub pass_credentials: bool,
    /// Verify certificates of HTTPS-enabled servers using this CA bundle.
    #[arg(long = "ca-file")]
    pub ca_file: Option<String>,
    /// Identify HTTPS client using this SSL certificate file.
    #[arg(long = "cert-file")]
    pub cert_file: Option<String>,
    /// Identify HTTPS client using this SSL key file.
    #[arg(long = "key-file")]
    pub key_file: Option<String>,
    /// Skip tls certificate checks for the chart download.
    #[arg(long = "insecure-skip-tls-verify")]
    pub insecure_skip_tls_verify: bool,
    /// Use insecure HTTP connections for the chart download.
    #[arg(long = "plain-http")]
    pub plain_http: bool,
    /// Location of public keys used for verification.
    #[arg(long = "keyring")]
    pub keyring: Option<String>,
    /// Verify the package before using it.
    #[arg(long = "verify")]
    pub verify: bool,
}

/// Helm's `defaultKeyring()`: `$GNUPGHOME/pubring.gpg`, else
/// `~/.gnupg/pubring.gpg`.
pub fn default_keyring() -> std::path::PathBuf {
    let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    match env("GNUPGHOME") {
        Some(g) => std::path::PathBuf::from(g).join("pubring.gpg"),
        None => std::path::PathBuf::from(env("HOME").unwrap_or_default())
            .join(".gnupg")
            .join("pubring.gpg"),
    }
}

impl ChartPathArgs {
    /// The library's options; `--devel` without `--version` is `>0.0.0-0`.
    pub fn options(&self) -> dist::downloader::ChartPathOptions {
        let p = |s: &Option<String>| s.as_ref().filter(|s| !s.is_empty()).map(Into::into);
        let mut version = self.version.clone().unwrap_or_default();
        if version.is_empty() && self.devel {
            version = ">0.0.0-0".into();
        }
        dist::downloader::ChartPathOptions {
            version,
            repo_url: self.repo.clone().unwrap_or_default(),
            username: self.username.clone().unwrap_or_default(),
            password: self.password.clone().unwrap_or_default(),
            pass_credentials_all: self.pass_credentials,
            ca_file: p(&self.ca_file),
            cert_file: p(&self.cert_file),
            key_file: p(&self.key_file),
            insecure_skip_tls_verify: self.insecure_skip_tls_verify,
            plain_http: self.plain_http,
            verify: self.verify,
            keyring: self
                .keyring
                .as_ref()
                .map(Into::into)
                .unwrap_or_else(default_keyring),
        }
    }

    /// Helm's `LocateChart`: the path to load `name` from, downloading it
    /// (into the content cache) when it is a chart reference.  The
    /// registry's `Pulled:`/`Digest:` lines go to stdout as they happen,
    /// before the command's own output: Helm 4.2.3 prints them there
    /// (helm/helm#32215 calls that a regression; capstan matches the
    /// reference byte for byte on purpose).
    pub fn locate(&self, name: &str, settings: &dist::paths::Settings) -> Result<String, String> {
        let mut out = std::io::stdout().lock();
        let r = dist::downloader::locate_chart(settings, &self.options(), name, &mut out);
        let _ = std::io::Write::flush(&mut out);
        Ok(r?.path())
    }
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
        // Helm rejects a bad `-o` while parsing flags, so nothing is applied;
        // checking it only before printing would apply the change, then fail.
        output_format(&self.output)?;
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
            preview: self.preview()?,
        })
    }

    /// `--diff`: the report, then on unless this is a dry run.
    fn preview(&self) -> Result<Option<lc::Preview>, String> {
        Ok(self
            .diff
            .then(|| crate::diff::preview(self.dry_run().map(|d| d.is_dry()).unwrap_or(false))))
    }

    /// `--diff --dry-run`: the report is all the command prints.
    pub fn report_only(&self) -> bool {
        self.diff && self.dry_run().is_ok_and(|d| d.is_dry())
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

/// A count given as Go's `int` (`--history-max`, `history --max`): below
/// 0 is 0, which `--history-max` reads as "keep every revision" and
/// `history --max` as "show none", as Helm does.
pub fn count(n: i64) -> usize {
    usize::try_from(n).unwrap_or(0)
}

/// `--timeout`: Go's `ParseDuration`, worded as pflag reports a bad value.
pub fn duration(s: &str) -> Result<std::time::Duration, String> {
    lc::parse_duration(s).map_err(|e| format!("invalid argument {s:?} for \"--timeout\" flag: {e}"))
}

/// `-o/--output`, worded as pflag reports the error of Helm's `outputValue.Set`.
/// Deploy commands check it before anything runs ([`DeployArgs::options`]).
pub fn output_format(s: &str) -> Result<OutputFormat, String> {
    OutputFormat::parse(s).map_err(|_| {
        format!("invalid argument {s:?} for \"-o, --output\" flag: invalid format type")
    })
}
