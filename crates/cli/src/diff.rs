//! `capstan diff`: helm-diff (v3.15.11) built in — same subcommands,
//! flags, `HELM_DIFF_*` variables, output and exit codes — over capstan's
//! own release records and upgrade render instead of `helm` subprocesses.
//!
//! The command has its own parser: helm-diff's `--color` is a boolean where
//! Helm's global one takes a value, and helm-diff exits 1 on a bad flag
//! where clap exits 2, which `--detailed-exitcode` reserves for "changes".
//! `main` hands every `capstan diff …` command line here before its own
//! parser runs.  The report itself is `capstan-diff`'s; the two manifest
//! texts come from the release records, the upgrade itself (stopped
//! before it applies anything, so the diff shows exactly what `capstan
//! upgrade` would apply), or the cluster.

use std::ffi::OsString;
use std::io::{IsTerminal, Read, Write};
use std::sync::{Arc, Mutex};

use capstan_lifecycle as lc;
use clap::{Args, Parser, Subcommand};

use crate::cluster::{connect, runtime, Ctx, KubeArgs};
use crate::flags::ChartPathArgs;
use crate::ValueArgs;

/// The helm-diff release capstan's output matches.
pub const HELM_DIFF_VERSION: &str = "3.15.11";

/// Placeholder so `capstan --help` lists `diff`; the real parser is [`DiffCli`].
#[derive(Args, Debug)]
#[command(disable_help_flag = true)]
pub struct Passthrough {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, num_args = 0..)]
    pub args: Vec<String>,
}

#[derive(Parser, Debug)]
#[command(
    next_display_order = None,
    name = "capstan diff",
    about = "Preview a release change as a diff (helm-diff, built in)",
    long_about = "Show a diff explaining what a helm upgrade would change.\n\n\
This is helm-diff built into capstan: the same subcommands, flags, HELM_DIFF_* \
variables, output formats and exit codes, so scripts written for `helm diff` keep \
working. It fetches the currently deployed version of a release and compares it \
to the chart plus values. This can be used to visualize what changes a helm \
upgrade will perform.",
    disable_version_flag = true
)]
struct DiffCli {
    #[command(subcommand)]
    command: DiffCommand,
    /// Namespace scope for this request.
    #[arg(short = 'n', long, global = true, env = "HELM_NAMESPACE")]
    namespace: Option<String>,
    /// Enable verbose output.
    #[arg(long, global = true)]
    debug: bool,
    #[command(flatten)]
    kube: KubeArgs,
    #[command(flatten)]
    paths: crate::PathArgs,
    /// Disable colour (helm-diff's global flag).
    #[arg(long = "no-color", global = true)]
    no_color: bool,
    /// Force colour on (`--color=false` forces it off).
    #[arg(long = "color", global = true, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    color: Option<bool>,
}

// Parsed once per process: the size of the flag structs does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand, Debug)]
enum DiffCommand {
    /// Show a diff explaining what a helm upgrade would change.
    Upgrade(UpgradeArgs),
    /// Show a diff explaining what a helm rollback could perform.
    Rollback(RollbackArgs),
    /// Show a diff between two revisions of a release (or a revision and the current one).
    Revision(RevisionArgs),
    /// Show a diff between two releases.
    Release(ReleaseArgs),
    /// Show a diff between two local charts.
    Local(LocalArgs),
    /// Show the diff of two manifest files, as helm-diff would report them.
    Manifests(ManifestsArgs),
    /// Show the version of helm-diff this matches.
    Version,
}

/// The report flags every diff command takes.
#[derive(Args, Debug, Clone)]
struct ReportArgs {
    /// Output only the changed lines and this many lines of context around them (-1: everything).
    #[arg(short = 'C', long = "context", default_value_t = -1, allow_negative_numbers = true)]
    context: i64,
    /// Possible values: diff, simple, template, dyff, json, structured. When set to "template",
    /// use the env var HELM_DIFF_TPL to specify the template.
    #[arg(long = "output", env = "HELM_DIFF_OUTPUT", default_value = "diff")]
    output: String,
    /// Suppress secrets in the output.
    #[arg(short = 'q', long = "suppress-secrets")]
    suppress_secrets: bool,
    /// Allows suppression of the kinds listed in the diff output (can specify multiple, like '--suppress Deployment --suppress Service').
    #[arg(long = "suppress")]
    suppress: Vec<String>,
    /// Do not redact secret values in the output.
    #[arg(long = "show-secrets")]
    show_secrets: bool,
    /// Decode secret values in the output.
    #[arg(long = "show-secrets-decoded")]
    show_secrets_decoded: bool,
    /// A regex to suppress diff output lines that match.
    #[arg(long = "suppress-output-line-regex")]
    suppress_output_line_regex: Vec<String>,
    /// Enable rename detection if set to any value greater than 0. If specified, the value denotes the maximum fraction of changed content as lines added + removed compared to total lines in a diff for considering it a rename. Only objects of the same Kind are attempted to be matched.
    #[arg(short = 'D', long = "find-renames", default_value_t = 0.0)]
    find_renames: f32,
    /// Strip trailing carriage return on input.
    #[arg(long = "strip-trailing-cr")]
    strip_trailing_cr: bool,
    /// Return a non-zero exit code when there are changes.
    #[arg(long = "detailed-exitcode")]
    detailed_exitcode: bool,
    /// Enable the diffing of the helm test hooks.
    #[arg(long = "include-tests")]
    include_tests: bool,
    /// Normalize manifests before running diff to exclude style differences from the output.
    #[arg(long = "normalize-manifests")]
    normalize_manifests: bool,
}

