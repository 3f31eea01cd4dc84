//! OCI registries as Helm's pkg/registry uses them: charts pushed as OCI
//! artifacts (a config blob holding Chart.yaml's metadata as JSON, the
//! archive as a layer, the `.prov` file as another), pulled back by tag,
//! version range or digest, and `registry login`/`logout`.
//!
//! Why hand-written distribution-API calls rather than a registry crate:
//! the manifest's digest is the sha256 of its bytes, and users compare
//! digests across tools, so the manifest and config must be byte for byte
//! what Helm writes ([`gojson`]); and Helm's error texts are oras-go's,
//! which scripts match on ([`transport`]).
//!
//! Submodules:
//! * [`mod@reference`]: `HOST/REPO[:TAG][@DIGEST]` with Helm's `+`→`_` rule;
//! * [`gojson`]: Go's JSON bytes (manifest, config, `config.json`);
//! * [`credentials`]: `registry/config.json`, Docker's fallback, helpers;
//! * [`transport`]: HTTP with Basic/Bearer challenges and oras' errors.

use std::collections::BTreeMap;
use std::path::PathBuf;

pub mod credentials;
pub mod gojson;
pub mod reference;
pub mod transport;

use crate::error::{Error, ErrorKind};
use crate::http;
use credentials::{Credential, Store};
use gojson::Descriptor;
use reference::{HelmRef, OrasRef};
use transport::{error_response, Credentials, Request, Transport};

pub const CONFIG_MEDIA_TYPE: &str = "application/vnd.cncf.helm.config.v1+json";
pub const CHART_LAYER_MEDIA_TYPE: &str = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";
pub const PROV_LAYER_MEDIA_TYPE: &str = "application/vnd.cncf.helm.chart.provenance.v1.prov";
pub const LEGACY_CHART_LAYER_MEDIA_TYPE: &str = "application/tar+gzip";
/// `ocispec.MediaTypeImageManifest`: how Helm pushes its manifests.
pub const MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
/// `ocispec.MediaTypeImageIndex`.
pub const INDEX_MEDIA_TYPE: &str = "application/vnd.oci.image.index.v1+json";

const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";

/// What oras asks for when fetching a manifest.
const MANIFEST_ACCEPT: &str = "application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.oci.artifact.manifest.v1+json";

/// Helm's note after pushing or pulling a tag holding `_` (helm/helm#10166).
pub const UNDERSCORE_MESSAGE: &str = "
OCI artifact references (e.g. tags) do not support the plus sign (+). To support
storing semantic versions, Helm adopts the convention of changing plus (+) to
an underscore (_) in chart version tags when pushing to a registry and back to
a plus (+) when pulling from a registry.";

/// How to reach registries.
#[derive(Clone, Debug, Default)]
pub struct ClientOptions {
    /// TLS options (`--ca-file`, `--cert-file`, `--key-file`,
    /// `--insecure-skip-tls-verify`); `username`/`password`, when both are
    /// set, are used for every registry instead of stored credentials
    /// (`--username`/`--password` on pull, push, install …).
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
    /// The chart archive (empty for a provenance-only pull).
    pub chart: Vec<u8>,
    /// The provenance layer, when asked for and present.
    pub prov: Option<Vec<u8>>,
    /// Chart name and version from the config blob.
    pub name: String,
    pub version: String,
    /// The chart came in the deprecated `application/tar+gzip` layer.
    pub legacy_layer: bool,
}

/// `HOST/PATH:TAG contains an underscore.` and the explanation.
fn underscore_notice(reference: &str) -> String {
    format!("{reference} contains an underscore.\n{UNDERSCORE_MESSAGE}\n")
}

impl Pulled {
    /// Exactly what Helm's registry client prints for this pull on stdout
    /// (`Pulled: …\nDigest: …\n`, the deprecation warning for legacy
    /// layers before it, the underscore notice after it).
    pub fn messages(&self) -> String {
        let mut s = String::new();
        if self.legacy_layer {
            s.push_str(&format!(
                "Warning: chart media type {LEGACY_CHART_LAYER_MEDIA_TYPE} is deprecated\n"
            ));
        }
        s.push_str(&format!(
            "Pulled: {}\nDigest: {}\n",
            self.reference, self.digest
        ));
        if self.reference.contains('_') {
            s.push_str(&underscore_notice(&self.reference));
        }
        s
    }
}

