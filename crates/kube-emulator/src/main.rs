//! `kube-emulator`: command-line front end of the in-memory Kubernetes API
//! server emulator (see the library docs for what it emulates and why).
//!
//! ```text
//! kube-emulator --kubeconfig PATH [--addr 127.0.0.1:PORT] [--tls]
//!               [--fail-jobs-containing TEXT] [--never-ready-containing TEXT]
//!               [--ready-after-ms N] [--request-log FILE]
//!               [--latency-ms N] [--error-rate VERB=P]... [--error-code N]
//!               [--drop-watches-after-ms N]
//! ```
//! Once listening it writes a kubeconfig for itself to PATH and prints its
//! URL on stdout.

#![forbid(unsafe_code)]

use capstan_kube_emulator::{run, Faults, Options};

const USAGE: &str = "usage: kube-emulator --kubeconfig PATH [--addr 127.0.0.1:PORT] [--tls] \
[--fail-jobs-containing TEXT] [--never-ready-containing TEXT] [--ready-after-ms N] [--request-log FILE] \
[--latency-ms N] [--error-rate VERB=P]... [--error-code N] [--drop-watches-after-ms N]";

fn parse_args() -> Result<Options, String> {
    let mut a = Options {
        faults: Faults::default(),
        ..Options::default()
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut val = |name: &str| -> Result<String, String> {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or_else(|| format!("{name} needs a value\n{USAGE}"))
        };
        let num = |s: String, name: &str| {
            s.parse::<u64>()
                .map_err(|_| format!("{name}: not a number: {s:?}"))
        };
        match flag.as_str() {
            "--kubeconfig" => a.kubeconfig = Some(val("--kubeconfig")?.into()),
            "--addr" => a.addr = val("--addr")?,
            "--tls" => a.tls = true,
            "--fail-jobs-containing" => a.fail_text = val("--fail-jobs-containing")?,
            "--never-ready-containing" => a.never_ready_text = val("--never-ready-containing")?,
            "--ready-after-ms" => {
                a.ready_after_ms = num(val("--ready-after-ms")?, "--ready-after-ms")?
            }
            "--request-log" => a.request_log = Some(val("--request-log")?.into()),
            "--latency-ms" => a.faults.latency_ms = num(val("--latency-ms")?, "--latency-ms")?,
            "--error-code" => {
                a.faults.error_code =
                    num(val("--error-code")?, "--error-code")?.clamp(400, 599) as u16
            }
            "--drop-watches-after-ms" => {
                a.faults.drop_watches_after_ms =
                    num(val("--drop-watches-after-ms")?, "--drop-watches-after-ms")?
            }
            "--error-rate" => {
                let v = val("--error-rate")?;
                let (verb, p) = v
                    .split_once('=')
                    .ok_or("--error-rate wants VERB=PROBABILITY")?;
                let p: f64 = p
                    .parse()
                    .map_err(|_| format!("--error-rate: bad probability {p:?}"))?;
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

fn main() {
    let opts = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("kube-emulator: {e}");
            std::process::exit(2);
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("kube-emulator: cannot start the runtime: {e}");
            std::process::exit(1);
        }
    };
    let on_ready = |r: &capstan_kube_emulator::Ready| {
        use std::io::Write;
        println!("{}", r.url);
        let _ = std::io::stdout().flush();
    };
    if let Err(e) = rt.block_on(run(opts, on_ready, std::future::pending())) {
        eprintln!("kube-emulator: {e}");
        std::process::exit(1);
    }
}
