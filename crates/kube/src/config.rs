//! Client construction the way kubectl and Helm do it.
//!
//! kube-rs already implements kubeconfig loading (`KUBECONFIG` path lists
//! merged in order, contexts, tokens and token files, client certificates,
//! exec credential plugins, in-cluster service accounts). This module only
//! layers Helm's global flags on top: `--kubeconfig`, `--kube-context`,
//! `-n`, `--kube-apiserver`, `--kube-token`, `--kube-insecure-skip-tls-verify`,
//! `--kube-ca-file`, `--kube-tls-server-name`, `--kube-as-user/-group`.

use std::path::PathBuf;

use kube::config::{Config, KubeConfigOptions, Kubeconfig};

use crate::error::{Error, ErrorKind, Result};

/// Helm's connection flags (all optional; empty = kubeconfig decides).
#[derive(Debug, Clone, Default)]
pub struct ClientOptions {
    /// `--kubeconfig`: one file, used instead of `$KUBECONFIG`.
    pub kubeconfig: Option<PathBuf>,
    /// `--kube-context`.
    pub context: Option<String>,
    /// `-n/--namespace`; otherwise the context's namespace, else `default`.
    pub namespace: Option<String>,
    /// `--kube-apiserver`: server URL overriding the cluster's.
    pub kube_apiserver: Option<String>,
    /// `--kube-token`: bearer token overriding the user's credentials.
    pub kube_token: Option<String>,
    /// `--kube-insecure-skip-tls-verify`.
    pub kube_insecure_skip_tls_verify: bool,
    /// `--kube-ca-file`: PEM bundle used to verify the server.
    pub kube_ca_file: Option<PathBuf>,
    /// `--kube-tls-server-name`.
    pub kube_tls_server_name: Option<String>,
    /// `--kube-as-user` / `--kube-as-group`.
    pub kube_as_user: Option<String>,
    pub kube_as_groups: Vec<String>,
    /// `--qps`: client-side request rate limit (see [`crate::throttle`]).
    pub qps: Option<f32>,
    /// `--burst-limit`: requests allowed at once before `--qps` applies.
    pub burst_limit: Option<u32>,
    /// The longest any one request may take, retries included (the
    /// operation's `--timeout`): a server that stops answering fails the
    /// operation with `context deadline exceeded` instead of hanging it.
    pub request_timeout: Option<std::time::Duration>,
}

fn cfg_err(e: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorKind::Config,
        format!("kubernetes cluster unreachable: {e}"),
    )
}

/// Resolve the effective kube-rs [`Config`] and namespace for `opts`.
pub async fn load_config(opts: &ClientOptions) -> Result<(Config, String)> {
    let kc_opts = KubeConfigOptions {
        context: opts.context.clone(),
        ..Default::default()
    };
    let kubeconfig = match &opts.kubeconfig {
        Some(p) => Some(Kubeconfig::read_from(p).map_err(cfg_err)?),
        None => match Kubeconfig::from_env().map_err(cfg_err)? {
            Some(k) => Some(k),
            None => match Kubeconfig::read() {
                Ok(k) => Some(k),
                // No kubeconfig at all is fine when the server is given or we run in a pod.
                Err(_) if opts.kube_apiserver.is_some() => None,
                Err(e) => match Config::incluster() {
                    Ok(c) => return finish(c, opts, None),
                    Err(_) => return Err(cfg_err(e)),
                },
            },
        },
    };
    let (config, ctx_ns) = match kubeconfig {
        Some(kc) => {
            // An explicit --kube-apiserver may stand in for a missing cluster entry.
            match Config::from_custom_kubeconfig(kc.clone(), &kc_opts).await {
                Ok(c) => {
                    let ns = context_namespace(&kc, opts.context.as_deref());
                    (c, ns)
                }
                Err(e) => match &opts.kube_apiserver {
                    Some(url) if opts.context.is_none() => (Config::new(parse_url(url)?), None),
                    _ => return Err(cfg_err(e)),
                },
            }
        }
        None => {
            let url = opts.kube_apiserver.as_deref().unwrap_or_default();
            (Config::new(parse_url(url)?), None)
        }
    };
    finish(config, opts, ctx_ns)
}

fn context_namespace(kc: &Kubeconfig, context: Option<&str>) -> Option<String> {
    let name = context
        .map(str::to_string)
        .or_else(|| kc.current_context.clone())?;
    kc.contexts
        .iter()
        .find(|c| c.name == name)?
        .context
        .as_ref()?
        .namespace
        .clone()
        .filter(|n| !n.is_empty())
}

