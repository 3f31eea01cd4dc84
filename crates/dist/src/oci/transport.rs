//! The distribution API over HTTP, with registry authentication as oras-go
//! does it (the library under Helm's registry client).
//!
//! A request goes out without credentials (or with what this host took
//! last time); a `401` names the scheme in `WWW-Authenticate`:
//! * `Basic`: retried with the stored credential; none stored is oras'
//!   `basic credential not found`;
//! * `Bearer realm=…,service=…,scope=…`: a token is fetched from the realm
//!   (a GET with basic auth, or an OAuth2 POST for identity tokens and
//!   `registry login`'s first probe) and the request retried with it.
//!
//! Errors keep oras' words, which Helm prints unchanged: `GET "URL":
//! response status code 404: name unknown: …` for registry errors,
//! `HEAD "URL": basic credential not found`, and Go's `net/http` texts
//! (`Get "URL": dial tcp …`) for transport failures.

use std::collections::HashMap;
use std::sync::Mutex;

use base64::Engine;
use reqwest::header::HeaderMap;

use super::credentials::Credential;
use super::gojson;
use crate::error::{Error, ErrorKind};
use crate::http::request_error;

/// A whole answer from a registry.
#[derive(Debug)]
pub struct Response {
    pub method: &'static str,
    pub url: String,
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// oras' `errutil.ParseErrorResponse`: `METHOD "URL": response status code
/// N: code: message[: detail]` (distribution's error body), or the status
/// text when the body holds no errors.
pub fn error_response(r: &Response) -> Error {
    let mut msgs = Vec::new();
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(&r.body) {
        if let Some(errs) = v.get("errors").and_then(|e| e.as_array()) {
            for e in errs {
                let code: String = e
                    .get("code")
                    .and_then(|c| c.as_str())
                    .unwrap_or("")
                    .chars()
                    .map(|c| {
                        if c == '_' {
                            ' '
                        } else {
                            c.to_ascii_lowercase()
                        }
                    })
                    .collect();
                let message = e.get("message").and_then(|m| m.as_str()).unwrap_or("");
                let detail = e.get("detail").filter(|d| !d.is_null());
                msgs.push(match (message.is_empty(), detail) {
                    (true, _) => code,
                    (false, None) => format!("{code}: {message}"),
                    (false, Some(d)) => format!("{code}: {message}: {}", gojson::go_v(d)),
                });
            }
        }
    }
    let text = if msgs.is_empty() {
        reqwest::StatusCode::from_u16(r.status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("")
            .to_string()
    } else {
        msgs.join("; ")
    };
    let kind = match r.status {
        401 | 403 => ErrorKind::Auth,
        404 => ErrorKind::NotFound,
        _ => ErrorKind::Transport,
    };
    Error::new(
        kind,
        format!(
            "{} {:?}: response status code {}: {text}",
            r.method, r.url, r.status
        ),
    )
}

/// Where credentials for a host come from.
pub enum Credentials {
    /// `--username`/`--password` given: the same for every host (Helm's
    /// `ClientOptBasicAuth`).
    Static(Credential),
    /// `registry login`: only for the host being logged in to.
    ForHost(String, Credential),
    /// The credentials store.
    Store(super::credentials::Store),
}

impl Credentials {
    fn get(&self, host: &str) -> Result<Credential, Error> {
        match self {
            Credentials::Static(c) => Ok(c.clone()),
            Credentials::ForHost(h, c) => Ok(if h == host {
                c.clone()
            } else {
                Credential::default()
            }),
            Credentials::Store(s) => s
                .get(&super::credentials::server_address(host))
                .map_err(|e| Error::new(ErrorKind::Auth, e.message)),
        }
    }
}

/// A parsed `WWW-Authenticate` challenge.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Challenge {
    pub scheme: String,
    pub params: HashMap<String, String>,
}

/// Parses `Scheme k="v", k2=v2` (quoted strings may hold escapes).
pub fn parse_challenge(h: &str) -> Challenge {
    let h = h.trim();
    let (scheme, rest) = match h.find(' ') {
        Some(i) => (&h[..i], &h[i + 1..]),
        None => (h, ""),
    };
    let mut params = HashMap::new();
    let b: Vec<char> = rest.chars().collect();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && (b[i] == ' ' || b[i] == ',') {
            i += 1;
        }
        let ks = i;
        while i < b.len() && b[i] != '=' && b[i] != ',' {
            i += 1;
        }
        let key: String = b[ks..i]
            .iter()
            .collect::<String>()
            .trim()
            .to_ascii_lowercase();
        if i >= b.len() || b[i] != '=' {
            continue;
        }
        i += 1;
        let mut val = String::new();
        if i < b.len() && b[i] == '"' {
            i += 1;
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' && i + 1 < b.len() {
                    i += 1;
                }
                val.push(b[i]);
                i += 1;
            }
            i += 1;
        } else {
            while i < b.len() && b[i] != ',' {
                val.push(b[i]);
                i += 1;
            }
            val = val.trim().to_string();
        }
        if !key.is_empty() {
            params.insert(key, val);
        }
    }
    Challenge {
        scheme: scheme.to_ascii_lowercase(),
        params,
    }
}

