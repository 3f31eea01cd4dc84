//! HTTP(S) serving: hyper 1 connections (HTTP/1.1 only, like the measured
//! clients use), optional TLS with a generated CA, top-level routing,
//! streaming watch bodies, fault injection and the JSON-lines request log.

use crate::api::{self, present, Reply, Req, WatchSpec};
use crate::discovery;
use crate::store::{EventType, Store};
use crate::util::*;
use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::{Frame, Incoming};
use hyper::{Request, Response};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::convert::Infallible;
use std::io::Write;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};

const MAX_BODY: usize = 32 << 20;

/// Response body: a full buffer or a stream of watch events.
pub enum Body {
    Full(Option<Bytes>),
    Stream(mpsc::Receiver<Bytes>),
}

impl hyper::body::Body for Body {
    type Data = Bytes;
    type Error = Infallible;
    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match self.get_mut() {
            Body::Full(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            Body::Stream(rx) => rx.poll_recv(cx).map(|o| o.map(|b| Ok(Frame::data(b)))),
        }
    }
    fn is_end_stream(&self) -> bool {
        matches!(self, Body::Full(None))
    }
    fn size_hint(&self) -> hyper::body::SizeHint {
        match self {
            Body::Full(Some(b)) => hyper::body::SizeHint::with_exact(b.len() as u64),
            Body::Full(None) => hyper::body::SizeHint::with_exact(0),
            Body::Stream(_) => hyper::body::SizeHint::default(),
        }
    }
}

/// Injected faults (`/_emulator/faults` or command-line flags).
#[derive(Debug, Clone, Default)]
pub struct Faults {
    pub latency_ms: u64,
    /// verb (get, list, watch, create, update, patch, delete, deletecollection, or `*`) → probability.
    pub error_rate: HashMap<String, f64>,
    pub error_code: u16,
    /// End every watch stream after this many milliseconds (0 = never).
    pub drop_watches_after_ms: u64,
}

impl Faults {
    pub fn to_json(&self) -> Value {
        json!({"latencyMs": self.latency_ms, "errorRate": self.error_rate, "errorCode": self.error_code,
               "dropWatchesAfterMs": self.drop_watches_after_ms})
    }
    pub fn merge_json(&mut self, v: &Value) -> Result<(), String> {
        let obj = v.as_object().ok_or("faults must be a JSON object")?;
        for (k, val) in obj {
            match k.as_str() {
                "latencyMs" => {
                    self.latency_ms = val
                        .as_u64()
                        .ok_or("latencyMs must be a non-negative integer")?
                }
                "errorCode" => {
                    self.error_code =
                        val.as_u64()
                            .filter(|c| (400..600).contains(c))
                            .ok_or("errorCode must be 400..599")? as u16
                }
                "dropWatchesAfterMs" => {
                    self.drop_watches_after_ms = val
                        .as_u64()
                        .ok_or("dropWatchesAfterMs must be a non-negative integer")?
                }
                "errorRate" => {
                    let m = val
                        .as_object()
                        .ok_or("errorRate must map verbs to probabilities")?;
                    self.error_rate.clear();
                    for (verb, r) in m {
                        let r = r
                            .as_f64()
                            .filter(|r| (0.0..=1.0).contains(r))
                            .ok_or("error rates must be numbers in 0..1")?;
                        self.error_rate.insert(verb.clone(), r);
                    }
                }
                other => return Err(format!("unknown fault setting {other:?}")),
            }
        }
        Ok(())
    }
}

pub struct App {
    pub store: Arc<Store>,
    pub faults: Mutex<Faults>,
    pub addr: String,
    pub log: Option<Mutex<std::fs::File>>,
    pub seq: AtomicU64,
    /// A network outage on demand (`cutConnectionsMs`): every open
    /// connection is dropped and the port refuses connections for that
    /// many milliseconds. The value is the outage's length; each send is
    /// one outage.
    pub cut: tokio::sync::watch::Sender<u64>,
}

fn json_response(code: u16, v: &Value, ctype: &str) -> Response<Body> {
    let mut body = serde_json::to_vec(v).unwrap_or_default();
    body.push(b'\n');
    Response::builder()
        .status(code)
        .header("Content-Type", ctype)
        .header("Cache-Control", "no-cache, private")
        .body(Body::Full(Some(Bytes::from(body))))
        .unwrap_or_else(|_| Response::new(Body::Full(None)))
}

