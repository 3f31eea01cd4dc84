//! Real servers for capstan's distribution tests, on loopback and free
//! ports, in temporary directories, stopped when dropped:
//!
//! * [`Registry`]: the CNCF distribution registry as Debian packages it
//!   (`docker-registry`, upstream `registry`), over plain HTTP or over TLS
//!   with its own CA, optionally with htpasswd (bcrypt) basic auth — the
//!   same server Helm users push to, not a mock;
//! * [`ChartRepo`]: a static chart repository (Helm repositories are
//!   plain files: `index.yaml` + archives) over HTTP or HTTPS with
//!   optional basic auth, ETag/`If-None-Match`, and a request log so tests
//!   can assert what a command fetched.
//!
//! Tests call [`Registry::start`]; when the registry binary is missing it
//! returns [`Missing`] and the test decides to skip (or, under
//! `CAPSTAN_REQUIRE_SHARED=1`, fail).  `.ci/run` installs the packages.

#![forbid(unsafe_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A server could not start because a program is not installed.
#[derive(Debug)]
pub struct Missing(pub String);

impl std::fmt::Display for Missing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A free loopback port (bound, then released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free loopback port")
}

/// A CA and a server certificate for localhost/127.0.0.1 signed by it,
/// written as PEM files (`ca.crt`, `server.crt`, `server.key`).
#[derive(Clone, Debug)]
pub struct Tls {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl Tls {
    pub fn make(dir: &Path) -> Tls {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, SanType};
        std::fs::create_dir_all(dir).expect("tls dir");
        let ca_key = KeyPair::generate().expect("ca key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "capstan-test-ca");
        let ca = ca_params.self_signed(&ca_key).expect("ca cert");
        let key = KeyPair::generate().expect("server key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        params.subject_alt_names = vec![
            SanType::DnsName("localhost".try_into().expect("dns name")),
            SanType::IpAddress(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST)),
        ];
        let cert = params.signed_by(&key, &ca, &ca_key).expect("server cert");
        let t = Tls {
            ca: dir.join("ca.crt"),
            cert: dir.join("server.crt"),
            key: dir.join("server.key"),
        };
        std::fs::write(&t.ca, ca.pem()).expect("write ca");
        std::fs::write(&t.cert, cert.pem()).expect("write cert");
        std::fs::write(&t.key, key.serialize_pem()).expect("write key");
        t
    }

    fn server_config(&self) -> Arc<rustls::ServerConfig> {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&self.cert)
            .expect("read cert")
            .collect::<Result<_, _>>()
            .expect("parse cert");
        let key = PrivateKeyDer::from_pem_file(&self.key).expect("read key");
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut cfg = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("tls versions")
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .expect("tls config");
        cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
        Arc::new(cfg)
    }
}

fn wait_for_port(port: u16, child: &mut Child, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{what} exited before listening: {status}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{what} did not listen on 127.0.0.1:{port} within 30 s");
}

/// A running `docker-registry` (CNCF distribution v2).
pub struct Registry {
    child: Child,
    _dir: tempfile::TempDir,
    /// `127.0.0.1:PORT` (what `oci://` references and `registry login` take).
    pub host: String,
    /// `http://HOST` or `https://HOST`.
    pub url: String,
    /// With TLS: the CA that signed the server's certificate.
    pub tls: Option<Tls>,
}

