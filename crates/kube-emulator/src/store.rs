//! The in-memory object store: one global resourceVersion counter, a bounded
//! event history (so watches can resume from a resourceVersion) and a
//! broadcast channel for live watchers.
//!
//! Everything lives behind one `std::sync::Mutex`: handlers do their whole
//! read-modify-write inside it, which makes each request atomic (no lost
//! updates between the optimistic-concurrency check and the write) without
//! any async locking. Nothing awaits while holding it.

use crate::resources::{self, ResInfo};
use crate::util::{meta_mut, meta_str};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::broadcast;

/// (group, resource, namespace, name); namespace is "" for cluster scope.
pub type Key = (String, String, String, String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    Added,
    Modified,
    Deleted,
}

#[derive(Debug)]
pub struct Event {
    pub rv: u64,
    pub etype: EventType,
    pub group: String,
    pub resource: String,
    pub namespace: String,
    pub object: Value,
    pub old: Option<Value>,
}

const HISTORY: usize = 20_000;

pub struct Inner {
    /// Every object. Written only through `insert_new`, `replace` and
    /// `remove`, which keep `owned` in step.
    pub objects: BTreeMap<Key, Value>,
    /// ownerReferences, inverted: owner uid → keys of its dependents (a
    /// cascading delete then finds them without scanning every object).
    owned: HashMap<String, BTreeSet<Key>>,
    pub rv: u64,
    history: VecDeque<Arc<Event>>,
    pub resources: Vec<Arc<ResInfo>>,
    /// Pod logs, keyed by (namespace, pod name).
    pub logs: HashMap<(String, String), String>,
    pub next_ip: u32,
    pub next_node_port: u32,
    tx: broadcast::Sender<Arc<Event>>,
}

pub struct Store {
    inner: Mutex<Inner>,
    tx: broadcast::Sender<Arc<Event>>,
}

impl Store {
    pub fn new() -> Arc<Store> {
        let (tx, _) = broadcast::channel(8192);
        let mut inner = Inner {
            objects: BTreeMap::new(),
            owned: HashMap::new(),
            rv: 100,
            history: VecDeque::new(),
            resources: resources::builtin(),
            logs: HashMap::new(),
            next_ip: 10,
            next_node_port: 30000,
            tx: tx.clone(),
        };
        for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            let obj = json!({
                "apiVersion": "v1", "kind": "Namespace",
                "metadata": {"name": ns, "labels": {"kubernetes.io/metadata.name": ns}},
                "spec": {"finalizers": ["kubernetes"]},
                "status": {"phase": "Active"}
            });
            inner.insert_new(("".into(), "namespaces".into(), "".into(), ns.into()), obj);
        }
        let node = json!({
            "apiVersion": "v1", "kind": "Node",
            "metadata": {"name": "emulator-node", "labels": {"kubernetes.io/hostname": "emulator-node", "kubernetes.io/os": "linux"}},
            "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}],
                        "nodeInfo": {"kubeletVersion": "v1.32.0"}}
        });
        inner.insert_new(
            ("".into(), "nodes".into(), "".into(), "emulator-node".into()),
            node,
        );
        Arc::new(Store {
            inner: Mutex::new(inner),
            tx,
        })
    }

    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        // A poisoned lock only means a handler panicked mid-request; the data
        // is still usable, and refusing every later request would be worse.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.tx.subscribe()
    }
}

