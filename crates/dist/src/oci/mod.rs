//! OCI registries as Helm's pkg/registry uses them.
//!
//! CONTRACT (other modules call exactly these; the bodies are being
//! written — until then every call fails with "not implemented yet").

use std::path::PathBuf;

use crate::error::Error;
use crate::http;

pub const CONFIG_MEDIA_TYPE: &str = "application/vnd.cncf.helm.config.v1+json";
pub const CHART_LAYER_MEDIA_TYPE: &str = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";
pub const PROV_LAYER_MEDIA_TYPE: &str = "application/vnd.cncf.helm.chart.provenance.v1.prov";
pub const LEGACY_CHART_LAYER_MEDIA_TYPE: &str = "application/tar+gzip";

/// How to reach registries.
#[derive(Clone, Debug, Default)]
pub struct ClientOptions {
    /// TLS options (`--ca-file`, `--cert-file`, `--key-file`, `--insecure-skip-tls-verify`).
    pub http: http::Options,
    /// `--plain-http`.
    pub plain_http: bool,
    /// `registry/config.json` (Docker's `config.json` is the fallback).
    pub credentials_file: PathBuf,
}

/// A chart fetched from a registry.
#[derive(Clone, Debug)]
pub struct Pulled {
    /// What Helm prints after `Pulled: ` (`HOST/PATH/NAME:TAG`, or `@sha256:…`).
    pub reference: String,
    /// The manifest digest (`sha256:…`).
    pub digest: String,
    /// The chart archive.
    pub chart: Vec<u8>,
    /// The provenance layer, when asked for and present.
    pub prov: Option<Vec<u8>>,
    /// Chart name and version from the config blob.
    pub name: String,
    pub version: String,
}

impl Pulled {
    /// Exactly what Helm's registry client prints for this pull on stdout
    /// (`Pulled: …\nDigest: …\n`, plus the underscore notice for `_` tags).
    pub fn messages(&self) -> String {
        format!("Pulled: {}\nDigest: {}\n", self.reference, self.digest)
    }
}

/// The result of a push.
#[derive(Clone, Debug)]
pub struct Pushed {
    /// Exactly what Helm prints on stdout for the push.
    pub messages: String,
    pub reference: String,
    pub digest: String,
}

pub struct Client {
    #[allow(dead_code)]
    opts: ClientOptions,
}

fn not_yet() -> Error {
    Error::transport("OCI registries: not implemented yet")
}

impl Client {
    pub fn new(opts: ClientOptions) -> Result<Client, Error> {
        Ok(Client { opts })
    }

    /// Tags of `HOST/PATH/NAME`: `_` read as `+`, strict semver only,
    /// newest first (pkg/registry/client.go `Tags`).
    pub fn tags(&self, _repository: &str) -> Result<Vec<String>, Error> {
        Err(not_yet())
    }

    /// Helm's chart-downloader resolution for `oci://HOST/PATH/NAME[:TAG][@DIGEST]`
    /// and `--version` (exact tag, range over the tag list, or newest):
    /// the reference to pull, without `oci://`.
    pub fn resolve(&self, _oci_url: &str, _version: &str) -> Result<String, Error> {
        Err(not_yet())
    }

    /// Pulls `HOST/PATH/NAME:TAG[@DIGEST]` or `HOST/PATH/NAME@DIGEST`
    /// (as returned by `resolve`), checking Helm's media types.
    pub fn pull(&self, _reference: &str, _with_prov: bool) -> Result<Pulled, Error> {
        Err(not_yet())
    }

    /// Pushes a chart archive (and its `.prov`) to `oci://HOST/PATH`;
    /// `created` is the archive's mtime (the `created` annotation).
    pub fn push(
        &self,
        _archive: &[u8],
        _prov: Option<&[u8]>,
        _remote: &str,
        _created: Option<std::time::SystemTime>,
    ) -> Result<Pushed, Error> {
        Err(not_yet())
    }

    /// `registry login HOST`: checks the credentials, then stores them.
    pub fn login(&self, _host: &str, _username: &str, _password: &str) -> Result<(), Error> {
        Err(not_yet())
    }

    /// `registry logout HOST`.
    pub fn logout(&self, _host: &str) -> Result<(), Error> {
        Err(not_yet())
    }
}
