//! `capstan pull`: being written (chart distribution, issue 13).

use clap::Args;

#[derive(Args, Debug)]
pub struct PullArgs {
    /// Arguments.
    pub args: Vec<String>,
}

pub fn run(_a: &PullArgs, _settings: &dist::paths::Settings) -> Result<String, String> {
    Err("pull: not implemented yet".into())
}
