//! The release record: Helm v4.2.3's `release/v1.Release` and the chart
//! snapshot it embeds (`chart/v2.Chart`), shaped for Go's `encoding/json`.
//!
//! Field order, names and omission rules below mirror the Go struct tags
//! (`omitempty`, `omitzero`, `-`) of Helm v4.2.3 exactly, because records
//! written by capstan must be byte-identical to what Helm would write and
//! records written by Helm must survive a read/write cycle unchanged.
//! Where Go distinguishes a nil slice/map/pointer (`null`) from an empty
//! one, the Rust type is an `Option`.
//!
//! Decoding follows `encoding/json` leniency where it matters for old
//! records: unknown fields are ignored, `null` leaves a field at its zero
//! value, empty-string times are zero times (Helm's custom unmarshalers),
//! and Helm 3 records (no `apply_method`, `deleted` always present) decode.
//! Not reproduced: Go's case-insensitive field matching, and `null` items
//! inside `templates`/`files`/`hooks` (dropped).

use std::collections::BTreeMap;

use base64::Engine;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::time::Time;
use crate::Json;

// ---------------------------------------------------------------------------
// serde helpers

/// `null` (or absent, with `#[serde(default)]`) → the zero value, as Go does.
fn nd<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A slice of pointers: `null` items are dropped.
fn vec_skip_null<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    let v: Option<Vec<Option<T>>> = Option::deserialize(d)?;
    Ok(v.unwrap_or_default().into_iter().flatten().collect())
}

fn opt_vec_skip_null<'de, D, T>(d: D) -> Result<Option<Vec<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    let v: Option<Vec<Option<T>>> = Option::deserialize(d)?;
    Ok(v.map(|v| v.into_iter().flatten().collect()))
}

fn b64_decode<E: serde::de::Error>(s: &str) -> Result<Vec<u8>, E> {
    // Go's decoder ignores \r and \n inside the text.
    let cleaned: String = s.chars().filter(|c| *c != '\r' && *c != '\n').collect();
    base64::engine::general_purpose::STANDARD
        .decode(cleaned.as_bytes())
        .map_err(|e| E::custom(format!("illegal base64 data: {e}")))
}

/// Go `[]byte`: standard base64 (`null` → empty).
fn ser_bytes<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(v))
}
fn de_bytes<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(Vec::new()),
        Some(s) => b64_decode(&s),
    }
}
/// Go `[]byte` where nil (`null`) matters.
fn ser_opt_bytes<S: Serializer>(v: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        None => s.serialize_none(),
        Some(b) => ser_bytes(b, s),
    }
}
fn de_opt_bytes<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(s) => b64_decode(&s).map(Some),
    }
}

fn is_zero_i64(v: &i64) -> bool {
    *v == 0
}
fn is_false(v: &bool) -> bool {
    !*v
}
/// `omitempty` on a `map[string][]runtime.Object`: nil or empty.
fn resources_empty(v: &Option<Json>) -> bool {
    match v {
        None | Some(Json::Null) => true,
        Some(Json::Object(m)) => m.is_empty(),
        _ => false,
    }
}

// ---------------------------------------------------------------------------
// Status

/// `release/common.Status`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Status {
    #[default]
    Unknown,
    Deployed,
    Uninstalled,
    Superseded,
    Failed,
    Uninstalling,
    PendingInstall,
    PendingUpgrade,
    PendingRollback,
}

