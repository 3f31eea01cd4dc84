//! The one HTTP layer (Helm's pkg/getter `HTTPGetter` and the transport
//! under its registry client): TLS from `--ca-file`/`--cert-file`/
//! `--key-file`/`--insecure-skip-tls-verify`, basic auth, a timeout, and
//! errors worded as Go's `net/http` words them (`Get "URL": dial tcp
//! HOST:PORT: connect: connection refused`), because users and scripts
//! match on them.

use std::path::PathBuf;
use std::time::Duration;

use crate::error::{Error, ErrorKind};

/// TLS and auth options shared by repositories and registries.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub ca_file: Option<PathBuf>,
    pub cert_file: Option<PathBuf>,
    pub key_file: Option<PathBuf>,
    pub insecure_skip_tls_verify: bool,
    pub username: String,
    pub password: String,
    /// Send credentials to hosts other than the repository's own.
    pub pass_credentials_all: bool,
    /// Whole-request timeout (Helm: `--timeout`, default 120 s for repos).
    pub timeout: Option<Duration>,
}

fn read(path: &PathBuf, what: &str) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|e| {
        Error::new(
            ErrorKind::Input,
            format!("can't read {what} {}: {}", path.display(), gostd_io(&e)),
        )
    })
}

/// Go's text for an `os.PathError` cause.
pub fn gostd_io(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => {
            let s = e.to_string();
            // Rust appends " (os error N)"; Go does not.
            match s.find(" (os error") {
                Some(i) => s[..i].to_lowercase(),
                None => s,
            }
        }
    }
}

/// A blocking client configured from `o`.  Redirects are followed as Go
/// follows them (10 hops).
pub fn client(o: &Options) -> Result<reqwest::blocking::Client, Error> {
    let mut b = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::limited(10))
        .user_agent(concat!("Helm/4.2.3 capstan/", env!("CARGO_PKG_VERSION")))
        .no_proxy();
    if let Some(t) = o.timeout {
        b = b.timeout(t);
    }
    if let Some(ca) = &o.ca_file {
        let pem = read(ca, "CA file")?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
            Error::input(format!("can't create TLS config for client: failed to append certificates from file: {}: {e}", ca.display()))
        })?;
        for c in certs {
            b = b.add_root_certificate(c);
        }
    }
    if let (Some(cert), Some(key)) = (&o.cert_file, &o.key_file) {
        let mut pem = read(cert, "certificate file")?;
        pem.push(b'\n');
        pem.extend(read(key, "key file")?);
        let id = reqwest::Identity::from_pem(&pem)
            .map_err(|e| Error::input(format!("can't create TLS config for client: {e}")))?;
        b = b.identity(id);
    }
    if o.insecure_skip_tls_verify {
        b = b.danger_accept_invalid_certs(true);
    }
    b.build()
        .map_err(|e| Error::transport(format!("can't create HTTP client: {e}")))
}

/// Go's wording for a failed request to `url` (`Get "URL": CAUSE`).
pub fn request_error(method: &str, url: &str, e: &reqwest::Error) -> Error {
    let mut chain = String::new();
    let mut src: Option<&dyn std::error::Error> = Some(e);
    while let Some(s) = src {
        chain.push_str(&s.to_string());
        chain.push('\n');
        src = s.source();
    }
    let lower = chain.to_lowercase();
    let host = reqwest::Url::parse(url)
        .ok()
        .map(|u| {
            let port = u.port_or_known_default().unwrap_or(0);
            format!("{}:{port}", u.host_str().unwrap_or(""))
        })
        .unwrap_or_default();
    let cause = if lower.contains("connection refused") {
        format!("dial tcp {host}: connect: connection refused")
    } else if lower.contains("unknownissuer") || lower.contains("unknown issuer") {
        "tls: failed to verify certificate: x509: certificate signed by unknown authority".into()
    } else if lower.contains("notvalidforname") || lower.contains("not valid for name") {
        format!(
            "tls: failed to verify certificate: x509: certificate is valid for other names, not {}",
            host.rsplit_once(':').map(|x| x.0).unwrap_or("")
        )
    } else if e.is_timeout() {
        "context deadline exceeded (Client.Timeout exceeded while awaiting headers)".into()
    } else if lower.contains("invalidcontenttype")
        || lower.contains("http/0.9")
        || lower.contains("received corrupt message")
        || lower.contains("invalid http version")
    {
        "http: server gave HTTP response to HTTPS client".into()
    } else if lower.contains("dns error") || lower.contains("failed to lookup") {
        format!(
            "dial tcp: lookup {}: no such host",
            host.rsplit_once(':').map(|x| x.0).unwrap_or("")
        )
    } else {
        chain.lines().last().unwrap_or("").to_string()
    };
    let verb = match method {
        "GET" => "Get",
        "HEAD" => "Head",
        "PUT" => "Put",
        "POST" => "Post",
        "PATCH" => "Patch",
        "DELETE" => "Delete",
        m => m,
    };
    Error::transport(format!("{verb} \"{url}\": {cause}"))
}

/// A whole response, read.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    /// Go's `resp.Status`, e.g. `401 Unauthorized`.
    pub status_text: String,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
}

/// Go's `resp.Status` text for a code.
pub fn status_text(code: reqwest::StatusCode) -> String {
    format!(
        "{} {}",
        code.as_u16(),
        code.canonical_reason().unwrap_or("status code")
    )
}

/// Helm's HTTPGetter: GET `url` with basic auth when set (and, unless
/// `pass_credentials_all`, only when `url`'s host is `auth_host`).
pub fn get(
    client: &reqwest::blocking::Client,
    url: &str,
    o: &Options,
    auth_host: Option<&str>,
    extra: &[(&str, String)],
) -> Result<Response, Error> {
    let mut req = client.get(url);
    let send_auth = (!o.username.is_empty() || !o.password.is_empty())
        && (o.pass_credentials_all
            || match (auth_host, reqwest::Url::parse(url).ok()) {
                (Some(h), Some(u)) => u.host_str() == Some(h),
                (None, _) => true,
                _ => false,
            });
    if send_auth {
        req = req.basic_auth(&o.username, Some(&o.password));
    }
    for (k, v) in extra {
        req = req.header(*k, v);
    }
    let resp = req.send().map_err(|e| request_error("GET", url, &e))?;
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = resp
        .bytes()
        .map_err(|e| request_error("GET", url, &e))?
        .to_vec();
    Ok(Response {
        status: status.as_u16(),
        status_text: status_text(status),
        headers,
        body,
    })
}

/// Helm's HTTPGetter result: the body on 200, else `failed to fetch URL :
/// STATUS`.
pub fn fetch(
    client: &reqwest::blocking::Client,
    url: &str,
    o: &Options,
    auth_host: Option<&str>,
) -> Result<Vec<u8>, Error> {
    let r = get(client, url, o, auth_host, &[])?;
    if r.status != 200 {
        let kind = match r.status {
            401 | 403 => ErrorKind::Auth,
            404 => ErrorKind::NotFound,
            _ => ErrorKind::Transport,
        };
        return Err(Error::new(
            kind,
            format!("failed to fetch {url} : {}", r.status_text),
        ));
    }
    Ok(r.body)
}