#[derive(Args, Debug)]
#[command(
    next_display_order = None,
    override_usage = "capstan diff upgrade [flags] [RELEASE] [CHART]",
    long_about = "Show a diff explaining what a helm upgrade would change.\n\n\
This fetches the currently deployed version of a release\n\
and compares it to a chart plus values.\n\
This can be used to visualize what changes a helm upgrade will\n\
perform.",
    after_help = "Examples:\n  \
capstan diff upgrade my-release ./my-chart --values values.yaml\n\n  \
# Set HELM_DIFF_IGNORE_UNKNOWN_FLAGS=true to ignore unknown flags\n  \
# It's useful when you're using `helm-diff` in a `helm upgrade` wrapper.\n  \
HELM_DIFF_IGNORE_UNKNOWN_FLAGS=true capstan diff upgrade my-release ./my-chart --unknown-flag\n\n  \
# Set HELM_DIFF_USE_UPGRADE_DRY_RUN=true to use `helm upgrade --dry-run` instead of `helm template`:\n  \
# capstan always renders with the upgrade itself, so this variable changes nothing.\n\n  \
# Set HELM_DIFF_OUTPUT_CONTEXT=n to configure the output context to n lines.\n  \
HELM_DIFF_OUTPUT_CONTEXT=5 capstan diff upgrade my-release ./my-chart\n\n\
Better than helm-diff:\n  \
- the \"after\" side is what `capstan upgrade` with the same arguments applies: the same \
render (server capabilities and `lookup` included), with Helm's rules for reusing values \
(--reuse-values, --reset-values, --reset-then-reuse-values, and by default the previous \
release's values), not helm-diff's `get values --all` shortcut;\n  \
- --three-way-merge compares against a server-side-apply dry run (dryRun=All, field manager \
helm), so defaulting shows and fields other managers own stay unchanged;\n  \
- no subprocesses: the release records and the render are read in-process;\n  \
- helm-diff's bugs are fixed: `revision R` honours --detailed-exitcode, `release` with \
different charts is an error (exit 1), a renamed Secret is diffed, not reported as a parse error.")]
struct UpgradeArgs {
    /// RELEASE CHART
    #[arg(num_args = 0..)]
    args: Vec<String>,
    #[command(flatten)]
    report: ReportArgs,
    #[command(flatten)]
    values: ValueArgs,
    #[command(flatten)]
    chart_path: ChartPathArgs,
    /// Reuse the last release's values and merge in any new values (wins over --reset-then-reuse-values).
    #[arg(long = "reuse-values")]
    reuse_values: bool,
    /// Reset the values to the ones built into the chart and merge in any new values.
    #[arg(long = "reset-values")]
    reset_values: bool,
    /// Reset the values to the ones built into the chart, apply the last release's values and merge in any new values.
    #[arg(long = "reset-then-reuse-values")]
    reset_then_reuse_values: bool,
    /// Diff against nothing (everything "has been added") when the release does not exist.
    #[arg(long = "allow-unreleased", visible_alias = "install")]
    allow_unreleased: bool,
    /// Render without the cluster: client (bare --dry-run, true) — everything shows as added;
    /// server or false — the cluster is read as usual.
    #[arg(long = "dry-run", num_args = 0..=1, require_equals = true, default_missing_value = "client")]
    dry_run: Option<String>,
    /// Accepted: capstan always renders with the server's capabilities and lookups unless --dry-run.
    #[arg(long = "disable-validation")]
    disable_validation: bool,
    /// Accepted for compatibility.
    #[arg(long = "disable-openapi-validation")]
    disable_openapi_validation: bool,
    /// Skip the values schema validation.
    #[arg(long = "skip-schema-validation")]
    skip_schema_validation: bool,
    /// Accepted for compatibility.
    #[arg(long = "enable-dns")]
    enable_dns: bool,
    /// Include CRDs in the diffing.
    #[arg(long = "include-crds")]
    include_crds: bool,
    /// Disable diffing of hooks.
    #[arg(long = "no-hooks")]
    no_hooks: bool,
    /// The path to an executable to be used for post rendering (not supported yet: an error).
    #[arg(long = "post-renderer")]
    post_renderer: Option<String>,
    /// Arguments to the post-renderer.
    #[arg(long = "post-renderer-args")]
    post_renderer_args: Vec<String>,
    /// Kubernetes version used for Capabilities.KubeVersion (--dry-run only: otherwise the server's).
    #[arg(long = "kube-version")]
    kube_version: Option<String>,
    /// Kubernetes API versions used for Capabilities.APIVersions (--dry-run only).
    #[arg(short = 'a', long = "api-versions", value_delimiter = ',')]
    api_versions: Vec<String>,
    /// Compare against the live objects: before = the cluster, after = a server-side-apply dry run.
    #[arg(long = "three-way-merge")]
    three_way_merge: bool,
    /// Show objects the release would adopt from another owner (implies --three-way-merge).
    #[arg(long = "take-ownership")]
    take_ownership: bool,
    /// true, false or auto (no effect on the diff).
    #[arg(long = "server-side", default_value = "auto")]
    server_side: String,
}