fn error_response(e: &ApiError) -> Response<Body> {
    json_response(e.code, &e.to_status(), "application/json")
}

pub async fn handle(app: Arc<App>, req: Request<Incoming>) -> Result<Response<Body>, Infallible> {
    let seq = app.seq.fetch_add(1, Ordering::Relaxed) + 1;
    let (parts, body) = req.into_parts();
    let hdr = |n: &str| {
        parts
            .headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let body = match http_body_util::Limited::new(body, MAX_BODY).collect().await {
        Ok(c) => c.to_bytes().to_vec(),
        Err(_) => {
            let e = ApiError::new(
                413,
                "RequestEntityTooLarge",
                "the request body is too large or could not be read",
            );
            return Ok(error_response(&e));
        }
    };
    let r = Req {
        method: parts.method.as_str().to_string(),
        path: parts.uri.path().to_string(),
        query: api::parse_query(parts.uri.query().unwrap_or("")),
        content_type: hdr("content-type"),
        accept: hdr("accept"),
        user_agent: hdr("user-agent"),
        body,
    };
    let internal = r.path.starts_with("/_emulator") || r.path == "/_stub/mark";
    let faults = app.faults.lock().unwrap_or_else(|e| e.into_inner()).clone();
    if !internal && faults.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(faults.latency_ms)).await;
    }
    let result = route(&app, &r, &faults);
    let (resp, status, watch) = match result {
        Ok(Reply::Json(code, v)) => (
            json_response(code, &v, "application/json"),
            Some((code, v)),
            false,
        ),
        Ok(Reply::Typed(code, v, ct)) => (json_response(code, &v, &ct), Some((code, v)), false),
        Ok(Reply::Text(code, t)) => (
            Response::builder()
                .status(code)
                .header("Content-Type", "text/plain")
                .body(Body::Full(Some(Bytes::from(t))))
                .unwrap_or_else(|_| Response::new(Body::Full(None))),
            Some((code, Value::Null)),
            false,
        ),
        Ok(Reply::Watch(spec)) => (start_watch(spec, faults.drop_watches_after_ms), None, true),
        Err(e) => (error_response(&e), Some((e.code, e.to_status())), false),
    };
    if let Some(log) = &app.log {
        let mut rec = json!({
            "seq": seq, "ts": now_rfc3339(), "method": r.method, "path": r.path, "query": r.query,
            "ctype": if r.content_type.is_empty() { Value::Null } else { json!(r.content_type) },
            "accept": r.accept,
            "status": status.as_ref().map(|s| s.0).unwrap_or(200),
        });
        if let Some((_, v)) = &status {
            if v.get("kind").and_then(Value::as_str) == Some("Status") {
                rec["resp"] = json!({"kind": "Status", "reason": v.get("reason"), "message": v.get("message")});
            }
        }
        if watch {
            rec["watch"] = json!("open");
        }
        if !r.body.is_empty() {
            let mut b = json!({});
            if r.content_type.contains("protobuf") {
                b["decoded_from"] = json!("protobuf");
            } else {
                b["text"] = json!(String::from_utf8_lossy(&r.body[..r.body.len().min(4000)]));
            }
            rec["body"] = b;
        }
        let mut f = log.lock().unwrap_or_else(|e| e.into_inner());
        let _ = writeln!(f, "{rec}");
    }
    Ok(resp)
}

fn random_unit() -> f64 {
    let b = uuid::Uuid::new_v4();
    let x = u64::from_le_bytes(b.as_bytes()[..8].try_into().unwrap_or([0; 8]));
    (x >> 11) as f64 / (1u64 << 53) as f64
}

fn verb_of(r: &Req, named: bool) -> &'static str {
    match (r.method.as_str(), named) {
        ("GET", true) => "get",
        ("GET", false) if matches!(r.q("watch"), Some("true") | Some("1")) => "watch",
        ("GET", false) => "list",
        ("POST", _) => "create",
        ("PUT", _) => "update",
        ("PATCH", _) => "patch",
        ("DELETE", true) => "delete",
        ("DELETE", false) => "deletecollection",
        _ => "other",
    }
}

