//! `capstan repo`: being written (chart distribution, issue 13).

use clap::Args;

#[derive(Args, Debug)]
pub struct RepoArgs {
    /// Arguments.
    pub args: Vec<String>,
}

pub fn run(_a: &RepoArgs, _settings: &dist::paths::Settings) -> Result<String, String> {
    Err("repo: not implemented yet".into())
}
