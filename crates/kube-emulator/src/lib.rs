//! An in-memory Kubernetes API server emulator for tests.
//!
//! No cluster can run where capstan is tested, yet install/upgrade/rollback
//! must be exercised over the real wire protocol. The emulator speaks enough
//! of the API server's protocol (discovery, OpenAPI v3, protobuf bodies,
//! server-side apply, watch-list, Status errors) that real Helm v4 and
//! kubectl accept it — see `../shared/reference/kube-api-surface.md`.
//!
//! Use it as the `kube-emulator` binary, or in-process from another crate's
//! tests (as a dev-dependency) with [`Emulator::start`]:
//!
//! ```no_run
//! let emu = capstan_kube_emulator::Emulator::start(Default::default()).unwrap();
//! println!("{} {}", emu.url, emu.kubeconfig);
//! ```
//! It is test infrastructure: the product never depends on it.

#![forbid(unsafe_code)]

mod api;
mod controllers;
mod discovery;
mod fields;
mod kinds;
mod patch;
mod proto;
mod resources;
mod selector;
mod server;
mod store;
mod util;

pub use server::Faults;

use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How to run the emulator (the binary's flags map 1:1 onto these).
#[derive(Debug, Clone)]
pub struct Options {
    /// Loopback `IP:PORT`; port 0 picks a free port.
    pub addr: String,
    pub tls: bool,
    /// Write a kubeconfig for the running server here.
    pub kubeconfig: Option<PathBuf>,
    /// A Job fails when its name or a container env value contains this.
    pub fail_text: String,
    /// A workload never becomes ready when its name or an env value contains this.
    pub never_ready_text: String,
    pub ready_after_ms: u64,
    /// JSON-lines request log (the format `analyze_log.py` reads).
    pub request_log: Option<PathBuf>,
    pub faults: Faults,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            addr: "127.0.0.1:0".into(),
            tls: false,
            kubeconfig: None,
            fail_text: "fail".into(),
            never_ready_text: "never-ready".into(),
            ready_after_ms: 200,
            request_log: None,
            faults: Faults::default(),
        }
    }
}

/// What a started server reports.
#[derive(Debug, Clone)]
pub struct Ready {
    /// `http://127.0.0.1:PORT` or `https://...`.
    pub url: String,
    /// The CA that signed the serving certificate (TLS only).
    pub ca_pem: Option<String>,
    /// A kubeconfig (YAML) for this server: context `kube-emulator`, namespace `default`.
    pub kubeconfig: String,
}

/// Kubeconfig text for a server URL (with the CA embedded for TLS).
pub fn kubeconfig_yaml(server: &str, ca_pem: Option<&str>) -> String {
    use base64::Engine;
    let ca = ca_pem
        .map(|p| {
            format!(
                "    certificate-authority-data: {}\n",
                base64::engine::general_purpose::STANDARD.encode(p)
            )
        })
        .unwrap_or_default();
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: kube-emulator\n  cluster:\n    server: {server}\n{ca}contexts:\n- name: kube-emulator\n  context:\n    cluster: kube-emulator\n    user: kube-emulator\n    namespace: default\ncurrent-context: kube-emulator\nusers:\n- name: kube-emulator\n  user:\n    token: kube-emulator-token\n"
    )
}