impl Status {
    pub const ALL: [Status; 9] = [
        Status::Unknown,
        Status::Deployed,
        Status::Uninstalled,
        Status::Superseded,
        Status::Failed,
        Status::Uninstalling,
        Status::PendingInstall,
        Status::PendingUpgrade,
        Status::PendingRollback,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Unknown => "unknown",
            Status::Deployed => "deployed",
            Status::Uninstalled => "uninstalled",
            Status::Superseded => "superseded",
            Status::Failed => "failed",
            Status::Uninstalling => "uninstalling",
            Status::PendingInstall => "pending-install",
            Status::PendingUpgrade => "pending-upgrade",
            Status::PendingRollback => "pending-rollback",
        }
    }

    /// Helm's `IsPending`: pending install, upgrade or rollback.
    pub fn is_pending(&self) -> bool {
        matches!(
            self,
            Status::PendingInstall | Status::PendingUpgrade | Status::PendingRollback
        )
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.iter().copied().find(|st| st.as_str() == s)
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Status {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Status {
    /// Unrecognised (or empty) strings read as `Unknown`.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Status, D::Error> {
        let s: Option<String> = Option::deserialize(d)?;
        Ok(s.as_deref().and_then(Status::parse).unwrap_or_default())
    }
}

// ---------------------------------------------------------------------------
// Release

/// `release/v1.Release`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Release {
    #[serde(
        default,
        deserialize_with = "nd",
        skip_serializing_if = "String::is_empty"
    )]
    pub name: String,
    /// Go `*Info` with `omitempty`; always present in records.
    #[serde(default, deserialize_with = "nd")]
    pub info: Info,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chart: Option<ChartRecord>,
    /// The user-supplied values (not the chart defaults).
    #[serde(
        default,
        deserialize_with = "nd",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub config: BTreeMap<String, Json>,
    #[serde(
        default,
        deserialize_with = "nd",
        skip_serializing_if = "String::is_empty"
    )]
    pub manifest: String,
    #[serde(
        default,
        deserialize_with = "vec_skip_null",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub hooks: Vec<Hook>,
    #[serde(default, deserialize_with = "nd", skip_serializing_if = "is_zero_i64")]
    pub version: i64,
    #[serde(
        default,
        deserialize_with = "nd",
        skip_serializing_if = "String::is_empty"
    )]
    pub namespace: String,
    /// Not in the JSON (`json:"-"`): lives in the storage object's labels.
    #[serde(skip)]
    pub labels: BTreeMap<String, String>,
    /// `"ssa"` or `"csa"`; `None` in Helm 3 records (meaning client-side apply).
    #[serde(default, skip_serializing_if = "opt_str_empty")]
    pub apply_method: Option<String>,
}

fn opt_str_empty(v: &Option<String>) -> bool {
    v.as_deref().map_or(true, str::is_empty)
}

impl Release {
    /// The storage key `sh.helm.release.v1.NAME.vVERSION`.
    pub fn key(&self) -> String {
        crate::make_key(&self.name, self.version)
    }

    /// Helm's `SetStatus`.
    pub fn set_status(&mut self, status: Status, description: impl Into<String>) {
        self.info.status = status;
        self.info.description = description.into();
    }

    /// `config` (the user-supplied values) as a template value; numbers are
    /// float64, as after Helm decodes a record.  Not merged with the chart's
    /// defaults (see [`ChartRecord::values`]).
    pub fn config_value(&self) -> gotmpl::Value {
        crate::codec::json_to_values(&Json::Object(self.config.clone().into_iter().collect()))
    }

    /// `config` as Helm holds it after reading a record: `null` when empty
    /// (the record omits an empty map), else the map.
    pub fn config_json(&self) -> Json {
        if self.config.is_empty() {
            Json::Null
        } else {
            Json::Object(self.config.clone().into_iter().collect())
        }
    }
}

/// `release/v1.Info`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Info {
    #[serde(default, skip_serializing_if = "Time::is_zero")]
    pub first_deployed: Time,
    #[serde(default, skip_serializing_if = "Time::is_zero")]
    pub last_deployed: Time,
    /// Helm 3 always wrote it (zero time included); Helm 4 omits a zero time.
    #[serde(default, skip_serializing_if = "Time::is_zero")]
    pub deleted: Time,
    #[serde(
        default,
        deserialize_with = "nd",
        skip_serializing_if = "String::is_empty"
    )]
    pub description: String,
    #[serde(default)]
    pub status: Status,
    /// Not a field of Helm v4.2.3 (later Helm versions may write it); read
    /// when present, written only when non-zero, so records stay byte-exact.
    #[serde(default, deserialize_with = "nd", skip_serializing_if = "is_zero_i64")]
    pub rollback_revision: i64,
    #[serde(
        default,
        deserialize_with = "nd",
        skip_serializing_if = "String::is_empty"
    )]
    pub notes: String,
    /// Only used for status display; Helm does not store it in practice.
    #[serde(default, skip_serializing_if = "resources_empty")]
    pub resources: Option<Json>,
}