/// The result of a push.
#[derive(Clone, Debug)]
pub struct Pushed {
    /// Exactly what Helm prints on stdout for the push.
    pub messages: String,
    pub reference: String,
    pub digest: String,
    /// The manifest bytes as pushed.
    pub manifest: Vec<u8>,
}

/// Helm's chart-downloader resolution of an `oci://` reference
/// (`registry.Client.ValidateReference`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    /// What to pull, without `oci://` (`HOST/REPO:TAG`, `HOST/REPO@DIGEST`).
    pub reference: String,
    /// The manifest digest when the reference pinned one next to a tag
    /// that resolved to it (`sha256:…`), else empty.
    pub digest: String,
    /// The file name `pull` writes: the last path element with its last
    /// `:` turned into `-` (`redis-18.2.1.tgz`, `redis@sha256-….tgz`).
    pub file_name: String,
    /// The resolved version or tag (empty for a digest-only reference).
    pub version: String,
}

pub struct Client {
    opts: ClientOptions,
    transport: Transport,
    store: Store,
}

/// A registry's base URL (Docker Hub's API host for `docker.io`).
fn registry_host(registry: &str) -> &str {
    if registry == "docker.io" {
        "registry-1.docker.io"
    } else {
        registry
    }
}

fn copy_error(op: &str, origin: &str, e: Error) -> Error {
    Error::new(
        e.kind,
        format!("failed to perform {op:?} on {origin}: {}", e.message),
    )
}

/// Go's `path.Join` of two parts.
fn path_join(a: &str, b: &str) -> String {
    gostd::path::join(&[a, b])
}

/// Strict semver tags of a tag list, `_` read as `+`, newest first
/// (pkg/registry/client.go `Tags`).
pub fn semver_tags(tags: &[String]) -> Vec<String> {
    let mut vs: Vec<gostd::semver::Version> = tags
        .iter()
        .map(|t| t.replace('_', "+"))
        .filter(|t| gostd::semver::is_strict_semver(t))
        .filter_map(|t| gostd::semver::Version::parse(&t).ok())
        .collect();
    vs.sort_by(|a, b| b.compare(a).cmp(&0));
    vs.iter().map(|v| v.string()).collect()
}

/// `GetTagMatchingVersionOrConstraint`: an exact tag first, else the first
/// (newest) tag the constraint admits; empty means `*` (no prereleases).
pub fn match_tag(tags: &[String], version: &str) -> Result<String, Error> {
    let constraint = if version.is_empty() {
        "*".to_string()
    } else {
        if let Some(t) = tags.iter().find(|t| *t == version) {
            return Ok(t.clone());
        }
        if let Err(e) = gostd::semver::semver_compare(version, "0.0.0") {
            // Only the constraint can fail to parse here.
            return Err(Error::input(e));
        }
        version.to_string()
    };
    for t in tags {
        if gostd::semver::Version::parse(t).is_err() {
            continue;
        }
        if gostd::semver::semver_compare(&constraint, t).unwrap_or(false) {
            return Ok(t.clone());
        }
    }
    Err(Error::not_found(format!(
        "could not locate a version matching provided version string {version}"
    )))
}

/// The Go layout `time.RFC3339` of a file time in the local zone.
pub fn rfc3339_local(t: std::time::SystemTime) -> String {
    let dt: chrono::DateTime<chrono::Local> = t.into();
    let off = dt.offset().local_minus_utc();
    let base = dt.format("%Y-%m-%dT%H:%M:%S").to_string();
    if off == 0 {
        format!("{base}Z")
    } else {
        let sign = if off < 0 { '-' } else { '+' };
        let a = off.abs();
        format!("{base}{sign}{:02}:{:02}", a / 3600, (a % 3600) / 60)
    }
}