fn accept_discovery(accept: &str) -> Option<&'static str> {
    for part in accept.split(',') {
        let p = part.replace(' ', "");
        if p.contains("as=APIGroupDiscoveryList") && p.contains("g=apidiscovery.k8s.io") {
            if p.contains("v=v2beta1") {
                return Some("v2beta1");
            }
            if p.contains("v=v2") {
                return Some("v2");
            }
        } else if p.starts_with("application/json") || p.starts_with("*/*") {
            return None;
        }
    }
    None
}

fn route(app: &App, r: &Req, faults: &Faults) -> ApiResult<Reply> {
    let path = r.path.trim_end_matches('/');
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let get_only = |reply: Reply| -> ApiResult<Reply> {
        if r.method == "GET" || r.method == "HEAD" {
            Ok(reply)
        } else {
            Err(ApiError::method_not_allowed(format!(
                "the server does not allow this method on the requested resource: {}",
                r.method
            )))
        }
    };
    match segs.as_slice() {
        ["version"] => return get_only(Reply::Json(200, discovery::version())),
        ["healthz"] | ["livez"] | ["readyz"] => return get_only(Reply::Text(200, "ok".into())),
        ["_stub", "mark"] => return Ok(Reply::Text(200, "ok".into())),
        ["_emulator", "faults"] => {
            let mut f = app.faults.lock().unwrap_or_else(|e| e.into_inner());
            match r.method.as_str() {
                "GET" => {}
                "PUT" | "POST" | "PATCH" => {
                    let mut v: Value = serde_json::from_slice(&r.body)
                        .map_err(|e| ApiError::bad_request(format!("faults: {e}")))?;
                    // Not a standing setting but an event: start an outage
                    // just after this answer has gone out.
                    if let Some(ms) = v.as_object_mut().and_then(|o| o.remove("cutConnectionsMs")) {
                        let ms = ms.as_u64().ok_or_else(|| {
                            ApiError::bad_request(
                                "faults: cutConnectionsMs must be a non-negative integer",
                            )
                        })?;
                        let cut = app.cut.clone();
                        tokio::spawn(async move {
                            tokio::time::sleep(Duration::from_millis(20)).await;
                            let _ = cut.send(ms);
                        });
                    }
                    let mut nf = f.clone();
                    nf.merge_json(&v).map_err(ApiError::bad_request)?;
                    *f = nf;
                }
                "DELETE" => *f = Faults::default(),
                _ => return Err(ApiError::method_not_allowed("use GET, PUT or DELETE")),
            }
            return Ok(Reply::Json(200, f.to_json()));
        }
        _ => {}
    }
    let mut inner = app.store.lock();
    match segs.as_slice() {
        ["api"] => match accept_discovery(&r.accept) {
            Some(v) => get_only(Reply::Typed(
                200,
                discovery::aggregated(&inner.resources, true, &format!("apidiscovery.k8s.io/{v}")),
                format!("application/json;g=apidiscovery.k8s.io;v={v};as=APIGroupDiscoveryList"),
            )),
            None => get_only(Reply::Json(200, discovery::legacy_api(&app.addr))),
        },
        ["apis"] => match accept_discovery(&r.accept) {
            Some(v) => get_only(Reply::Typed(
                200,
                discovery::aggregated(&inner.resources, false, &format!("apidiscovery.k8s.io/{v}")),
                format!("application/json;g=apidiscovery.k8s.io;v={v};as=APIGroupDiscoveryList"),
            )),
            None => get_only(Reply::Json(200, discovery::legacy_apis(&inner.resources))),
        },
        ["api", "v1"] => get_only(Reply::Json(
            200,
            discovery::legacy_resource_list(&inner.resources, "", "v1")
                .ok_or_else(ApiError::not_found_path)?,
        )),
        ["apis", g] => get_only(Reply::Json(
            200,
            discovery::legacy_group(&inner.resources, g).ok_or_else(ApiError::not_found_path)?,
        )),
        ["apis", g, v] => get_only(Reply::Json(
            200,
            discovery::legacy_resource_list(&inner.resources, g, v)
                .ok_or_else(ApiError::not_found_path)?,
        )),
        ["openapi", "v3"] => get_only(Reply::Json(200, discovery::openapi_root(&inner.resources))),
        ["openapi", "v3", rest @ ..] => {
            let gv = rest.join("/");
            get_only(Reply::Json(
                200,
                discovery::openapi_gv(&inner.resources, &gv)
                    .ok_or_else(ApiError::not_found_path)?,
            ))
        }
        ["api", "v1", rest @ ..] => resource(&mut inner, r, "", "v1", rest, faults),
        ["apis", g, v, rest @ ..] => {
            let (g, v) = (g.to_string(), v.to_string());
            resource(&mut inner, r, &g, &v, rest, faults)
        }
        _ => Err(ApiError::not_found_path()),
    }
}