#[derive(Args, Debug)]
#[command(next_display_order = None, override_usage = "capstan diff rollback [flags] [RELEASE] [REVISION]")]
struct RollbackArgs {
    /// RELEASE REVISION
    #[arg(num_args = 0..)]
    args: Vec<String>,
    #[command(flatten)]
    report: ReportArgs,
}

#[derive(Args, Debug)]
#[command(next_display_order = None, override_usage = "capstan diff revision [flags] RELEASE REVISION1 [REVISION2]")]
struct RevisionArgs {
    /// RELEASE REVISION1 [REVISION2]
    #[arg(num_args = 0..)]
    args: Vec<String>,
    #[command(flatten)]
    report: ReportArgs,
}

#[derive(Args, Debug)]
#[command(next_display_order = None, override_usage = "capstan diff release [flags] RELEASE1 RELEASE2")]
struct ReleaseArgs {
    /// RELEASE1 RELEASE2 (each may be NAMESPACE/NAME)
    #[arg(num_args = 0..)]
    args: Vec<String>,
    #[command(flatten)]
    report: ReportArgs,
}

#[derive(Args, Debug)]
#[command(next_display_order = None, override_usage = "capstan diff local [flags] CHART1 CHART2")]
struct LocalArgs {
    /// CHART1 CHART2
    #[arg(num_args = 0..)]
    args: Vec<String>,
    #[command(flatten)]
    report: ReportArgs,
    #[command(flatten)]
    values: ValueArgs,
    /// Release name used for both renders.
    #[arg(long = "release", default_value = "release")]
    release: String,
    /// Include CRDs in the diffing.
    #[arg(long = "include-crds")]
    include_crds: bool,
    /// Kubernetes version used for Capabilities.KubeVersion.
    #[arg(long = "kube-version")]
    kube_version: Option<String>,
    /// Kubernetes API versions used for Capabilities.APIVersions.
    #[arg(short = 'a', long = "api-versions", value_delimiter = ',')]
    api_versions: Vec<String>,
    /// The path to an executable to be used for post rendering (not supported yet: an error).
    #[arg(long = "post-renderer")]
    post_renderer: Option<String>,
    /// Arguments to the post-renderer.
    #[arg(long = "post-renderer-args")]
    post_renderer_args: Vec<String>,
    /// Accepted for compatibility.
    #[arg(long = "enable-dns")]
    enable_dns: bool,
}

#[derive(Args, Debug)]
#[command(next_display_order = None, override_usage = "capstan diff manifests [flags] OLD.yaml NEW.yaml")]
struct ManifestsArgs {
    /// OLD NEW manifest files ("-" reads stdin)
    #[arg(num_args = 0..)]
    args: Vec<String>,
    #[command(flatten)]
    report: ReportArgs,
}

/// A failed diff: what to print on stderr and the exit code.
struct Failure {
    message: String,
    /// Printed as is (no `Error: ` prefix).
    raw: bool,
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Failure {
            message,
            raw: false,
        }
    }
}

type Res<T> = Result<T, Failure>;

/// Whether this binary runs as Helm's `diff` plugin (its file named `diff`
/// or `helm-diff`, as a plugin's `command` names it): Helm then passes
/// helm-diff's arguments (`upgrade …`) and sets `HELM_NAMESPACE`,
/// `HELM_KUBECONTEXT` and `HELM_BIN`, which capstan reads as its own
/// `-n`/`--kube-context` defaults (it runs no `helm`, so `HELM_BIN` is unused).
pub fn invoked_as_plugin(args: &[OsString]) -> bool {
    args.first()
        .and_then(|a| std::path::Path::new(a).file_name().map(|n| n.to_owned()))
        .is_some_and(|n| n == "diff" || n == "helm-diff")
}

const SUBCOMMANDS: &[&str] = &[
    "upgrade",
    "rollback",
    "revision",
    "release",
    "local",
    "manifests",
    "version",
    "help",
];

