//! Registry credentials as Helm 4 keeps them (oras-go's credentials store):
//! Helm's own `registry/config.json` first, Docker's `config.json` as a
//! read-only fallback, and `docker-credential-NAME` helpers when a file
//! names one (`credsStore`, `credHelpers`).
//!
//! The file layout is what `docker login` writes and every container tool
//! reads: `{"auths": {"HOST:PORT": {"auth": base64("user:password")}}}`,
//! tab-indented (`json.MarshalIndent(…, "", "\t")`), mode 0600.  Entries
//! are rewritten without touching the other keys or entries, so a shared
//! file keeps what other tools put there.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use base64::Engine;

use super::gojson;
use crate::error::Error;
use crate::http::gostd_io;

/// What a registry is asked with (oras' `auth.Credential`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Credential {
    pub username: String,
    pub password: String,
    /// An identity token (`identitytoken`), exchanged for access tokens.
    pub refresh_token: String,
    /// A registry token (`registrytoken`), sent as is.
    pub access_token: String,
}

impl Credential {
    pub fn basic(username: &str, password: &str) -> Credential {
        Credential {
            username: username.to_string(),
            password: password.to_string(),
            ..Credential::default()
        }
    }
    pub fn is_empty(&self) -> bool {
        self.username.is_empty()
            && self.password.is_empty()
            && self.refresh_token.is_empty()
            && self.access_token.is_empty()
    }
}

/// The key credentials are stored under for a registry host
/// (`credentials.ServerAddressFromRegistry`): Docker Hub's legacy URL for
/// Docker Hub, the host itself otherwise.
pub fn server_address(registry: &str) -> String {
    match registry {
        "docker.io" | "registry-1.docker.io" | "index.docker.io" => {
            "https://index.docker.io/v1/".to_string()
        }
        r => r.to_string(),
    }
}

/// `http://`/`https://` and any path dropped: how legacy keys
/// (`https://registry.example.com/v1/`) are matched to a host.
fn to_hostname(addr: &str) -> &str {
    let a = addr
        .strip_prefix("http://")
        .or_else(|| addr.strip_prefix("https://"))
        .unwrap_or(addr);
    a.split('/').next().unwrap_or(a)
}

/// One `config.json`, parsed.
#[derive(Debug, Default)]
struct ConfigFile {
    /// Top-level members as raw JSON text (kept as they are).
    members: BTreeMap<String, String>,
    /// `auths` members as raw JSON text.
    auths: BTreeMap<String, String>,
    creds_store: String,
    cred_helpers: BTreeMap<String, String>,
    /// The platform's default helper, used when the file configures no
    /// credentials at all (oras' `DetectDefaultNativeStore`).
    detected: String,
}

/// `PATH` lookup of an executable.
fn on_path(bin: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|p| {
        std::env::split_paths(&p).any(|d| {
            let f = d.join(bin);
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                f.metadata()
                    .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            }
            #[cfg(not(unix))]
            {
                f.is_file()
            }
        })
    })
}

/// oras' default native store on Linux: `pass` when the `pass` tool is
/// installed, else `secretservice`; used only when its
/// `docker-credential-…` helper is on `PATH`.
fn default_helper() -> String {
    let suffix = if on_path("pass") {
        "pass"
    } else {
        "secretservice"
    };
    if on_path(&format!("docker-credential-{suffix}")) {
        suffix.to_string()
    } else {
        String::new()
    }
}

fn invalid_config(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::input(format!(
        "failed to decode config file at {}: invalid config format: {e}",
        path.display()
    ))
}

