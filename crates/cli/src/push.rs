//! `capstan push CHART.tgz oci://HOST/PATH`: Helm's `push` (pkg/cmd/push.go,
//! pkg/uploader, pkg/pusher/ocipusher.go) over `dist::oci::Client::push`.

use clap::Args;

#[derive(Args, Debug)]
pub struct PushArgs {
    /// [chart] [remote]
    #[arg(num_args = 2.., required = true)]
    pub args: Vec<String>,
    /// Identify registry client using this SSL certificate file.
    #[arg(long = "cert-file")]
    pub cert_file: Option<String>,
    /// Identify registry client using this SSL key file.
    #[arg(long = "key-file")]
    pub key_file: Option<String>,
    /// Verify certificates of HTTPS-enabled servers using this CA bundle.
    #[arg(long = "ca-file")]
    pub ca_file: Option<String>,
    /// Skip tls certificate checks for the chart upload.
    #[arg(long = "insecure-skip-tls-verify")]
    pub insecure_skip_tls_verify: bool,
    /// Use insecure HTTP connections for the chart upload.
    #[arg(long = "plain-http")]
    pub plain_http: bool,
    /// Chart repository username where to locate the requested chart.
    #[arg(long = "username")]
    pub username: Option<String>,
    /// Chart repository password where to locate the requested chart.
    #[arg(long = "password")]
    pub password: Option<String>,
}

/// TLS files, `--insecure…` and static credentials as the getter's options.
pub fn http_options(
    ca: &Option<String>,
    cert: &Option<String>,
    key: &Option<String>,
    insecure: bool,
) -> dist::http::Options {
    let p = |s: &Option<String>| s.as_ref().filter(|s| !s.is_empty()).map(Into::into);
    dist::http::Options {
        ca_file: p(ca),
        cert_file: p(cert),
        key_file: p(key),
        insecure_skip_tls_verify: insecure,
        ..Default::default()
    }
}

/// The registry client for `push` and `registry` (Helm's
/// `newRegistryClient`): static credentials when both are given.
pub fn client_options(
    settings: &dist::paths::Settings,
    http: dist::http::Options,
    plain_http: bool,
) -> dist::oci::ClientOptions {
    dist::oci::ClientOptions {
        http,
        plain_http,
        credentials_file: settings.registry_config.clone(),
    }
}

pub fn run(a: &PushArgs, settings: &dist::paths::Settings) -> Result<String, String> {
    let (chart, remote) = (&a.args[0], &a.args[1]);
    // ChartUploader.UploadTo: the remote's scheme first.
    match remote.split_once("://") {
        None => {
            return Err("scheme prefix missing from remote (e.g. \"oci://\")".into());
        }
        Some(("oci", _)) => {}
        Some((s, _)) => return Err(format!("scheme {s:?} not supported")),
    }
    let md = match std::fs::metadata(chart) {
        Ok(md) => md,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(format!("{chart}: no such file"));
        }
        Err(e) => return Err(format!("stat {chart}: {}", dist::http::gostd_io(&e))),
    };
    if md.is_dir() {
        return Err("cannot push directory, must provide chart archive (.tgz)".into());
    }
    // loader.Load: the archive must be a valid chart.
    chart::loader::load(chart).map_err(|e| e.to_string())?;
    let data =
        std::fs::read(chart).map_err(|e| format!("open {chart}: {}", dist::http::gostd_io(&e)))?;
    let prov_path = format!("{chart}.prov");
    let prov = match std::fs::metadata(&prov_path) {
        Ok(_) => Some(
            std::fs::read(&prov_path)
                .map_err(|e| format!("open {prov_path}: {}", dist::http::gostd_io(&e)))?,
        ),
        Err(_) => None,
    };
    let mut http = http_options(
        &a.ca_file,
        &a.cert_file,
        &a.key_file,
        a.insecure_skip_tls_verify,
    );
    http.username = a.username.clone().unwrap_or_default();
    http.password = a.password.clone().unwrap_or_default();
    let client = dist::oci::Client::new(client_options(settings, http, a.plain_http))?;
    let pushed = client.push(&data, prov.as_deref(), remote, md.modified().ok())?;
    Ok(pushed.messages)
}