/// Helm's manifest annotations for a chart (pkg/registry/chart.go):
/// description, title, version, url, created, source, authors when not
/// blank, then the chart's own annotations except title and version.
pub fn annotations(md: &chart::Metadata, created: &str) -> BTreeMap<String, String> {
    let mut a = BTreeMap::new();
    let mut add = |k: &str, v: &str| {
        if !v.trim().is_empty() {
            a.insert(format!("org.opencontainers.image.{k}"), v.to_string());
        }
    };
    add("description", &md.description);
    add("title", &md.name);
    add("version", &md.version);
    add("url", &md.home);
    add("created", created);
    if let Some(s) = md.sources.first() {
        add("source", s);
    }
    if !md.maintainers.is_empty() {
        let mut authors = String::new();
        let n = md.maintainers.len();
        for (i, m) in md.maintainers.iter().enumerate() {
            if let Some(m) = m {
                authors.push_str(&m.name);
                if !m.email.is_empty() {
                    authors.push_str(&format!(" ({})", m.email));
                }
            }
            if i + 1 < n {
                authors.push_str(", ");
            }
        }
        add("authors", &authors);
    }
    for (k, v) in md.annotations.iter().flatten() {
        if k == "org.opencontainers.image.version" || k == "org.opencontainers.image.title" {
            continue;
        }
        a.insert(k.clone(), v.clone());
    }
    a
}

/// The manifest and blobs Helm pushes for a chart archive.
pub struct Artifact {
    pub config: Vec<u8>,
    pub config_desc: Descriptor,
    /// Sorted by digest, as Helm sorts them.
    pub layers: Vec<(Descriptor, Vec<u8>)>,
    pub manifest: String,
    pub metadata: chart::Metadata,
}

/// Builds Helm's chart artifact from an archive (and its provenance).
pub fn artifact(archive: &[u8], prov: Option<&[u8]>, created: &str) -> Result<Artifact, Error> {
    let ch = chart::loader::load_archive(archive)?;
    let md = ch.metadata;
    // `json.Marshal(chart.Metadata)`: the one Go-JSON encoder in chart.
    let config = md.go_json().into_bytes();
    let config_desc = Descriptor::of(CONFIG_MEDIA_TYPE, &config);
    let mut layers = vec![(
        Descriptor::of(CHART_LAYER_MEDIA_TYPE, archive),
        archive.to_vec(),
    )];
    if let Some(p) = prov {
        layers.push((Descriptor::of(PROV_LAYER_MEDIA_TYPE, p), p.to_vec()));
    }
    layers.sort_by(|a, b| a.0.digest.cmp(&b.0.digest));
    let descs: Vec<Descriptor> = layers.iter().map(|l| l.0.clone()).collect();
    let manifest = gojson::manifest(&config_desc, &descs, &annotations(&md, created));
    Ok(Artifact {
        config,
        config_desc,
        layers,
        manifest,
        metadata: md,
    })
}

fn scope(repository: &str, push: bool) -> Vec<String> {
    vec![format!(
        "repository:{repository}:{}",
        if push { "pull,push" } else { "pull" }
    )]
}

/// The media type of a response (`Content-Type` without parameters).
fn media_type(r: &transport::Response) -> String {
    r.header("content-type")
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_string()
}

fn descriptor_of(v: &serde_json::Value) -> Option<Descriptor> {
    Some(Descriptor {
        media_type: v.get("mediaType")?.as_str()?.to_string(),
        digest: v.get("digest")?.as_str()?.to_string(),
        size: v.get("size").and_then(|s| s.as_u64()).unwrap_or(0),
    })
}

impl Client {
    pub fn new(opts: ClientOptions) -> Result<Client, Error> {
        let http_client = http::client(&opts.http)?;
        let store = Store::new(opts.credentials_file.clone());
        let creds = if !opts.http.username.is_empty() && !opts.http.password.is_empty() {
            Credentials::Static(Credential::basic(&opts.http.username, &opts.http.password))
        } else {
            Credentials::Store(store.clone())
        };
        Ok(Client {
            transport: Transport::new(http_client, creds),
            opts,
            store,
        })
    }

    fn base(&self, registry: &str) -> String {
        let scheme = if self.opts.plain_http {
            "http"
        } else {
            "https"
        };
        format!("{scheme}://{}", registry_host(registry))
    }

    /// Tags of `HOST/PATH/NAME`: `_` read as `+`, strict semver only,
    /// newest first (pkg/registry/client.go `Tags`).
    pub fn tags(&self, repository: &str) -> Result<Vec<String>, Error> {
        Ok(semver_tags(&self.all_tags(repository)?))
    }