impl ConfigFile {
    fn load(path: &Path) -> Result<ConfigFile, Error> {
        let text = match std::fs::read(path) {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(ConfigFile::default()),
            Err(e) => {
                return Err(Error::io(format!(
                    "failed to open config file at {}: open {}: {}",
                    path.display(),
                    path.display(),
                    gostd_io(&e)
                )))
            }
        };
        let v: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| invalid_config(path, e))?;
        let members: BTreeMap<String, String> = gojson::raw_members(&text)
            .ok_or_else(|| invalid_config(path, "not a JSON object"))?
            .into_iter()
            .collect();
        let auths = match members.get("auths") {
            Some(raw) if raw != "null" => gojson::raw_members(raw)
                .ok_or_else(|| invalid_config(path, "auths is not an object"))?
                .into_iter()
                .collect(),
            _ => BTreeMap::new(),
        };
        let creds_store = v
            .get("credsStore")
            .and_then(|s| s.as_str())
            .unwrap_or("")
            .to_string();
        let cred_helpers: BTreeMap<String, String> = v
            .get("credHelpers")
            .and_then(|h| h.as_object())
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        let detected = if creds_store.is_empty() && cred_helpers.is_empty() && auths.is_empty() {
            default_helper()
        } else {
            String::new()
        };
        Ok(ConfigFile {
            members,
            auths,
            creds_store,
            cred_helpers,
            detected,
        })
    }

    /// The helper for `server`, if the file delegates it to one.
    fn helper(&self, server: &str) -> Option<&str> {
        self.cred_helpers
            .get(server)
            .map(String::as_str)
            .or((!self.creds_store.is_empty()).then_some(self.creds_store.as_str()))
            .or((!self.detected.is_empty()).then_some(self.detected.as_str()))
    }

    fn get(&self, server: &str) -> Result<Credential, Error> {
        let raw = match self.auths.get(server) {
            Some(r) => r,
            None => match self.auths.iter().find(|(k, _)| to_hostname(k) == server) {
                Some((_, r)) => r,
                None => return Ok(Credential::default()),
            },
        };
        let v: serde_json::Value = serde_json::from_str(raw).unwrap_or_default();
        let s = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
        let mut c = Credential {
            username: s("username"),
            password: s("password"),
            refresh_token: s("identitytoken"),
            access_token: s("registrytoken"),
        };
        let auth = s("auth");
        if !auth.is_empty() {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(auth.as_bytes())
                .map_err(|e| Error::input(format!("invalid auth configuration file: {e}")))?;
            let text = String::from_utf8_lossy(&decoded).into_owned();
            match text.split_once(':') {
                Some((u, p)) => {
                    c.username = u.to_string();
                    c.password = p.to_string();
                }
                None => {
                    return Err(Error::input(
                        "invalid auth configuration file: auth field is not in the format of username:password",
                    ))
                }
            }
        }
        Ok(c)
    }

    fn render(&self) -> String {
        let mut members = self.members.clone();
        let mut auths = String::from("{");
        for (i, (k, v)) in self.auths.iter().enumerate() {
            if i > 0 {
                auths.push(',');
            }
            yaml::json::write_string(&mut auths, k, true);
            auths.push(':');
            auths.push_str(&gojson::compact(v));
        }
        auths.push('}');
        members.insert("auths".into(), auths);
        gojson::marshal_raw_map_indent(&members)
    }

    fn save(&self, path: &Path) -> Result<(), Error> {
        crate::fsutil::write_atomic(path, self.render().as_bytes(), 0o600)
    }
}

/// `docker-credential-NAME ACTION` with `input` on stdin.
fn run_helper(name: &str, action: &str, input: &[u8]) -> Result<Vec<u8>, String> {
    let prog = format!("docker-credential-{name}");
    let mut child = Command::new(&prog)
        .arg(action)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("exec: \"{prog}\": {}", gostd_io(&e)))?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(input);
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        let msg = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
        Err(if msg.is_empty() { err } else { msg })
    }
}

fn helper_get(name: &str, server: &str) -> Result<Credential, Error> {
    match run_helper(name, "get", server.as_bytes()) {
        Ok(out) => {
            let v: serde_json::Value = serde_json::from_slice(&out).unwrap_or_default();
            let user = v.get("Username").and_then(|x| x.as_str()).unwrap_or("");
            let secret = v.get("Secret").and_then(|x| x.as_str()).unwrap_or("");
            if user == "<token>" {
                Ok(Credential {
                    refresh_token: secret.to_string(),
                    ..Credential::default()
                })
            } else {
                Ok(Credential::basic(user, secret))
            }
        }
        Err(e) if e.contains("credentials not found") => Ok(Credential::default()),
        Err(e) => Err(Error::transport(e)),
    }
}

