//! The release commands (`install`, `upgrade`, `rollback`, `uninstall`,
//! `history`, `list`, `status`, `get`, `test`): Helm 4's flags, the
//! `capstan_lifecycle` operation, and Helm's printers (status table,
//! uitable lists, JSON/YAML as Go's encoders write them).

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};

use capstan_lifecycle as lc;
use capstan_release::{Release, Time};
use clap::{Args, Subcommand};

use crate::ValueArgs;

/// Helm's Kubernetes connection flags (global).
#[derive(Args, Debug, Clone, Default)]
pub struct KubeArgs {
    /// Path to the kubeconfig file.
    #[arg(long, global = true)]
    pub kubeconfig: Option<String>,
    /// Name of the kubeconfig context to use.
    #[arg(long = "kube-context", global = true, env = "HELM_KUBECONTEXT")]
    pub kube_context: Option<String>,
    /// The address and the port for the Kubernetes API server.
    #[arg(long = "kube-apiserver", global = true, env = "HELM_KUBEAPISERVER")]
    pub kube_apiserver: Option<String>,
    /// Bearer token used for authentication.
    #[arg(long = "kube-token", global = true, env = "HELM_KUBETOKEN")]
    pub kube_token: Option<String>,
    /// Skip verification of the API server's certificate.
    #[arg(
        long = "kube-insecure-skip-tls-verify",
        global = true,
        env = "HELM_KUBEINSECURE_SKIP_TLS_VERIFY"
    )]
    pub kube_insecure: bool,
    /// The certificate authority file for the API server connection.
    #[arg(long = "kube-ca-file", global = true, env = "HELM_KUBECAFILE")]
    pub kube_ca_file: Option<String>,
    /// Server name to use for certificate verification.
    #[arg(
        long = "kube-tls-server-name",
        global = true,
        env = "HELM_KUBETLS_SERVER_NAME"
    )]
    pub kube_tls_server_name: Option<String>,
    /// Username to impersonate for the operation.
    #[arg(long = "kube-as-user", global = true, env = "HELM_KUBEASUSER")]
    pub kube_as_user: Option<String>,
    /// Group to impersonate for the operation (repeatable).
    #[arg(long = "kube-as-group", global = true)]
    pub kube_as_group: Vec<String>,
}

impl KubeArgs {
    fn client_options(&self, namespace: Option<&str>) -> lc::ClientOptions {
        lc::ClientOptions {
            kubeconfig: self.kubeconfig.clone().map(Into::into),
            context: self.kube_context.clone(),
            namespace: namespace.map(str::to_string),
            kube_apiserver: self.kube_apiserver.clone(),
            kube_token: self.kube_token.clone(),
            kube_insecure_skip_tls_verify: self.kube_insecure,
            kube_ca_file: self.kube_ca_file.clone().map(Into::into),
            kube_tls_server_name: self.kube_tls_server_name.clone(),
            kube_as_user: self.kube_as_user.clone(),
            kube_as_groups: self.kube_as_group.clone(),
        }
    }
}

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
fn wait_flag(w: Option<&str>) -> Result<lc::WaitStrategy, String> {
    w.map_or(Ok(lc::WaitStrategy::HookOnly), lc::WaitStrategy::parse)
}

/// `--dry-run[=client|server|none]`: absent is no dry run.
fn dry_run_flag(d: Option<&str>) -> Result<lc::DryRun, String> {
    d.map_or(Ok(lc::DryRun::None), lc::DryRun::parse)
}

