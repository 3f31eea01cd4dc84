//! `capstan registry`: being written (chart distribution, issue 13).

use clap::Args;

#[derive(Args, Debug)]
pub struct RegistryArgs {
    /// Arguments.
    pub args: Vec<String>,
}

pub fn run(_a: &RegistryArgs, _settings: &dist::paths::Settings) -> Result<String, String> {
    Err("registry: not implemented yet".into())
}