/// oras' `CleanScopes`: one scope per resource with its actions merged and
/// sorted (`*` swallowing the rest), resources sorted.
pub fn clean_scopes(scopes: &[String]) -> Vec<String> {
    let mut merged: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
        Default::default();
    let mut others = std::collections::BTreeSet::new();
    for s in scopes {
        for one in s.split(' ').filter(|x| !x.is_empty()) {
            match one.rsplit_once(':') {
                Some((res, actions)) if res.contains(':') => {
                    let e = merged.entry(res.to_string()).or_default();
                    for a in actions.split(',').filter(|a| !a.is_empty()) {
                        e.insert(a.to_string());
                    }
                }
                _ => {
                    others.insert(one.to_string());
                }
            }
        }
    }
    let mut out: Vec<String> = merged
        .into_iter()
        .filter(|(_, a)| !a.is_empty())
        .map(|(res, actions)| {
            if actions.contains("*") {
                format!("{res}:*")
            } else {
                format!(
                    "{res}:{}",
                    actions.into_iter().collect::<Vec<_>>().join(",")
                )
            }
        })
        .collect();
    out.extend(others);
    out.sort();
    out
}

#[derive(Clone, Debug)]
enum HostAuth {
    Basic(String),
    Bearer(HashMap<String, String>),
}

/// A registry connection: an HTTP client, where credentials come from,
/// and what each host asked for last.
pub struct Transport {
    pub http: reqwest::blocking::Client,
    pub credentials: Credentials,
    /// Try the OAuth2 password grant first for Bearer registries
    /// (`registry login`'s first probe).
    pub force_oauth2: bool,
    cache: Mutex<HashMap<String, HostAuth>>,
}

/// One request.
pub struct Request<'a> {
    pub method: &'static str,
    pub url: String,
    pub headers: Vec<(&'static str, String)>,
    pub body: Option<&'a [u8]>,
    /// Scopes this operation needs (`repository:NAME:pull[,push]`).
    pub scopes: Vec<String>,
}

impl<'a> Request<'a> {
    pub fn new(method: &'static str, url: String) -> Request<'a> {
        Request {
            method,
            url,
            headers: Vec::new(),
            body: None,
            scopes: Vec::new(),
        }
    }
}

fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map(|x| x.1).unwrap_or(url);
    rest.split('/').next().unwrap_or("").to_string()
}

impl Transport {
    pub fn new(http: reqwest::blocking::Client, credentials: Credentials) -> Transport {
        Transport {
            http,
            credentials,
            force_oauth2: false,
            cache: Mutex::new(HashMap::new()),
        }
    }

