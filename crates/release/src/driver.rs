//! Helm's storage drivers: where each revision's record lives.
//!
//! - `Secret` (Helm's default): a Secret of type `helm.sh/release.v1`
//!   named by the key, `data.release` = [`crate::encode`] (the API server
//!   base64s Secret data once more);
//! - `ConfigMap`: the same object shape as a ConfigMap;
//! - `Memory`: in-process, for `--dry-run`, tests and `HELM_DRIVER=memory`.
//!
//! Object labels are Helm's: the release's own labels first, then
//! `createdAt` (on create) or `modifiedAt` (on update) with the Unix time,
//! then `name`, `owner=helm`, `status`, `version`.  As in Helm v4.2.3,
//! `get` returns the release with the object's labels minus those system
//! labels, while `list` and `query` return the object's labels unfiltered.
//!
//! A driver bound to namespace `""` works across all namespaces (`list -A`);
//! writes then go to the release's own namespace, and `get`/`delete` find
//! the object through its `name`/`version` labels.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use k8s_openapi::ByteString;
use kube::api::{Api, DeleteParams, ListParams, ObjectMeta, PostParams};
use kube::Client;

use crate::codec::{decode, encode};
use crate::error::{Error, ErrorKind};
use crate::model::Release;
use crate::STORAGE_TYPE;

/// The Secret `type` Helm uses for records.
pub const SECRET_TYPE: &str = "helm.sh/release.v1";

/// Labels Helm manages itself (`systemLabels`); `--labels` may not set them.
pub const SYSTEM_LABELS: [&str; 6] = [
    "name",
    "owner",
    "status",
    "version",
    "createdAt",
    "modifiedAt",
];

/// Is `key` one of Helm's system labels?
pub fn is_system_label(key: &str) -> bool {
    SYSTEM_LABELS.contains(&key)
}

