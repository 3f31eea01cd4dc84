//! `capstan`: the command line.  Thin by design: parse Helm's flags, call
//! the library operation, print.  Every operation lives in a library crate.

#![forbid(unsafe_code)]
// clap turns doc comments into help text, where `[NAME] CHART` is usage
// syntax, not an intra-doc link.
#![allow(rustdoc::broken_intra_doc_links)]

use std::io::Write;
use std::process::ExitCode;

use clap::{Args, FromArgMatches, Subcommand};

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

/// A parsed command line: the global flags and the one subcommand.
struct Cli {
    command: Command,
    globals: Globals,
}

/// The flags every command accepts (`-n`, `--kube-*`, Helm's locations).
#[derive(Args)]
struct Globals {
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

/// Helm's other global flags: locations, and colour (accepted so scripts
/// written for `helm` run unchanged; it changes nothing yet).
#[derive(Args, Debug, Default, Clone)]
struct CompatArgs {
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

/// Every subcommand once: variant, name, aliases, one-line help. The one
/// table gives both the enum clap fills in and a builder per name, so that
/// a run constructs only the subcommand it uses (see [`parse_cli`]).
macro_rules! commands {
    ($( $variant:ident($ty:ty) = $name:literal [$($alias:literal),*] $about:literal; )*) => {
        #[derive(Subcommand)]
        enum Command {
            $( #[command(name = $name)] $variant($ty), )*
        }

        /// The subcommand called `name` (or one of its aliases), built alone.
        fn build_subcommand(name: &str) -> Option<clap::Command> {
            match name {
                $( $name $(| $alias)* => Some(
                    <$ty as Args>::augment_args(clap::Command::new($name))
                        .about($about)
                        .long_about(None)
                        $(.alias($alias))*
                ), )*
                _ => None,
            }
        }

        /// Every subcommand's name, in `--help` order.
        const SUBCOMMANDS: &[&str] = &[$($name),*];
    };
}

commands! {
    Template(template::TemplateArgs) = "template" []
        "Locally render templates";
    Create(create::CreateArgs) = "create" []
        "Create a new chart with the given name";
    Lint(lint::LintArgs) = "lint" []
        "Examine a chart for possible issues";
    Package(package::PackageArgs) = "package" []
        "Package a chart directory into a chart archive";
    Show(show::ShowArgs) = "show" []
        "Show information of a chart";
    Dependency(dependency::DependencyArgs) = "dependency" ["dep", "dependencies"]
        "Manage a chart's dependencies";
    Install(install::InstallArgs) = "install" []
        "Install a chart";
    Upgrade(upgrade::UpgradeArgs) = "upgrade" []
        "Upgrade a release";
    Rollback(rollback::RollbackArgs) = "rollback" []
        "Roll back a release to a previous revision";
    Uninstall(uninstall::UninstallArgs) = "uninstall" ["del", "delete", "un"]
        "Uninstall a release";
    History(history::HistoryArgs) = "history" ["hist"]
        "Fetch release history";
    List(list::ListArgs) = "list" ["ls"]
        "List releases";
    Status(status::StatusArgs) = "status" []
        "Display the status of the named release";
    Get(get::GetArgs) = "get" []
        "Download extended information of a named release";
    Test(test::TestArgs) = "test" []
        "Run tests for a release";
    Repo(repo::RepoArgs) = "repo" []
        "Add, list, remove, update, and index chart repositories";
    Search(search::SearchArgs) = "search" []
        "Search for a keyword in charts";
    Pull(pull::PullArgs) = "pull" ["fetch"]
        "Download a chart from a repository and (optionally) unpack it in local directory";
    Push(push::PushArgs) = "push" []
        "Push a chart to remote";
    Registry(registry::RegistryArgs) = "registry" []
        "Login to or logout from a registry";
    Verify(verify::VerifyArgs) = "verify" []
        "Verify that a chart at the given path has been signed and is valid";
    Diff(diff::Passthrough) = "diff" []
        "Preview an upgrade, rollback or two releases as a diff (helm-diff, built in)";
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
    let root = root_command();
    let at = subcommand_position(&root, &args);
    if let Some(at) = at.filter(|&at| args[at] == "diff") {
        return ExitCode::from(engine::run_with_big_stack(move || diff::main(args, at)));
    }
    let cli = parse_cli(root, args, at);
    // Templates recurse deeply (Go allows 100000 nested calls); run the
    // whole command on a thread with a large stack.
    let code = engine::run_with_big_stack(move || {
        let g = &cli.globals;
        let namespace = g.namespace.clone().unwrap_or_else(|| "default".to_string());
        let ctx = cluster::Ctx {
            kube: &g.kube,
            namespace: g.namespace.as_deref(),
            debug: g.debug,
        };
        let result = match &cli.command {
            Command::Template(a) => template::run(a, &namespace, g.debug, &g.compat.settings()),
            Command::Create(a) => create::run(a),
            Command::Lint(a) => lint::run(a, &namespace),
            Command::Package(a) => package::run(a, &g.compat.settings()),
            Command::Show(a) => show::run(a, &g.compat.settings()),
            Command::Dependency(a) => dependency::run(a, &g.compat.settings()),
            Command::Install(a) => install::run(a, &ctx, &g.compat.settings()),
            Command::Upgrade(a) => upgrade::run(a, &ctx, &g.compat.settings()),
            Command::Rollback(a) => rollback::run(a, &ctx),
            Command::Uninstall(a) => uninstall::run(a, &ctx),
            Command::History(a) => history::run(a, &ctx),
            Command::List(a) => list::run(a, &ctx),
            Command::Status(a) => status::run(a, &ctx),
            Command::Get(a) => get::run(a, &ctx),
            Command::Test(a) => test::run(a, &ctx),
            Command::Repo(a) => repo::run(a, &g.compat.settings()),
            Command::Search(a) => search::run(a, &g.compat.settings()),
            Command::Pull(a) => pull::run(a, &g.compat.settings()),
            Command::Push(a) => push::run(a, &g.compat.settings()),
            Command::Registry(a) => registry::run(a, &g.compat.settings()),
            Command::Verify(a) => verify::run(a, &g.compat.settings()),
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

/// The root command with the global flags and no subcommand yet. clap
/// numbers subcommands and root flags with one counter, and that number
/// places the global flags in every subcommand's `--help`: they are
/// numbered as if all subcommands came first, whichever are added later.
fn root_command() -> clap::Command {
    let root = clap::Command::new("capstan").next_display_order(SUBCOMMANDS.len());
    Globals::augment_args(root)
        .version(env!("CARGO_PKG_VERSION"))
        .about("The Kubernetes package manager (Helm 4 compatible)")
        .long_about(None)
        .subcommand_required(true)
        .arg_required_else_help(true)
}

/// Parse argv, building only what it needs: clap's cost is in constructing
/// every argument of every subcommand (most of a short run's allocations),
/// so a command line naming a known subcommand gets a tree with only that
/// one, and `--version` a tree with none. Anything else (help, a typo, no
/// subcommand) gets the whole tree, so clap's listings and suggestions are
/// unchanged.
/// `root` is [`root_command`]; `at`, where argv names the subcommand
/// ([`subcommand_position`]).
fn parse_cli(root: clap::Command, args: Vec<std::ffi::OsString>, at: Option<usize>) -> Cli {
    let one = at
        .and_then(|i| args.get(i)?.to_str())
        .and_then(build_subcommand);
    let cmd = match one {
        Some(sub) => root.subcommand(sub),
        None if wants_version_only(&args) => root,
        None => root.subcommands(
            SUBCOMMANDS
                .iter()
                .map(|name| build_subcommand(name).expect("every listed subcommand builds")),
        ),
    };
    let matches = cmd.get_matches_from(args);
    let parsed = Globals::from_arg_matches(&matches)
        .and_then(|globals| Ok((globals, Command::from_arg_matches(&matches)?)));
    match parsed {
        Ok((globals, command)) => Cli { command, globals },
        Err(e) => e.exit(),
    }
}

/// Where the subcommand is in argv: the first word that is neither a global
/// flag nor a global flag's value (clap's own definitions of the global
/// flags say which take one). `None` when it cannot tell: an unknown flag
/// first, `--`, non-UTF-8.
fn subcommand_position(root: &clap::Command, args: &[std::ffi::OsString]) -> Option<usize> {
    let takes_value = |a: &clap::Arg| a.get_action().takes_values();
    let mut i = 1;
    while let Some(arg) = args.get(i) {
        let arg = arg.to_str()?;
        if let Some(long) = arg.strip_prefix("--") {
            if long.is_empty() {
                return None;
            }
            if !long.contains('=') {
                let flag = root.get_arguments().find(|a| {
                    a.get_long() == Some(long)
                        || a.get_all_aliases().is_some_and(|v| v.contains(&long))
                })?;
                if takes_value(flag) {
                    i += 1;
                }
            }
        } else if let Some(shorts) = arg.strip_prefix('-') {
            let c = shorts.chars().next()?;
            let flag = root.get_arguments().find(|a| a.get_short() == Some(c))?;
            if takes_value(flag) && shorts.len() == c.len_utf8() {
                i += 1;
            }
        } else {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// `capstan --version` (with only global flags besides): nothing to build.
fn wants_version_only(args: &[std::ffi::OsString]) -> bool {
    let flag = |f: &str| args.iter().skip(1).any(|a| a == f);
    (flag("--version") || flag("-V")) && !flag("--help") && !flag("-h")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(s: &str) -> Vec<std::ffi::OsString> {
        s.split_whitespace().map(Into::into).collect()
    }

    #[test]
    fn the_subcommand_is_found_past_global_flags_and_their_values() {
        let root = root_command();
        let at = |s: &str| subcommand_position(&root, &argv(s));
        assert_eq!(at("capstan template x ."), Some(1));
        assert_eq!(at("capstan -n ns --kube-context c template x ."), Some(5));
        assert_eq!(at("capstan -nns --debug diff upgrade"), Some(3));
        assert_eq!(
            at("capstan --namespace=ns --qps 5 --burst-limit 9 list"),
            Some(6)
        );
        assert_eq!(at("capstan --colour never ls"), Some(3));
        // Unknown or help flags first: clap decides on the whole tree.
        assert_eq!(at("capstan --bogus template"), None);
        assert_eq!(at("capstan --help template"), None);
        assert_eq!(at("capstan"), None);
    }

    #[test]
    fn one_subcommand_parses_as_the_whole_tree_does() {
        let args = argv("capstan -n team template rel ./chart --set a=b");
        let at = subcommand_position(&root_command(), &args);
        assert_eq!(at, Some(3));
        let one = root_command().subcommand(build_subcommand("template").expect("template"));
        let all =
            root_command().subcommands(SUBCOMMANDS.iter().filter_map(|n| build_subcommand(n)));
        for cmd in [one, all] {
            let m = cmd.try_get_matches_from(&args).expect("parses");
            let g = Globals::from_arg_matches(&m).expect("globals");
            assert_eq!(g.namespace.as_deref(), Some("team"));
            match Command::from_arg_matches(&m).expect("command") {
                Command::Template(t) => assert_eq!(t.values.set, vec!["a=b".to_string()]),
                _ => panic!("not template"),
            }
        }
        // Aliases reach their subcommand.
        assert!(build_subcommand("ls").is_some_and(|c| c.get_name() == "list"));
        assert!(build_subcommand("nope").is_none());
    }
}