/// Binds, writes the kubeconfig, calls `on_ready`, then serves until
/// `shutdown` completes.
pub async fn run(
    opts: Options,
    on_ready: impl FnOnce(&Ready),
    shutdown: impl Future<Output = ()>,
) -> Result<(), String> {
    let addr: std::net::SocketAddr = opts
        .addr
        .parse()
        .map_err(|_| format!("--addr: not an IP:PORT address: {:?}", opts.addr))?;
    if !addr.ip().is_loopback() {
        return Err(format!(
            "--addr must be a loopback address (got {})",
            addr.ip()
        ));
    }
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    let tls = if opts.tls {
        Some(server::make_tls()?)
    } else {
        None
    };
    let host = if local.ip().is_ipv6() {
        format!("[{}]:{}", local.ip(), local.port())
    } else {
        local.to_string()
    };
    let url = format!("{}://{host}", if tls.is_some() { "https" } else { "http" });
    let log = match &opts.request_log {
        Some(p) => {
            Some(Mutex::new(std::fs::File::create(p).map_err(|e| {
                format!("--request-log {}: {e}", p.display())
            })?))
        }
        None => None,
    };
    let store = store::Store::new();
    controllers::spawn(
        store.clone(),
        Arc::new(controllers::CtlConfig {
            ready_after: Duration::from_millis(opts.ready_after_ms),
            fail_text: opts.fail_text.clone(),
            never_ready_text: opts.never_ready_text.clone(),
        }),
    );
    let app = Arc::new(server::App {
        store,
        faults: Mutex::new(opts.faults.clone()),
        addr: host,
        log,
        seq: Default::default(),
        cut: tokio::sync::watch::channel(0).0,
    });
    let ca_pem = tls.as_ref().map(|t| t.ca_pem.clone());
    let ready = Ready {
        kubeconfig: kubeconfig_yaml(&url, ca_pem.as_deref()),
        url,
        ca_pem,
    };
    if let Some(path) = &opts.kubeconfig {
        // Write then rename, so readers never see a half-written file.
        let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
        std::fs::write(&tmp, &ready.kubeconfig)
            .map_err(|e| format!("cannot write kubeconfig {}: {e}", path.display()))?;
        std::fs::rename(&tmp, path)
            .map_err(|e| format!("cannot write kubeconfig {}: {e}", path.display()))?;
    }
    on_ready(&ready);
    tokio::select! {
        _ = server::serve(app, listener, tls.map(|t| t.acceptor)) => {}
        _ = shutdown => {}
    }
    Ok(())
}

/// An emulator running on its own thread and runtime; stops when dropped.
pub struct Emulator {
    pub url: String,
    pub ca_pem: Option<String>,
    /// Kubeconfig text (also written to `Options::kubeconfig` when set).
    pub kubeconfig: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Emulator {
    pub fn start(opts: Options) -> Result<Emulator, String> {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<Ready, String>>();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("kube-emulator".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(format!("cannot start the runtime: {e}")));
                        return;
                    }
                };
                let tx = ready_tx.clone();
                let res = rt.block_on(run(opts, move |r| drop(tx.send(Ok(r.clone()))), async {
                    let _ = stop_rx.await;
                }));
                if let Err(e) = res {
                    let _ = ready_tx.send(Err(e));
                }
                rt.shutdown_timeout(Duration::from_millis(200));
            })
            .map_err(|e| format!("cannot start the emulator thread: {e}"))?;
        let ready = ready_rx
            .recv_timeout(Duration::from_secs(10))
            .map_err(|_| "the emulator did not start within 10s".to_string())??;
        Ok(Emulator {
            url: ready.url,
            ca_pem: ready.ca_pem,
            kubeconfig: ready.kubeconfig,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// What every client test sets up: an emulator whose kubeconfig is written
/// into a private temporary directory (for the test's other files too),
/// removed when the sandbox is dropped. `kubeconfig` in `opts` is ignored.
pub struct Sandbox {
    pub emulator: Emulator,
    pub dir: PathBuf,
    pub kubeconfig: PathBuf,
}

impl Sandbox {
    /// Start an emulator; `label` names the directory (`capstan-LABEL-PID-NANOS`).
    pub fn start(label: &str, opts: Options) -> Result<Sandbox, String> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let dir =
            std::env::temp_dir().join(format!("capstan-{label}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let kubeconfig = dir.join("kubeconfig");
        let emulator = Emulator::start(Options {
            kubeconfig: Some(kubeconfig.clone()),
            ..opts
        })?;
        Ok(Sandbox {
            emulator,
            dir,
            kubeconfig,
        })
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