impl Registry {
    /// Starts the registry; `tls` makes its own CA, `auth` turns on
    /// htpasswd basic auth for `(user, password)`.
    pub fn start(tls: bool, auth: Option<(&str, &str)>) -> Result<Registry, Missing> {
        let bin = ["docker-registry", "registry"]
            .iter()
            .find(|b| {
                Command::new(b)
                    .arg("--version")
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .is_ok()
            })
            .ok_or_else(|| {
                Missing("no OCI registry binary (install Debian's docker-registry)".into())
            })?;
        let dir = tempfile::tempdir().expect("tempdir");
        let port = free_port();
        let mut cfg = format!(
            "version: 0.1\nlog: {{level: error, accesslog: {{disabled: true}}}}\nstorage: {{filesystem: {{rootdirectory: {}}}, delete: {{enabled: true}}}}\nhttp:\n  addr: 127.0.0.1:{port}\n  secret: capstan-test-secret\n",
            dir.path().join("data").display()
        );
        let tls = tls.then(|| Tls::make(&dir.path().join("tls")));
        if let Some(t) = &tls {
            cfg.push_str(&format!(
                "  tls: {{certificate: {}, key: {}}}\n",
                t.cert.display(),
                t.key.display()
            ));
        }
        if let Some((user, pass)) = auth {
            let hash = bcrypt::hash(pass, 5).expect("bcrypt");
            let htpasswd = dir.path().join("htpasswd");
            std::fs::write(&htpasswd, format!("{user}:{hash}\n")).expect("htpasswd");
            cfg.push_str(&format!(
                "auth:\n  htpasswd: {{realm: capstan-test, path: {}}}\n",
                htpasswd.display()
            ));
        }
        let cfg_path = dir.path().join("config.yml");
        std::fs::write(&cfg_path, cfg).expect("config");
        let mut child = Command::new(bin)
            .arg("serve")
            .arg(&cfg_path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| Missing(format!("{bin}: {e}")))?;
        wait_for_port(port, &mut child, bin);
        let host = format!("127.0.0.1:{port}");
        let scheme = if tls.is_some() { "https" } else { "http" };
        Ok(Registry {
            child,
            _dir: dir,
            url: format!("{scheme}://{host}"),
            host,
            tls,
        })
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One request a [`ChartRepo`] answered: method, path, status.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    pub method: String,
    pub path: String,
    pub status: u16,
}

/// A static chart repository serving `root`.
pub struct ChartRepo {
    stop: Arc<AtomicBool>,
    port: u16,
    /// `http://127.0.0.1:PORT` or `https://…`.
    pub url: String,
    pub root: PathBuf,
    pub tls: Option<Tls>,
    hits: Arc<Mutex<Vec<Hit>>>,
}

impl ChartRepo {
    /// Serves the files under `root` (HTTP/1.1, one thread a connection).
    pub fn start(root: &Path, tls: Option<Tls>, auth: Option<(&str, &str)>) -> ChartRepo {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let stop = Arc::new(AtomicBool::new(false));
        let hits = Arc::new(Mutex::new(Vec::new()));
        let expected_auth = auth.map(|(u, p)| {
            use base64::Engine;
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"))
            )
        });
        let server_cfg = tls.as_ref().map(Tls::server_config);
        let (root2, stop2, hits2) = (root.to_path_buf(), stop.clone(), hits.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = conn else { continue };
                let (root, hits, auth, cfg) = (
                    root2.clone(),
                    hits2.clone(),
                    expected_auth.clone(),
                    server_cfg.clone(),
                );
                std::thread::spawn(move || {
                    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
                    match cfg {
                        Some(cfg) => {
                            let Ok(conn) = rustls::ServerConnection::new(cfg) else {
                                return;
                            };
                            let mut tls = rustls::StreamOwned::new(conn, stream);
                            serve_connection(&mut tls, &root, auth.as_deref(), &hits);
                        }
                        None => {
                            let mut s = stream;
                            serve_connection(&mut s, &root, auth.as_deref(), &hits);
                        }
                    }
                });
            }
        });
        let scheme = if tls.is_some() { "https" } else { "http" };
        ChartRepo {
            stop,
            port,
            url: format!("{scheme}://127.0.0.1:{port}"),
            root: root.to_path_buf(),
            tls,
            hits,
        }
    }

    /// Requests answered so far.
    pub fn hits(&self) -> Vec<Hit> {
        self.hits.lock().map(|h| h.clone()).unwrap_or_default()
    }

    /// Forgets the request log.
    pub fn clear_hits(&self) {
        if let Ok(mut h) = self.hits.lock() {
            h.clear();
        }
    }
}

impl Drop for ChartRepo {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn etag_of(data: &[u8]) -> String {
    // FNV-1a: an opaque validator is all ETag needs to be.
    let mut h: u64 = 0xcbf29ce484222325;
    for b in data {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x100000001b3);
    }
    format!("\"{h:016x}-{}\"", data.len())
}

fn serve_connection<S: Read + Write>(
    s: &mut S,
    root: &Path,
    auth: Option<&str>,
    hits: &Mutex<Vec<Hit>>,
) {
    let mut reader = BufReader::new(s);
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or("").to_string();
        let target = parts.next().unwrap_or("/").to_string();
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            match reader.read_line(&mut h) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
            }
        }
        let header = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let close = header("connection").is_some_and(|v| v.eq_ignore_ascii_case("close"));
        let path = target.split('?').next().unwrap_or("/").to_string();
        let (status, reason, body, extra): (u16, &str, Vec<u8>, Vec<String>) =
            if auth.is_some() && header("authorization") != auth {
                (
                    401,
                    "Unauthorized",
                    b"unauthorized\n".to_vec(),
                    vec!["WWW-Authenticate: Basic realm=\"capstan-test\"".into()],
                )
            } else {
                let rel = path.trim_start_matches('/');
                let file = root.join(rel);
                let safe = !rel.split('/').any(|c| c == "..");
                match std::fs::read(&file) {
                    Ok(data) if safe && file.is_file() => {
                        let tag = etag_of(&data);
                        if header("if-none-match") == Some(tag.as_str()) {
                            (
                                304,
                                "Not Modified",
                                Vec::new(),
                                vec![format!("ETag: {tag}")],
                            )
                        } else {
                            (200, "OK", data, vec![format!("ETag: {tag}")])
                        }
                    }
                    _ => (404, "Not Found", b"404 page not found\n".to_vec(), vec![]),
                }
            };
        if let Ok(mut h) = hits.lock() {
            h.push(Hit {
                method: method.clone(),
                path: path.clone(),
                status,
            });
        }
        let mut head = format!(
            "HTTP/1.1 {status} {reason}\r\nContent-Length: {}\r\n",
            body.len()
        );
        for e in &extra {
            head.push_str(e);
            head.push_str("\r\n");
        }
        if close {
            head.push_str("Connection: close\r\n");
        }
        head.push_str("\r\n");
        let w = reader.get_mut();
        if w.write_all(head.as_bytes()).is_err() {
            return;
        }
        if method != "HEAD" && w.write_all(&body).is_err() {
            return;
        }
        let _ = w.flush();
        if close {
            return;
        }
    }
}
