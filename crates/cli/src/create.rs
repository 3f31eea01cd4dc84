//! `capstan create NAME [--starter]` over `action::create`.

use clap::Args;

#[derive(Args, Debug)]
pub struct CreateArgs {
    /// NAME (may be a path; its base name is the chart name).
    pub name: String,
    /// The name or absolute path to Helm starter scaffold.
    #[arg(short = 'p', long = "starter")]
    pub starter: Option<String>,
}

pub fn run(a: &CreateArgs) -> Result<String, String> {
    let req = action::create::CreateRequest {
        name: a.name.clone(),
        starter: a.starter.clone().filter(|s| !s.is_empty()),
        starter_dir: action::create::default_starter_dir(),
    };
    let out = action::create::create(&req)?;
    Ok(out.stdout)
}
