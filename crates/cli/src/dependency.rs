//! `capstan dependency list|update|build CHART` over `action::dependency`
//! (the local status table) and `dist::deps` (resolution and downloads).

use clap::{Args, Subcommand};

#[derive(Args, Debug)]
pub struct DependencyArgs {
    #[command(subcommand)]
    pub what: DependencyWhat,
}

/// Flags shared by `dependency update` and `dependency build`.
#[derive(Args, Debug, Clone)]
pub struct FetchArgs {
    /// Chart directory (default: the current directory).
    #[arg(default_value = ".")]
    pub chart: String,
    /// Do not refresh the local repository cache.
    #[arg(long = "skip-refresh")]
    pub skip_refresh: bool,
    /// Verify the packages against signatures.
    #[arg(long = "verify")]
    pub verify: bool,
    /// Keyring containing public keys (default: ~/.gnupg/pubring.gpg).
    #[arg(long = "keyring")]
    pub keyring: Option<String>,
    /// Use insecure HTTP connections for the chart download.
    #[arg(long = "plain-http")]
    pub plain_http: bool,
    /// Verify certificates of HTTPS-enabled servers using this CA bundle.
    #[arg(long = "ca-file")]
    pub ca_file: Option<String>,
    /// Identify HTTPS client using this SSL certificate file.
    #[arg(long = "cert-file")]
    pub cert_file: Option<String>,
    /// Identify HTTPS client using this SSL key file.
    #[arg(long = "key-file")]
    pub key_file: Option<String>,
    /// Skip tls certificate checks for the chart download.
    #[arg(long = "insecure-skip-tls-verify")]
    pub insecure_skip_tls_verify: bool,
    /// Chart repository username where to locate the requested chart.
    #[arg(long = "username")]
    pub username: Option<String>,
    /// Chart repository password where to locate the requested chart.
    #[arg(long = "password")]
    pub password: Option<String>,
}

impl FetchArgs {
    pub fn options(&self) -> dist::deps::Options {
        dist::deps::Options {
            skip_refresh: self.skip_refresh,
            verify: self.verify,
            keyring: self.keyring.clone(),
            plain_http: self.plain_http,
            ca_file: self.ca_file.clone(),
            cert_file: self.cert_file.clone(),
            key_file: self.key_file.clone(),
            insecure_skip_tls_verify: self.insecure_skip_tls_verify,
            username: self.username.clone(),
            password: self.password.clone(),
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum DependencyWhat {
    /// List the dependencies for the given chart.
    #[command(alias = "ls")]
    List {
        /// Chart directory (default: the current directory).
        #[arg(default_value = ".")]
        chart: String,
        /// Maximum column width for output table.
        #[arg(long = "max-col-width", default_value_t = 80)]
        max_col_width: usize,
    },
    /// Update charts/ based on the contents of Chart.yaml.
    #[command(alias = "up")]
    Update(FetchArgs),
    /// Rebuild the charts/ directory based on the Chart.lock file.
    Build(FetchArgs),
}

pub fn run(a: &DependencyArgs, settings: &dist::paths::Settings) -> Result<String, String> {
    match &a.what {
        DependencyWhat::List {
            chart,
            max_col_width,
        } => action::dependency::list(chart, *max_col_width).map_err(String::from),
        DependencyWhat::Update(f) => {
            let mut so = std::io::stdout().lock();
            dist::deps::update(
                settings,
                std::path::Path::new(&f.chart),
                &f.options(),
                &mut so,
            )?;
            Ok(String::new())
        }
        DependencyWhat::Build(f) => {
            let mut so = std::io::stdout().lock();
            dist::deps::build(
                settings,
                std::path::Path::new(&f.chart),
                &f.options(),
                &mut so,
            )?;
            Ok(String::new())
        }
    }
}