/// Run `capstan diff …` (`at` is where `diff` sits in `args`); the exit code.
pub fn main(args: Vec<OsString>, at: usize) -> u8 {
    let mut argv: Vec<OsString> = vec!["capstan diff".into()];
    argv.extend(args[1..at].iter().cloned());
    let rest: Vec<OsString> = args[at + 1..].to_vec();
    // `capstan diff [flags] RELEASE CHART`: helm-diff's deprecated form of
    // `diff upgrade`.
    let has_sub = rest
        .iter()
        .any(|a| SUBCOMMANDS.contains(&a.to_string_lossy().as_ref()));
    let wants_help = rest.iter().any(|a| a == "-h" || a == "--help");
    if !has_sub && !rest.is_empty() && !wants_help {
        eprintln!("Command \"helm diff\" is deprecated, use \"helm diff upgrade\" instead");
        argv.push("upgrade".into());
    }
    argv.extend(rest);
    let cli = match parse(argv) {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    let stdout_tty = std::io::stdout().is_terminal();
    match run(&cli, stdout_tty) {
        Ok((out, code)) => {
            let mut so = std::io::stdout().lock();
            let _ = so.write_all(out.as_bytes());
            let _ = so.flush();
            if code == 2 {
                eprintln!("Error: identified at least one change, exiting with non-zero exit code (detailed-exitcode parameter enabled)");
            }
            code
        }
        Err(f) => {
            if f.raw {
                eprint!("{}", f.message);
            } else {
                eprintln!("Error: {}", f.message);
            }
            1
        }
    }
}

/// Parse, with helm-diff's exit codes: help is 0, every usage error 1.
/// `HELM_DIFF_IGNORE_UNKNOWN_FLAGS=true` drops unknown flags of `upgrade`
/// (for wrappers that pass `helm upgrade`'s flags through).
fn parse(mut argv: Vec<OsString>) -> Result<DiffCli, u8> {
    let ignore_unknown = env_bool("HELM_DIFF_IGNORE_UNKNOWN_FLAGS") == Some(true);
    for _ in 0..64 {
        match DiffCli::try_parse_from(&argv) {
            Ok(cli) => return Ok(cli),
            Err(e) => {
                use clap::error::{ContextKind, ContextValue, ErrorKind};
                match e.kind() {
                    ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
                        let _ = e.print();
                        return Err(0);
                    }
                    ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                        let _ = e.print();
                        return Err(1);
                    }
                    ErrorKind::UnknownArgument if ignore_unknown => {
                        if let Some(ContextValue::String(bad)) = e.get(ContextKind::InvalidArg) {
                            let flag = bad.split('=').next().unwrap_or(bad).to_string();
                            if let Some(p) = argv.iter().position(|a| {
                                let a = a.to_string_lossy();
                                a == flag || a.starts_with(&format!("{flag}="))
                            }) {
                                eprintln!("Ignoring unknown flag {flag}");
                                argv.remove(p);
                                continue;
                            }
                        }
                        let _ = e.print();
                        return Err(1);
                    }
                    _ => {
                        let _ = e.print();
                        return Err(1);
                    }
                }
            }
        }
    }
    Err(1)
}