    /// Every tag of `HOST/PATH/NAME`, following `Link` pagination.
    pub fn all_tags(&self, repository: &str) -> Result<Vec<String>, Error> {
        let r = OrasRef::parse(repository)?;
        let mut url = format!("{}/v2/{}/tags/list", self.base(&r.registry), r.repository);
        let mut all = Vec::new();
        for _ in 0..10_000 {
            let mut req = Request::new("GET", url.clone());
            req.scopes = scope(&r.repository, false);
            let resp = self.transport.send(&req)?;
            if resp.status != 200 {
                return Err(error_response(&resp));
            }
            let v: serde_json::Value = serde_json::from_slice(&resp.body).map_err(|e| {
                Error::transport(format!(
                    "{} {:?}: failed to decode response: {e}",
                    "GET", url
                ))
            })?;
            if let Some(tags) = v.get("tags").and_then(|t| t.as_array()) {
                all.extend(tags.iter().filter_map(|t| t.as_str().map(String::from)));
            }
            let next = resp.header("link").and_then(|l| {
                let start = l.find('<')?;
                let end = l.find('>')?;
                if !l[end..].contains("rel=\"next\"") && !l[end..].contains("rel=next") {
                    return None;
                }
                let target = &l[start + 1..end];
                reqwest::Url::parse(&url)
                    .ok()?
                    .join(target)
                    .ok()
                    .map(|u| u.to_string())
            });
            match next {
                Some(n) => url = n,
                None => break,
            }
        }
        Ok(all)
    }

    /// The digest a tag points at (oras `Resolve`: a HEAD on the manifest).
    fn resolve_tag(&self, reference: &str) -> Result<String, Error> {
        let r = OrasRef::parse(reference)?;
        HelmRef::parse(reference)?;
        let url = format!(
            "{}/v2/{}/manifests/{}",
            self.base(&r.registry),
            r.repository,
            r.reference
        );
        let mut req = Request::new("HEAD", url.clone());
        req.headers.push(("Accept", MANIFEST_ACCEPT.into()));
        req.scopes = scope(&r.repository, false);
        let resp = self.transport.send(&req)?;
        match resp.status {
            200 => {}
            404 => return Err(Error::not_found(format!("{}: not found", r.string()))),
            _ => return Err(error_response(&resp)),
        }
        if let Some(d) = resp.header("docker-content-digest") {
            return Ok(d.to_string());
        }
        let mut get = Request::new("GET", url);
        get.headers.push(("Accept", MANIFEST_ACCEPT.into()));
        get.scopes = scope(&r.repository, false);
        let resp = self.transport.send(&get)?;
        if resp.status != 200 {
            return Err(error_response(&resp));
        }
        Ok(format!("sha256:{}", crate::sha256_hex(&resp.body)))
    }

    /// Helm's chart-downloader resolution for `oci://HOST/PATH/NAME[:TAG][@DIGEST]`
    /// and `--version` (exact tag, range over the tag list, or newest):
    /// the reference to pull, without `oci://`.
    pub fn resolve(&self, oci_url: &str, version: &str) -> Result<String, Error> {
        Ok(self.resolve_chart(oci_url, version)?.reference)
    }