fn resource(
    inner: &mut crate::store::Inner,
    r: &Req,
    g: &str,
    v: &str,
    rest: &[&str],
    faults: &Faults,
) -> ApiResult<Reply> {
    let t = api::resolve(inner, g, v, rest)?;
    let verb = verb_of(r, t.name.is_some());
    let rate = faults
        .error_rate
        .get(verb)
        .or_else(|| faults.error_rate.get("*"))
        .copied()
        .unwrap_or(0.0);
    if rate > 0.0 && random_unit() < rate {
        let code = if faults.error_code == 0 {
            500
        } else {
            faults.error_code
        };
        let reason = match code {
            429 => "TooManyRequests",
            503 => "ServiceUnavailable",
            504 => "Timeout",
            409 => "Conflict",
            _ => "InternalError",
        };
        return Err(ApiError::new(
            code,
            reason,
            format!("injected fault for verb {verb} (kube-emulator)"),
        ));
    }
    api::handle_resource(inner, r, t)
}

// ---- watch streaming ----------------------------------------------------

fn event_line(etype: &str, obj: &Value) -> Bytes {
    let mut s = json!({"type": etype, "object": obj}).to_string();
    s.push('\n');
    Bytes::from(s)
}

fn bookmark(spec: &WatchSpec, rv: u64, initial_end: bool) -> Bytes {
    let mut meta = json!({"resourceVersion": rv.to_string()});
    if initial_end {
        meta["annotations"] = json!({"k8s.io/initial-events-end": "true"});
    }
    event_line(
        "BOOKMARK",
        &json!({"kind": spec.info.kind, "apiVersion": spec.info.api_version(), "metadata": meta}),
    )
}

/// Classifies a store event for this watch (selector transitions become ADDED/DELETED).
fn classify(spec: &WatchSpec, ev: &crate::store::Event) -> Option<&'static str> {
    if ev.group != spec.info.group || ev.resource != spec.info.resource {
        return None;
    }
    if let Some(ns) = &spec.namespace {
        if &ev.namespace != ns {
            return None;
        }
    }
    let m = |o: &Value| spec.labels.matches(o) && spec.fields.matches(o);
    let now = m(&ev.object);
    match ev.etype {
        EventType::Added => now.then_some("ADDED"),
        EventType::Deleted => now.then_some("DELETED"),
        EventType::Modified => {
            let before = ev.old.as_ref().map(m).unwrap_or(false);
            match (before, now) {
                (true, true) => Some("MODIFIED"),
                (false, true) => Some("ADDED"),
                (true, false) => Some("DELETED"),
                (false, false) => None,
            }
        }
    }
}

fn start_watch(spec: WatchSpec, drop_after_ms: u64) -> Response<Body> {
    let (tx, rx) = mpsc::channel::<Bytes>(512);
    tokio::spawn(run_watch(spec, tx, drop_after_ms));
    Response::builder()
        .status(200)
        .header("Content-Type", "application/json")
        .header("Transfer-Encoding", "chunked")
        .body(Body::Stream(rx))
        .unwrap_or_else(|_| Response::new(Body::Full(None)))
}