fn env_bool(name: &str) -> Option<bool> {
    match std::env::var(name).ok()?.as_str() {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

impl DiffCli {
    fn color(&self, stdout_tty: bool) -> bool {
        if self.no_color {
            return false;
        }
        if let Some(c) = self.color {
            return c;
        }
        if let Some(c) = env_bool("HELM_DIFF_COLOR") {
            return c;
        }
        stdout_tty && std::env::var("TERM").map_or(true, |t| t != "dumb")
    }

    fn settings(&self) -> dist::paths::Settings {
        self.paths.settings()
    }

    /// The namespace of a diff without a cluster: `-n`/`HELM_NAMESPACE`,
    /// else `default`.
    fn offline_namespace(&self) -> String {
        self.namespace.clone().unwrap_or_else(|| "default".into())
    }

    fn ctx(&self) -> Ctx<'_> {
        Ctx {
            kube: &self.kube,
            namespace: self.namespace.as_deref(),
            debug: self.debug,
        }
    }
}

impl ReportArgs {
    fn options(&self, color: bool) -> diff::Options {
        let mut kinds = self.suppress.clone();
        if self.suppress_secrets {
            kinds.push("Secret".into());
        }
        diff::Options {
            output: self.output.clone(),
            context: self.context,
            strip_trailing_cr: self.strip_trailing_cr,
            show_secrets: self.show_secrets,
            show_secrets_decoded: self.show_secrets_decoded,
            suppressed_kinds: kinds,
            find_renames: self.find_renames,
            suppress_line_regex: self.suppress_output_line_regex.clone(),
            color,
            template_file: std::env::var_os("HELM_DIFF_TPL").map(Into::into),
        }
    }

    fn parse_options(&self, namespace: &str) -> diff::ParseOptions {
        diff::ParseOptions {
            namespace: namespace.to_string(),
            include_tests: self.include_tests,
            normalize: self.normalize_manifests,
        }
    }
}

impl ReportArgs {
    /// Two manifest streams (keys defaulting to namespace `ns`) diffed and
    /// printed with these flags; the report and the exit code.
    fn report(&self, old: &str, new: &str, ns: &str, color: bool) -> Res<(String, u8)> {
        let out = diff::diff_manifests(old, new, &self.parse_options(ns), &self.options(color))
            .map_err(|e| Failure::from(e.0))?;
        finish(out, self.detailed_exitcode)
    }
}

/// Print an outcome: stderr lines now, the report and exit code for main.
fn finish(out: diff::Outcome, detailed: bool) -> Res<(String, u8)> {
    for l in &out.stderr {
        eprintln!("{l}");
    }
    let code = if detailed && out.changed { 2 } else { 0 };
    Ok((out.stdout, code))
}

fn run(cli: &DiffCli, tty: bool) -> Res<(String, u8)> {
    let color = cli.color(tty);
    match &cli.command {
        DiffCommand::Version => Ok((format!("{HELM_DIFF_VERSION}\n"), 0)),
        DiffCommand::Manifests(a) => manifests(cli, a, color),
        DiffCommand::Local(a) => local(cli, a, color),
        DiffCommand::Upgrade(a) => upgrade(cli, a, color),
        DiffCommand::Rollback(a) => rollback(cli, a, color),
        DiffCommand::Revision(a) => revision(cli, a, color),
        DiffCommand::Release(a) => release(cli, a, color),
    }
}

fn read_input(path: &str) -> Res<String> {
    let bytes = if path == "-" {
        let mut b = Vec::new();
        std::io::stdin()
            .read_to_end(&mut b)
            .map_err(|e| format!("reading stdin: {e}"))?;
        b
    } else {
        std::fs::read(path).map_err(|e| {
            format!(
                "open {path}: {}",
                if e.kind() == std::io::ErrorKind::NotFound {
                    "no such file or directory".to_string()
                } else {
                    e.to_string()
                }
            )
        })?
    };
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn two_args<'a>(args: &'a [String], what: &str) -> Res<(&'a str, &'a str)> {
    match args {
        [a, b] => Ok((a, b)),
        _ => Err(Failure::from(format!(
            "This command needs 2 arguments: {what}"
        ))),
    }
}

fn manifests(cli: &DiffCli, a: &ManifestsArgs, color: bool) -> Res<(String, u8)> {
    let (old, new) = two_args(&a.args, "old manifest file, new manifest file")?;
    let (old, new) = (read_input(old)?, read_input(new)?);
    a.report.report(&old, &new, &cli.offline_namespace(), color)
}

fn no_post_renderer(p: &Option<String>) -> Res<()> {
    match p {
        Some(_) => Err(Failure::from(
            "--post-renderer is not supported by capstan yet".to_string(),
        )),
        None => Ok(()),
    }
}

/// `helm template` output for a chart, offline.
#[allow(clippy::too_many_arguments)]
fn render_offline(
    cli: &DiffCli,
    chart: &str,
    name: &str,
    namespace: &str,
    values: &ValueArgs,
    is_upgrade: bool,
    kube_version: Option<String>,
    api_versions: Vec<String>,
    include_crds: bool,
    no_hooks: bool,
    skip_schema_validation: bool,
    chart_path: Option<&ChartPathArgs>,
) -> Res<String> {
    let chart = match chart_path {
        Some(cp) => cp.locate(chart, &cli.settings())?,
        None => ChartPathArgs::default().locate(chart, &cli.settings())?,
    };
    let req = action::template::TemplateRequest {
        release_name: Some(name.to_string()),
        chart,
        namespace: namespace.to_string(),
        values: values.to_options(),
        is_upgrade,
        kube_version,
        api_versions,
        skip_schema_validation,
        include_crds,
        no_hooks,
        one_shot: true,
        ..Default::default()
    };
    let out = action::template::template(&req).map_err(Failure::from)?;
    for w in &out.warnings {
        eprintln!("{w}");
    }
    Ok(out.manifest)
}

fn local(cli: &DiffCli, a: &LocalArgs, color: bool) -> Res<(String, u8)> {
    let (c1, c2) = two_args(&a.args, "chart1, chart2")?;
    no_post_renderer(&a.post_renderer)?;
    let ns = cli.offline_namespace();
    let render = |c: &str| {
        render_offline(
            cli,
            c,
            &a.release,
            &ns,
            &a.values,
            false,
            a.kube_version.clone(),
            a.api_versions.clone(),
            a.include_crds,
            false,
            false,
            None,
        )
    };
    let (old, new) = (render(c1)?, render(c2)?);
    a.report.report(&old, &new, &ns, color)
}

/// A stored release as `helm get manifest` (+ `helm get hooks`) prints it.
pub fn release_text(rel: &lc::Release, hooks: bool) -> String {
    let mut s = format!("{}\n", rel.manifest);
    if hooks {
        for h in &rel.hooks {
            s.push_str(&format!("---\n# Source: {}\n{}\n", h.path, h.manifest));
        }
    }
    s
}

fn block_on<T>(f: impl std::future::Future<Output = Res<T>>) -> Res<T> {
    runtime().map_err(Failure::from)?.block_on(f)
}

async fn config(cli: &DiffCli) -> Res<lc::Config> {
    connect(&cli.ctx(), 0).await.map_err(Failure::from)
}

fn lerr(e: lc::Error) -> Failure {
    Failure::from(e.to_string())
}

const NOT_PRESENT: &str = "********************\n\n\tRelease was not present in Helm.  Include the `--allow-unreleased` to perform diff without exiting in error.\n\n********************\n";

fn upgrade(cli: &DiffCli, a: &UpgradeArgs, color: bool) -> Res<(String, u8)> {
    let (name, chart) = two_args(&a.args, "release name, chart path")?;
    no_post_renderer(&a.post_renderer)?;
    if !matches!(a.server_side.as_str(), "true" | "false" | "auto") {
        return Err(Failure::from(format!(
            "flag \"server-side\" must be \"true\", \"false\" or \"auto\", but got {:?}",
            a.server_side
        )));
    }
    let mut report_args = a.report.clone();
    if std::env::var_os("HELM_DIFF_OUTPUT_CONTEXT").is_some() && report_args.context == -1 {
        if let Ok(n) = std::env::var("HELM_DIFF_OUTPUT_CONTEXT")
            .unwrap_or_default()
            .parse()
        {
            report_args.context = n;
        }
    }
    if env_bool("HELM_DIFF_NORMALIZE_MANIFESTS") == Some(true) {
        report_args.normalize_manifests = true;
    }
    let mut three_way = a.three_way_merge || a.take_ownership;
    if !three_way && env_bool("HELM_DIFF_THREE_WAY_MERGE") == Some(true) {
        eprintln!("Enabled three way merge via the envvar");
        three_way = true;
    }
    let opts = report_args.options(color);
    let client_only = matches!(a.dry_run.as_deref(), Some("client" | "true" | ""));
    if let Some(d) = a.dry_run.as_deref() {
        if !matches!(d, "client" | "true" | "" | "server" | "false" | "none") {
            return Err(Failure::from(format!(
                "invalid dry-run value ({d}). Must be \"none\", \"server\", or \"client\""
            )));
        }
    }
    if client_only {
        // No cluster at all: everything is new.
        let ns = cli.offline_namespace();
        let new = render_offline(
            cli,
            chart,
            name,
            &ns,
            &a.values,
            true,
            a.kube_version.clone(),
            a.api_versions.clone(),
            a.include_crds,
            a.no_hooks,
            a.skip_schema_validation,
            Some(&a.chart_path),
        )?;
        return report_args.report("", &new, &ns, color);
    }
    // Locate (download) the chart before the cluster is contacted, as upgrade does.
    let chart = a.chart_path.locate(chart, &cli.settings())?;
    block_on(async {
        let cfg = config(cli).await?;
        let exists = match lc::history(&cfg, name, 1).await {
            Ok(h) => !h.is_empty(),
            Err(e) if e.kind() == lc::ErrorKind::ReleaseNotFound => false,
            Err(e) => return Err(lerr(e)),
        };
        if !exists && !a.allow_unreleased {
            return Err(Failure {
                message: NOT_PRESENT.into(),
                raw: true,
            });
        }
        let plan = plan_upgrade(&cfg, a, name, chart.clone()).await?;
        let ns = cfg.namespace().to_string();
        let p = report_args.parse_options(&ns);
        let (old, new, ownership) = if three_way {
            live_texts(&cfg, &plan, name, &ns, a.take_ownership, &p).await?
        } else {
            let hooks = !a.no_hooks;
            let old = plan
                .0
                .as_ref()
                .map(|r| release_text(r, hooks))
                .unwrap_or_default();
            let mut new = release_text(&plan.1, hooks);
            if a.include_crds {
                new.push_str(&crds_text(&plan.1));
            }
            (old, new, Vec::new())
        };
        let old = diff::parse(&old, &p).map_err(|e| Failure::from(e.message))?;
        let new = diff::parse(&new, &p).map_err(|e| Failure::from(e.message))?;
        let out =
            diff::diff_indexes(&old, &new, &ownership, &opts).map_err(|e| Failure::from(e.0))?;
        finish(out, report_args.detailed_exitcode)
    })
}

/// CRDs of the chart a release was rendered from, as `helm template
/// --include-crds` prints them.
fn crds_text(rel: &lc::Release) -> String {
    let Some(chart) = &rel.chart else {
        return String::new();
    };
    let mut s = String::new();
    for f in chart.files.iter().flatten() {
        let manifest = [".yaml", ".yml", ".json"]
            .iter()
            .any(|e| f.name.ends_with(e));
        if f.name.starts_with("crds/") && manifest {
            s.push_str(&format!(
                "---\n# Source: {}/{}\n{}\n",
                chart.name(),
                f.name,
                String::from_utf8_lossy(&f.data)
            ));
        }
    }
    s
}

/// The release an upgrade replaces (none for an install) and the one it applies.
type Plan = (Option<lc::Release>, lc::Release);

/// Run the upgrade up to its first change to the cluster and keep what it
/// would replace and apply.
async fn plan_upgrade(cfg: &lc::Config, a: &UpgradeArgs, name: &str, chart: String) -> Res<Plan> {
    let seen: Arc<Mutex<Option<Plan>>> = Arc::default();
    let keep = seen.clone();
    let deploy = lc::DeployOptions {
        chart,
        values: a.values.to_options(),
        skip_schema_validation: a.skip_schema_validation,
        take_ownership: a.take_ownership,
        preview: Some(lc::Preview::new(move |cur, next| {
            *keep.lock().unwrap_or_else(|e| e.into_inner()) = Some((cur.cloned(), next.clone()));
            false
        })),
        ..Default::default()
    };
    let opts = lc::UpgradeOptions {
        name: name.to_string(),
        deploy,
        install: a.allow_unreleased,
        reuse_values: a.reuse_values,
        reset_values: a.reset_values,
        reset_then_reuse_values: a.reset_then_reuse_values,
        server_side: crate::flags::server_side_flag(Some(&a.server_side)).map_err(Failure::from)?,
        ..Default::default()
    };
    lc::upgrade(cfg, &opts).await.map_err(lerr)?;
    let got = seen.lock().unwrap_or_else(|e| e.into_inner()).take();
    got.ok_or_else(|| Failure::from("the upgrade stopped before rendering".to_string()))
}

fn json_yaml(j: &serde_json::Value) -> String {
    yaml::to_yaml(&yaml::value_json::go_unmarshal(j)).unwrap_or_default()
}

/// Before/after texts from the live objects (`--three-way-merge`) and the
/// ownership changes (`--take-ownership`).
async fn live_texts(
    cfg: &lc::Config,
    plan: &Plan,
    name: &str,
    ns: &str,
    take_ownership: bool,
    p: &diff::ParseOptions,
) -> Res<(String, String, Vec<diff::Ownership>)> {
    let objs = lc::live::live_objects(cfg, &plan.1, true)
        .await
        .map_err(lerr)?;
    let (mut old, mut new) = (String::new(), String::new());
    let mut ownership = Vec::new();
    let me = format!("{ns}/{name}");
    for o in &objs {
        match (&o.live, &o.applied) {
            (Some(live), Some(applied)) => {
                let mut l = live.clone();
                lc::live::tidy(&mut l);
                let mut ap = applied.clone();
                lc::live::tidy(&mut ap);
                let lt = json_yaml(&l);
                old.push_str(&format!("---\n{lt}"));
                new.push_str(&format!("---\n{}", json_yaml(&ap)));
                if take_ownership {
                    let owner = lc::live::owner_of(live);
                    if owner != me {
                        let key = diff::parse(&lt, p)
                            .ok()
                            .and_then(|x| x.index.keys().next().cloned());
                        if let Some(key) = key {
                            ownership.push(diff::Ownership {
                                key,
                                old_owner: owner,
                                new_owner: me.clone(),
                            });
                        }
                    }
                }
            }
            _ => new.push_str(&format!("---\n{}", json_yaml(&o.rendered.object))),
        }
    }
    // Objects of the current release the new one no longer renders.
    if let Some(cur) = &plan.0 {
        for r in lc::live::release_objects(cfg, cur).await.map_err(lerr)? {
            if !objs.iter().any(|o| lc::live::same_object(&o.rendered, &r)) {
                old.push_str(&format!("---\n{}", json_yaml(&r.object)));
            }
        }
    }
    Ok((old, new, ownership))
}

fn revision_number(s: &str) -> Res<i64> {
    s.parse::<i64>().map_err(|e| {
        Failure::from(format!(
            "strconv.Atoi: parsing {s:?}: {}",
            go_atoi_error(&e)
        ))
    })
}

fn go_atoi_error(e: &std::num::ParseIntError) -> &'static str {
    match e.kind() {
        std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow => {
            "value out of range"
        }
        _ => "invalid syntax",
    }
}