    /// [`Client::resolve`] with what the downloader also needs: the pinned
    /// digest (a content-cache key) and the file name `pull` writes.
    pub fn resolve_chart(&self, oci_url: &str, version: &str) -> Result<Resolved, Error> {
        let rest = oci_url.strip_prefix("oci://").unwrap_or(oci_url);
        let (host, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, ""),
        };
        // Go's `u.Host + u.Path`: the reference as written, without scheme.
        let r = HelmRef::parse(rest)?;
        let mut version = version.to_string();
        if version.is_empty() {
            version = r.tag.clone();
        } else if !r.tag.is_empty() && r.tag != version {
            return Err(Error::input(format!(
                "chart reference and version mismatch: {version} is not {}",
                r.tag
            )));
        }
        let finish = |path: String, digest: String, version: String| {
            let base = path.rsplit('/').next().unwrap_or(&path).to_string();
            let file_name = match base.rfind(':') {
                Some(i) => format!("{}-{}.tgz", &base[..i], &base[i + 1..]),
                None => format!("{base}.tgz"),
            };
            Resolved {
                reference: format!("{host}/{path}"),
                digest,
                file_name,
                version,
            }
        };
        if !r.digest.is_empty() {
            if version.is_empty() {
                return Ok(finish(path.to_string(), String::new(), String::new()));
            }
            let new_path = format!("{}@{}", r.repository, r.digest);
            let tagged = format!("{}/{}:{}", r.registry, r.repository, version);
            let actual = match self.resolve_tag(&tagged) {
                Ok(d) => d,
                // The manifest need not be tagged when a digest is given.
                Err(_) => return Ok(finish(new_path, String::new(), version)),
            };
            if actual != r.digest {
                return Err(Error::new(
                    ErrorKind::Integrity,
                    format!(
                        "chart reference digest mismatch: {actual} is not {}",
                        r.digest
                    ),
                ));
            }
            return Ok(finish(new_path, r.digest.clone(), version));
        }
        let tag = if gostd::semver::Version::parse(&version).is_ok() {
            version.clone()
        } else {
            let tags = self.tags(rest)?;
            if tags.is_empty() {
                return Err(Error::not_found(format!(
                    "unable to locate any tags in provided repository: {oci_url}"
                )));
            }
            match_tag(&tags, &version)?
        };
        Ok(finish(
            format!("{}:{tag}", r.repository),
            String::new(),
            tag,
        ))
    }

    fn fetch_manifest(
        &self,
        r: &OrasRef,
        reference: &str,
    ) -> Result<(String, Vec<u8>, String), Error> {
        let url = format!(
            "{}/v2/{}/manifests/{reference}",
            self.base(&r.registry),
            r.repository
        );
        let mut req = Request::new("GET", url);
        req.headers.push(("Accept", MANIFEST_ACCEPT.into()));
        req.scopes = scope(&r.repository, false);
        let resp = self.transport.send(&req)?;
        match resp.status {
            200 => {}
            404 => {
                let shown = OrasRef {
                    reference: reference.to_string(),
                    ..r.clone()
                };
                return Err(Error::not_found(format!("{}: not found", shown.string())));
            }
            _ => return Err(error_response(&resp)),
        }
        let digest = format!("sha256:{}", crate::sha256_hex(&resp.body));
        if reference.contains(':') && reference != digest {
            return Err(Error::new(
                ErrorKind::Integrity,
                format!("{}: mismatch digest: {digest}", r.string()),
            ));
        }
        let mt = media_type(&resp);
        Ok((mt, resp.body, digest))
    }

    fn fetch_blob(&self, r: &OrasRef, d: &Descriptor) -> Result<Vec<u8>, Error> {
        let url = format!(
            "{}/v2/{}/blobs/{}",
            self.base(&r.registry),
            r.repository,
            d.digest
        );
        let mut req = Request::new("GET", url.clone());
        req.scopes = scope(&r.repository, false);
        let resp = self.transport.send(&req)?;
        if resp.status == 404 {
            return Err(Error::not_found(format!("{}: not found", d.digest)));
        }
        if resp.status != 200 {
            return Err(error_response(&resp));
        }
        let actual = format!("sha256:{}", crate::sha256_hex(&resp.body));
        if d.digest.starts_with("sha256:") && actual != d.digest {
            return Err(Error::new(
                ErrorKind::Integrity,
                format!("GET {url:?}: mismatched digest: {actual}"),
            ));
        }
        Ok(resp.body)
    }

    /// Pulls `HOST/PATH/NAME:TAG[@DIGEST]` or `HOST/PATH/NAME@DIGEST`
    /// (as returned by `resolve`), checking Helm's media types.  With
    /// `with_prov`, a provenance layer is fetched when there is one.
    pub fn pull(&self, reference: &str, with_prov: bool) -> Result<Pulled, Error> {
        self.pull_layers(reference, true, with_prov, true)
    }

    /// The provenance layer alone (what Helm's OCI getter does for
    /// `REF.prov`); fails without one, with Helm's text.
    pub fn pull_prov(&self, reference: &str) -> Result<Pulled, Error> {
        self.pull_layers(reference, false, true, false)
    }

    fn pull_layers(
        &self,
        reference: &str,
        with_chart: bool,
        with_prov: bool,
        ignore_missing_prov: bool,
    ) -> Result<Pulled, Error> {
        let hr = HelmRef::parse(reference)?;
        let shown = hr.string();
        let r = OrasRef::parse(&shown)?;
        if r.reference.is_empty() {
            return Err(Error::input("invalid reference: missing reference"));
        }
        let src = |e| copy_error("FetchReference", "source", e);
        let (root_mt, manifest, digest) = self.fetch_manifest(&r, &r.reference).map_err(src)?;

        let mut allowed = vec![INDEX_MEDIA_TYPE, MANIFEST_MEDIA_TYPE, CONFIG_MEDIA_TYPE];
        if with_chart {
            allowed.push(CHART_LAYER_MEDIA_TYPE);
            allowed.push(LEGACY_CHART_LAYER_MEDIA_TYPE);
        }
        if with_prov {
            allowed.push(PROV_LAYER_MEDIA_TYPE);
        }
        // The descriptors oras copies: the manifest itself (when of an
        // allowed type) and the config and layers of allowed types.
        let mut descriptors: Vec<Descriptor> = Vec::new();
        let root_mt = if root_mt.is_empty() {
            serde_json::from_slice::<serde_json::Value>(&manifest)
                .ok()
                .and_then(|v| v.get("mediaType")?.as_str().map(String::from))
                .unwrap_or_default()
        } else {
            root_mt
        };
        if allowed.contains(&root_mt.as_str()) {
            descriptors.push(Descriptor {
                media_type: root_mt.clone(),
                digest: digest.clone(),
                size: manifest.len() as u64,
            });
        }
        let mut manifests = vec![manifest.clone()];
        if root_mt == INDEX_MEDIA_TYPE || root_mt == DOCKER_LIST {
            manifests.clear();
            let v: serde_json::Value = serde_json::from_slice(&manifest).unwrap_or_default();
            for m in v
                .get("manifests")
                .and_then(|m| m.as_array())
                .into_iter()
                .flatten()
            {
                if let Some(d) = descriptor_of(m) {
                    let (_, body, _) = self.fetch_manifest(&r, &d.digest).map_err(src)?;
                    if allowed.contains(&d.media_type.as_str()) {
                        descriptors.push(d);
                    }
                    manifests.push(body);
                }
            }
        }
        let picked = pick_layers(
            descriptors,
            &manifests,
            &allowed,
            with_chart,
            with_prov && !ignore_missing_prov,
        )?;
        let (config_d, chart_d, prov_d, legacy) =
            (picked.config, picked.chart, picked.prov, picked.legacy);
        let fetch = |d: &Descriptor| {
            self.fetch_blob(&r, d)
                .map_err(|e| copy_error("Fetch", "source", e))
        };
        let config = fetch(&config_d)?;
        let meta: serde_json::Value = serde_json::from_slice(&config)
            .map_err(|e| Error::input(format!("invalid chart config: {e}")))?;
        let field = |k: &str| {
            meta.get(k)
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string()
        };
        let chart = match (&chart_d, with_chart) {
            (Some(d), true) => fetch(d)?,
            _ => Vec::new(),
        };
        let prov = match (&prov_d, with_prov) {
            (Some(d), true) => Some(fetch(d)?),
            _ => None,
        };
        Ok(Pulled {
            reference: shown,
            digest,
            chart,
            prov,
            name: field("name"),
            version: field("version"),
            legacy_layer: legacy && with_chart,
        })
    }

    fn blob_exists(&self, r: &OrasRef, d: &Descriptor) -> Result<bool, Error> {
        let url = format!(
            "{}/v2/{}/blobs/{}",
            self.base(&r.registry),
            r.repository,
            d.digest
        );
        let mut req = Request::new("HEAD", url);
        req.scopes = scope(&r.repository, true);
        let resp = self.transport.send(&req)?;
        match resp.status {
            200 => Ok(true),
            404 => Ok(false),
            _ => Err(error_response(&resp)),
        }
    }

    fn push_blob(&self, r: &OrasRef, d: &Descriptor, data: &[u8]) -> Result<(), Error> {
        let base = self.base(&r.registry);
        let url = format!("{base}/v2/{}/blobs/uploads/", r.repository);
        let mut req = Request::new("POST", url.clone());
        req.scopes = scope(&r.repository, true);
        let resp = self.transport.send(&req)?;
        if resp.status != 202 {
            return Err(error_response(&resp));
        }
        let loc = resp.header("location").unwrap_or("").to_string();
        let loc = reqwest::Url::parse(&url)
            .and_then(|u| u.join(&loc))
            .map_err(|e| Error::transport(format!("POST {url:?}: invalid Location: {e}")))?;
        let mut put_url = loc;
        put_url.query_pairs_mut().append_pair("digest", &d.digest);
        let mut put = Request::new("PUT", put_url.to_string());
        put.headers
            .push(("Content-Type", "application/octet-stream".into()));
        put.body = Some(data);
        put.scopes = scope(&r.repository, true);
        let resp = self.transport.send(&put)?;
        if resp.status != 201 {
            return Err(error_response(&resp));
        }
        Ok(())
    }

    /// Pushes a chart archive (and its `.prov`) to `oci://HOST/PATH`;
    /// `created` is the archive's mtime (the `created` annotation; now
    /// when `None`).
    pub fn push(
        &self,
        archive: &[u8],
        prov: Option<&[u8]>,
        remote: &str,
        created: Option<std::time::SystemTime>,
    ) -> Result<Pushed, Error> {
        let meta = chart::loader::load_archive(archive)?.metadata;
        let base = remote.strip_prefix("oci://").unwrap_or(remote);
        let reference = format!("{}:{}", path_join(base, &meta.name), meta.version);
        let hr = HelmRef::parse(&reference)?;
        if !reference.ends_with(&format!("/{}:{}", meta.name, meta.version)) {
            return Err(Error::input(
                "strict mode enabled, ref basename and tag must match the chart name and version",
            ));
        }
        let created = match created {
            Some(t) => rfc3339_local(t),
            None => {
                let now = chrono::Utc::now();
                now.format("%Y-%m-%dT%H:%M:%SZ").to_string()
            }
        };
        let art = artifact(archive, prov, &created)?;
        let manifest_desc = Descriptor::of(MANIFEST_MEDIA_TYPE, art.manifest.as_bytes());
        let r = hr.oras.clone();
        let dest_exists = |e| copy_error("Exists", "destination", e);
        let dest_push = |e| copy_error("Push", "destination", e);

        let murl = format!(
            "{}/v2/{}/manifests/{}",
            self.base(&r.registry),
            r.repository,
            manifest_desc.digest
        );
        let mut head = Request::new("HEAD", murl);
        head.headers.push(("Accept", MANIFEST_ACCEPT.into()));
        head.scopes = scope(&r.repository, true);
        let resp = self.transport.send(&head).map_err(dest_exists)?;
        let exists = match resp.status {
            200 => true,
            404 => false,
            _ => return Err(dest_exists(error_response(&resp))),
        };
        if !exists {
            let mut blobs: Vec<(&Descriptor, &[u8])> = vec![(&art.config_desc, &art.config)];
            for (d, data) in &art.layers {
                blobs.push((d, data));
            }
            for (d, data) in blobs {
                if !self.blob_exists(&r, d).map_err(dest_exists)? {
                    self.push_blob(&r, d, data).map_err(dest_push)?;
                }
            }
        }
        let turl = format!(
            "{}/v2/{}/manifests/{}",
            self.base(&r.registry),
            r.repository,
            hr.tag
        );
        let mut put = Request::new("PUT", turl);
        put.headers
            .push(("Content-Type", MANIFEST_MEDIA_TYPE.into()));
        put.body = Some(art.manifest.as_bytes());
        put.scopes = scope(&r.repository, true);
        let resp = self.transport.send(&put).map_err(dest_push)?;
        if resp.status != 201 && resp.status != 200 {
            return Err(dest_push(error_response(&resp)));
        }
        let shown = hr.string();
        let mut messages = format!("Pushed: {shown}\nDigest: {}\n", manifest_desc.digest);
        if hr.tag.contains('_') {
            messages.push_str(&underscore_notice(&shown));
        }
        Ok(Pushed {
            messages,
            reference: shown,
            digest: manifest_desc.digest,
            manifest: art.manifest.into_bytes(),
        })
    }

    /// `registry login HOST`: checks the credentials against `/v2/`
    /// (first as OAuth2, then as Docker's token flow), then stores them.
    pub fn login(&self, host: &str, username: &str, password: &str) -> Result<(), Error> {
        OrasRef {
            registry: host.to_string(),
            ..OrasRef::default()
        }
        .validate_registry()?;
        let cred = Credential::basic(username, password);
        let ping = |force: bool| -> Result<(), Error> {
            let mut t = Transport::new(
                self.transport.http.clone(),
                Credentials::ForHost(host.to_string(), cred.clone()),
            );
            t.force_oauth2 = force;
            let url = format!("{}/v2/", self.base(host));
            let resp = t.send(&Request::new("GET", url))?;
            match resp.status {
                200 => Ok(()),
                404 => Err(Error::not_found(format!("{host}: not found"))),
                _ => Err(error_response(&resp)),
            }
        };
        if ping(true).is_err() {
            ping(false).map_err(|e| {
                Error::new(
                    ErrorKind::Auth,
                    format!("authenticating to {host:?}: {}", e.message),
                )
            })?;
        }
        self.store.put(&credentials::server_address(host), &cred)
    }

    /// `registry logout HOST`.
    pub fn logout(&self, host: &str) -> Result<(), Error> {
        self.store.delete(&credentials::server_address(host))
    }
}

