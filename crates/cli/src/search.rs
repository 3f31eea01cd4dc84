//! `capstan search repo` over `dist::repo::search`: flags and printing.

use clap::{Args, Subcommand};

#[derive(Args, Debug)]
pub struct SearchArgs {
    #[command(subcommand)]
    pub what: SearchWhat,
}

#[derive(Subcommand, Debug)]
pub enum SearchWhat {
    /// Search repositories for a keyword in charts.
    Repo(SearchRepoArgs),
}

#[derive(Args, Debug)]
pub struct SearchRepoArgs {
    /// Keywords (joined with a space).
    pub keywords: Vec<String>,
    /// Use regular expressions for searching repositories you have added.
    #[arg(short = 'r', long = "regexp")]
    pub regexp: bool,
    /// Show the long listing, with each version of each chart on its own line.
    #[arg(short = 'l', long = "versions")]
    pub versions: bool,
    /// Use development versions (alpha, beta, and release candidate releases), too.
    #[arg(long = "devel")]
    pub devel: bool,
    /// Search using semantic versioning constraints.
    #[arg(long = "version", default_value = "")]
    pub version: String,
    /// Maximum column width for output table.
    #[arg(long = "max-col-width", default_value_t = 50)]
    pub max_col_width: usize,
    /// Search fails if no results are found.
    #[arg(long = "fail-on-no-result")]
    pub fail_on_no_result: bool,
    /// Prints the output in the specified format (table, json, yaml).
    #[arg(short = 'o', long = "output", default_value = "table")]
    pub output: String,
    /// Accepted for compatibility (registry TLS options).
    #[arg(long = "cert-file", hide = true)]
    pub cert_file: Option<String>,
    #[arg(long = "key-file", hide = true)]
    pub key_file: Option<String>,
    #[arg(long = "ca-file", hide = true)]
    pub ca_file: Option<String>,
    #[arg(long = "insecure-skip-tls-verify", hide = true)]
    pub insecure_skip_tls_verify: bool,
    #[arg(long = "plain-http", hide = true)]
    pub plain_http: bool,
    #[arg(long = "username", hide = true)]
    pub username: Option<String>,
    #[arg(long = "password", hide = true)]
    pub password: Option<String>,
}

pub fn run(a: &SearchArgs, settings: &dist::paths::Settings) -> Result<String, String> {
    let SearchWhat::Repo(o) = &a.what;
    crate::flags::output_format(&o.output)?;
    let opts = dist::repo::search::SearchOptions {
        terms: o.keywords.clone(),
        regexp: o.regexp,
        versions: o.versions,
        devel: o.devel,
        version: o.version.clone(),
    };
    let res = dist::repo::search::search_repos(settings, &opts)?;
    Ok(dist::repo::search::render(
        &res,
        &o.output,
        o.max_col_width,
        o.fail_on_no_result,
    )?)
}
