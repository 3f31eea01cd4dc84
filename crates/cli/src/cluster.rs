//! What every release command shares: Helm's Kubernetes connection
//! flags, the command's context, and connecting to the cluster with a
//! reporter that prints as Helm's CLI does.

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};

use capstan_lifecycle as lc;
use clap::Args;

/// Helm's Kubernetes connection flags (global).
#[derive(Args, Debug, Clone, Default)]
pub struct KubeArgs {
    /// Path to the kubeconfig file.
    #[arg(long, global = true)]
    pub kubeconfig: Option<String>,
    /// Name of the kubeconfig context to use.
    #[arg(long = "kube-context", global = true, env = "HELM_KUBECONTEXT")]
    pub kube_context: Option<String>,
    /// The address and the port for the Kubernetes API server.
    #[arg(long = "kube-apiserver", global = true, env = "HELM_KUBEAPISERVER")]
    pub kube_apiserver: Option<String>,
    /// Bearer token used for authentication.
    #[arg(long = "kube-token", global = true, env = "HELM_KUBETOKEN")]
    pub kube_token: Option<String>,
    /// Skip verification of the API server's certificate.
    #[arg(
        long = "kube-insecure-skip-tls-verify",
        global = true,
        env = "HELM_KUBEINSECURE_SKIP_TLS_VERIFY"
    )]
    pub kube_insecure: bool,
    /// The certificate authority file for the API server connection.
    #[arg(long = "kube-ca-file", global = true, env = "HELM_KUBECAFILE")]
    pub kube_ca_file: Option<String>,
    /// Server name to use for certificate verification.
    #[arg(
        long = "kube-tls-server-name",
        global = true,
        env = "HELM_KUBETLS_SERVER_NAME"
    )]
    pub kube_tls_server_name: Option<String>,
    /// Username to impersonate for the operation.
    #[arg(long = "kube-as-user", global = true, env = "HELM_KUBEASUSER")]
    pub kube_as_user: Option<String>,
    /// Group to impersonate for the operation (repeatable).
    #[arg(long = "kube-as-group", global = true)]
    pub kube_as_group: Vec<String>,
    /// Client-side default throttling limit.
    #[arg(
        long = "burst-limit",
        global = true,
        env = "HELM_BURST_LIMIT",
        hide = true
    )]
    pub burst_limit: Option<u32>,
    /// Queries per second used when communicating with the Kubernetes API,
    /// not including bursting (0: no client-side limit).
    #[arg(long = "qps", global = true, env = "HELM_QPS", hide = true)]
    pub qps: Option<f32>,
}

impl KubeArgs {
    pub fn client_options(&self, namespace: Option<&str>) -> lc::ClientOptions {
        lc::ClientOptions {
            kubeconfig: self.kubeconfig.clone().map(Into::into),
            context: self.kube_context.clone(),
            namespace: namespace.map(str::to_string),
            kube_apiserver: self.kube_apiserver.clone(),
            kube_token: self.kube_token.clone(),
            kube_insecure_skip_tls_verify: self.kube_insecure,
            kube_ca_file: self.kube_ca_file.clone().map(Into::into),
            kube_tls_server_name: self.kube_tls_server_name.clone(),
            kube_as_user: self.kube_as_user.clone(),
            kube_as_groups: self.kube_as_group.clone(),
            qps: self.qps,
            burst_limit: self.burst_limit,
            request_timeout: None,
        }
    }
}

/// Shared context of a release command.
pub struct Ctx<'a> {
    pub kube: &'a KubeArgs,
    pub namespace: Option<&'a str>,
    pub debug: bool,
}

/// Reports hook logs and wait progress: in place on a terminal, plain
/// lines (only when something changes) otherwise.
struct CliReporter {
    tty: bool,
    last: Mutex<String>,
}

impl lc::Reporter for CliReporter {
    fn warn(&self, msg: &str) {
        eprintln!("WARNING: {msg}");
    }
    fn hook_log(&self, _pod: &str, _container: &str, log: &str) {
        // Helm's hook output writer is its standard logger (stderr).
        eprint!("{log}");
    }
    fn progress(&self, pending: &[(String, lc::KubeStatus, String)]) {
        let text: String = pending
            .iter()
            .map(|(id, st, msg)| format!("waiting for {id}: {} {msg}\n", st.as_str()))
            .collect();
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if *last == text {
            return;
        }
        if self.tty {
            // Move up over the previous block and redraw it.
            let up = last.lines().count();
            let mut s = String::new();
            if up > 0 {
                s.push_str(&format!("\x1b[{up}A\x1b[J"));
            }
            s.push_str(&text);
            eprint!("{s}");
        } else {
            eprint!("{text}");
        }
        *last = text;
    }
}

pub fn runtime() -> Result<tokio::runtime::Runtime, String> {
    capstan_kube::runtime().map_err(|e| e.to_string())
}

pub async fn connect(ctx: &Ctx<'_>, history_max: usize) -> Result<lc::Config, String> {
    connect_bounded(ctx, history_max, None).await
}

/// [`connect`] for an operation with a `--timeout`: no single request may
/// outlive it (a frozen API server fails the operation, as in Helm, rather
/// than hanging it until the server comes back).
pub async fn connect_bounded(
    ctx: &Ctx<'_>,
    history_max: usize,
    timeout: Option<std::time::Duration>,
) -> Result<lc::Config, String> {
    let driver = std::env::var("HELM_DRIVER").unwrap_or_default();
    let mut opts = ctx.kube.client_options(ctx.namespace);
    // A zero timeout (`--timeout 0`) is Helm's "already expired" for waits;
    // requests themselves are then left unbounded.
    opts.request_timeout = timeout.filter(|t| !t.is_zero());
    let mut cfg = lc::Config::connect(&opts, &driver, history_max)
        .await
        .map_err(|e| e.to_string())?;
    cfg.reporter = Arc::new(CliReporter {
        tty: std::io::stderr().is_terminal(),
        last: Mutex::new(String::new()),
    });
    // Helm's CLI applies as `helm` (its process name). Tests that share
    // objects with Helm's Go library (which sends its host process name,
    // `python`) set this so both tools are one field manager, as two
    // `helm`-named binaries would be.
    if let Ok(fm) = std::env::var("CAPSTAN_FIELD_MANAGER") {
        if !fm.is_empty() {
            cfg.field_manager = fm;
        }
    }
    Ok(cfg)
}