async fn run_watch(mut spec: WatchSpec, tx: mpsc::Sender<Bytes>, drop_after_ms: u64) {
    if let Some(e) = spec.expired.take() {
        let _ = tx.send(event_line("ERROR", &e.to_status())).await;
        return;
    }
    let mut last_rv = spec.start_rv;
    for obj in std::mem::take(&mut spec.initial) {
        if tx
            .send(event_line("ADDED", &present(&spec.info, obj)))
            .await
            .is_err()
        {
            return;
        }
    }
    for ev in std::mem::take(&mut spec.replay) {
        if let Some(t) = classify(&spec, &ev) {
            if tx
                .send(event_line(t, &present(&spec.info, ev.object.clone())))
                .await
                .is_err()
            {
                return;
            }
        }
    }
    if spec.send_initial && tx.send(bookmark(&spec, spec.start_rv, true)).await.is_err() {
        return;
    }
    let timeout = spec
        .timeout_secs
        .map(Duration::from_secs)
        .unwrap_or(Duration::from_secs(1800));
    let timeout = if drop_after_ms > 0 {
        timeout.min(Duration::from_millis(drop_after_ms))
    } else {
        timeout
    };
    let deadline = tokio::time::sleep(timeout);
    tokio::pin!(deadline);
    let mut tick = tokio::time::interval(Duration::from_secs(30));
    tick.tick().await;
    loop {
        tokio::select! {
            _ = &mut deadline => return,
            _ = tx.closed() => return,
            _ = tick.tick() => {
                if spec.bookmarks && tx.send(bookmark(&spec, last_rv, false)).await.is_err() {
                    return;
                }
            }
            ev = spec.rx.recv() => match ev {
                Ok(ev) => {
                    if ev.rv <= spec.start_rv {
                        continue;
                    }
                    last_rv = ev.rv;
                    if let Some(t) = classify(&spec, &ev) {
                        if tx.send(event_line(t, &present(&spec.info, ev.object.clone()))).await.is_err() {
                            return;
                        }
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    let e = ApiError::new(410, "Expired", "the watch fell behind; re-list and watch again");
                    let _ = tx.send(event_line("ERROR", &e.to_status())).await;
                    return;
                }
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    }
}

// ---- listeners ----------------------------------------------------------

pub struct Tls {
    pub acceptor: tokio_rustls::TlsAcceptor,
    pub ca_pem: String,
}

/// A CA and a server certificate for 127.0.0.1/localhost, signed by it.
pub fn make_tls() -> Result<Tls, String> {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, SanType};
    let err = |e: rcgen::Error| format!("certificate generation failed: {e}");
    let ca_key = KeyPair::generate().map_err(err)?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "kube-emulator-ca");
    let ca = ca_params.self_signed(&ca_key).map_err(err)?;
    let key = KeyPair::generate().map_err(err)?;
    let mut params = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
    params
        .distinguished_name
        .push(DnType::CommonName, "kube-apiserver");
    params.subject_alt_names = vec![
        SanType::DnsName("localhost".try_into().map_err(err)?),
        SanType::IpAddress(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST)),
        SanType::IpAddress(std::net::IpAddr::V6(std::net::Ipv6Addr::LOCALHOST)),
    ];
    let cert = params.signed_by(&key, &ca, &ca_key).map_err(err)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone(), ca.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .map_err(|e| e.to_string())?;
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Tls {
        acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(cfg)),
        ca_pem: ca.pem(),
    })
}

pub async fn serve(
    app: Arc<App>,
    listener: tokio::net::TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
) {
    let mut listener = Some(listener);
    let mut cuts = app.cut.subscribe();
    loop {
        let accepted = match &listener {
            Some(l) => tokio::select! {
                a = l.accept() => a,
                _ = cuts.changed() => {
                    // An outage: close the port (new connections are
                    // refused) and, through `cuts`, every open connection.
                    let ms = *cuts.borrow_and_update();
                    let addr = listener.take().and_then(|l| l.local_addr().ok());
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                    if let Some(addr) = addr {
                        for _ in 0..100 {
                            match tokio::net::TcpListener::bind(addr).await {
                                Ok(l) => {
                                    listener = Some(l);
                                    break;
                                }
                                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
                            }
                        }
                    }
                    continue;
                }
            },
            None => return,
        };
        let (stream, _) = match accepted {
            Ok(s) => s,
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let tls = tls.clone();
        let mut cut = app.cut.subscribe();
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(move |req| handle(app.clone(), req));
            let builder = hyper::server::conn::http1::Builder::new();
            let conn = async {
                match tls {
                    Some(acc) => {
                        if let Ok(s) = acc.accept(stream).await {
                            let _ = builder
                                .serve_connection(hyper_util::rt::TokioIo::new(s), svc)
                                .await;
                        }
                    }
                    None => {
                        let _ = builder
                            .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                            .await;
                    }
                }
            };
            // Dropping the connection's future closes its socket.
            tokio::select! {
                _ = conn => {}
                _ = cut.changed() => {}
            }
        });
    }
}
