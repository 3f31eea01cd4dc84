//! `capstan repo add|list|update|remove|index` over `dist::repo`: flags
//! and printing only.

use std::io::{Read, Write};

use clap::{Args, Subcommand};

#[derive(Args, Debug)]
pub struct RepoArgs {
    #[command(subcommand)]
    pub what: RepoWhat,
}

#[derive(Subcommand, Debug)]
pub enum RepoWhat {
    /// Add a chart repository.
    Add(AddArgs),
    /// List chart repositories.
    #[command(alias = "ls")]
    List(ListArgs),
    /// Update information of available charts locally from chart repositories.
    #[command(alias = "up")]
    Update(UpdateArgs),
    /// Remove one or more chart repositories.
    #[command(alias = "rm")]
    Remove(RemoveArgs),
    /// Generate an index file given a directory containing packaged charts.
    Index(IndexArgs),
}

#[derive(Args, Debug)]
pub struct AddArgs {
    pub name: String,
    pub url: String,
    /// Chart repository username.
    #[arg(long = "username", default_value = "")]
    pub username: String,
    /// Chart repository password.
    #[arg(long = "password", default_value = "")]
    pub password: String,
    /// Read chart repository password from stdin.
    #[arg(long = "password-stdin")]
    pub password_stdin: bool,
    /// Replace (overwrite) the repo if it already exists.
    #[arg(long = "force-update")]
    pub force_update: bool,
    /// Ignored (deprecated by --force-update).
    #[arg(long = "no-update", hide = true)]
    pub no_update: bool,
    /// Identify HTTPS client using this SSL certificate file.
    #[arg(long = "cert-file", default_value = "")]
    pub cert_file: String,
    /// Identify HTTPS client using this SSL key file.
    #[arg(long = "key-file", default_value = "")]
    pub key_file: String,
    /// Verify certificates of HTTPS-enabled servers using this CA bundle.
    #[arg(long = "ca-file", default_value = "")]
    pub ca_file: String,
    /// Skip tls certificate checks for the repository.
    #[arg(long = "insecure-skip-tls-verify")]
    pub insecure_skip_tls_verify: bool,
    /// Allow adding official repos that have been permanently deleted.
    #[arg(long = "allow-deprecated-repos")]
    pub allow_deprecated_repos: bool,
    /// Pass credentials to all domains.
    #[arg(long = "pass-credentials")]
    pub pass_credentials: bool,
    /// Time to wait for the index file download to complete.
    #[arg(long = "timeout", default_value = "2m0s", allow_hyphen_values = true)]
    pub timeout: String,
}

#[derive(Args, Debug)]
pub struct ListArgs {
    /// Prints the output in the specified format (table, json, yaml).
    #[arg(short = 'o', long = "output", default_value = "table")]
    pub output: String,
    /// Don't print headers when using the default output format.
    #[arg(long = "no-headers")]
    pub no_headers: bool,
}

#[derive(Args, Debug)]
pub struct UpdateArgs {
    /// Repositories to update (default: all).
    pub names: Vec<String>,
    /// Time to wait for the index file download to complete.
    #[arg(long = "timeout", default_value = "2m0s", allow_hyphen_values = true)]
    pub timeout: String,
    /// Accepted for compatibility: any failure fails the update.
    #[arg(long = "fail-on-repo-update-fail", hide = true)]
    pub fail_on_repo_update_fail: bool,
}

#[derive(Args, Debug)]
pub struct RemoveArgs {
    #[arg(required = true)]
    pub names: Vec<String>,
}

#[derive(Args, Debug)]
pub struct IndexArgs {
    pub dir: String,
    /// URL of the chart repository.
    #[arg(long = "url", default_value = "")]
    pub url: String,
    /// Merge the generated index into the given index.
    #[arg(long = "merge")]
    pub merge: Option<String>,
    /// Output in JSON format.
    #[arg(long = "json")]
    pub json: bool,
}

pub fn run(a: &RepoArgs, settings: &dist::paths::Settings) -> Result<String, String> {
    match &a.what {
        RepoWhat::Add(o) => add(o, settings),
        RepoWhat::List(o) => list(o, settings),
        RepoWhat::Update(o) => {
            let timeout = crate::flags::duration(&o.timeout)?;
            let mut so = std::io::stdout().lock();
            dist::repo::commands::update(settings, &o.names, Some(timeout), &mut so)?;
            Ok(String::new())
        }
        RepoWhat::Remove(o) => {
            let mut so = std::io::stdout().lock();
            dist::repo::commands::remove(settings, &o.names, &mut so)?;
            Ok(String::new())
        }
        RepoWhat::Index(o) => {
            let dir = std::path::absolute(&o.dir).map_err(|e| e.to_string())?;
            dist::repo::index::repo_index(
                &dir,
                &o.url,
                o.merge.as_deref().map(std::path::Path::new),
                o.json,
            )?;
            Ok(String::new())
        }
    }
}

fn add(o: &AddArgs, settings: &dist::paths::Settings) -> Result<String, String> {
    let timeout = crate::flags::duration(&o.timeout)?;
    let mut password = o.password.clone();
    if !o.username.is_empty() && password.is_empty() {
        if o.password_stdin {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(|e| e.to_string())?;
            let s = s.strip_suffix('\n').unwrap_or(&s);
            password = s.strip_suffix('\r').unwrap_or(s).to_string();
        } else {
            // Helm reads the password without echo from the terminal.
            let mut so = std::io::stdout().lock();
            let _ = write!(so, "Password: ");
            let _ = so.flush();
            let mut s = String::new();
            std::io::stdin()
                .read_line(&mut s)
                .map_err(|e| e.to_string())?;
            let _ = writeln!(so);
            password = s.trim_end_matches(['\n', '\r']).to_string();
        }
    }
    let opts = dist::repo::commands::AddOptions {
        name: o.name.clone(),
        url: o.url.clone(),
        username: o.username.clone(),
        password,
        force_update: o.force_update,
        allow_deprecated_repos: o.allow_deprecated_repos,
        cert_file: o.cert_file.clone(),
        key_file: o.key_file.clone(),
        ca_file: o.ca_file.clone(),
        insecure_skip_tls_verify: o.insecure_skip_tls_verify,
        pass_credentials_all: o.pass_credentials,
        timeout: Some(timeout),
    };
    Ok(dist::repo::commands::add(settings, &opts)?)
}

fn list(o: &ListArgs, settings: &dist::paths::Settings) -> Result<String, String> {
    crate::flags::output_format(&o.output)?;
    let rows = dist::repo::commands::list(settings);
    if rows.is_empty() && o.output == "table" {
        eprintln!("no repositories to show");
        return Ok(String::new());
    }
    Ok(dist::repo::commands::render_list(
        &rows,
        &o.output,
        o.no_headers,
    )?)
}
