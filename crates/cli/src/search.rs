//! `capstan search`: being written (chart distribution, issue 13).

use clap::Args;

#[derive(Args, Debug)]
pub struct SearchArgs {
    /// Arguments.
    pub args: Vec<String>,
}

pub fn run(_a: &SearchArgs, _settings: &dist::paths::Settings) -> Result<String, String> {
    Err("search: not implemented yet".into())
}
