//! `capstan`: the command line.  Thin by design: parse Helm's flags, call
//! the library operation, print.  Every operation lives in a library crate.

#![forbid(unsafe_code)]
// clap turns doc comments into help text, where `[NAME] CHART` is usage
// syntax, not an intra-doc link.
#![allow(rustdoc::broken_intra_doc_links)]

use std::io::Write;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

mod cluster;
mod create;
mod dependency;
mod diff;
mod flags;
mod get;
mod history;
mod install;
mod lint;
mod list;
mod package;
mod pull;
mod push;
mod registry;
mod repo;
mod rollback;
mod search;
mod show;
mod status;
mod template;
mod test;
mod uninstall;
mod upgrade;
mod verify;

#[global_allocator]
static GLOBAL: capstan_alloc::Alloc = capstan_alloc::Alloc;

#[derive(Parser)]
#[command(
    name = "capstan",
    version,
    about = "The Kubernetes package manager (Helm 4 compatible)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Namespace scope for this request.
    #[arg(short = 'n', long, global = true, env = "HELM_NAMESPACE")]
    namespace: Option<String>,
    /// Enable verbose output.
    #[arg(long, global = true)]
    debug: bool,
    #[command(flatten)]
    kube: cluster::KubeArgs,
    #[command(flatten)]
    compat: CompatArgs,
}

/// Helm's other global flags, accepted so scripts written for `helm` run
/// unchanged. Client-side throttling, repository/registry configuration
/// and colour do not change what these commands do yet.
#[derive(Args, Debug, Default, Clone)]
struct CompatArgs {
    /// Client-side default throttling limit.
    #[arg(
        long = "burst-limit",
        global = true,
        env = "HELM_BURST_LIMIT",
        hide = true
    )]
    burst_limit: Option<u32>,
    /// Queries per second used when communicating with the Kubernetes API.
    #[arg(long = "qps", global = true, env = "HELM_QPS", hide = true)]
    qps: Option<f32>,
    #[command(flatten)]
    paths: PathArgs,
    /// When to use colour: never, auto or always.
    #[arg(
        long = "color",
        alias = "colour",
        global = true,
        env = "HELM_COLOR",
        hide = true
    )]
    color: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Locally render templates.
    Template(template::TemplateArgs),
    /// Create a new chart with the given name.
    Create(create::CreateArgs),
    /// Examine a chart for possible issues.
    Lint(lint::LintArgs),
    /// Package a chart directory into a chart archive.
    Package(package::PackageArgs),
    /// Show information of a chart.
    Show(show::ShowArgs),
    /// Manage a chart's dependencies.
    #[command(alias = "dep", alias = "dependencies")]
    Dependency(dependency::DependencyArgs),
    /// Install a chart.
    Install(install::InstallArgs),
    /// Upgrade a release.
    Upgrade(upgrade::UpgradeArgs),
    /// Roll back a release to a previous revision.
    Rollback(rollback::RollbackArgs),
    /// Uninstall a release.
    #[command(alias = "del", alias = "delete", alias = "un")]
    Uninstall(uninstall::UninstallArgs),
    /// Fetch release history.
    #[command(alias = "hist")]
    History(history::HistoryArgs),
    /// List releases.
    #[command(alias = "ls")]
    List(list::ListArgs),
    /// Display the status of the named release.
    Status(status::StatusArgs),
    /// Download extended information of a named release.
    Get(get::GetArgs),
    /// Run tests for a release.
    Test(test::TestArgs),
    /// Add, list, remove, update, and index chart repositories.
    Repo(repo::RepoArgs),
    /// Search for a keyword in charts.
    Search(search::SearchArgs),
    /// Download a chart from a repository and (optionally) unpack it in local directory.
    #[command(alias = "fetch")]
    Pull(pull::PullArgs),
    /// Push a chart to remote.
    Push(push::PushArgs),
    /// Login to or logout from a registry.
    Registry(registry::RegistryArgs),
    /// Verify that a chart at the given path has been signed and is valid.
    Verify(verify::VerifyArgs),
    /// Preview an upgrade, rollback or two releases as a diff (helm-diff, built in).
    Diff(diff::Passthrough),
}

/// Helm's global location flags (config, caches, registry credentials).
#[derive(Args, Debug, Default, Clone)]
pub struct PathArgs {
    /// Path to the registry config file.
    #[arg(
        long = "registry-config",
        global = true,
        env = "HELM_REGISTRY_CONFIG",
        hide = true
    )]
    registry_config: Option<String>,
    /// Path to the file containing repository names and URLs.
    #[arg(
        long = "repository-config",
        global = true,
        env = "HELM_REPOSITORY_CONFIG",
        hide = true
    )]
    repository_config: Option<String>,
    /// Path to the directory containing cached repository indexes.
    #[arg(
        long = "repository-cache",
        global = true,
        env = "HELM_REPOSITORY_CACHE",
        hide = true
    )]
    repository_cache: Option<String>,
    /// Path to the content-addressed chart cache.
    #[arg(
        long = "content-cache",
        global = true,
        env = "HELM_CONTENT_CACHE",
        hide = true
    )]
    content_cache: Option<String>,
}