impl Inner {
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.tx.subscribe()
    }

    pub fn find_resource(
        &self,
        group: &str,
        version: &str,
        resource: &str,
    ) -> Option<Arc<ResInfo>> {
        self.resources
            .iter()
            .find(|r| r.group == group && r.version == version && r.resource == resource)
            .cloned()
    }

    pub fn get(&self, key: &Key) -> Option<&Value> {
        self.objects.get(key)
    }

    fn bump(&mut self) -> u64 {
        self.rv += 1;
        self.rv
    }

    fn emit(&mut self, etype: EventType, key: &Key, object: Value, old: Option<Value>) {
        let ev = Arc::new(Event {
            rv: self.rv,
            etype,
            group: key.0.clone(),
            resource: key.1.clone(),
            namespace: key.2.clone(),
            object,
            old,
        });
        if self.history.len() >= HISTORY {
            self.history.pop_front();
        }
        self.history.push_back(ev.clone());
        let _ = self.tx.send(ev);
    }

    /// Stores a new object (metadata already complete except resourceVersion).
    pub fn insert_new(&mut self, key: Key, mut obj: Value) -> Value {
        let rv = self.bump();
        {
            let m = meta_mut(&mut obj);
            m.insert("resourceVersion".into(), json!(rv.to_string()));
            if !m.contains_key("uid") {
                m.insert("uid".into(), json!(uuid::Uuid::new_v4().to_string()));
            }
            if !m.contains_key("creationTimestamp") {
                m.insert(
                    "creationTimestamp".into(),
                    json!(crate::util::now_rfc3339()),
                );
            }
        }
        self.index_owners(&key, None, Some(&obj));
        self.objects.insert(key.clone(), obj.clone());
        self.emit(EventType::Added, &key, obj.clone(), None);
        obj
    }

    /// Replaces an existing object; returns the stored form. No-op writes
    /// (identical content) keep the old resourceVersion and emit nothing,
    /// as the apiserver does.
    pub fn replace(&mut self, key: Key, mut obj: Value) -> Value {
        let old = self.objects.get(&key).cloned();
        if let Some(o) = &old {
            let mut a = o.clone();
            let mut b = obj.clone();
            meta_mut(&mut a).remove("resourceVersion");
            meta_mut(&mut b).remove("resourceVersion");
            strip_times(&mut a);
            strip_times(&mut b);
            if a == b {
                return o.clone();
            }
        }
        let rv = self.bump();
        meta_mut(&mut obj).insert("resourceVersion".into(), json!(rv.to_string()));
        self.index_owners(&key, old.as_ref(), Some(&obj));
        self.objects.insert(key.clone(), obj.clone());
        let et = if old.is_some() {
            EventType::Modified
        } else {
            EventType::Added
        };
        self.emit(et, &key, obj.clone(), old);
        obj
    }

    pub fn remove(&mut self, key: &Key) -> Option<Value> {
        let mut obj = self.objects.remove(key)?;
        self.index_owners(key, Some(&obj), None);
        let rv = self.bump();
        meta_mut(&mut obj).insert("resourceVersion".into(), json!(rv.to_string()));
        if key.1 == "pods" && key.0.is_empty() {
            self.logs.remove(&(key.2.clone(), key.3.clone()));
        }
        self.emit(EventType::Deleted, key, obj.clone(), None);
        Some(obj)
    }

    pub fn list(&self, group: &str, resource: &str, namespace: Option<&str>) -> Vec<(Key, Value)> {
        // Keys sort by (group, resource, namespace, name): one kind (and
        // namespace) is one contiguous range.
        let ns = namespace.unwrap_or("");
        let from: Key = (group.into(), resource.into(), ns.into(), String::new());
        self.objects
            .range(from..)
            .take_while(|(k, _)| {
                k.0 == group && k.1 == resource && namespace.map_or(true, |n| k.2 == n)
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// Move `key` in the owner index from `old`'s owners to `new`'s.
    fn index_owners(&mut self, key: &Key, old: Option<&Value>, new: Option<&Value>) {
        fn owners(v: Option<&Value>) -> Vec<String> {
            v.and_then(crate::util::meta)
                .and_then(|m| m.get("ownerReferences"))
                .and_then(Value::as_array)
                .map(|refs| {
                    refs.iter()
                        .filter_map(|r| r.get("uid").and_then(Value::as_str))
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default()
        }
        let (before, after) = (owners(old), owners(new));
        if before == after {
            return;
        }
        for uid in before {
            if let Some(set) = self.owned.get_mut(&uid) {
                set.remove(key);
                if set.is_empty() {
                    self.owned.remove(&uid);
                }
            }
        }
        for uid in after {
            self.owned.entry(uid).or_default().insert(key.clone());
        }
    }

    /// Events after `rv` still in the history; `None` when `rv` is older
    /// than what the history retains (the watch must answer 410 Expired).
    pub fn events_since(&self, rv: u64) -> Option<Vec<Arc<Event>>> {
        if let Some(first) = self.history.front() {
            if rv + 1 < first.rv && rv < self.rv {
                return None;
            }
        }
        Some(self.history.iter().filter(|e| e.rv > rv).cloned().collect())
    }

    pub fn namespace_exists(&self, ns: &str) -> bool {
        self.objects
            .contains_key(&("".into(), "namespaces".into(), "".into(), ns.into()))
    }

    /// Recomputes the served resources from built-ins plus stored CRDs.
    pub fn refresh_crds(&mut self) {
        let mut res = resources::builtin();
        for ((g, r, _, _), crd) in &self.objects {
            if g == "apiextensions.k8s.io" && r == "customresourcedefinitions" {
                for info in resources::from_crd(crd) {
                    if !res.iter().any(|x| {
                        x.group == info.group
                            && x.version == info.version
                            && x.resource == info.resource
                    }) {
                        res.push(info);
                    }
                }
            }
        }
        self.resources = res;
    }

    /// Cascading delete of everything owned (ownerReferences) by `uid`.
    pub fn delete_dependents(&mut self, uid: &str, depth: usize) {
        if depth > 8 || uid.is_empty() {
            return;
        }
        let owned: Vec<(Key, String)> = self
            .owned
            .get(uid)
            .into_iter()
            .flatten()
            .filter_map(|k| Some((k.clone(), meta_str(self.objects.get(k)?, "uid").to_string())))
            .collect();
        for (k, child_uid) in owned {
            self.remove(&k);
            self.delete_dependents(&child_uid, depth + 1);
        }
    }
}

/// managedFields carry write times; they must not make no-op writes look like changes.
fn strip_times(v: &mut Value) {
    if let Some(mf) = v
        .get_mut("metadata")
        .and_then(|m| m.get_mut("managedFields"))
        .and_then(Value::as_array_mut)
    {
        for e in mf {
            if let Some(o) = e.as_object_mut() {
                o.remove("time");
            }
        }
    }
}
