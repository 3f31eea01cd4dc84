//! `capstan verify CHART.tgz`: checks a chart archive against its `.prov`.

use clap::Args;

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// Path to a chart archive.
    pub path: String,
    /// Keyring containing public keys.
    #[arg(long = "keyring")]
    pub keyring: Option<String>,
}

pub fn run(a: &VerifyArgs, _settings: &dist::paths::Settings) -> Result<String, String> {
    let keyring = a
        .keyring
        .clone()
        .map(std::path::PathBuf::from)
        .unwrap_or_else(dist::provenance::default_keyring);
    let v = dist::provenance::verify_archive(std::path::Path::new(&a.path), None, &keyring)?;
    Ok(v.report())
}