/// `--server-side true|false|auto`: `None` is `auto`.
fn server_side_flag(s: Option<&str>) -> Result<Option<bool>, String> {
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
    fn wait(&self) -> Result<lc::WaitStrategy, String> {
        if self.atomic || self.rollback_on_failure {
            // Helm: rollback-on-failure forces a real wait.
            return match self.wait.as_deref() {
                None | Some("hookOnly") | Some("false") => Ok(lc::WaitStrategy::Watcher),
                Some(w) => lc::WaitStrategy::parse(w),
            };
        }
        wait_flag(self.wait.as_deref())
    }
    fn dry_run(&self) -> Result<lc::DryRun, String> {
        dry_run_flag(self.dry_run.as_deref())
    }
    fn server_side(&self) -> Result<Option<bool>, String> {
        server_side_flag(self.server_side.as_deref())
    }
    /// The library's options for these flags.
    fn options(&self, chart: String) -> Result<lc::DeployOptions, String> {
        Ok(lc::DeployOptions {
            chart,
            values: self.values.to_options(),
            create_namespace: self.create_namespace,
            wait: lc::WaitSpec {
                strategy: self.wait()?,
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

    fn check(&self) -> Result<(), String> {
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

#[derive(Args, Debug)]
pub struct InstallArgs {
    /// [NAME] CHART
    #[arg(num_args = 1..=2, required = true)]
    pub args: Vec<String>,
    /// Generate the name (and omit the NAME parameter).
    #[arg(short = 'g', long = "generate-name")]
    pub generate_name: bool,
    /// Re-use the given name if it belongs to a failed or uninstalled release.
    #[arg(long = "replace")]
    pub replace: bool,
    /// A Go template (with Sprig) that names the release.
    #[arg(long = "name-template")]
    pub name_template: Option<String>,
    #[command(flatten)]
    pub deploy: DeployArgs,
}

#[derive(Args, Debug)]
pub struct UpgradeArgs {
    pub release: String,
    pub chart: String,
    /// Install the release when it does not exist.
    #[arg(short = 'i', long = "install")]
    pub install: bool,
    /// Reset the values to the ones built into the chart.
    #[arg(long = "reset-values")]
    pub reset_values: bool,
    /// Reuse the last release's values and merge in any overrides.
    #[arg(long = "reuse-values")]
    pub reuse_values: bool,
    /// Reset to the chart's values, then merge the last release's and the overrides.
    #[arg(long = "reset-then-reuse-values")]
    pub reset_then_reuse_values: bool,
    /// Delete new resources created in this upgrade when it fails.
    #[arg(long = "cleanup-on-fail")]
    pub cleanup_on_fail: bool,
    /// Limit the number of revisions kept per release (0 = no limit).
    #[arg(long = "history-max", env = "HELM_MAX_HISTORY", default_value_t = 10)]
    pub history_max: usize,
    #[command(flatten)]
    pub deploy: DeployArgs,
}

#[derive(Args, Debug)]
pub struct RollbackArgs {
    pub release: String,
    pub revision: Option<i64>,
    #[arg(long = "description")]
    pub description: Option<String>,
    #[arg(long = "force-replace")]
    pub force_replace: bool,
    #[arg(long = "force")]
    pub force: bool,
    #[arg(long = "force-conflicts")]
    pub force_conflicts: bool,
    #[arg(long = "server-side")]
    pub server_side: Option<String>,
    #[arg(long = "no-hooks")]
    pub no_hooks: bool,
    #[arg(long = "timeout", default_value = "5m0s")]
    pub timeout: String,
    #[arg(long = "wait", num_args = 0..=1, require_equals = true, default_missing_value = "watcher")]
    pub wait: Option<String>,
    #[arg(long = "wait-for-jobs")]
    pub wait_for_jobs: bool,
    #[arg(long = "cleanup-on-fail")]
    pub cleanup_on_fail: bool,
    #[arg(long = "history-max", env = "HELM_MAX_HISTORY", default_value_t = 10)]
    pub history_max: usize,
    #[arg(long = "dry-run", num_args = 0..=1, require_equals = true, default_missing_value = "client")]
    pub dry_run: Option<String>,
}

#[derive(Args, Debug)]
pub struct UninstallArgs {
    #[arg(required = true)]
    pub releases: Vec<String>,
    #[arg(long = "dry-run")]
    pub dry_run: bool,
    #[arg(long = "no-hooks")]
    pub no_hooks: bool,
    #[arg(long = "ignore-not-found")]
    pub ignore_not_found: bool,
    #[arg(long = "keep-history")]
    pub keep_history: bool,
    #[arg(long = "cascade", default_value = "background")]
    pub cascade: String,
    #[arg(long = "timeout", default_value = "5m0s")]
    pub timeout: String,
    #[arg(long = "wait", num_args = 0..=1, require_equals = true, default_missing_value = "watcher")]
    pub wait: Option<String>,
    #[arg(long = "description")]
    pub description: Option<String>,
}

#[derive(Args, Debug)]
pub struct HistoryArgs {
    pub release: String,
    #[arg(long = "max", default_value_t = 256)]
    pub max: usize,
    #[arg(short = 'o', long = "output", default_value = "table")]
    pub output: String,
}

#[derive(Args, Debug)]
pub struct ListArgs {
    #[arg(short = 'q', long = "short")]
    pub short: bool,
    #[arg(long = "no-headers")]
    pub no_headers: bool,
    #[arg(long = "time-format")]
    pub time_format: Option<String>,
    #[arg(short = 'd', long = "date")]
    pub date: bool,
    #[arg(short = 'r', long = "reverse")]
    pub reverse: bool,
    #[arg(long = "uninstalled")]
    pub uninstalled: bool,
    #[arg(long = "superseded")]
    pub superseded: bool,
    #[arg(long = "uninstalling")]
    pub uninstalling: bool,
    #[arg(long = "deployed")]
    pub deployed: bool,
    #[arg(long = "failed")]
    pub failed: bool,
    #[arg(long = "pending")]
    pub pending: bool,
    #[arg(short = 'A', long = "all-namespaces")]
    pub all_namespaces: bool,
    #[arg(short = 'm', long = "max", default_value_t = 256)]
    pub max: usize,
    #[arg(long = "offset", default_value_t = 0)]
    pub offset: usize,
    #[arg(short = 'f', long = "filter")]
    pub filter: Option<String>,
    #[arg(short = 'l', long = "selector")]
    pub selector: Option<String>,
    #[arg(short = 'o', long = "output", default_value = "table")]
    pub output: String,
}

#[derive(Args, Debug)]
pub struct StatusArgs {
    pub release: String,
    #[arg(long = "revision", default_value_t = 0)]
    pub revision: i64,
    #[arg(short = 'o', long = "output", default_value = "table")]
    pub output: String,
}

#[derive(Args, Debug)]
pub struct GetArgs {
    #[command(subcommand)]
    pub what: GetWhat,
}

#[derive(Args, Debug)]
pub struct GetCommon {
    pub release: String,
    #[arg(long = "revision", default_value_t = 0)]
    pub revision: i64,
}

#[derive(Subcommand, Debug)]
pub enum GetWhat {
    /// Download all information for a named release.
    All {
        #[command(flatten)]
        c: GetCommon,
        /// Go template for formatting the output (accepted; not supported yet).
        #[arg(long = "template")]
        template: Option<String>,
    },
    /// Download all hooks for a named release.
    Hooks {
        #[command(flatten)]
        c: GetCommon,
    },
    /// Download the manifest for a named release.
    Manifest {
        #[command(flatten)]
        c: GetCommon,
    },
    /// Download the notes for a named release.
    Notes {
        #[command(flatten)]
        c: GetCommon,
    },
    /// Fetch metadata for a given release.
    Metadata {
        #[command(flatten)]
        c: GetCommon,
        #[arg(short = 'o', long = "output", default_value = "table")]
        output: String,
    },
    /// Download the values file for a named release.
    Values {
        #[command(flatten)]
        c: GetCommon,
        /// Dump all (computed) values.
        #[arg(short = 'a', long = "all")]
        all: bool,
        #[arg(short = 'o', long = "output", default_value = "table")]
        output: String,
    },
}

#[derive(Args, Debug)]
pub struct TestArgs {
    pub release: String,
    #[arg(long = "timeout", default_value = "5m0s")]
    pub timeout: String,
    /// Dump the logs from test pods.
    #[arg(long = "logs")]
    pub logs: bool,
    /// name=NAME to include, !name=NAME to exclude (repeatable).
    #[arg(long = "filter", value_delimiter = ',')]
    pub filter: Vec<String>,
    #[arg(long = "hide-notes")]
    pub hide_notes: bool,
}

/// Shared context of a release command.
pub struct Ctx<'a> {
    pub kube: &'a KubeArgs,
    pub namespace: Option<&'a str>,
    pub debug: bool,
}

/// Reports hook logs and wait progress: in place on a terminal, plain
/// lines (only when something changes) otherwise.
struct CliReporter {
    tty: bool,
    last: Mutex<String>,
}

impl lc::Reporter for CliReporter {
    fn warn(&self, msg: &str) {
        eprintln!("WARNING: {msg}");
    }
    fn hook_log(&self, _pod: &str, _container: &str, log: &str) {
        // Helm's hook output writer is its standard logger (stderr).
        eprint!("{log}");
    }
    fn progress(&self, pending: &[(String, lc::KubeStatus, String)]) {
        let text: String = pending
            .iter()
            .map(|(id, st, msg)| format!("waiting for {id}: {} {msg}\n", st.as_str()))
            .collect();
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if *last == text {
            return;
        }
        if self.tty {
            // Move up over the previous block and redraw it.
            let up = last.lines().count();
            let mut s = String::new();
            if up > 0 {
                s.push_str(&format!("\x1b[{up}A\x1b[J"));
            }
            s.push_str(&text);
            eprint!("{s}");
        } else {
            eprint!("{text}");
        }
        *last = text;
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    capstan_kube::runtime().map_err(|e| e.to_string())
}

async fn connect(ctx: &Ctx<'_>, history_max: usize) -> Result<lc::Config, String> {
    let driver = std::env::var("HELM_DRIVER").unwrap_or_default();
    let mut cfg = lc::Config::connect(
        &ctx.kube.client_options(ctx.namespace),
        &driver,
        history_max,
    )
    .await
    .map_err(|e| e.to_string())?;
    cfg.reporter = Arc::new(CliReporter {
        tty: std::io::stderr().is_terminal(),
        last: Mutex::new(String::new()),
    });
    // Helm's CLI applies as `helm` (its process name). Tests that share
    // objects with Helm's Go library (which sends its host process name,
    // `python`) set this so both tools are one field manager, as two
    // `helm`-named binaries would be.
    if let Ok(fm) = std::env::var("CAPSTAN_FIELD_MANAGER") {
        if !fm.is_empty() {
            cfg.field_manager = fm;
        }
    }
    Ok(cfg)
}

fn duration(s: &str) -> Result<std::time::Duration, String> {
    lc::parse_duration(s).map_err(|e| format!("invalid argument {s:?} for \"--timeout\" flag: {e}"))
}

// ---------- printers ----------

/// Go's `json.Encoder.Encode`: compact, HTML-escaped, newline-terminated.
fn encode_json<T: serde::Serialize>(v: &T) -> Result<String, String> {
    let bytes = capstan_release::codec::marshal(v).map_err(|e| e.to_string())?;
    Ok(format!("{}\n", String::from_utf8_lossy(&bytes)))
}

/// sigs.k8s.io/yaml's `Marshal`: JSON first, then that JSON read as YAML
/// (so numbers keep their kind) and written with sorted keys.
fn encode_yaml<T: serde::Serialize>(v: &T) -> Result<String, String> {
    json_to_yaml(&encode_json(v)?)
}

/// sigs.k8s.io/yaml's `JSONToYAML`.
fn json_to_yaml(json: &str) -> Result<String, String> {
    let val = yaml::from_yaml(json).map_err(|e| e.to_string())?;
    yaml_doc(&val)
}

/// A YAML document as sigs.k8s.io/yaml writes it (newline-terminated).
fn yaml_doc(v: &gotmpl::Value) -> Result<String, String> {
    let mut s = yaml::to_yaml(v).map_err(|e| e.to_string())?;
    if !s.ends_with('\n') {
        s.push('\n');
    }
    Ok(s)
}

/// Go's `time.RFC3339` (whole seconds).
fn rfc3339_seconds(t: &Time) -> String {
    let s = t.rfc3339_nano();
    match s.find('.') {
        Some(dot) => {
            let end = s[dot + 1..]
                .find(|c: char| !c.is_ascii_digit())
                .map(|i| dot + 1 + i)
                .unwrap_or(s.len());
            format!("{}{}", &s[..dot], &s[end..])
        }
        None => s,
    }
}

fn ansic(t: &Time) -> String {
    t.format_ansic()
}

/// What Helm's `statusPrinter` is told to show.
#[derive(Default, Clone, Copy)]
pub struct Show<'a> {
    /// `--debug` (and `get all`): values, hooks and manifest.
    pub debug: bool,
    /// `get all`: chart name, version and app version.
    pub metadata: bool,
    pub hide_notes: bool,
    /// `helm status`'s `RESOURCES:` block, already rendered.
    pub resources: &'a str,
}

/// Helm's `statusPrinter.WriteTable`.
pub fn status_table(rel: &Release, show: Show) -> String {
    let mut out = String::new();
    out.push_str(&format!("NAME: {}\n", rel.name));
    if !rel.info.last_deployed.is_zero() {
        out.push_str(&format!(
            "LAST DEPLOYED: {}\n",
            ansic(&rel.info.last_deployed)
        ));
    }
    out.push_str(&format!("NAMESPACE: {}\n", rel.namespace));
    out.push_str(&format!("STATUS: {}\n", rel.info.status.as_str()));
    out.push_str(&format!("REVISION: {}\n", rel.version));
    if show.metadata {
        let (name, version, app) = match &rel.chart {
            Some(c) => (
                c.name().to_string(),
                c.version().to_string(),
                c.app_version().to_string(),
            ),
            None => Default::default(),
        };
        out.push_str(&format!(
            "CHART: {name}\nVERSION: {version}\nAPP_VERSION: {app}\n"
        ));
    }
    out.push_str(&format!("DESCRIPTION: {}\n", rel.info.description));
    out.push_str(show.resources);
    let tests: Vec<_> = rel
        .hooks
        .iter()
        .filter(|h| h.events.iter().any(|e| e == "test"))
        .collect();
    if tests.is_empty() {
        out.push_str("TEST SUITE: None\n");
    } else {
        for h in tests {
            if h.last_run.started_at.is_zero() {
                continue;
            }
            out.push_str(&format!(
                "TEST SUITE:     {}\nLast Started:   {}\nLast Completed: {}\nPhase:          {}\n",
                h.name,
                ansic(&h.last_run.started_at),
                ansic(&h.last_run.completed_at),
                h.last_run.phase
            ));
        }
    }
    if show.debug {
        out.push_str("USER-SUPPLIED VALUES:\n");
        out.push_str(&encode_yaml(&rel.config_json()).unwrap_or_default());
        out.push('\n');
        out.push_str("COMPUTED VALUES:\n");
        out.push_str(&encode_yaml(&lc::prepare::computed_values(rel)).unwrap_or_default());
        out.push('\n');
    }
    if rel
        .info
        .description
        .eq_ignore_ascii_case("Dry run complete")
        || show.debug
    {
        out.push_str("HOOKS:\n");
        for h in &rel.hooks {
            out.push_str(&format!("---\n# Source: {}\n{}\n", h.path, h.manifest));
        }
        out.push_str(&format!("MANIFEST:\n{}\n", rel.manifest));
    }
    if !show.hide_notes && !rel.info.notes.is_empty() {
        out.push_str(&format!("NOTES:\n{}\n", rel.info.notes.trim()));
    }
    out
}

/// Helm's status printer in any `-o` format. `helm status` strips the
/// chart before printing; install and upgrade print the whole record.
fn status_output(
    rel: &Release,
    format: &str,
    hide_notes: bool,
    debug: bool,
    strip_chart: bool,
) -> Result<String, String> {
    let record = || {
        let mut r = rel.clone();
        if strip_chart {
            r.chart = None;
        }
        capstan_release::to_json(&r)
    };
    match format {
        "table" => Ok(status_table(
            rel,
            Show {
                debug,
                hide_notes,
                ..Show::default()
            },
        )),
        "json" => Ok(format!("{}\n", record())),
        "yaml" => json_to_yaml(&record()),
        other => Err(format!("invalid format type {other:?}")),
    }
}

fn chart_name(r: &Release) -> String {
    match &r.chart {
        Some(c) => format!("{}-{}", c.name(), c.version()),
        None => "MISSING".into(),
    }
}

fn app_version(r: &Release) -> String {
    match &r.chart {
        Some(c) => c.app_version().to_string(),
        None => "MISSING".into(),
    }
}

#[derive(serde::Serialize)]
struct HistoryRow {
    revision: i64,
    updated: Time,
    status: String,
    chart: String,
    app_version: String,
    description: String,
}

#[derive(serde::Serialize)]
struct ListRow {
    name: String,
    namespace: String,
    revision: String,
    updated: String,
    status: String,
    chart: String,
    app_version: String,
}

/// `get all --template`: Go's text/template over `{"Release": rel}`, with
/// the release's Go field names (`.Release.Info.Status`,
/// `.Release.Chart.Metadata.Version`, …). Times are their Go `String()`;
/// printing a whole struct shows a map, not Go's `&{…}` (a known gap).
fn release_template(rel: &Release, text: &str) -> Result<String, String> {
    use gotmpl::Value as V;
    let map = |items: Vec<(&str, V)>| {
        V::map(items.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    };
    let strs = |m: &std::collections::BTreeMap<String, String>| {
        V::map(m.iter().map(|(k, v)| (k.clone(), V::str(v))).collect())
    };
    let json = |j: serde_json::Value| capstan_release::json_to_values(&j);
    let md = rel
        .chart
        .as_ref()
        .and_then(|c| c.metadata.clone())
        .unwrap_or_default();
    let chart = map(vec![
        (
            "Metadata",
            map(vec![
                ("Name", V::str(&md.name)),
                ("Version", V::str(&md.version)),
                ("AppVersion", V::str(&md.app_version)),
                ("Description", V::str(&md.description)),
                ("APIVersion", V::str(&md.api_version)),
                ("Type", V::str(&md.chart_type)),
                ("KubeVersion", V::str(&md.kube_version)),
                ("Home", V::str(&md.home)),
                ("Icon", V::str(&md.icon)),
                ("Annotations", strs(&md.annotations)),
            ]),
        ),
        (
            "Values",
            json(
                rel.chart
                    .as_ref()
                    .map(|c| c.values_json())
                    .unwrap_or_default(),
            ),
        ),
    ]);
    let info = map(vec![
        (
            "FirstDeployed",
            V::string(rel.info.first_deployed.go_string()),
        ),
        (
            "LastDeployed",
            V::string(rel.info.last_deployed.go_string()),
        ),
        ("Deleted", V::string(rel.info.deleted.go_string())),
        ("Description", V::str(&rel.info.description)),
        ("Status", V::str(rel.info.status.as_str())),
        ("Notes", V::str(&rel.info.notes)),
    ]);
    let hooks = V::list(
        rel.hooks
            .iter()
            .map(|h| {
                map(vec![
                    ("Name", V::str(&h.name)),
                    ("Kind", V::str(&h.kind)),
                    ("Path", V::str(&h.path)),
                    ("Manifest", V::str(&h.manifest)),
                    (
                        "Events",
                        V::list(h.events.iter().map(|e| V::str(e)).collect()),
                    ),
                    ("Weight", V::int(h.weight)),
                    (
                        "DeletePolicies",
                        V::list(h.delete_policies.iter().map(|e| V::str(e)).collect()),
                    ),
                    (
                        "LastRun",
                        map(vec![
                            ("StartedAt", V::string(h.last_run.started_at.go_string())),
                            (
                                "CompletedAt",
                                V::string(h.last_run.completed_at.go_string()),
                            ),
                            ("Phase", V::str(&h.last_run.phase)),
                        ]),
                    ),
                ])
            })
            .collect(),
    );
    let release = map(vec![
        ("Name", V::str(&rel.name)),
        ("Namespace", V::str(&rel.namespace)),
        ("Version", V::int(rel.version)),
        ("Info", info),
        ("Chart", chart),
        ("Config", json(rel.config_json())),
        ("Manifest", V::str(&rel.manifest)),
        ("Hooks", hooks),
        ("Labels", strs(&rel.labels)),
        (
            "ApplyMethod",
            V::str(rel.apply_method.as_deref().unwrap_or("")),
        ),
    ]);
    let mut t = gotmpl::Template::new("_", std::rc::Rc::new(gotmpl::FuncMap::new()));
    t.parse("_", text).map_err(|e| e.to_string())?;
    t.execute("_", &map(vec![("Release", release)]))
        .map_err(|e| e.to_string())
}

/// `helm get metadata`'s record (Helm's `action.Metadata`).
#[derive(serde::Serialize)]
struct MetadataOut {
    name: String,
    chart: String,
    version: String,
    #[serde(rename = "appVersion")]
    app_version: String,
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    annotations: std::collections::BTreeMap<String, String>,
    /// The record object's labels as storage returns them (Helm 4.2.3
    /// keeps its system labels here).
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    labels: std::collections::BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    dependencies: Vec<serde_json::Value>,
    namespace: String,
    revision: i64,
    status: String,
    #[serde(rename = "deployedAt")]
    deployed_at: String,
    #[serde(rename = "applyMethod", skip_serializing_if = "Option::is_none")]
    apply_method: Option<String>,
}

impl MetadataOut {
    fn of(rel: &Release) -> MetadataOut {
        let md = rel
            .chart
            .as_ref()
            .and_then(|c| c.metadata.clone())
            .unwrap_or_default();
        let deps = serde_json::to_value(&md)
            .ok()
            .and_then(|v| v.get("dependencies").and_then(|d| d.as_array().cloned()))
            .unwrap_or_default();
        MetadataOut {
            name: rel.name.clone(),
            chart: md.name.clone(),
            version: md.version.clone(),
            app_version: md.app_version.clone(),
            annotations: md.annotations.clone(),
            labels: rel.labels.clone(),
            dependencies: deps,
            namespace: rel.namespace.clone(),
            revision: rel.version,
            status: rel.info.status.as_str().to_string(),
            deployed_at: rfc3339_seconds(&rel.info.last_deployed),
            apply_method: rel.apply_method.clone(),
        }
    }

    fn table(&self) -> String {
        let set = |m: &std::collections::BTreeMap<String, String>| {
            m.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(",")
        };
        let mut deps: Vec<String> = self
            .dependencies
            .iter()
            .filter_map(|d| d.get("name").and_then(|n| n.as_str()).map(str::to_string))
            .collect();
        deps.sort();
        format!(
            "NAME: {}\nCHART: {}\nVERSION: {}\nAPP_VERSION: {}\nANNOTATIONS: {}\nLABELS: {}\nDEPENDENCIES: {}\nNAMESPACE: {}\nREVISION: {}\nSTATUS: {}\nDEPLOYED_AT: {}\n",
            self.name,
            self.chart,
            self.version,
            self.app_version,
            set(&self.annotations),
            set(&self.labels),
            deps.join(","),
            self.namespace,
            self.revision,
            self.status,
            self.deployed_at
        )
    }
}

// ---------- commands ----------

pub fn install(a: &InstallArgs, ctx: &Ctx) -> Result<String, String> {
    let d = &a.deploy;
    d.check()?;
    // Helm's runInstall: NameAndChart first; its errors are install failures.
    let (name, chart) = lc::name_and_chart(
        &a.args,
        &lc::NameOptions {
            default_name: None,
            generate_name: a.generate_name,
            name_template: a.name_template.clone(),
        },
    )
    .map_err(|e| format!("INSTALLATION FAILED: {e}"))?;
    let opts = lc::InstallOptions {
        name,
        deploy: d.options(chart)?,
        replace: a.replace,
        server_side: d.server_side()?.unwrap_or(true),
    };
    let rt = runtime()?;
    rt.block_on(async {
        let cfg = connect(ctx, 0).await?;
        let rel = lc::install(&cfg, &opts)
            .await
            .map_err(|e| format!("INSTALLATION FAILED: {e}"))?;
        status_output(&rel, &d.output, d.hide_notes, ctx.debug, false)
    })
}

pub fn upgrade(a: &UpgradeArgs, ctx: &Ctx) -> Result<String, String> {
    let d = &a.deploy;
    d.check()?;
    let opts = lc::UpgradeOptions {
        name: a.release.clone(),
        deploy: d.options(a.chart.clone())?,
        install: a.install,
        reuse_values: a.reuse_values,
        reset_values: a.reset_values,
        reset_then_reuse_values: a.reset_then_reuse_values,
        cleanup_on_fail: a.cleanup_on_fail,
        server_side: d.server_side()?,
    };
    let rt = runtime()?;
    rt.block_on(async {
        let cfg = connect(ctx, a.history_max).await?;
        let up = lc::upgrade(&cfg, &opts)
            .await
            .map_err(|e| format!("UPGRADE FAILED: {e}"))?;
        let mut out = String::new();
        if up.installed && d.output == "table" {
            out.push_str(&format!(
                "Release {:?} does not exist. Installing it now.\n",
                a.release
            ));
        } else if d.output == "table" {
            out.push_str(&format!(
                "Release {:?} has been upgraded. Happy Helming!\n",
                a.release
            ));
        }
        out.push_str(&status_output(
            &up.release,
            &d.output,
            d.hide_notes,
            ctx.debug,
            false,
        )?);
        Ok(out)
    })
}

pub fn rollback(a: &RollbackArgs, ctx: &Ctx) -> Result<String, String> {
    if (a.force_replace || a.force) && a.force_conflicts {
        return Err("invalid operation: force-conflicts can not be used with force-replace".into());
    }
    let opts = lc::RollbackOptions {
        version: a.revision.unwrap_or(0),
        wait: lc::WaitSpec {
            strategy: wait_flag(a.wait.as_deref())?,
            for_jobs: a.wait_for_jobs,
            timeout: duration(&a.timeout)?,
        },
        no_hooks: a.no_hooks,
        force_replace: a.force_replace || a.force,
        force_conflicts: a.force_conflicts,
        server_side: server_side_flag(a.server_side.as_deref())?,
        cleanup_on_fail: a.cleanup_on_fail,
        dry_run: dry_run_flag(a.dry_run.as_deref())?,
        description: a.description.clone(),
    };
    let rt = runtime()?;
    rt.block_on(async {
        let cfg = connect(ctx, a.history_max).await?;
        lc::rollback(&cfg, &a.release, &opts)
            .await
            .map_err(|e| e.to_string())?;
        Ok("Rollback was a success! Happy Helming!\n".to_string())
    })
}

pub fn uninstall(a: &UninstallArgs, ctx: &Ctx) -> Result<String, String> {
    let opts = lc::UninstallOptions {
        keep_history: a.keep_history,
        no_hooks: a.no_hooks,
        dry_run: a.dry_run,
        ignore_not_found: a.ignore_not_found,
        wait: wait_flag(a.wait.as_deref())?,
        timeout: duration(&a.timeout)?,
        cascade: lc::parse_cascade(&a.cascade)?,
        description: a.description.clone(),
    };
    let rt = runtime()?;
    rt.block_on(async {
        let cfg = connect(ctx, 0).await?;
        let mut out = String::new();
        for name in &a.releases {
            let res = lc::uninstall(&cfg, name, &opts)
                .await
                .map_err(|e| e.to_string())?;
            if !res.info.is_empty() {
                out.push_str(&res.info);
                out.push('\n');
            }
            out.push_str(&format!("release {name:?} uninstalled\n"));
        }
        Ok(out)
    })
}

pub fn history(a: &HistoryArgs, ctx: &Ctx) -> Result<String, String> {
    let rt = runtime()?;
    rt.block_on(async {
        let cfg = connect(ctx, 0).await?;
        let hist = lc::history(&cfg, &a.release, a.max)
            .await
            .map_err(|e| e.to_string())?;
        let rows: Vec<HistoryRow> = hist
            .iter()
            .map(|r| HistoryRow {
                revision: r.version,
                updated: r.info.last_deployed,
                status: r.info.status.as_str().to_string(),
                chart: chart_name(r),
                app_version: app_version(r),
                description: r.info.description.clone(),
            })
            .collect();
        match a.output.as_str() {
            "table" => {
                let mut t = vec![[
                    "REVISION",
                    "UPDATED",
                    "STATUS",
                    "CHART",
                    "APP VERSION",
                    "DESCRIPTION",
                ]
                .map(String::from)
                .to_vec()];
                for r in &rows {
                    t.push(vec![
                        r.revision.to_string(),
                        ansic(&r.updated),
                        r.status.clone(),
                        r.chart.clone(),
                        r.app_version.clone(),
                        r.description.clone(),
                    ]);
                }
                Ok(format!("{}\n", action::dependency::table(&t, 0)))
            }
            "json" => encode_json(&rows),
            "yaml" => encode_yaml(&rows),
            o => Err(format!("invalid format type {o:?}")),
        }
    })
}

pub fn list(a: &ListArgs, ctx: &Ctx) -> Result<String, String> {
    let opts = lc::ListOptions {
        states: lc::StateMask {
            deployed: a.deployed,
            failed: a.failed,
            pending: a.pending,
            superseded: a.superseded,
            uninstalled: a.uninstalled,
            uninstalling: a.uninstalling,
        },
        filter: a.filter.clone(),
        selector: a.selector.clone(),
        by_date: a.date,
        reverse: a.reverse,
        limit: a.max,
        offset: a.offset,
    };
    let rt = runtime()?;
    rt.block_on(async {
        let mut cfg = connect(ctx, 0).await?;
        if a.all_namespaces {
            cfg.storage.driver = cfg.storage.driver.in_namespace("");
        }
        let rels = lc::list(&cfg, &opts).await.map_err(|e| e.to_string())?;
        if a.short {
            let names: Vec<String> = rels.iter().map(|r| r.name.clone()).collect();
            return match a.output.as_str() {
                "json" => encode_json(&names),
                "yaml" => encode_yaml(&names),
                _ => Ok(names.iter().map(|n| format!("{n}\n")).collect()),
            };
        }
        let rows: Vec<ListRow> = rels
            .iter()
            .map(|r| ListRow {
                name: r.name.clone(),
                namespace: r.namespace.clone(),
                revision: r.version.to_string(),
                updated: if r.info.last_deployed.is_zero() {
                    "-".into()
                } else {
                    match &a.time_format {
                        Some(f) if !f.is_empty() => r.info.last_deployed.format_go(f),
                        _ => r.info.last_deployed.go_string(),
                    }
                },
                status: r.info.status.as_str().to_string(),
                chart: chart_name(r),
                app_version: app_version(r),
            })
            .collect();
        match a.output.as_str() {
            "table" => {
                let mut t = Vec::new();
                if !a.no_headers {
                    t.push(
                        [
                            "NAME",
                            "NAMESPACE",
                            "REVISION",
                            "UPDATED",
                            "STATUS",
                            "CHART",
                            "APP VERSION",
                        ]
                        .map(String::from)
                        .to_vec(),
                    );
                }
                for r in &rows {
                    t.push(vec![
                        r.name.clone(),
                        r.namespace.clone(),
                        r.revision.clone(),
                        r.updated.clone(),
                        r.status.clone(),
                        r.chart.clone(),
                        r.app_version.clone(),
                    ]);
                }
                Ok(format!("{}\n", action::dependency::table(&t, 0)))
            }
            "json" => encode_json(&rows),
            "yaml" => encode_yaml(&rows),
            o => Err(format!("invalid format type {o:?}")),
        }
    })
}

pub fn status(a: &StatusArgs, ctx: &Ctx) -> Result<String, String> {
    let rt = runtime()?;
    rt.block_on(async {
        let cfg = connect(ctx, 0).await?;
        let rel = lc::status(&cfg, &a.release, a.revision)
            .await
            .map_err(|e| e.to_string())?;
        if a.output == "table" {
            // Helm 4 always shows the release's live objects in the table.
            let resources = lc::resources_block(&cfg, &rel)
                .await
                .map_err(|e| e.to_string())?;
            return Ok(status_table(
                &rel,
                Show {
                    resources: &resources,
                    ..Show::default()
                },
            ));
        }
        status_output(&rel, &a.output, false, false, true)
    })
}

fn values_yaml(v: &serde_json::Value) -> Result<String, String> {
    encode_yaml(v)
}

pub fn get(a: &GetArgs, ctx: &Ctx) -> Result<String, String> {
    let c = match &a.what {
        GetWhat::All { c, .. }
        | GetWhat::Hooks { c }
        | GetWhat::Manifest { c }
        | GetWhat::Notes { c } => c,
        GetWhat::Metadata { c, .. } | GetWhat::Values { c, .. } => c,
    };
    let rt = runtime()?;
    let rel = rt.block_on(async {
        let cfg = connect(ctx, 0).await?;
        lc::get(&cfg, &c.release, c.revision)
            .await
            .map_err(|e| e.to_string())
    })?;
    let config = rel.config_json();
    let computed =
        || -> Result<serde_json::Value, String> { Ok(lc::prepare::computed_values(&rel)) };
    match &a.what {
        GetWhat::Manifest { .. } => Ok(format!("{}\n", rel.manifest)),
        GetWhat::Notes { .. } => Ok(if rel.info.notes.is_empty() {
            String::new()
        } else {
            format!("NOTES:\n{}\n", rel.info.notes)
        }),
        GetWhat::Hooks { .. } => Ok(rel
            .hooks
            .iter()
            .map(|h| format!("---\n# Source: {}\n{}\n", h.path, h.manifest))
            .collect()),
        GetWhat::Values { all, output, .. } => {
            let v = if *all { computed()? } else { config.clone() };
            match output.as_str() {
                "table" => Ok(format!(
                    "{}{}",
                    if *all {
                        "COMPUTED VALUES:\n"
                    } else {
                        "USER-SUPPLIED VALUES:\n"
                    },
                    values_yaml(&v)?
                )),
                "json" => encode_json(&v),
                "yaml" => values_yaml(&v),
                o => Err(format!("invalid format type {o:?}")),
            }
        }
        GetWhat::Metadata { output, .. } => {
            let m = MetadataOut::of(&rel);
            match output.as_str() {
                "table" => Ok(m.table()),
                "json" => encode_json(&m),
                "yaml" => encode_yaml(&m),
                o => Err(format!("invalid format type {o:?}")),
            }
        }
        GetWhat::All { template, .. } => {
            if let Some(t) = template {
                return release_template(&rel, t);
            }
            // Helm: the status printer with debug and chart metadata on.
            Ok(status_table(
                &rel,
                Show {
                    debug: true,
                    metadata: true,
                    ..Show::default()
                },
            ))
        }
    }
}

pub fn test(a: &TestArgs, ctx: &Ctx) -> Result<String, String> {
    let mut include = Vec::new();
    let mut exclude = Vec::new();
    for f in &a.filter {
        if let Some(n) = f.strip_prefix("!name=") {
            exclude.push(n.to_string());
        } else if let Some(n) = f.strip_prefix("name=") {
            include.push(n.to_string());
        }
    }
    let opts = lc::TestOptions {
        timeout: duration(&a.timeout)?,
        include,
        exclude,
    };
    let rt = runtime()?;
    rt.block_on(async {
        let cfg = connect(ctx, 0).await?;
        // Helm prints the status (and then the logs) even when a test fails.
        let (rel, err) = match lc::test(&cfg, &a.release, &opts).await {
            Ok(rel) => (rel, None),
            Err(e) => match e.release.clone() {
                Some(rel) => (*rel, Some(e.to_string())),
                None => return Err(e.to_string()),
            },
        };
        let mut out = status_table(
            &rel,
            Show {
                hide_notes: a.hide_notes,
                ..Show::default()
            },
        );
        if a.logs {
            out.push('\n');
            for (pod, log) in lc::test_logs(&cfg, &rel, &opts)
                .await
                .map_err(|e| e.to_string())?
            {
                out.push_str(&format!("POD LOGS: {pod}\n{log}\n"));
            }
        }
        match err {
            None => Ok(out),
            Some(e) => {
                print!("{out}");
                Err(e)
            }
        }
    })
}