fn rollback(cli: &DiffCli, a: &RollbackArgs, color: bool) -> Res<(String, u8)> {
    let (name, rev) = two_args(&a.args, "release name, revision number")?;
    let rev = revision_number(rev)?;
    block_on(async {
        let cfg = config(cli).await?;
        let current = lc::get(&cfg, name, 0).await.map_err(lerr)?;
        let target = lc::get(&cfg, name, rev).await.map_err(lerr)?;
        releases_report(&cfg, &current, &target, &a.report, color)
    })
}

/// The report of two stored revisions (manifests only: helm-diff's
/// rollback and revision diffs leave hooks out).
fn releases_report(
    cfg: &lc::Config,
    old: &lc::Release,
    new: &lc::Release,
    r: &ReportArgs,
    color: bool,
) -> Res<(String, u8)> {
    r.report(
        &release_text(old, false),
        &release_text(new, false),
        cfg.namespace(),
        color,
    )
}

fn revision(cli: &DiffCli, a: &RevisionArgs, color: bool) -> Res<(String, u8)> {
    let (name, revs) = match a.args.as_slice() {
        [] | [_] => {
            return Err(Failure::from(
                "Too few arguments to Command \"revision\".\nMinimum 2 arguments required: release name, revision".to_string(),
            ))
        }
        [n, rest @ ..] if rest.len() <= 2 => (n.as_str(), rest),
        _ => {
            return Err(Failure::from(
                "Too many arguments to Command \"revision\".\nMaximum 3 arguments allowed: release name, revision1, revision2".to_string(),
            ))
        }
    };
    let revs: Vec<i64> = revs
        .iter()
        .map(|r| revision_number(r))
        .collect::<Res<_>>()?;
    block_on(async {
        let cfg = config(cli).await?;
        let (old, new) = match revs.as_slice() {
            [r] => (
                lc::get(&cfg, name, *r).await.map_err(lerr)?,
                lc::get(&cfg, name, 0).await.map_err(lerr)?,
            ),
            [r1, r2] => {
                let (lo, hi) = if r1 <= r2 { (*r1, *r2) } else { (*r2, *r1) };
                (
                    lc::get(&cfg, name, lo).await.map_err(lerr)?,
                    lc::get(&cfg, name, hi).await.map_err(lerr)?,
                )
            }
            _ => unreachable!("one or two revisions"),
        };
        // helm-diff ignores --detailed-exitcode with one revision; capstan honours it.
        releases_report(&cfg, &old, &new, &a.report, color)
    })
}