/// The blobs a chart pull fetches, chosen from the manifests' descriptors.
pub struct PickedLayers {
    pub config: Descriptor,
    pub chart: Option<Descriptor>,
    pub prov: Option<Descriptor>,
    /// The chart is in the deprecated `application/tar+gzip` layer.
    pub legacy: bool,
}

/// Helm's (oras') checks over fetched manifest bytes: `descriptors` holds
/// what was already taken (the root manifest when of an allowed type), to
/// which the config and layers of allowed media types are added; then the
/// minimum count and the required media types, with Helm's errors.  Pure,
/// so that hostile manifests can be fuzzed without a registry.
pub fn pick_layers(
    mut descriptors: Vec<Descriptor>,
    manifests: &[Vec<u8>],
    allowed: &[&str],
    with_chart: bool,
    require_prov: bool,
) -> Result<PickedLayers, Error> {
    for m in manifests {
        let v: serde_json::Value = serde_json::from_slice(m).unwrap_or_default();
        let mut blobs: Vec<Descriptor> = Vec::new();
        if let Some(c) = v.get("config").and_then(descriptor_of) {
            blobs.push(c);
        }
        for key in ["layers", "blobs"] {
            for l in v.get(key).and_then(|l| l.as_array()).into_iter().flatten() {
                if let Some(d) = descriptor_of(l) {
                    blobs.push(d);
                }
            }
        }
        descriptors.extend(
            blobs
                .into_iter()
                .filter(|d| allowed.contains(&d.media_type.as_str())),
        );
    }
    let min = 1 + usize::from(with_chart) + usize::from(require_prov);
    if descriptors.len() < min {
        return Err(Error::input(format!(
            "manifest does not contain minimum number of descriptors ({min}), descriptors found: {}",
            descriptors.len()
        )));
    }
    let (mut config, mut chart, mut prov) = (None, None, None);
    let mut legacy = false;
    for d in &descriptors {
        match d.media_type.as_str() {
            CONFIG_MEDIA_TYPE => config = Some(d.clone()),
            CHART_LAYER_MEDIA_TYPE => chart = Some(d.clone()),
            PROV_LAYER_MEDIA_TYPE => prov = Some(d.clone()),
            LEGACY_CHART_LAYER_MEDIA_TYPE => {
                chart = Some(d.clone());
                legacy = true;
            }
            _ => {}
        }
    }
    let config = config.ok_or_else(|| {
        Error::input(format!(
            "could not load config with mediatype {CONFIG_MEDIA_TYPE}"
        ))
    })?;
    if with_chart && chart.is_none() {
        return Err(Error::input(format!(
            "manifest does not contain a layer with mediatype {CHART_LAYER_MEDIA_TYPE}"
        )));
    }
    if require_prov && prov.is_none() {
        return Err(Error::input(format!(
            "manifest does not contain a layer with mediatype {PROV_LAYER_MEDIA_TYPE}"
        )));
    }
    Ok(PickedLayers {
        config,
        chart,
        prov,
        legacy,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_like_go() {
        assert_eq!(path_join("r:5000/a/", "c"), "r:5000/a/c");
        assert_eq!(path_join("r//a/./b/..", "c"), "r/a/c");
    }

    #[test]
    fn local_time_layout() {
        let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_767_225_600);
        let s = rfc3339_local(t);
        assert!(s.starts_with("20") && (s.ends_with('Z') || s.contains('+') || s.len() == 25));
    }
}
