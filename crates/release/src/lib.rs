//! Release records that Helm v4.2.3 and capstan can both read and write.
//!
//! Helm keeps one storage object per revision of a release
//! (`sh.helm.release.v1.NAME.vREV`, a Secret by default) holding the whole
//! release as gzipped, base64-encoded JSON.  Interoperating with Helm means
//! writing that JSON byte for byte as Go would and reading both the Helm 3
//! and Helm 4 shapes, which is what this crate does:
//! - [`model`]: the record types, with Go's field order and omission rules;
//! - [`codec`]: Go-exact JSON, the gzip/base64 envelope, value conversions;
//! - [`time`]: Go's `time.Time` with its JSON and text forms;
//! - [`driver`]: Helm's storage drivers (Secret, ConfigMap, memory);
//! - [`storage`]: Helm's `storage.Storage` (history, deployed, pruning);
//! - [`view`]: read-only views for printers (computed values, the
//!   Go-shaped template value, `get metadata`'s record).

#![forbid(unsafe_code)]

pub mod chart_record;
pub mod codec;
pub mod driver;
pub mod error;
pub mod model;
pub mod storage;
pub mod time;
pub mod view;

pub use codec::{
    config_from_values, decode, decode_bytes, encode, from_json, json_to_values, to_json,
    values_map, values_to_json,
};
pub use driver::Driver;
pub use error::{Error, ErrorKind};
pub use model::{
    ChartRecord, DependencyRecord, FileRecord, Hook, HookExecution, Info, LockRecord,
    MaintainerRecord, MetadataRecord, Release, Status,
};
pub use storage::Storage;
pub use time::Time;
pub use view::{computed_values, template_value, Metadata};

/// JSON values inside records (`config`, chart values).
pub type Json = serde_json::Value;

/// Prefix of storage object names (Helm's `HelmStorageType`).
pub const STORAGE_TYPE: &str = "sh.helm.release.v1";

/// The storage key of a revision: `sh.helm.release.v1.NAME.vVERSION`.
pub fn make_key(name: &str, version: i64) -> String {
    format!("{STORAGE_TYPE}.{name}.v{version}")
}