/// Helm's credential store: its own file, with Docker's as a fallback for
/// reading.
#[derive(Clone, Debug)]
pub struct Store {
    pub path: PathBuf,
    pub docker: Option<PathBuf>,
}

/// `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`.
pub fn docker_config_path() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("DOCKER_CONFIG").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d).join("config.json"));
    }
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(|h| PathBuf::from(h).join(".docker").join("config.json"))
}

impl Store {
    pub fn new(path: PathBuf) -> Store {
        let docker = docker_config_path().filter(|d| d != &path);
        Store { path, docker }
    }

    fn get_from(path: &Path, server: &str) -> Result<Credential, Error> {
        let cfg = ConfigFile::load(path)?;
        match cfg.helper(server) {
            Some(h) => helper_get(h, server),
            None => cfg.get(server),
        }
    }

    /// The credential for `server` (empty when there is none).
    pub fn get(&self, server: &str) -> Result<Credential, Error> {
        let c = Store::get_from(&self.path, server)?;
        if !c.is_empty() {
            return Ok(c);
        }
        match &self.docker {
            // Docker's file is only a fallback: a broken one is ignored.
            Some(d) => Ok(Store::get_from(d, server).unwrap_or_default()),
            None => Ok(c),
        }
    }

    /// Stores a credential in Helm's file (or its helper).
    pub fn put(&self, server: &str, cred: &Credential) -> Result<(), Error> {
        let mut cfg = ConfigFile::load(&self.path)?;
        if let Some(h) = cfg.helper(server) {
            let (user, secret) = if cred.username.is_empty() && !cred.refresh_token.is_empty() {
                ("<token>", cred.refresh_token.as_str())
            } else {
                (cred.username.as_str(), cred.password.as_str())
            };
            let input =
                serde_json::json!({"ServerURL": server, "Username": user, "Secret": secret});
            return run_helper(h, "store", input.to_string().as_bytes())
                .map(|_| ())
                .map_err(Error::transport);
        }
        let mut entry = String::from("{");
        let mut first = true;
        let mut field = |k: &str, v: &str| {
            if v.is_empty() {
                return;
            }
            if !first {
                entry.push(',');
            }
            first = false;
            yaml::json::write_string(&mut entry, k, true);
            entry.push(':');
            yaml::json::write_string(&mut entry, v, true);
        };
        if !cred.username.is_empty() || !cred.password.is_empty() {
            let auth = base64::engine::general_purpose::STANDARD
                .encode(format!("{}:{}", cred.username, cred.password));
            field("auth", &auth);
        }
        field("identitytoken", &cred.refresh_token);
        field("registrytoken", &cred.access_token);
        entry.push('}');
        cfg.auths.insert(server.to_string(), entry);
        cfg.save(&self.path)
    }

    /// Removes the credential for `server` from Helm's file (a no-op when
    /// there is none: the file is not rewritten).
    pub fn delete(&self, server: &str) -> Result<(), Error> {
        let mut cfg = ConfigFile::load(&self.path)?;
        if let Some(h) = cfg.helper(server) {
            return match run_helper(h, "erase", server.as_bytes()) {
                Ok(_) => Ok(()),
                Err(e) if e.contains("credentials not found") => Ok(()),
                Err(e) => Err(Error::transport(e)),
            };
        }
        if cfg.auths.remove(server).is_none() {
            return Ok(());
        }
        cfg.save(&self.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostname_of_legacy_keys() {
        assert_eq!(to_hostname("https://r.example.com/v1/"), "r.example.com");
        assert_eq!(to_hostname("localhost:5000"), "localhost:5000");
    }
}
