//! The connection to one cluster: a kube-rs client, the effective namespace
//! and a discovery cache shared by every operation of a run.
//!
//! Discovery is fetched once (aggregated discovery: two requests) and reused;
//! [`Cluster::refresh_discovery`] re-reads it, and [`Cluster::build`] does so
//! by itself once when a kind is unknown, so custom resources whose CRD was
//! applied earlier in the same operation map without the caller's help
//! (Helm resets its cache after installing CRDs for the same reason).

use std::sync::Arc;

use futures::future::join_all;
use kube::api::{
    Api, DeleteParams, DynamicObject, Patch, PatchParams, PostParams, PropagationPolicy,
};
use kube::core::{ApiResource, GroupVersionKind};
use kube::discovery::{Discovery, Scope};
use kube::Client;
use serde_json::Value as Json;
use tokio::sync::Mutex;

use crate::config::{load_config, ClientOptions};
use crate::error::{Error, ErrorKind, Result};
use crate::objects::{decode, describe, sort_for_install, sort_for_uninstall, Doc, Resource};

/// Objects found by index into the caller's list (`None`: not found).
type Found = Vec<(usize, Option<Json>)>;

/// How many requests one batch operation keeps in flight (Helm's batch
/// runs a kind's objects concurrently; this bounds it for huge kinds).
pub const MAX_IN_FLIGHT: usize = 64;

/// Server-side apply settings.
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    /// `fieldManager` (Helm's CLI sends `helm`).
    pub field_manager: String,
    /// Take ownership of conflicting fields (`force=true`).
    pub force: bool,
    /// `dryRun=All`: the server validates and admits but persists nothing.
    pub dry_run: bool,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions {
            field_manager: "helm".into(),
            force: false,
            dry_run: false,
        }
    }
}

/// Deletion propagation (Helm sends `Background`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Propagation {
    #[default]
    Background,
    Foreground,
    Orphan,
}

/// What happened to one object on delete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deleted {
    Deleted,
    /// 404: already gone (Helm treats this as success).
    NotFound,
}

pub struct Cluster {
    client: Client,
    namespace: String,
    /// The API server's URL (for Helm's reachability error text).
    server: String,
    discovery: Mutex<Option<Arc<Discovery>>>,
    /// The release Leases this client holds, as last written (renewals and
    /// the release PUT/DELETE them by their resourceVersion, no re-read).
    pub(crate) leases: std::sync::Mutex<
        std::collections::HashMap<(String, String), k8s_openapi::api::coordination::v1::Lease>,
    >,
}

impl Cluster {
    /// Connect as kubectl/Helm would with these flags. Nothing is requested
    /// from the server yet.
    pub async fn connect(opts: &ClientOptions) -> Result<Cluster> {
        let (mut config, ns) = load_config(opts).await?;
        let server = config.cluster_url.to_string();
        // One retry policy (`crate::retry`) instead of kube's, which retries
        // only 429/503/504 but for up to minutes.
        config.default_retry = false;
        let builder = kube::client::ClientBuilder::try_from(config).map_err(|e| {
            Error::new(
                ErrorKind::Config,
                format!("kubernetes cluster unreachable: {e}"),
            )
        })?;
        // Retry (outermost) re-sends through a buffer, which makes the inner
        // service shareable; each attempt takes its own throttle token, as
        // client-go's limiter does.
        let stack = tower::ServiceBuilder::new()
            .option_layer(opts.request_timeout.map(tower::timeout::TimeoutLayer::new))
            .layer(crate::retry::RetryPolicy::default().layer())
            .layer(tower::buffer::BufferLayer::new(1024))
            .option_layer(crate::throttle::ThrottleLayer::new(
                opts.qps,
                opts.burst_limit,
            ));
        let client = builder.with_layer(&stack).build();
        let mut c = Cluster::from_client(client, ns);
        c.server = server.trim_end_matches('/').to_string();
        Ok(c)
    }

    pub fn from_client(client: Client, namespace: impl Into<String>) -> Cluster {
        Cluster {
            client,
            namespace: namespace.into(),
            server: String::new(),
            discovery: Mutex::new(None),
            leases: Default::default(),
        }
    }

