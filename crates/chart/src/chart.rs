//! The loaded chart: Helm's `chart.Chart` (v2).

use gotmpl::Value;

use crate::metadata::{Lock, Metadata};

/// A chart's values.schema.json: its bytes (what releases record and
/// packages write) and their JSON, parsed once. The directory loader
/// parses it while reading the chart, on whichever thread reads it, so
/// validation finds it ready.
#[derive(Clone, Debug, Default)]
pub struct Schema {
    bytes: Vec<u8>,
    /// `Some(None)`: not valid JSON (the validator words that error).
    parsed: std::sync::OnceLock<Option<std::sync::Arc<serde_json::Value>>>,
}

impl Schema {
    pub fn new(bytes: Vec<u8>) -> Schema {
        Schema {
            bytes,
            parsed: std::sync::OnceLock::new(),
        }
    }

    /// A schema whose bytes were already parsed (`parsed`: their JSON,
    /// `None` if they are not valid JSON).
    pub(crate) fn parsed(
        bytes: Vec<u8>,
        parsed: Option<std::sync::Arc<serde_json::Value>>,
    ) -> Schema {
        Schema {
            bytes,
            parsed: std::sync::OnceLock::from(parsed),
        }
    }

    /// Parse values.schema.json as the validator reads it.
    pub(crate) fn parse(bytes: &[u8]) -> Option<std::sync::Arc<serde_json::Value>> {
        serde_json::from_slice(bytes).ok().map(std::sync::Arc::new)
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The schema as JSON; `None` if it is not valid JSON.
    pub fn json(&self) -> Option<&serde_json::Value> {
        self.parsed
            .get_or_init(|| Self::parse(&self.bytes))
            .as_deref()
    }
}

/// A file of a chart, path relative to the chart root, `/`-separated.
#[derive(Clone, Debug, Default)]
pub struct File {
    pub name: String,
    pub data: Vec<u8>,
    /// Modification time (seconds since the Unix epoch) when known: the
    /// file's mtime for directories, the entry's for archives.  Helm 4
    /// writes it back into packaged archives, so packaging the same
    /// directory twice gives the same bytes.
    pub modtime: Option<i64>,
}

impl File {
    pub fn new(name: impl Into<String>, data: Vec<u8>) -> File {
        File {
            name: name.into(),
            data,
            modtime: None,
        }
    }
}

/// Files compare by name and content (not by mtime).
impl PartialEq for File {
    fn eq(&self, other: &File) -> bool {
        self.name == other.name && self.data == other.data
    }
}
impl Eq for File {}

/// A loaded chart.
///
/// `Clone` shares `values` maps (Go map semantics); Helm's own copies
/// (alias dependencies) do the same, and every coalescing step deep-copies
/// before mutating.
#[derive(Clone, Debug, Default)]
pub struct Chart {
    pub metadata: Metadata,
    pub lock: Option<Lock>,
    /// Files under `templates/`, in load order.
    pub templates: Vec<File>,
    /// Every other file (what `.Files` sees): not Chart.yaml, values.yaml,
    /// values.schema.json, Chart.lock, templates/ or charts/ (except
    /// `charts/*.prov`); requirements.yaml/.lock only for apiVersion v1.
    pub files: Vec<File>,
    /// Every file as loaded, including the special ones (`c.Raw`): names
    /// and modification times; the bytes only for `values.yaml` (the
    /// others live in `templates`/`files`/the parsed fields).
    pub raw: Vec<File>,
    /// Parsed values.yaml: a map, or `Nil` when there is no values.yaml.
    pub values: Value,
    /// values.yaml bytes as loaded (BOM stripped).
    pub raw_values: Option<Vec<u8>>,
    /// values.schema.json.
    pub schema: Option<Schema>,
    /// Loaded subcharts (from `charts/`), sorted by directory/archive name
    /// after loading; after [`crate::process_dependencies`] in Helm's
    /// order (charts not named in Chart.yaml first, then declared ones).
    pub dependencies: Vec<Chart>,
    /// The parent's full path (`ChartFullPath`) when this is a subchart.
    pub parent_path: Option<String>,
}

impl Chart {
    /// `Name()`: the metadata name (an alias after dependency processing).
    pub fn name(&self) -> &str {
        &self.metadata.name
    }

    pub fn is_root(&self) -> bool {
        self.parent_path.is_none()
    }

    /// Helm's `ChartFullPath`: `parent/charts/name` for subcharts.  This
    /// is the prefix of template names (`t/charts/sub/templates/x.yaml`).
    pub fn full_path(&self) -> String {
        match &self.parent_path {
            None => self.name().to_string(),
            Some(p) => format!("{p}/charts/{}", self.name()),
        }
    }

    /// Recompute `parent_path` of every descendant (after renames).
    pub fn update_paths(&mut self) {
        let me = self.full_path();
        for d in self.dependencies.iter_mut() {
            d.parent_path = Some(me.clone());
            d.update_paths();
        }
    }

    /// `type: library`.
    pub fn is_library(&self) -> bool {
        self.metadata.is_library()
    }

    /// Files under `crds/` of this chart (Helm's `CRDObjects` order).
    pub fn crd_files(&self) -> impl Iterator<Item = &File> {
        self.files.iter().filter(|f| f.name.starts_with("crds/"))
    }

    /// The values map (`Nil` values become an empty map).
    pub fn values_map(&self) -> Value {
        match &self.values {
            Value::Map(_) => self.values.clone(),
            _ => Value::empty_map(),
        }
    }
}