    fn raw(&self, req: &Request, auth: Option<&str>) -> Result<Response, Error> {
        let method = reqwest::Method::from_bytes(req.method.as_bytes())
            .map_err(|e| Error::input(e.to_string()))?;
        let mut rb = self.http.request(method, &req.url);
        for (k, v) in &req.headers {
            rb = rb.header(*k, v);
        }
        if let Some(a) = auth {
            rb = rb.header("Authorization", a);
        }
        if let Some(b) = req.body {
            rb = rb.body(b.to_vec());
        } else if req.method == "PUT" || req.method == "POST" {
            rb = rb.header("Content-Length", "0");
        }
        let resp = rb
            .send()
            .map_err(|e| request_error(req.method, &req.url, &e))?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = if req.method == "HEAD" {
            Vec::new()
        } else {
            resp.bytes()
                .map_err(|e| request_error(req.method, &req.url, &e))?
                .to_vec()
        };
        Ok(Response {
            method: req.method,
            url: req.url.clone(),
            status,
            headers,
            body,
        })
    }

    fn cached_auth(&self, host: &str, scope_key: &str) -> Option<String> {
        let cache = self.cache.lock().ok()?;
        match cache.get(host)? {
            HostAuth::Basic(h) => Some(h.clone()),
            HostAuth::Bearer(tokens) => tokens.get(scope_key).map(|t| format!("Bearer {t}")),
        }
    }

    /// Sends `req`, answering one authentication challenge.
    pub fn send(&self, req: &Request) -> Result<Response, Error> {
        let host = host_of(&req.url);
        let scope_key = clean_scopes(&req.scopes).join(" ");
        let cached = self.cached_auth(&host, &scope_key);
        let resp = self.raw(req, cached.as_deref())?;
        if resp.status != 401 {
            return Ok(resp);
        }
        let challenge = parse_challenge(resp.header("www-authenticate").unwrap_or(""));
        let auth_err = |cause: String| {
            Error::new(
                ErrorKind::Auth,
                format!("{} {:?}: {cause}", req.method, req.url),
            )
        };
        match challenge.scheme.as_str() {
            "basic" => {
                let cred = self.credentials.get(&host)?;
                if cred.username.is_empty() && cred.password.is_empty() {
                    return Err(auth_err("basic credential not found".into()));
                }
                let header = format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD
                        .encode(format!("{}:{}", cred.username, cred.password))
                );
                if let Ok(mut c) = self.cache.lock() {
                    c.insert(host.clone(), HostAuth::Basic(header.clone()));
                }
                self.raw(req, Some(&header))
            }
            "bearer" => {
                let cred = self.credentials.get(&host)?;
                let mut scopes = req.scopes.clone();
                if let Some(s) = challenge.params.get("scope") {
                    scopes.push(s.clone());
                }
                let scopes = clean_scopes(&scopes);
                let realm = challenge.params.get("realm").cloned().unwrap_or_default();
                let service = challenge.params.get("service").cloned().unwrap_or_default();
                let token = self
                    .fetch_token(&realm, &service, &scopes, &cred)
                    .map_err(|e| auth_err(e.message))?;
                if let Ok(mut c) = self.cache.lock() {
                    let entry = c
                        .entry(host.clone())
                        .or_insert_with(|| HostAuth::Bearer(HashMap::new()));
                    if let HostAuth::Basic(_) = entry {
                        *entry = HostAuth::Bearer(HashMap::new());
                    }
                    if let HostAuth::Bearer(t) = entry {
                        t.insert(scope_key, token.clone());
                    }
                }
                self.raw(req, Some(&format!("Bearer {token}")))
            }
            _ => Ok(resp),
        }
    }

    fn fetch_token(
        &self,
        realm: &str,
        service: &str,
        scopes: &[String],
        cred: &Credential,
    ) -> Result<String, Error> {
        if !cred.access_token.is_empty() {
            return Ok(cred.access_token.clone());
        }
        if self.force_oauth2 || !cred.refresh_token.is_empty() {
            return self.fetch_oauth2_token(realm, service, scopes, cred);
        }
        let mut url = reqwest::Url::parse(realm)
            .map_err(|e| Error::input(format!("parse {realm:?}: {e}")))?;
        {
            let mut q = url.query_pairs_mut();
            for s in scopes {
                q.append_pair("scope", s);
            }
            if !service.is_empty() {
                q.append_pair("service", service);
            }
        }
        let url = url.to_string();
        let mut rb = self.http.get(&url);
        if !cred.username.is_empty() || !cred.password.is_empty() {
            rb = rb.basic_auth(&cred.username, Some(&cred.password));
        }
        let resp = rb.send().map_err(|e| request_error("GET", &url, &e))?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp
            .bytes()
            .map_err(|e| request_error("GET", &url, &e))?
            .to_vec();
        let r = Response {
            method: "GET",
            url: url.clone(),
            status,
            headers,
            body,
        };
        if status != 200 {
            return Err(error_response(&r));
        }
        let v: serde_json::Value = serde_json::from_slice(&r.body).map_err(|e| {
            Error::transport(format!(
                "{} {:?}: failed to decode response: {e}",
                r.method, r.url
            ))
        })?;
        for k in ["access_token", "token"] {
            if let Some(t) = v.get(k).and_then(|t| t.as_str()).filter(|t| !t.is_empty()) {
                return Ok(t.to_string());
            }
        }
        Err(Error::transport(format!(
            "{} {:?}: empty token returned",
            r.method, r.url
        )))
    }

    fn fetch_oauth2_token(
        &self,
        realm: &str,
        service: &str,
        scopes: &[String],
        cred: &Credential,
    ) -> Result<String, Error> {
        let mut form: Vec<(&str, String)> = Vec::new();
        if !cred.refresh_token.is_empty() {
            form.push(("grant_type", "refresh_token".into()));
            form.push(("refresh_token", cred.refresh_token.clone()));
        } else if !cred.username.is_empty() && !cred.password.is_empty() {
            form.push(("grant_type", "password".into()));
            form.push(("username", cred.username.clone()));
            form.push(("password", cred.password.clone()));
        } else {
            return Err(Error::new(
                ErrorKind::Auth,
                "missing username or password for bearer auth",
            ));
        }
        form.push(("service", service.to_string()));
        form.push(("client_id", "oras-go".into()));
        if !scopes.is_empty() {
            form.push(("scope", scopes.join(" ")));
        }
        let body: String = form
            .iter()
            .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let resp = self
            .http
            .post(realm)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .map_err(|e| request_error("POST", realm, &e))?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp
            .bytes()
            .map_err(|e| request_error("POST", realm, &e))?
            .to_vec();
        let r = Response {
            method: "POST",
            url: realm.to_string(),
            status,
            headers,
            body,
        };
        if status != 200 {
            return Err(error_response(&r));
        }
        let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap_or_default();
        match v
            .get("access_token")
            .and_then(|t| t.as_str())
            .filter(|t| !t.is_empty())
        {
            Some(t) => Ok(t.to_string()),
            None => Err(Error::transport(format!(
                "POST {realm:?}: empty token returned"
            ))),
        }
    }
}