    /// Helm's `IsReachable`: `GET /version`, failing with its words
    /// (`kubernetes cluster unreachable: Get "URL/version": dial tcp
    /// HOST:PORT: connect: connection refused` for a closed port).
    pub async fn check_reachable(&self) -> Result<()> {
        match self.client.apiserver_version().await {
            Ok(_) => Ok(()),
            Err(e) => {
                let refused = crate::error::transport_text(&e);
                let detail =
                    if let Some(refused @ "connect: connection refused") = refused.as_deref() {
                        let hostport = self
                            .server
                            .split("://")
                            .nth(1)
                            .unwrap_or(&self.server)
                            .split('/')
                            .next()
                            .unwrap_or("")
                            .to_string();
                        format!("dial tcp {hostport}: {refused}")
                    } else {
                        error_chain(&e).join(": ")
                    };
                Err(Error::new(
                    ErrorKind::Config,
                    format!(
                        "kubernetes cluster unreachable: Get \"{}/version\": {detail}",
                        self.server
                    ),
                ))
            }
        }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The effective namespace (`-n`, else the context's, else `default`).
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// `GET /version` (`.Capabilities.KubeVersion`, reachability).
    pub async fn server_version(&self) -> Result<k8s_openapi::apimachinery::pkg::version::Info> {
        self.client
            .apiserver_version()
            .await
            .map_err(|e| Error::from_kube("", e).prefix("kubernetes cluster unreachable"))
    }

    /// The cached discovery, fetched on first use.
    pub async fn discovery(&self) -> Result<Arc<Discovery>> {
        let mut guard = self.discovery.lock().await;
        if let Some(d) = guard.as_ref() {
            return Ok(d.clone());
        }
        let d = Arc::new(self.run_discovery().await?);
        *guard = Some(d.clone());
        Ok(d)
    }

    /// Forget the cached discovery and fetch it again (after CRDs appear).
    pub async fn refresh_discovery(&self) -> Result<Arc<Discovery>> {
        let mut guard = self.discovery.lock().await;
        let d = Arc::new(self.run_discovery().await?);
        *guard = Some(d.clone());
        Ok(d)
    }

    async fn run_discovery(&self) -> Result<Discovery> {
        match Discovery::new(self.client.clone()).run_aggregated().await {
            Ok(d) => Ok(d),
            // Servers without aggregated discovery (< 1.26): one request per group-version.
            Err(_) => Discovery::new(self.client.clone())
                .run()
                .await
                .map_err(|e| {
                    Error::from_kube("", e)
                        .prefix("unable to retrieve the complete list of server APIs")
                }),
        }
    }

    /// Every served `group/version` and `group/version/Kind` (Helm's
    /// `.Capabilities.APIVersions`).
    pub async fn api_versions(&self) -> Result<Vec<String>> {
        let d = self.discovery().await?;
        let mut out = Vec::new();
        for g in d.groups() {
            for v in g.versions() {
                let gv = if g.name().is_empty() {
                    v.to_string()
                } else {
                    format!("{}/{}", g.name(), v)
                };
                for (ar, _) in g.versioned_resources(v) {
                    out.push(format!("{gv}/{}", ar.kind));
                }
                out.push(gv);
            }
        }
        out.sort();
        out.dedup();
        Ok(out)
    }

    /// Map `apiVersion` + `kind` to its resource and whether it is namespaced,
    /// from the cache (`None` when unknown).
    pub async fn resolve(
        &self,
        api_version: &str,
        kind: &str,
    ) -> Result<Option<(ApiResource, bool)>> {
        let d = self.discovery().await?;
        Ok(resolve_in(&d, api_version, kind))
    }

    /// Build objects from rendered manifests (`(source template, YAML)`),
    /// defaulting the namespace of namespaced kinds to [`Self::namespace`].
    /// Unknown kinds fail with Helm's `resource mapping not found …` text,
    /// all of them at once (Helm aggregates them as `[a, b]`).
    pub async fn build(&self, manifests: &[(String, String)]) -> Result<Vec<Resource>> {
        let docs = decode(manifests)?;
        let mut d = self.discovery().await?;
        if docs
            .iter()
            .any(|doc| resolve_in(&d, &doc.api_version, &doc.kind).is_none())
        {
            d = self.refresh_discovery().await?;
        }
        let mut out = Vec::new();
        let mut errs: Vec<Error> = Vec::new();
        for doc in docs {
            match resolve_in(&d, &doc.api_version, &doc.kind) {
                Some((ar, namespaced)) => out.push(self.finish(doc, ar, namespaced)),
                None => errs.push(no_mapping(&doc)),
            }
        }
        match errs.len() {
            0 => Ok(out),
            1 => Err(errs.remove(0)),
            _ => {
                let msg = format!(
                    "[{}]",
                    errs.iter()
                        .map(|e| e.message.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                let src = errs[0].source_path.clone();
                Err(Error {
                    kind: ErrorKind::NoMapping,
                    message: msg,
                    source_path: src,
                })
            }
        }
    }

    fn finish(&self, doc: Doc, ar: ApiResource, namespaced: bool) -> Resource {
        let mut object = doc.object;
        let namespace = if namespaced {
            let ns = if doc.namespace.is_empty() {
                self.namespace.clone()
            } else {
                doc.namespace
            };
            if let Some(meta) = object.get_mut("metadata").and_then(Json::as_object_mut) {
                meta.insert("namespace".into(), Json::String(ns.clone()));
            }
            Some(ns)
        } else {
            if let Some(meta) = object.get_mut("metadata").and_then(Json::as_object_mut) {
                meta.remove("namespace");
            }
            None
        };
        Resource {
            source: doc.source,
            api_resource: ar,
            namespaced,
            name: doc.name,
            namespace,
            object,
        }
    }

    /// A dynamic API handle for a resource in `ns` (ignored when cluster-scoped).
    pub fn api(&self, ar: &ApiResource, ns: Option<&str>) -> Api<DynamicObject> {
        match ns {
            Some(ns) => Api::namespaced_with(self.client.clone(), ns, ar),
            None => Api::all_with(self.client.clone(), ar),
        }
    }

    fn api_for(&self, r: &Resource) -> Api<DynamicObject> {
        self.api(&r.api_resource, r.namespace.as_deref())
    }

    /// `GET` the live object; `None` on 404.
    pub async fn get(&self, r: &Resource) -> Result<Option<Json>> {
        match self.api_for(r).get_opt(&r.name).await {
            Ok(o) => Ok(o.map(to_json)),
            Err(e) => Err(Error::from_kube(&r.describe(), e).with_source(&r.source)),
        }
    }

    /// The live state of many objects at once, in `rs` order (`None`: not
    /// found). Objects of one kind in one namespace are read with one LIST
    /// when there are several of them (a GET each otherwise), and the kinds
    /// are read concurrently: a 500-object release costs a LIST per kind
    /// instead of 500 round trips. A LIST the server refuses (RBAC may
    /// allow GET only) falls back to GETs.
    pub async fn get_many(&self, rs: &[Resource]) -> Result<Vec<Option<Json>>> {
        use futures::stream::{self, StreamExt};
        let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
        for (i, r) in rs.iter().enumerate() {
            let key = format!(
                "{}/{}/{}/{}",
                r.api_resource.group,
                r.api_resource.version,
                r.api_resource.kind,
                r.namespace.as_deref().unwrap_or("")
            );
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, v)) => v.push(i),
                None => groups.push((key, vec![i])),
            }
        }
        let results: Vec<Result<Found>> = stream::iter(groups)
            .map(|(_, idx)| self.read_group(rs, idx))
            .buffer_unordered(MAX_IN_FLIGHT)
            .collect()
            .await;
        let mut out = vec![None; rs.len()];
        for r in results {
            for (i, v) in r? {
                out[i] = v;
            }
        }
        Ok(out)
    }

    async fn read_group(
        &self,
        rs: &[Resource],
        idx: Vec<usize>,
    ) -> Result<Vec<(usize, Option<Json>)>> {
        if idx.len() > 1 {
            let first = &rs[idx[0]];
            let api = self.api_for(first);
            match api.list(&kube::api::ListParams::default()).await {
                Ok(list) => {
                    let mut by_name: std::collections::HashMap<String, Json> = list
                        .items
                        .into_iter()
                        .filter_map(|o| {
                            let name = o.metadata.name.clone()?;
                            let mut j = to_json(o);
                            // Items of a LIST carry no type; a GET's do.
                            if let Some(m) = j.as_object_mut() {
                                m.insert(
                                    "apiVersion".into(),
                                    Json::String(first.api_resource.api_version.clone()),
                                );
                                m.insert(
                                    "kind".into(),
                                    Json::String(first.api_resource.kind.clone()),
                                );
                            }
                            Some((name, j))
                        })
                        .collect();
                    return Ok(idx
                        .into_iter()
                        .map(|i| (i, by_name.remove(&rs[i].name)))
                        .collect());
                }
                Err(kube::Error::Api(s)) if s.code == 403 || s.code == 405 => {}
                Err(e) => {
                    return Err(Error::from_kube(&first.describe(), e).with_source(&first.source))
                }
            }
        }
        let gets = join_all(idx.iter().map(|&i| self.get(&rs[i]))).await;
        idx.into_iter()
            .zip(gets)
            .map(|(i, g)| g.map(|v| (i, v)))
            .collect()
    }

    /// `GET` the object as a server-side `Table` (what `kubectl get` and
    /// `helm status` print); `None` on 404.
    pub async fn get_table(&self, r: &Resource) -> Result<Option<Json>> {
        let base =
            <DynamicObject as kube::Resource>::url_path(&r.api_resource, r.namespace.as_deref());
        let req = http::Request::get(format!("{base}/{}", r.name))
            .header(
                "Accept",
                "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
            )
            .body(Vec::new())
            .map_err(|e| Error::new(ErrorKind::Other, e.to_string()))?;
        match self.client.request::<Json>(req).await {
            Ok(t) => Ok(Some(t)),
            Err(kube::Error::Api(s)) if s.code == 404 => Ok(None),
            Err(e) => Err(Error::from_kube(&r.describe(), e)),
        }
    }

    /// `POST` the object as `opts.field_manager` (Helm's client-side
    /// create sends its manager too); 409 AlreadyExists is an error the
    /// caller may ignore.
    pub async fn create(&self, r: &Resource, opts: &ApplyOptions) -> Result<Json> {
        let obj = to_dynamic(r)?;
        let pp = PostParams {
            dry_run: opts.dry_run,
            field_manager: Some(opts.field_manager.clone()),
        };
        self.api_for(r)
            .create(&pp, &obj)
            .await
            .map(to_json)
            .map_err(|e| Error::from_kube(&r.describe(), e).with_source(&r.source))
    }

    /// Server-side apply one object (creates or updates).
    pub async fn apply(&self, r: &Resource, opts: &ApplyOptions) -> Result<Json> {
        let mut pp = PatchParams::apply(&opts.field_manager);
        pp.force = opts.force;
        pp.dry_run = opts.dry_run;
        // Helm 4's server-side apply asks the server to reject unknown fields.
        pp.field_validation = Some(kube::api::ValidationDirective::Strict);
        self.api_for(r)
            .patch(&r.name, &pp, &Patch::Apply(&r.object))
            .await
            .map(to_json)
            .map_err(|e| Error::from_kube(&r.describe(), e).with_source(&r.source))
    }

    /// `PUT` the object over the live one (Helm's `--force-replace`): the
    /// live `resourceVersion` is copied in, as kubectl's replace with
    /// overwrite does; creates the object when it does not exist.
    pub async fn replace(&self, r: &Resource) -> Result<Json> {
        let Some(live) = self.get(r).await? else {
            return self.create(r, &ApplyOptions::default()).await;
        };
        let mut obj = to_dynamic(r)?;
        if let Some(rv) = live
            .pointer("/metadata/resourceVersion")
            .and_then(Json::as_str)
        {
            obj.metadata.resource_version = Some(rv.to_string());
        }
        self.api_for(r)
            .replace(&r.name, &PostParams::default(), &obj)
            .await
            .map(to_json)
            .map_err(|e| Error::from_kube(&r.describe(), e).with_source(&r.source))
    }

    /// Helm 4's switch of a release from client-side to server-side apply
    /// (`csaupgrade.UpgradeManagedFieldsPatch`): the fields `manager` owns
    /// through client-side updates become owned by its apply, so the first
    /// server-side apply does not conflict with the tool's own past.
    /// Returns whether the object needed it.
    /// `live` is the object as just read (`get_many`), saving a GET.
    pub async fn upgrade_managed_fields(
        &self,
        r: &Resource,
        manager: &str,
        live: &Json,
    ) -> Result<bool> {
        let entries = live
            .pointer("/metadata/managedFields")
            .and_then(Json::as_array)
            .cloned()
            .unwrap_or_default();
        let is = |e: &Json, op: &str| {
            e.get("manager").and_then(Json::as_str) == Some(manager)
                && e.get("operation").and_then(Json::as_str) == Some(op)
        };
        if !entries.iter().any(|e| is(e, "Update")) {
            return Ok(false);
        }
        let mut merged = Json::Object(Default::default());
        let mut template: Option<Json> = None;
        let mut out = Vec::new();
        for e in entries {
            if is(&e, "Update") || is(&e, "Apply") {
                union_fields(&mut merged, e.get("fieldsV1").unwrap_or(&Json::Null));
                if template.is_none() || is(&e, "Apply") {
                    template = Some(e);
                }
            } else {
                out.push(e);
            }
        }
        let mut entry = template.unwrap_or_default();
        if let Some(o) = entry.as_object_mut() {
            o.insert("operation".into(), Json::String("Apply".into()));
            o.insert("fieldsV1".into(), merged);
            o.remove("subresource");
        }
        out.push(entry);
        let patch = serde_json::json!({"metadata": {"managedFields": out,
            "resourceVersion": live.pointer("/metadata/resourceVersion").cloned().unwrap_or(Json::Null)}});
        let pp = PatchParams::default();
        self.api_for(r)
            .patch(&r.name, &pp, &Patch::Merge(&patch))
            .await
            .map_err(|e| Error::from_kube(&r.describe(), e).with_source(&r.source))?;
        Ok(true)
    }

    /// Client-side update (Helm's path for releases recorded with
    /// `apply_method: csa`): a JSON merge patch from the object as the old
    /// release rendered it to the new one, sent with `opts.field_manager`.
    /// Helm uses a strategic three-way merge for built-in kinds; this
    /// two-way patch is what it uses for unstructured objects (lists are
    /// replaced whole) — a documented simplification.
    pub async fn merge_update(
        &self,
        r: &Resource,
        old: Option<&Json>,
        opts: &ApplyOptions,
    ) -> Result<Json> {
        let patch = match old {
            Some(o) => merge_patch(o, &r.object),
            None => r.object.clone(),
        };
        let mut pp = PatchParams {
            field_manager: Some(opts.field_manager.clone()),
            ..Default::default()
        };
        pp.dry_run = opts.dry_run;
        self.api_for(r)
            .patch(&r.name, &pp, &Patch::Merge(&patch))
            .await
            .map(to_json)
            .map_err(|e| Error::from_kube(&r.describe(), e).with_source(&r.source))
    }

    /// Apply everything in Helm's install order: kinds one after another,
    /// objects of one kind concurrently. Stops after the first kind with a
    /// failure; the error lists every failure of that kind, one per line.
    pub async fn apply_all(
        &self,
        resources: &[Resource],
        opts: &ApplyOptions,
    ) -> Result<Vec<Json>> {
        let mut sorted = resources.to_vec();
        sort_for_install(&mut sorted);
        let mut out = Vec::new();
        for batch in by_kind(&sorted) {
            let results = join_all(batch.iter().map(|r| self.apply(r, opts))).await;
            out.extend(collect(results)?);
        }
        Ok(out)
    }

    /// Delete one object; 404 is reported as [`Deleted::NotFound`], not an error.
    pub async fn delete(&self, r: &Resource, propagation: Propagation) -> Result<Deleted> {
        self.delete_named(
            &r.api_resource,
            r.namespace.as_deref(),
            &r.name,
            propagation,
        )
        .await
    }

    /// Delete by coordinates (hooks, objects only known from an old manifest).
    pub async fn delete_named(
        &self,
        ar: &ApiResource,
        ns: Option<&str>,
        name: &str,
        propagation: Propagation,
    ) -> Result<Deleted> {
        let dp = DeleteParams {
            propagation_policy: Some(match propagation {
                Propagation::Background => PropagationPolicy::Background,
                Propagation::Foreground => PropagationPolicy::Foreground,
                Propagation::Orphan => PropagationPolicy::Orphan,
            }),
            ..Default::default()
        };
        match self.api(ar, ns).delete(name, &dp).await {
            Ok(_) => Ok(Deleted::Deleted),
            Err(kube::Error::Api(s)) if s.code == 404 => Ok(Deleted::NotFound),
            Err(e) => Err(Error::from_kube(&describe(&ar.kind, ns, name), e)),
        }
    }

    /// Delete everything in Helm's uninstall order (kinds one after another,
    /// one kind concurrently). Every object is attempted; failures are
    /// joined one per line.
    pub async fn delete_all(
        &self,
        resources: &[Resource],
        propagation: Propagation,
    ) -> Result<Vec<(String, Deleted)>> {
        let mut sorted = resources.to_vec();
        sort_for_uninstall(&mut sorted);
        let mut out = Vec::new();
        let mut errs = Vec::new();
        for batch in by_kind(&sorted) {
            let results = join_all(batch.iter().map(|r| self.delete(r, propagation))).await;
            for (r, res) in batch.iter().zip(results) {
                match res {
                    Ok(d) => out.push((r.describe(), d)),
                    Err(e) => errs.push(e),
                }
            }
        }
        if errs.is_empty() {
            Ok(out)
        } else {
            Err(join_errors(errs))
        }
    }
}

/// Union of two managed-fields sets (`fieldsV1` objects).
fn union_fields(into: &mut Json, from: &Json) {
    let (Some(a), Some(b)) = (into.as_object_mut(), from.as_object()) else {
        return;
    };
    for (k, v) in b {
        match a.get_mut(k) {
            Some(existing) => union_fields(existing, v),
            None => {
                a.insert(k.clone(), v.clone());
            }
        }
    }
}

/// An error and its sources, outermost first, duplicates dropped.
fn error_chain(e: &(dyn std::error::Error + 'static)) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for err in crate::error::sources(e) {
        let text = err.to_string();
        if !out.iter().any(|o| o.contains(&text)) {
            out.push(text);
        }
    }
    out
}

/// RFC 7386 merge patch turning `old` into `new` (removed keys → null).
pub fn merge_patch(old: &Json, new: &Json) -> Json {
    match (old, new) {
        (Json::Object(o), Json::Object(n)) => {
            let mut out = serde_json::Map::new();
            for (k, nv) in n {
                match o.get(k) {
                    Some(ov) if ov == nv => {}
                    Some(ov) => {
                        out.insert(k.clone(), merge_patch(ov, nv));
                    }
                    None => {
                        out.insert(k.clone(), nv.clone());
                    }
                }
            }
            for k in o.keys() {
                if !n.contains_key(k) {
                    out.insert(k.clone(), Json::Null);
                }
            }
            Json::Object(out)
        }
        _ => new.clone(),
    }
}

fn resolve_in(d: &Discovery, api_version: &str, kind: &str) -> Option<(ApiResource, bool)> {
    let (group, version) = match api_version.split_once('/') {
        Some((g, v)) => (g, v),
        None => ("", api_version),
    };
    let gvk = GroupVersionKind::gvk(group, version, kind);
    let (ar, caps) = d.resolve_gvk(&gvk)?;
    Some((ar, caps.scope == Scope::Namespaced))
}

/// Helm's (cli-runtime's) text for a kind the server does not serve.
fn no_mapping(doc: &Doc) -> Error {
    Error::new(
        ErrorKind::NoMapping,
        format!(
            "resource mapping not found for name: {:?} namespace: {:?} from \"\": no matches for kind {:?} in version {:?}\nensure CRDs are installed first",
            doc.name, doc.namespace, doc.kind, doc.api_version
        ),
    )
    .with_source(&doc.source)
}

fn to_dynamic(r: &Resource) -> Result<DynamicObject> {
    serde_json::from_value(r.object.clone()).map_err(|e| {
        Error::new(ErrorKind::Manifest, format!("{}: {e}", r.describe())).with_source(&r.source)
    })
}

pub(crate) fn to_json(o: DynamicObject) -> Json {
    serde_json::to_value(o).unwrap_or(Json::Null)
}

/// Consecutive runs of one kind (the input is already kind-sorted).
fn by_kind(sorted: &[Resource]) -> Vec<&[Resource]> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=sorted.len() {
        if i == sorted.len() || sorted[i].kind() != sorted[start].kind() {
            if i > start {
                out.push(&sorted[start..i]);
            }
            start = i;
        }
    }
    out
}

fn collect(results: Vec<Result<Json>>) -> Result<Vec<Json>> {
    let mut ok = Vec::new();
    let mut errs = Vec::new();
    for r in results {
        match r {
            Ok(v) => ok.push(v),
            Err(e) => errs.push(e),
        }
    }
    if errs.is_empty() {
        Ok(ok)
    } else {
        Err(join_errors(errs))
    }
}

/// Go's `errors.Join`: messages one per line; the first error's kind.
pub(crate) fn join_errors(mut errs: Vec<Error>) -> Error {
    if errs.len() == 1 {
        return errs.remove(0);
    }
    let msg = errs
        .iter()
        .map(|e| e.message.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    Error {
        kind: errs[0].kind.clone(),
        message: msg,
        source_path: errs[0].source_path.clone(),
    }
}
