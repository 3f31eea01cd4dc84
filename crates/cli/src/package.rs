//! `capstan package CHART…` over `action::package`, with
//! `--dependency-update` through `dist::deps` and `--sign` through
//! `dist::provenance`.

use clap::Args;

#[derive(Args, Debug)]
pub struct PackageArgs {
    /// Chart directories to package.
    #[arg(required = true)]
    pub paths: Vec<String>,
    /// Location to write the chart.
    #[arg(short = 'd', long = "destination", default_value = ".")]
    pub destination: String,
    /// Set the version on the chart to this semver version.
    #[arg(long = "version")]
    pub version: Option<String>,
    /// Set the appVersion on the chart to this version.
    #[arg(long = "app-version")]
    pub app_version: Option<String>,
    /// Update dependencies from Chart.yaml to charts/ before packaging.
    #[arg(short = 'u', long = "dependency-update")]
    pub dependency_update: bool,
    /// Use a PGP private key to sign this package.
    #[arg(long = "sign")]
    pub sign: bool,
    /// Name of the key to use when signing. Used if --sign is true.
    #[arg(long = "key", default_value = "")]
    pub key: String,
    /// Location of a public keyring (default: ~/.gnupg/pubring.gpg).
    #[arg(long = "keyring")]
    pub keyring: Option<String>,
    /// Location of a file which contains the passphrase for the signing key ("-" reads stdin).
    #[arg(long = "passphrase-file")]
    pub passphrase_file: Option<String>,
    /// Chart repository username where to locate the requested chart.
    #[arg(long = "username")]
    pub username: Option<String>,
    /// Chart repository password where to locate the requested chart.
    #[arg(long = "password")]
    pub password: Option<String>,
    /// Identify HTTPS client using this SSL certificate file.
    #[arg(long = "cert-file")]
    pub cert_file: Option<String>,
    /// Identify HTTPS client using this SSL key file.
    #[arg(long = "key-file")]
    pub key_file: Option<String>,
    /// Skip tls certificate checks for the chart download.
    #[arg(long = "insecure-skip-tls-verify")]
    pub insecure_skip_tls_verify: bool,
    /// Use insecure HTTP connections for the chart download.
    #[arg(long = "plain-http")]
    pub plain_http: bool,
    /// Verify certificates of HTTPS-enabled servers using this CA bundle.
    #[arg(long = "ca-file")]
    pub ca_file: Option<String>,
}

/// Helm's `passphraseFileFetcher`: the first line of the file (or stdin).
fn passphrase(file: &str) -> Result<String, String> {
    use std::io::BufRead;
    let mut line = String::new();
    if file == "-" {
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
    } else {
        let f = std::fs::File::open(file).map_err(|e| {
            format!(
                "open {file}: {}",
                match e.kind() {
                    std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
                    std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
                    _ => e.to_string(),
                }
            )
        })?;
        std::io::BufReader::new(f)
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
    }
    let line = line.strip_suffix('\n').unwrap_or(&line);
    Ok(line.strip_suffix('\r').unwrap_or(line).to_string())
}

pub fn run(a: &PackageArgs, settings: &dist::paths::Settings) -> Result<String, String> {
    use std::io::Write;
    if a.sign {
        if a.key.is_empty() {
            return Err("--key is required for signing a package".into());
        }
        if a.keyring.as_deref() == Some("") {
            return Err("--keyring is required for signing a package".into());
        }
    }
    let keyring = a
        .keyring
        .clone()
        .unwrap_or_else(dist::deps::default_keyring);
    for p in &a.paths {
        let abs = std::path::absolute(p).map_err(|e| e.to_string())?;
        std::fs::metadata(p).map_err(|e| {
            format!(
                "stat {p}: {}",
                match e.kind() {
                    std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
                    _ => e.to_string(),
                }
            )
        })?;
        if a.dependency_update {
            let opts = dist::deps::Options {
                keyring: Some(keyring.clone()),
                plain_http: a.plain_http,
                ca_file: a.ca_file.clone(),
                cert_file: a.cert_file.clone(),
                key_file: a.key_file.clone(),
                insecure_skip_tls_verify: a.insecure_skip_tls_verify,
                username: a.username.clone(),
                password: a.password.clone(),
                ..dist::deps::Options::default()
            };
            // Helm discards the dependency manager's output here.
            dist::deps::update(settings, &abs, &opts, &mut std::io::sink())?;
        }
        let req = action::package::PackageRequest {
            path: p.clone(),
            destination: a.destination.clone(),
            version: a.version.clone(),
            app_version: a.app_version.clone(),
            dependency_update: false,
        };
        let out = action::package::package(&req)?;
        if a.sign {
            let pass = match &a.passphrase_file {
                Some(f) => Some(passphrase(f)?),
                None => None,
            };
            // Signing was asked for: no unsigned archive is left behind.
            if let Err(e) = dist::provenance::sign_archive(
                &out,
                &a.key,
                std::path::Path::new(&keyring),
                pass.as_deref(),
            ) {
                let _ = std::fs::remove_file(&out);
                return Err(e.into());
            }
        }
        // Printed as each chart is done, as Helm does.
        let mut so = std::io::stdout().lock();
        let _ = writeln!(
            so,
            "Successfully packaged chart and saved it to: {}",
            out.display()
        );
    }
    Ok(String::new())
}