fn parse_url(url: &str) -> Result<http::Uri> {
    url.parse::<http::Uri>()
        .map_err(|e| cfg_err(format!("invalid --kube-apiserver {url:?}: {e}")))
}

/// client-go's `DefaultServerURL`: a server written without a scheme
/// (`127.0.0.1:6443`, as kubectl and Helm accept it) gets `https://` when the
/// config carries TLS settings (a CA, a client certificate, or insecure mode)
/// and `http://` otherwise.
fn with_default_scheme(url: &http::Uri, tls: bool) -> Result<http::Uri> {
    if url.scheme().is_some() && url.authority().is_some() {
        return Ok(url.clone());
    }
    let scheme = if tls { "https" } else { "http" };
    let text = format!("{scheme}://{url}");
    text.parse::<http::Uri>()
        .map_err(|e| cfg_err(format!("invalid server URL {:?}: {e}", url.to_string())))
}

fn tls_configured(c: &Config) -> bool {
    c.accept_invalid_certs
        || c.root_cert.is_some()
        || c.root_cert_file.is_some()
        || c.auth_info.client_certificate.is_some()
        || c.auth_info.client_certificate_data.is_some()
}

fn finish(
    mut config: Config,
    opts: &ClientOptions,
    ctx_ns: Option<String>,
) -> Result<(Config, String)> {
    if let Some(url) = &opts.kube_apiserver {
        config.cluster_url = parse_url(url)?;
    }
    if let Some(token) = &opts.kube_token {
        let auth = &mut config.auth_info;
        auth.token = Some(secrecy::SecretString::from(token.clone()));
        auth.token_file = None;
        auth.exec = None;
        auth.auth_provider = None;
        auth.username = None;
        auth.password = None;
    }
    if opts.kube_insecure_skip_tls_verify {
        config.accept_invalid_certs = true;
    }
    if let Some(ca) = &opts.kube_ca_file {
        if !ca.is_file() {
            return Err(cfg_err(format!("unable to read CA file {}", ca.display())));
        }
        config.root_cert_file = Some(ca.clone());
    }
    if let Some(name) = &opts.kube_tls_server_name {
        config.tls_server_name = Some(name.clone());
    }
    if let Some(user) = &opts.kube_as_user {
        config.auth_info.impersonate = Some(user.clone());
    }
    if !opts.kube_as_groups.is_empty() {
        config.auth_info.impersonate_groups = Some(opts.kube_as_groups.clone());
    }
    config.cluster_url = with_default_scheme(&config.cluster_url, tls_configured(&config))?;
    let ns = opts
        .namespace
        .clone()
        .filter(|n| !n.is_empty())
        .or(ctx_ns)
        .unwrap_or_else(|| config.default_namespace.clone());
    let ns = if ns.is_empty() {
        "default".to_string()
    } else {
        ns
    };
    config.default_namespace = ns.clone();
    Ok((config, ns))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed(url: &str, tls: bool) -> String {
        with_default_scheme(&url.parse().unwrap(), tls)
            .unwrap()
            .to_string()
    }

    #[test]
    fn a_server_without_scheme_gets_clientgos_default() {
        assert_eq!(fixed("127.0.0.1:6443", false), "http://127.0.0.1:6443/");
        assert_eq!(fixed("127.0.0.1:6443", true), "https://127.0.0.1:6443/");
        assert_eq!(fixed("not-a-url", false), "http://not-a-url/");
        assert_eq!(
            fixed("https://k.example:6443", false),
            "https://k.example:6443/"
        );
    }

    #[tokio::test]
    async fn a_kubeconfig_server_without_scheme_loads() {
        let dir = tempfile::tempdir().unwrap();
        let kc = dir.path().join("kc");
        std::fs::write(
            &kc,
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: 127.0.0.1:6443\n\
             contexts:\n- name: x\n  context:\n    cluster: c\n    user: u\ncurrent-context: x\n\
             users:\n- name: u\n  user: {}\n",
        )
        .unwrap();
        let opts = ClientOptions {
            kubeconfig: Some(kc),
            ..Default::default()
        };
        let (config, ns) = load_config(&opts).await.unwrap();
        assert_eq!(config.cluster_url.to_string(), "http://127.0.0.1:6443/");
        assert_eq!(ns, "default");
        let opts = ClientOptions {
            kube_apiserver: Some("127.0.0.1:7000".into()),
            ..opts
        };
        let (config, _) = load_config(&opts).await.unwrap();
        assert_eq!(config.cluster_url.to_string(), "http://127.0.0.1:7000/");
    }
}