impl PathArgs {
    /// Helm's locations (config, caches, registry credentials) for this run.
    pub fn settings(&self) -> dist::paths::Settings {
        dist::paths::Settings::from_env(&dist::paths::Overrides {
            repository_config: self.repository_config.clone(),
            repository_cache: self.repository_cache.clone(),
            content_cache: self.content_cache.clone(),
            registry_config: self.registry_config.clone(),
        })
    }
}

impl CompatArgs {
    /// Helm's locations (config, caches, registry credentials) for this run.
    pub fn settings(&self) -> dist::paths::Settings {
        self.paths.settings()
    }
}

/// Helm's value flags (`-f`, `--set`, …), shared by install/upgrade/template/lint.
#[derive(Args, Debug, Default, Clone)]
pub struct ValueArgs {
    /// Values files or URLs (can be repeated; commas separate several).
    #[arg(short = 'f', long = "values", value_delimiter = ',')]
    pub values: Vec<String>,
    /// Set values on the command line (key1=val1,key2=val2).
    #[arg(long = "set")]
    pub set: Vec<String>,
    /// Set STRING values on the command line.
    #[arg(long = "set-string")]
    pub set_string: Vec<String>,
    /// Set values from files (key=path).
    #[arg(long = "set-file")]
    pub set_file: Vec<String>,
    /// Set JSON values on the command line.
    #[arg(long = "set-json")]
    pub set_json: Vec<String>,
    /// Set a literal STRING value on the command line.
    #[arg(long = "set-literal")]
    pub set_literal: Vec<String>,
}

impl ValueArgs {
    /// The library's form of these flags.
    pub fn to_options(&self) -> chart::cli_values::ValueOptions {
        chart::cli_values::ValueOptions {
            value_files: self.values.clone(),
            values: self.set.clone(),
            string_values: self.set_string.clone(),
            file_values: self.set_file.clone(),
            json_values: self.set_json.clone(),
            literal_values: self.set_literal.clone(),
        }
    }
}

fn main() -> ExitCode {
    capstan_alloc::keep_freed_memory();
    // `diff` has helm-diff's own flags and exit codes (see diff.rs).
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if diff::invoked_as_plugin(&args) {
        // Installed as Helm's diff plugin binary: argv is helm-diff's.
        let mut args = args;
        args.insert(1, "diff".into());
        return ExitCode::from(engine::run_with_big_stack(move || diff::main(args, 1)));
    }
    if let Some(at) = diff::position(&args) {
        return ExitCode::from(engine::run_with_big_stack(move || diff::main(args, at)));
    }
    let cli = Cli::parse();
    // Templates recurse deeply (Go allows 100000 nested calls); run the
    // whole command on a thread with a large stack.
    let code = engine::run_with_big_stack(move || {
        let namespace = cli
            .namespace
            .clone()
            .unwrap_or_else(|| "default".to_string());
        let ctx = cluster::Ctx {
            kube: &cli.kube,
            namespace: cli.namespace.as_deref(),
            debug: cli.debug,
        };
        let result = match &cli.command {
            Command::Template(a) => template::run(a, &namespace, cli.debug, &cli.compat.settings()),
            Command::Create(a) => create::run(a),
            Command::Lint(a) => lint::run(a, &namespace),
            Command::Package(a) => package::run(a, &cli.compat.settings()),
            Command::Show(a) => show::run(a, &cli.compat.settings()),
            Command::Dependency(a) => dependency::run(a, &cli.compat.settings()),
            Command::Install(a) => install::run(a, &ctx, &cli.compat.settings()),
            Command::Upgrade(a) => upgrade::run(a, &ctx, &cli.compat.settings()),
            Command::Rollback(a) => rollback::run(a, &ctx),
            Command::Uninstall(a) => uninstall::run(a, &ctx),
            Command::History(a) => history::run(a, &ctx),
            Command::List(a) => list::run(a, &ctx),
            Command::Status(a) => status::run(a, &ctx),
            Command::Get(a) => get::run(a, &ctx),
            Command::Test(a) => test::run(a, &ctx),
            Command::Repo(a) => repo::run(a, &cli.compat.settings()),
            Command::Search(a) => search::run(a, &cli.compat.settings()),
            Command::Pull(a) => pull::run(a, &cli.compat.settings()),
            Command::Push(a) => push::run(a, &cli.compat.settings()),
            Command::Registry(a) => registry::run(a, &cli.compat.settings()),
            Command::Verify(a) => verify::run(a, &cli.compat.settings()),
            Command::Diff(_) => Err("diff: unreachable (handled before parsing)".into()),
        };
        match result {
            Ok(out) => {
                let mut stdout = std::io::stdout().lock();
                let _ = stdout.write_all(out.as_bytes());
                let _ = stdout.flush();
                0u8
            }
            Err(msg) => {
                eprintln!("Error: {msg}");
                1u8
            }
        }
    });
    ExitCode::from(code)
}
