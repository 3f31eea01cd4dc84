//! Test helpers: start the built emulator, and a tiny blocking HTTP/1.1
//! client (std only) that understands chunked bodies, including streaming
//! watch responses.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Emu {
    child: Child,
    pub url: String,
    pub addr: String,
    pub kubeconfig: PathBuf,
    _dir: TempDir,
}

pub struct TempDir(pub PathBuf);
impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let p = std::env::temp_dir().join(format!(
            "kube-emu-{tag}-{}-{}",
            std::process::id(),
            uuid_like()
        ));
        std::fs::create_dir_all(&p).expect("create temp dir");
        TempDir(p)
    }
}
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn uuid_like() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

impl Emu {
    pub fn start(extra: &[&str]) -> Emu {
        let dir = TempDir::new("srv");
        let kc = dir.0.join("kubeconfig");
        let mut child = Command::new(env!("CARGO_BIN_EXE_kube-emulator"))
            .arg("--kubeconfig")
            .arg(&kc)
            .args(["--addr", "127.0.0.1:0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start kube-emulator");
        let started = Instant::now();
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("read address");
        let url = line.trim().to_string();
        assert!(url.starts_with("http"), "emulator printed {url:?}");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "startup took {:?}",
            started.elapsed()
        );
        let addr = url.split("://").nth(1).unwrap_or("").to_string();
        Emu {
            child,
            url,
            addr,
            kubeconfig: kc,
            _dir: dir,
        }
    }

    pub fn req(&self, method: &str, path: &str, ctype: Option<&str>, body: &[u8]) -> (u16, String) {
        request(&self.addr, method, path, ctype, body)
    }

    pub fn json(
        &self,
        method: &str,
        path: &str,
        ctype: Option<&str>,
        body: &str,
    ) -> (u16, serde_json::Value) {
        let (code, text) = self.req(method, path, ctype, body.as_bytes());
        let v = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{method} {path}: non-JSON answer ({e}): {text}"));
        (code, v)
    }

    pub fn json_bytes(
        &self,
        method: &str,
        path: &str,
        ctype: &str,
        body: &[u8],
    ) -> (u16, serde_json::Value) {
        let (code, text) = self.req(method, path, Some(ctype), body);
        let v = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{method} {path}: non-JSON answer ({e}): {text}"));
        (code, v)
    }

    pub fn get(&self, path: &str) -> (u16, serde_json::Value) {
        self.json("GET", path, None, "")
    }

    /// Polls `path` until `pred` holds (or panics after `secs`).
    pub fn wait_for(
        &self,
        path: &str,
        secs: u64,
        pred: impl Fn(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        let end = Instant::now() + Duration::from_secs(secs);
        loop {
            let (code, v) = self.get(path);
            if code == 200 && pred(&v) {
                return v;
            }
            if Instant::now() > end {
                panic!("timed out waiting on {path}: last {code} {v}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Emu {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn head(addr: &str, method: &str, path: &str, ctype: Option<&str>, body: &[u8]) -> Vec<u8> {
    head_accept(addr, method, path, ctype, body, "application/json")
}

fn head_accept(
    addr: &str,
    method: &str,
    path: &str,
    ctype: Option<&str>,
    body: &[u8],
    accept: &str,
) -> Vec<u8> {
    let mut h = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: emu-test/1.0\r\nAccept: {accept}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    if let Some(ct) = ctype {
        h.push_str(&format!("Content-Type: {ct}\r\n"));
    }
    h.push_str("\r\n");
    let mut out = h.into_bytes();
    out.extend_from_slice(body);
    out
}

pub fn request(
    addr: &str,
    method: &str,
    path: &str,
    ctype: Option<&str>,
    body: &[u8],
) -> (u16, String) {
    send(addr, &head(addr, method, path, ctype, body))
}

pub fn request_accept(addr: &str, path: &str, accept: &str) -> (u16, String) {
    send(addr, &head_accept(addr, "GET", path, None, b"", accept))
}

fn send(addr: &str, raw_req: &[u8]) -> (u16, String) {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20))).ok();
    s.write_all(raw_req).expect("write request");
    let mut raw = vec![];
    s.read_to_end(&mut raw).expect("read response");
    let (code, headers, rest) = split_response(&raw);
    let body = if headers
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        let (data, _) = dechunk(rest);
        data
    } else {
        rest.to_vec()
    };
    (code, String::from_utf8_lossy(&body).into_owned())
}

fn split_response(raw: &[u8]) -> (u16, String, &[u8]) {
    let pos = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("response header end");
    let headers = String::from_utf8_lossy(&raw[..pos]).into_owned();
    let code = headers
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("status code");
    (code, headers, &raw[pos + 4..])
}

/// Decodes complete chunks; returns (data, bytes consumed).
fn dechunk(mut b: &[u8]) -> (Vec<u8>, usize) {
    let mut out = vec![];
    let mut used = 0;
    while let Some(nl) = b.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&b[..nl]).trim(), 16).unwrap_or(0);
        if size == 0 || b.len() < nl + 2 + size + 2 {
            break;
        }
        out.extend_from_slice(&b[nl + 2..nl + 2 + size]);
        let n = nl + 2 + size + 2;
        used += n;
        b = &b[n..];
    }
    (out, used)
}

/// A streaming watch: yields decoded event objects as they arrive.
pub struct Watch {
    s: TcpStream,
    buf: Vec<u8>,
    body_started: bool,
    pending: String,
    pub code: u16,
}

impl Watch {
    pub fn open(addr: &str, path: &str) -> Watch {
        let mut s = TcpStream::connect(addr).expect("connect");
        s.write_all(&head(addr, "GET", path, None, b""))
            .expect("write");
        s.set_read_timeout(Some(Duration::from_millis(200))).ok();
        let mut w = Watch {
            s,
            buf: vec![],
            body_started: false,
            pending: String::new(),
            code: 0,
        };
        let end = Instant::now() + Duration::from_secs(5);
        while !w.body_started && Instant::now() < end {
            w.fill();
        }
        w
    }

    fn fill(&mut self) {
        let mut tmp = [0u8; 65536];
        if let Ok(n) = self.s.read(&mut tmp) {
            self.buf.extend_from_slice(&tmp[..n]);
        }
        if !self.body_started {
            if let Some(pos) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let headers = String::from_utf8_lossy(&self.buf[..pos]).into_owned();
                self.code = headers
                    .split_whitespace()
                    .nth(1)
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(0);
                self.buf.drain(..pos + 4);
                self.body_started = true;
            }
        }
        if self.body_started {
            let (data, used) = dechunk(&self.buf);
            self.buf.drain(..used);
            self.pending.push_str(&String::from_utf8_lossy(&data));
        }
    }

    /// Next event within `secs`, or None.
    pub fn next(&mut self, secs: u64) -> Option<serde_json::Value> {
        let end = Instant::now() + Duration::from_secs(secs);
        loop {
            if let Some(nl) = self.pending.find('\n') {
                let line: String = self.pending.drain(..=nl).collect();
                if line.trim().is_empty() {
                    continue;
                }
                return Some(serde_json::from_str(line.trim()).expect("watch event JSON"));
            }
            if Instant::now() > end {
                return None;
            }
            self.fill();
        }
    }
}