/// `release/v1.Hook`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Hook {
    #[serde(
        default,
        deserialize_with = "nd",
        skip_serializing_if = "String::is_empty"
    )]
    pub name: String,
    #[serde(
        default,
        deserialize_with = "nd",
        skip_serializing_if = "String::is_empty"
    )]
    pub kind: String,
    #[serde(
        default,
        deserialize_with = "nd",
        skip_serializing_if = "String::is_empty"
    )]
    pub path: String,
    #[serde(
        default,
        deserialize_with = "nd",
        skip_serializing_if = "String::is_empty"
    )]
    pub manifest: String,
    #[serde(
        default,
        deserialize_with = "nd",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub events: Vec<String>,
    /// A struct: `omitempty` never omits it.
    #[serde(default, deserialize_with = "nd")]
    pub last_run: HookExecution,
    #[serde(default, deserialize_with = "nd", skip_serializing_if = "is_zero_i64")]
    pub weight: i64,
    #[serde(
        default,
        deserialize_with = "nd",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub delete_policies: Vec<String>,
    #[serde(
        default,
        deserialize_with = "nd",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub output_log_policies: Vec<String>,
}

/// `release/v1.HookExecution`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HookExecution {
    #[serde(default, skip_serializing_if = "Time::is_zero")]
    pub started_at: Time,
    #[serde(default, skip_serializing_if = "Time::is_zero")]
    pub completed_at: Time,
    /// `""`, `Unknown`, `Running`, `Succeeded`, `Failed`; always written.
    #[serde(default, deserialize_with = "nd")]
    pub phase: String,
}

// ---------------------------------------------------------------------------
// Chart snapshot

/// `chart/v2.Chart` as serialized in a record: the root chart only
/// (subcharts are not serialized, so a stored chart has no dependencies).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ChartRecord {
    #[serde(default)]
    pub metadata: Option<MetadataRecord>,
    #[serde(default)]
    pub lock: Option<LockRecord>,
    #[serde(default, deserialize_with = "opt_vec_skip_null")]
    pub templates: Option<Vec<FileRecord>>,
    /// The chart's default values (`values.yaml`).
    #[serde(default)]
    pub values: Option<serde_json::Map<String, Json>>,
    #[serde(
        default,
        serialize_with = "ser_opt_bytes",
        deserialize_with = "de_opt_bytes"
    )]
    pub schema: Option<Vec<u8>>,
    /// No `omitzero` on this one: `0001-01-01T00:00:00Z` is written.
    #[serde(default)]
    pub schemamodtime: Time,
    #[serde(default, deserialize_with = "opt_vec_skip_null")]
    pub files: Option<Vec<FileRecord>>,
    #[serde(default, skip_serializing_if = "Time::is_zero")]
    pub modtime: Time,
}

/// `chart/common.File`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FileRecord {
    #[serde(default, deserialize_with = "nd")]
    pub name: String,
    /// A `null` data field reads as empty and is written back as `""`.
    #[serde(default, serialize_with = "ser_bytes", deserialize_with = "de_bytes")]
    pub data: Vec<u8>,
    #[serde(default, skip_serializing_if = "Time::is_zero")]
    pub modtime: Time,
}

