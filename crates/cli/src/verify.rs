//! `capstan verify`: being written (chart distribution, issue 13).

use clap::Args;

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// Arguments.
    pub args: Vec<String>,
}

pub fn run(_a: &VerifyArgs, _settings: &dist::paths::Settings) -> Result<String, String> {
    Err("verify: not implemented yet".into())
}
