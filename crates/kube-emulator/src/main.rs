//! `kube-emulator`: an in-memory Kubernetes API server for tests.
//!
//! No cluster can run where capstan is tested, yet install/upgrade/rollback
//! must be exercised over the real wire protocol. This binary speaks enough
//! of the API server's protocol (discovery, OpenAPI v3, protobuf bodies,
//! server-side apply, watch-list, Status errors) that real Helm v4 and
//! kubectl accept it — see `../shared/reference/kube-api-surface.md`.
//!
//! ```text
//! kube-emulator --kubeconfig PATH [--addr 127.0.0.1:PORT] [--tls]
//!               [--fail-jobs-containing TEXT] [--never-ready-containing TEXT]
//!               [--ready-after-ms N] [--request-log FILE]
//!               [--latency-ms N] [--error-rate VERB=P]... [--error-code N]
//!               [--drop-watches-after-ms N]
//! ```
//! Once listening it writes a kubeconfig for itself to PATH and prints its
//! URL on stdout. It is test infrastructure: the product never depends on it.

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

use std::sync::{Arc, Mutex};
use std::time::Duration;

struct Args {
    kubeconfig: Option<String>,
    addr: String,
    tls: bool,
    fail_text: String,
    never_ready_text: String,
    ready_after_ms: u64,
    request_log: Option<String>,
    faults: server::Faults,
}

const USAGE: &str = "usage: kube-emulator --kubeconfig PATH [--addr 127.0.0.1:PORT] [--tls] \
[--fail-jobs-containing TEXT] [--never-ready-containing TEXT] [--ready-after-ms N] [--request-log FILE] \
[--latency-ms N] [--error-rate VERB=P]... [--error-code N] [--drop-watches-after-ms N]";

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        kubeconfig: None,
        addr: "127.0.0.1:0".into(),
        tls: false,
        fail_text: "fail".into(),
        never_ready_text: "never-ready".into(),
        ready_after_ms: 200,
        request_log: None,
        faults: server::Faults::default(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut val = |name: &str| -> Result<String, String> {
            inline.clone().or_else(|| it.next()).ok_or_else(|| format!("{name} needs a value\n{USAGE}"))
        };
        let num = |s: String, name: &str| s.parse::<u64>().map_err(|_| format!("{name}: not a number: {s:?}"));
        match flag.as_str() {
            "--kubeconfig" => a.kubeconfig = Some(val("--kubeconfig")?),
            "--addr" => a.addr = val("--addr")?,
            "--tls" => a.tls = true,
            "--fail-jobs-containing" => a.fail_text = val("--fail-jobs-containing")?,
            "--never-ready-containing" => a.never_ready_text = val("--never-ready-containing")?,
            "--ready-after-ms" => a.ready_after_ms = num(val("--ready-after-ms")?, "--ready-after-ms")?,
            "--request-log" => a.request_log = Some(val("--request-log")?),
            "--latency-ms" => a.faults.latency_ms = num(val("--latency-ms")?, "--latency-ms")?,
            "--error-code" => a.faults.error_code = num(val("--error-code")?, "--error-code")?.clamp(400, 599) as u16,
            "--drop-watches-after-ms" => a.faults.drop_watches_after_ms = num(val("--drop-watches-after-ms")?, "--drop-watches-after-ms")?,
            "--error-rate" => {
                let v = val("--error-rate")?;
                let (verb, p) = v.split_once('=').ok_or("--error-rate wants VERB=PROBABILITY")?;
                let p: f64 = p.parse().map_err(|_| format!("--error-rate: bad probability {p:?}"))?;
                if !(0.0..=1.0).contains(&p) {
                    return Err("--error-rate: probability must be within 0..1".into());
                }
                a.faults.error_rate.insert(verb.to_string(), p);
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    Ok(a)
}

fn kubeconfig(server: &str, ca_pem: Option<&str>) -> String {
    use base64::Engine;
    let ca = ca_pem
        .map(|p| format!("    certificate-authority-data: {}\n", base64::engine::general_purpose::STANDARD.encode(p)))
        .unwrap_or_default();
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: kube-emulator\n  cluster:\n    server: {server}\n{ca}contexts:\n- name: kube-emulator\n  context:\n    cluster: kube-emulator\n    user: kube-emulator\n    namespace: default\ncurrent-context: kube-emulator\nusers:\n- name: kube-emulator\n  user:\n    token: kube-emulator-token\n"
    )
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("kube-emulator: {e}");
            std::process::exit(2);
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("kube-emulator: cannot start the runtime: {e}");
            std::process::exit(1);
        }
    };
    if let Err(e) = rt.block_on(run(args)) {
        eprintln!("kube-emulator: {e}");
        std::process::exit(1);
    }
}

async fn run(args: Args) -> Result<(), String> {
    let addr: std::net::SocketAddr = args.addr.parse().map_err(|_| format!("--addr: not an IP:PORT address: {:?}", args.addr))?;
    if !addr.ip().is_loopback() {
        return Err(format!("--addr must be a loopback address (got {})", addr.ip()));
    }
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    let tls = if args.tls { Some(server::make_tls()?) } else { None };
    let host = if local.ip().is_ipv6() { format!("[{}]:{}", local.ip(), local.port()) } else { local.to_string() };
    let url = format!("{}://{host}", if tls.is_some() { "https" } else { "http" });
    let log = match &args.request_log {
        Some(p) => Some(Mutex::new(std::fs::File::create(p).map_err(|e| format!("--request-log {p}: {e}"))?)),
        None => None,
    };
    let store = store::Store::new();
    controllers::spawn(
        store.clone(),
        Arc::new(controllers::CtlConfig {
            ready_after: Duration::from_millis(args.ready_after_ms),
            fail_text: args.fail_text.clone(),
            never_ready_text: args.never_ready_text.clone(),
        }),
    );
    let app = Arc::new(server::App {
        store,
        faults: Mutex::new(args.faults.clone()),
        addr: host.clone(),
        log,
        seq: Default::default(),
    });
    if let Some(path) = &args.kubeconfig {
        let kc = kubeconfig(&url, tls.as_ref().map(|t| t.ca_pem.as_str()));
        let tmp = format!("{path}.tmp-{}", std::process::id());
        std::fs::write(&tmp, kc).map_err(|e| format!("cannot write kubeconfig {path}: {e}"))?;
        std::fs::rename(&tmp, path).map_err(|e| format!("cannot write kubeconfig {path}: {e}"))?;
    }
    println!("{url}");
    use std::io::Write;
    let _ = std::io::stdout().flush();
    server::serve(app, listener, tls.map(|t| t.acceptor)).await;
    Ok(())
}
