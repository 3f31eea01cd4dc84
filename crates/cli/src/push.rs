//! `capstan push`: being written (chart distribution, issue 13).

use clap::Args;

#[derive(Args, Debug)]
pub struct PushArgs {
    /// Arguments.
    pub args: Vec<String>,
}

pub fn run(_a: &PushArgs, _settings: &dist::paths::Settings) -> Result<String, String> {
    Err("push: not implemented yet".into())
}