/// `application/x-www-form-urlencoded` escaping (Go's `url.QueryEscape`).
fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges() {
        let c = parse_challenge(
            r#"Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull,push""#,
        );
        assert_eq!(c.scheme, "bearer");
        assert_eq!(c.params["realm"], "https://auth.example.com/token");
        assert_eq!(c.params["scope"], "repository:a/b:pull,push");
        let b = parse_challenge(r#"Basic realm="local-test""#);
        assert_eq!(b.scheme, "basic");
    }

    #[test]
    fn scopes_merge() {
        let s = clean_scopes(&[
            "repository:a/b:pull".into(),
            "repository:a/b:push repository:c:pull".into(),
        ]);
        assert_eq!(s, vec!["repository:a/b:pull,push", "repository:c:pull"]);
    }

    #[test]
    fn registry_error_texts() {
        let r = Response {
            method: "GET",
            url: "http://r/v2/x/tags/list".into(),
            status: 404,
            headers: HeaderMap::new(),
            body: br#"{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry","detail":{"name":"x"}}]}"#.to_vec(),
        };
        assert_eq!(
            error_response(&r).message,
            "GET \"http://r/v2/x/tags/list\": response status code 404: name unknown: repository name not known to registry: map[name:x]"
        );
        let r = Response {
            body: b"<html>".to_vec(),
            status: 502,
            ..r
        };
        assert_eq!(
            error_response(&r).message,
            "GET \"http://r/v2/x/tags/list\": response status code 502: Bad Gateway"
        );
    }
}