/// The labels minus Helm's system labels (Helm's `filterSystemLabels`).
pub fn filter_system_labels(labels: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    labels
        .iter()
        .filter(|(k, _)| !is_system_label(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// A release storage backend.
#[derive(Clone)]
pub enum Driver {
    Memory(Memory),
    Secrets(KubeDriver),
    ConfigMaps(KubeDriver),
}

/// Memory records: (namespace, key) → (release, object labels).
type MemStore = BTreeMap<(String, String), (Release, BTreeMap<String, String>)>;

/// In-process storage shared by clones (Helm's `driver.Memory`).
#[derive(Clone, Default)]
pub struct Memory {
    store: Arc<Mutex<MemStore>>,
    namespace: String,
    /// Test support: an error for chosen writes (shared by clones).
    fault: Arc<Mutex<Option<WriteFault>>>,
}

/// A record write, for [`Memory::set_write_fault`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteOp {
    Create,
    Update,
    Delete,
}

/// Decides whether a write fails: given the operation, the record key
/// and (for create/update) the release being written.
pub type WriteFault = Arc<dyn Fn(WriteOp, &str, Option<&Release>) -> Option<Error> + Send + Sync>;

/// Secrets or ConfigMaps in one namespace (`""` = all).
#[derive(Clone)]
pub struct KubeDriver {
    client: Client,
    namespace: String,
}

impl Driver {
    pub fn memory() -> Driver {
        Driver::Memory(Memory::default())
    }

    pub fn secrets(client: Client, namespace: &str) -> Driver {
        Driver::Secrets(KubeDriver {
            client,
            namespace: namespace.to_string(),
        })
    }

    pub fn configmaps(client: Client, namespace: &str) -> Driver {
        Driver::ConfigMaps(KubeDriver {
            client,
            namespace: namespace.to_string(),
        })
    }

    /// Helm's `HELM_DRIVER` selection: `""`/`secret`/`secrets`,
    /// `configmap`/`configmaps`, `memory`; `sql` is not supported.
    pub fn from_name(name: &str, client: Client, namespace: &str) -> Result<Driver, Error> {
        match name {
            "" | "secret" | "secrets" => Ok(Driver::secrets(client, namespace)),
            "configmap" | "configmaps" => Ok(Driver::configmaps(client, namespace)),
            "memory" => Ok(Driver::memory().in_namespace(namespace)),
            "sql" => Err(Error::new(
                ErrorKind::Unsupported,
                "the SQL storage driver (HELM_DRIVER=sql) is not supported by capstan",
            )),
            other => Err(Error::new(
                ErrorKind::Unsupported,
                format!("unknown driver {}", gotmpl::fmt::quote(other)),
            )),
        }
    }

    /// The same storage seen from another namespace (`""` = all).  For
    /// the memory driver the records are shared with `self`.
    pub fn in_namespace(&self, namespace: &str) -> Driver {
        match self {
            Driver::Memory(m) => Driver::Memory(Memory {
                store: m.store.clone(),
                namespace: namespace.to_string(),
                fault: m.fault.clone(),
            }),
            Driver::Secrets(k) => Driver::secrets(k.client.clone(), namespace),
            Driver::ConfigMaps(k) => Driver::configmaps(k.client.clone(), namespace),
        }
    }

    /// Helm's `Name()`.
    pub fn name(&self) -> &'static str {
        match self {
            Driver::Memory(_) => "Memory",
            Driver::Secrets(_) => "Secret",
            Driver::ConfigMaps(_) => "ConfigMap",
        }
    }

    /// The namespace this driver works in (`""` = all).
    pub fn namespace(&self) -> &str {
        match self {
            Driver::Memory(m) => &m.namespace,
            Driver::Secrets(k) | Driver::ConfigMaps(k) => &k.namespace,
        }
    }

    pub async fn get(&self, key: &str) -> Result<Release, Error> {
        match self {
            Driver::Memory(m) => m.get(key),
            Driver::Secrets(k) => k.get::<Secret>(key).await,
            Driver::ConfigMaps(k) => k.get::<ConfigMap>(key).await,
        }
    }

    /// Every record (`owner=helm`) for which `filter` is true; records that
    /// fail to decode are skipped, as Helm does.
    pub async fn list(
        &self,
        filter: &(dyn Fn(&Release) -> bool + Sync),
    ) -> Result<Vec<Release>, Error> {
        let all = match self {
            Driver::Memory(m) => m.select(&BTreeMap::new()),
            Driver::Secrets(k) => {
                k.select::<Secret>(&owner_selector(), "list: failed to list")
                    .await?
            }
            Driver::ConfigMaps(k) => {
                k.select::<ConfigMap>(&owner_selector(), "list: failed to list")
                    .await?
            }
        };
        Ok(all.into_iter().filter(|r| filter(r)).collect())
    }

    /// Records whose object labels match all of `labels`; `NotFound` when none do.
    pub async fn query(&self, labels: &BTreeMap<String, String>) -> Result<Vec<Release>, Error> {
        for v in labels.values() {
            validate_label_value(v)?;
        }
        let found = match self {
            Driver::Memory(m) => m.select(labels),
            Driver::Secrets(k) => {
                k.select::<Secret>(labels, "query: failed to query with labels")
                    .await?
            }
            Driver::ConfigMaps(k) => {
                k.select::<ConfigMap>(labels, "query: failed to query with labels")
                    .await?
            }
        };
        if found.is_empty() {
            return Err(Error::not_found());
        }
        Ok(found)
    }

    /// Stores a new record; `AlreadyExists` if the key is taken.
    pub async fn create(&self, key: &str, r: &Release) -> Result<(), Error> {
        let labels = object_labels(r, "createdAt");
        match self {
            Driver::Memory(m) => m.create(key, r, labels),
            Driver::Secrets(k) => k.create::<Secret>(key, r, labels).await,
            Driver::ConfigMaps(k) => k.create::<ConfigMap>(key, r, labels).await,
        }
    }

    /// Replaces an existing record.
    pub async fn update(&self, key: &str, r: &Release) -> Result<(), Error> {
        let labels = object_labels(r, "modifiedAt");
        match self {
            Driver::Memory(m) => m.update(key, r, labels),
            Driver::Secrets(k) => k.update::<Secret>(key, r, labels).await,
            Driver::ConfigMaps(k) => k.update::<ConfigMap>(key, r, labels).await,
        }
    }

    /// Removes a record and returns it; `NotFound` if absent.
    pub async fn delete(&self, key: &str) -> Result<Release, Error> {
        match self {
            Driver::Memory(m) => m.delete(key),
            Driver::Secrets(k) => k.delete::<Secret>(key).await,
            Driver::ConfigMaps(k) => k.delete::<ConfigMap>(key).await,
        }
    }
}

fn owner_selector() -> BTreeMap<String, String> {
    BTreeMap::from([("owner".to_string(), "helm".to_string())])
}

/// Helm's label set for a record object.
fn object_labels(r: &Release, time_label: &str) -> BTreeMap<String, String> {
    let mut l = r.labels.clone();
    l.insert(
        time_label.to_string(),
        crate::time::Time::now().unix().to_string(),
    );
    l.insert("name".into(), r.name.clone());
    l.insert("owner".into(), "helm".into());
    l.insert("status".into(), r.info.status.as_str().into());
    l.insert("version".into(), r.version.to_string());
    l
}

/// `k1=v1,k2=v2` (sorted, as `labels.Set.AsSelector().String()`).
fn selector(labels: &BTreeMap<String, String>) -> String {
    labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// Kubernetes' `IsValidLabelValue`, with its messages.
fn validate_label_value(v: &str) -> Result<(), Error> {
    let mut errs = Vec::new();
    if v.len() > 63 {
        errs.push("must be no more than 63 characters".to_string());
    }
    let b = v.as_bytes();
    let ok = b.is_empty()
        || (b[0].is_ascii_alphanumeric()
            && b[b.len() - 1].is_ascii_alphanumeric()
            && b.iter()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.')));
    if !ok {
        errs.push(
            "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must \
             start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used \
             for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
                .to_string(),
        );
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::Kube,
            format!(
                "invalid label value: {}: {}",
                gotmpl::fmt::quote(v),
                errs.join("; ")
            ),
        ))
    }
}

/// `sh.helm.release.v1.NAME.vN` → (NAME, N), as Helm's memory driver parses keys.
pub fn parse_key(key: &str) -> Option<(String, i64)> {
    let rest = key.strip_prefix(&format!("{STORAGE_TYPE}.")).unwrap_or(key);
    let parts: Vec<&str> = rest.split(".v").collect();
    if parts.len() != 2 {
        return None;
    }
    let v: i64 = parts[1].parse().ok()?;
    Some((parts[0].to_string(), v))
}

// ---------------------------------------------------------------------------
// Memory

impl Memory {
    /// Test support (Helm's action tests swap in a failing driver): make
    /// the writes `fault` picks fail with its error; `None` heals.
    pub fn set_write_fault(&self, fault: Option<WriteFault>) {
        *self.fault.lock().unwrap_or_else(|e| e.into_inner()) = fault;
    }

    fn injected(&self, op: WriteOp, key: &str, r: Option<&Release>) -> Result<(), Error> {
        let fault = self.fault.lock().unwrap_or_else(|e| e.into_inner()).clone();
        match fault.and_then(|f| f(op, key, r)) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MemStore> {
        // A poisoned lock only means another thread panicked mid-operation;
        // the map itself is still consistent (every write is one insert/remove).
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn find(&self, key: &str) -> Option<(String, String)> {
        let store = self.lock();
        if self.namespace.is_empty() {
            store.keys().find(|(_, k)| k == key).cloned()
        } else {
            let id = (self.namespace.clone(), key.to_string());
            store.contains_key(&id).then_some(id)
        }
    }

    fn get(&self, key: &str) -> Result<Release, Error> {
        parse_key(key).ok_or_else(Error::invalid_key)?;
        let id = self.find(key).ok_or_else(Error::not_found)?;
        let store = self.lock();
        let (r, labels) = store.get(&id).ok_or_else(Error::not_found)?;
        let mut r = r.clone();
        r.labels = filter_system_labels(labels);
        Ok(r)
    }

    fn select(&self, want: &BTreeMap<String, String>) -> Vec<Release> {
        let store = self.lock();
        store
            .iter()
            .filter(|((ns, _), _)| self.namespace.is_empty() || *ns == self.namespace)
            .filter(|(_, (_, labels))| want.iter().all(|(k, v)| labels.get(k) == Some(v)))
            .map(|(_, (r, labels))| {
                let mut r = r.clone();
                r.labels = labels.clone();
                r
            })
            .collect()
    }

    fn ns_for(&self, r: &Release) -> String {
        if self.namespace.is_empty() {
            r.namespace.clone()
        } else {
            self.namespace.clone()
        }
    }

    fn create(
        &self,
        key: &str,
        r: &Release,
        labels: BTreeMap<String, String>,
    ) -> Result<(), Error> {
        parse_key(key).ok_or_else(Error::invalid_key)?;
        self.injected(WriteOp::Create, key, Some(r))?;
        let id = (self.ns_for(r), key.to_string());
        let mut store = self.lock();
        if store.contains_key(&id) {
            return Err(Error::already_exists());
        }
        store.insert(id, (r.clone(), labels));
        Ok(())
    }

    fn update(
        &self,
        key: &str,
        r: &Release,
        labels: BTreeMap<String, String>,
    ) -> Result<(), Error> {
        self.injected(WriteOp::Update, key, Some(r))?;
        let id = (self.ns_for(r), key.to_string());
        let mut store = self.lock();
        if !store.contains_key(&id) {
            return Err(Error::not_found());
        }
        store.insert(id, (r.clone(), labels));
        Ok(())
    }

    fn delete(&self, key: &str) -> Result<Release, Error> {
        parse_key(key).ok_or_else(Error::invalid_key)?;
        self.injected(WriteOp::Delete, key, None)?;
        let id = self.find(key).ok_or_else(Error::not_found)?;
        let mut store = self.lock();
        let (mut r, labels) = store.remove(&id).ok_or_else(Error::not_found)?;
        r.labels = filter_system_labels(&labels);
        Ok(r)
    }
}

// ---------------------------------------------------------------------------
// Secrets and ConfigMaps

/// What the two Kubernetes drivers need from their object type.
trait RecordObject:
    kube::Resource<Scope = k8s_openapi::NamespaceResourceScope, DynamicType = ()>
    + Clone
    + std::fmt::Debug
    + serde::de::DeserializeOwned
    + serde::Serialize
    + Send
    + Sync
    + 'static
{
    fn build(meta: ObjectMeta, encoded: String) -> Self;
    fn payload(&self) -> Option<String>;
}

impl RecordObject for Secret {
    fn build(meta: ObjectMeta, encoded: String) -> Secret {
        Secret {
            metadata: meta,
            type_: Some(SECRET_TYPE.to_string()),
            data: Some(BTreeMap::from([(
                "release".to_string(),
                ByteString(encoded.into_bytes()),
            )])),
            ..Default::default()
        }
    }
    fn payload(&self) -> Option<String> {
        let b = self.data.as_ref()?.get("release")?;
        Some(String::from_utf8_lossy(&b.0).into_owned())
    }
}

impl RecordObject for ConfigMap {
    fn build(meta: ObjectMeta, encoded: String) -> ConfigMap {
        ConfigMap {
            metadata: meta,
            data: Some(BTreeMap::from([("release".to_string(), encoded)])),
            ..Default::default()
        }
    }
    fn payload(&self) -> Option<String> {
        self.data.as_ref()?.get("release").cloned()
    }
}

/// Tell the user, once per record and process, that a release record
/// cannot be read and is left out (the CLI has no other channel from here).
fn warn_unreadable(key: &str, namespace: &str, e: &Error) {
    static SEEN: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let id = format!("{namespace}/{key}");
    let mut seen = SEEN.lock().unwrap_or_else(|p| p.into_inner());
    if seen.contains(&id) {
        return;
    }
    seen.push(id);
    eprintln!(
        "WARNING: release record {key} in namespace {namespace:?} cannot be read and is skipped \
         (the release's history looks older than it is, and its next revision may collide \
         with this record): {}",
        e.message
    );
}

/// The API server's message for API errors, kube-rs' text otherwise.
fn kube_text(e: &kube::Error) -> String {
    match e {
        kube::Error::Api(s) if !s.message.is_empty() => s.message.clone(),
        // The operation's `--timeout` ran out while the request waited
        // (tower's `Elapsed`, from the cluster client's timeout layer).
        other if timed_out(other) => "context deadline exceeded".to_string(),
        other => other.to_string(),
    }
}

fn timed_out(e: &kube::Error) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if err.to_string() == "request timed out" && err.source().is_none() {
            return true;
        }
        cur = err.source();
    }
    false
}

fn is_not_found(e: &kube::Error) -> bool {
    matches!(e, kube::Error::Api(s) if s.is_not_found())
}

fn is_already_exists(e: &kube::Error) -> bool {
    matches!(e, kube::Error::Api(s) if s.is_already_exists())
}

impl KubeDriver {
    fn api<K: RecordObject>(&self, namespace: &str) -> Api<K> {
        if namespace.is_empty() {
            Api::all(self.client.clone())
        } else {
            Api::namespaced(self.client.clone(), namespace)
        }
    }

    /// Decodes one object's record.
    fn decode_object<K: RecordObject>(obj: &K) -> Result<Release, Error> {
        let payload = obj
            .payload()
            .ok_or_else(|| Error::codec("the object has no data.release"))?;
        decode(&payload)
    }

    /// In all-namespaces mode, the object named `key`, found by its labels.
    async fn find_any_namespace<K: RecordObject>(&self, key: &str) -> Result<K, Error> {
        let (name, version) = parse_key(key).ok_or_else(Error::invalid_key)?;
        let sel = BTreeMap::from([
            ("name".to_string(), name),
            ("owner".to_string(), "helm".to_string()),
            ("version".to_string(), version.to_string()),
        ]);
        let list = self
            .api::<K>("")
            .list(&ListParams::default().labels(&selector(&sel)))
            .await
            .map_err(|e| {
                Error::kube(format!(
                    "get: failed to get {}: {}",
                    gotmpl::fmt::quote(key),
                    kube_text(&e)
                ))
            })?;
        list.items
            .into_iter()
            .find(|o| o.meta().name.as_deref() == Some(key))
            .ok_or_else(Error::not_found)
    }

    async fn fetch<K: RecordObject>(&self, key: &str) -> Result<K, Error> {
        if self.namespace.is_empty() {
            return self.find_any_namespace::<K>(key).await;
        }
        match self.api::<K>(&self.namespace).get(key).await {
            Ok(o) => Ok(o),
            Err(e) if is_not_found(&e) => Err(Error::not_found()),
            Err(e) => Err(Error::kube(format!(
                "get: failed to get {}: {}",
                gotmpl::fmt::quote(key),
                kube_text(&e)
            ))),
        }
    }

    async fn get<K: RecordObject>(&self, key: &str) -> Result<Release, Error> {
        let obj = self.fetch::<K>(key).await?;
        let mut r = Self::decode_object(&obj).map_err(|e| {
            Error::new(
                e.kind,
                format!(
                    "get: failed to decode data {}: {}",
                    gotmpl::fmt::quote(key),
                    e.message
                ),
            )
        })?;
        r.labels = filter_system_labels(obj.meta().labels.as_ref().unwrap_or(&BTreeMap::new()));
        Ok(r)
    }

    async fn select<K: RecordObject>(
        &self,
        labels: &BTreeMap<String, String>,
        what: &str,
    ) -> Result<Vec<Release>, Error> {
        let list = self
            .api::<K>(&self.namespace)
            .list(&ListParams::default().labels(&selector(labels)))
            .await
            .map_err(|e| Error::kube(format!("{what}: {}", kube_text(&e))))?;
        let mut out = Vec::with_capacity(list.items.len());
        for obj in &list.items {
            // Helm skips undecodable records, saying so only at debug
            // level; the release then looks older than it is (and its next
            // revision collides with the record). Skip, but say which.
            let mut r = match Self::decode_object(obj) {
                Ok(r) => r,
                Err(e) => {
                    warn_unreadable(
                        obj.meta().name.as_deref().unwrap_or(""),
                        &self.namespace,
                        &e,
                    );
                    continue;
                }
            };
            r.labels = obj.meta().labels.clone().unwrap_or_default();
            out.push(r);
        }
        Ok(out)
    }

    fn object<K: RecordObject>(
        &self,
        key: &str,
        r: &Release,
        labels: BTreeMap<String, String>,
        op: &str,
    ) -> Result<(K, String), Error> {
        let encoded = encode(r).map_err(|e| {
            Error::codec(format!(
                "{op}: failed to encode release {}: {}",
                gotmpl::fmt::quote(&r.name),
                e.message
            ))
        })?;
        let ns = if self.namespace.is_empty() {
            r.namespace.clone()
        } else {
            self.namespace.clone()
        };
        let meta = ObjectMeta {
            name: Some(key.to_string()),
            labels: Some(labels),
            ..Default::default()
        };
        Ok((K::build(meta, encoded), ns))
    }

    async fn create<K: RecordObject>(
        &self,
        key: &str,
        r: &Release,
        labels: BTreeMap<String, String>,
    ) -> Result<(), Error> {
        let (obj, ns) = self.object::<K>(key, r, labels, "create")?;
        match self
            .api::<K>(&ns)
            .create(&PostParams::default(), &obj)
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if is_already_exists(&e) => Err(Error::already_exists()),
            Err(e) => Err(Error::kube(format!(
                "create: failed to create: {}",
                kube_text(&e)
            ))),
        }
    }

    async fn update<K: RecordObject>(
        &self,
        key: &str,
        r: &Release,
        labels: BTreeMap<String, String>,
    ) -> Result<(), Error> {
        let (obj, ns) = self.object::<K>(key, r, labels, "update")?;
        match self
            .api::<K>(&ns)
            .replace(key, &PostParams::default(), &obj)
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if is_not_found(&e) => Err(Error::not_found()),
            Err(e) => Err(Error::kube(format!(
                "update: failed to update: {}",
                kube_text(&e)
            ))),
        }
    }

    async fn delete<K: RecordObject>(&self, key: &str) -> Result<Release, Error> {
        let obj = self.fetch::<K>(key).await?;
        let mut r = Self::decode_object(&obj).map_err(|e| {
            Error::new(
                e.kind,
                format!(
                    "get: failed to decode data {}: {}",
                    gotmpl::fmt::quote(key),
                    e.message
                ),
            )
        })?;
        r.labels = filter_system_labels(obj.meta().labels.as_ref().unwrap_or(&BTreeMap::new()));
        let ns = obj
            .meta()
            .namespace
            .clone()
            .unwrap_or_else(|| self.namespace.clone());
        match self
            .api::<K>(&ns)
            .delete(key, &DeleteParams::default())
            .await
        {
            Ok(_) => Ok(r),
            Err(e) if is_not_found(&e) => Err(Error::not_found()),
            Err(e) => Err(Error::kube(format!(
                "delete: failed to delete {}: {}",
                gotmpl::fmt::quote(key),
                kube_text(&e)
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_label_values() {
        assert_eq!(
            parse_key("sh.helm.release.v1.web.v12"),
            Some(("web".into(), 12))
        );
        assert_eq!(parse_key("sh.helm.release.v1.web.vx"), None);
        assert!(validate_label_value("pending-install").is_ok());
        assert!(validate_label_value("").is_ok());
        assert!(validate_label_value("-x").is_err());
        assert!(validate_label_value(&"a".repeat(64)).is_err());
    }
}