fn release(cli: &DiffCli, a: &ReleaseArgs, color: bool) -> Res<(String, u8)> {
    if a.args.len() < 2 {
        return Err(Failure::from(
            "Too few arguments to Command \"release\".\nMinimum 2 arguments required: release name-1, release name-2".to_string(),
        ));
    }
    let default_ns = cli.namespace.clone();
    let split = |s: &str| match s.split_once('/') {
        Some((ns, n)) => (Some(ns.to_string()), n.to_string()),
        None => (default_ns.clone(), s.to_string()),
    };
    let (r1, r2) = (split(&a.args[0]), split(&a.args[1]));
    block_on(async {
        let mut rels = Vec::new();
        for (ns, n) in [&r1, &r2] {
            let ctx = Ctx {
                kube: &cli.kube,
                namespace: ns.as_deref(),
                debug: cli.debug,
            };
            let cfg = connect(&ctx, 0).await.map_err(Failure::from)?;
            rels.push(lc::get(&cfg, n, 0).await.map_err(lerr)?);
        }
        let chart_name = |r: &lc::Release| {
            r.chart
                .as_ref()
                .map(|c| c.name().to_string())
                .unwrap_or_default()
        };
        let (c1, c2) = (chart_name(&rels[0]), chart_name(&rels[1]));
        if c1 != c2 {
            return Err(Failure::from(format!(
                "Incomparable Releases: unable to compare releases from two different charts {c1:?}, {c2:?}"
            )));
        }
        let opts = a.report.options(color);
        let mut parsed = Vec::new();
        for r in &rels {
            let p = a.report.parse_options(&r.namespace);
            let mut x =
                diff::parse(&release_text(r, false), &p).map_err(|e| Failure::from(e.message))?;
            x.index = diff::rekey_by_source(&x.index);
            parsed.push(x);
        }
        let out = diff::diff_indexes(&parsed[0], &parsed[1], &[], &opts)
            .map_err(|e| Failure::from(e.0))?;
        finish(out, a.report.detailed_exitcode)
    })
}

/// The `--diff` of install/upgrade/rollback: helm-diff's default report
/// of the operation's own render, printed before it proceeds.
pub fn preview(stop: bool) -> lc::Preview {
    let color = std::io::stdout().is_terminal()
        && std::env::var("TERM").map_or(true, |t| t != "dumb")
        && env_bool("HELM_DIFF_COLOR") != Some(false);
    lc::Preview::new(move |cur, next| {
        let p = diff::ParseOptions {
            namespace: next.namespace.clone(),
            ..Default::default()
        };
        let o = diff::Options {
            color,
            ..Default::default()
        };
        let old = cur.map(|r| release_text(r, true)).unwrap_or_default();
        match diff::diff_manifests(&old, &release_text(next, true), &p, &o) {
            Ok(out) => {
                for l in &out.stderr {
                    eprintln!("{l}");
                }
                let mut so = std::io::stdout().lock();
                let _ = so.write_all(out.stdout.as_bytes());
                let _ = so.flush();
            }
            Err(e) => eprintln!("WARNING: diff: {e}"),
        }
        !stop
    })
}