/// `chart/v2.Metadata`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MetadataRecord {
    #[serde(
        default,
        deserialize_with = "nd",
        skip_serializing_if = "String::is_empty"
    )]
    pub name: String,
    #[serde(
        default,
        deserialize_with = "nd",
        skip_serializing_if = "String::is_empty"
    )]
    pub home: String,
    #[serde(
        default,
        deserialize_with = "nd",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub sources: Vec<String>,
    #[serde(
        default,
        deserialize_with = "nd",
        skip_serializing_if = "String::is_empty"
    )]
    pub version: String,
    #[serde(
        default,
        deserialize_with = "nd",
        skip_serializing_if = "String::is_empty"
    )]
    pub description: String,
    #[serde(
        default,
        deserialize_with = "nd",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub keywords: Vec<String>,
    /// `[]*Maintainer`: `None` items are `null`.
    #[serde(
        default,
        deserialize_with = "nd",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub maintainers: Vec<Option<MaintainerRecord>>,
    #[serde(
        default,
        deserialize_with = "nd",
        skip_serializing_if = "String::is_empty"
    )]
    pub icon: String,
    #[serde(
        rename = "apiVersion",
        default,
        deserialize_with = "nd",
        skip_serializing_if = "String::is_empty"
    )]
    pub api_version: String,
    #[serde(
        default,
        deserialize_with = "nd",
        skip_serializing_if = "String::is_empty"
    )]
    pub condition: String,
    #[serde(
        default,
        deserialize_with = "nd",
        skip_serializing_if = "String::is_empty"
    )]
    pub tags: String,
    #[serde(
        rename = "appVersion",
        default,
        deserialize_with = "nd",
        skip_serializing_if = "String::is_empty"
    )]
    pub app_version: String,
    #[serde(default, deserialize_with = "nd", skip_serializing_if = "is_false")]
    pub deprecated: bool,
    #[serde(
        default,
        deserialize_with = "nd",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub annotations: BTreeMap<String, String>,
    #[serde(
        rename = "kubeVersion",
        default,
        deserialize_with = "nd",
        skip_serializing_if = "String::is_empty"
    )]
    pub kube_version: String,
    #[serde(
        default,
        deserialize_with = "nd",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub dependencies: Vec<Option<DependencyRecord>>,
    #[serde(
        rename = "type",
        default,
        deserialize_with = "nd",
        skip_serializing_if = "String::is_empty"
    )]
    pub chart_type: String,
}

/// `chart/v2.Maintainer`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MaintainerRecord {
    #[serde(
        default,
        deserialize_with = "nd",
        skip_serializing_if = "String::is_empty"
    )]
    pub name: String,
    #[serde(
        default,
        deserialize_with = "nd",
        skip_serializing_if = "String::is_empty"
    )]
    pub email: String,
    #[serde(
        default,
        deserialize_with = "nd",
        skip_serializing_if = "String::is_empty"
    )]
    pub url: String,
}

/// `chart/v2.Dependency` (v4.2.3 has no `depends-on`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DependencyRecord {
    #[serde(default, deserialize_with = "nd")]
    pub name: String,
    #[serde(
        default,
        deserialize_with = "nd",
        skip_serializing_if = "String::is_empty"
    )]
    pub version: String,
    #[serde(default, deserialize_with = "nd")]
    pub repository: String,
    #[serde(
        default,
        deserialize_with = "nd",
        skip_serializing_if = "String::is_empty"
    )]
    pub condition: String,
    #[serde(
        default,
        deserialize_with = "nd",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub tags: Vec<String>,
    #[serde(default, deserialize_with = "nd", skip_serializing_if = "is_false")]
    pub enabled: bool,
    #[serde(
        rename = "import-values",
        default,
        deserialize_with = "nd",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub import_values: Vec<Json>,
    #[serde(
        default,
        deserialize_with = "nd",
        skip_serializing_if = "String::is_empty"
    )]
    pub alias: String,
}

/// `chart/v2.Lock`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LockRecord {
    #[serde(default)]
    pub generated: Time,
    #[serde(default, deserialize_with = "nd")]
    pub digest: String,
    #[serde(default)]
    pub dependencies: Option<Vec<Option<DependencyRecord>>>,
}
