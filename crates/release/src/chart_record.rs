//! From capstan's loaded chart to the snapshot a record stores, and back
//! to what later operations need (`--reuse-values` takes the old chart's
//! defaults from the record).

use chart::{Chart, Dependency, File, Lock, Metadata};

use crate::codec::{json_to_values, values_to_json};
use crate::model::{
    ChartRecord, DependencyRecord, FileRecord, LockRecord, MaintainerRecord, MetadataRecord,
};
use crate::time::Time;
use crate::Json;

impl ChartRecord {
    /// The root chart as Helm serializes it: metadata, lock, templates,
    /// values, schema, other files.  Subcharts are not part of the record
    /// (Helm's `dependencies` field is unexported).  File times come from
    /// the loader's mtimes (whole seconds: capstan's loader keeps no
    /// nanoseconds), shown in the local zone as Go's `os.Stat` would.
    pub fn from_chart(c: &Chart) -> ChartRecord {
        let raw_time = |name: &str| -> Time {
            c.raw
                .iter()
                .find(|f| f.name == name)
                .map(file_time)
                .unwrap_or_default()
        };
        let files = |v: &[File]| -> Option<Vec<FileRecord>> {
            if v.is_empty() {
                None
            } else {
                Some(
                    v.iter()
                        .map(|f| FileRecord {
                            name: f.name.clone(),
                            data: f.data.clone(),
                            modtime: file_time(f),
                        })
                        .collect(),
                )
            }
        };
        let values = match values_to_json(&c.values) {
            Json::Object(m) => Some(m),
            _ => None,
        };
        ChartRecord {
            metadata: Some(metadata_record(&c.metadata)),
            lock: c.lock.as_ref().map(lock_record),
            templates: files(&c.templates),
            values,
            schema: c.schema.as_ref().map(|s| s.bytes().to_vec()),
            schemamodtime: if c.schema.is_some() {
                raw_time("values.schema.json")
            } else {
                Time::zero()
            },
            files: files(&c.files),
            modtime: raw_time("Chart.yaml"),
        }
    }

    pub fn name(&self) -> &str {
        self.metadata
            .as_ref()
            .map(|m| m.name.as_str())
            .unwrap_or("")
    }

    pub fn version(&self) -> &str {
        self.metadata
            .as_ref()
            .map(|m| m.version.as_str())
            .unwrap_or("")
    }

    pub fn app_version(&self) -> &str {
        self.metadata
            .as_ref()
            .map(|m| m.app_version.as_str())
            .unwrap_or("")
    }

    /// The chart's default values as Helm sees them after reading a record
    /// (numbers are float64); an empty map when the record has none.
    /// The chart's default values as JSON (`null` when the record has none).
    pub fn values_json(&self) -> Json {
        self.values.clone().map(Json::Object).unwrap_or(Json::Null)
    }

    pub fn values(&self) -> gotmpl::Value {
        match &self.values {
            Some(m) => json_to_values(&Json::Object(m.clone())),
            None => gotmpl::Value::empty_map(),
        }
    }
}

fn file_time(f: &File) -> Time {
    f.modtime
        .map(|s| Time::from_unix_local(s, 0))
        .unwrap_or_default()
}

fn dependency_record(d: &Dependency) -> DependencyRecord {
    DependencyRecord {
        name: d.name.clone(),
        version: d.version.clone(),
        repository: d.repository.clone(),
        condition: d.condition.clone(),
        tags: d.tags.clone(),
        enabled: d.enabled,
        import_values: d.import_values.iter().map(values_to_json).collect(),
        alias: d.alias.clone(),
    }
}

fn metadata_record(m: &Metadata) -> MetadataRecord {
    MetadataRecord {
        name: m.name.clone(),
        home: m.home.clone(),
        sources: m.sources.clone(),
        version: m.version.clone(),
        description: m.description.clone(),
        keywords: m.keywords.clone(),
        maintainers: m
            .maintainers
            .iter()
            .map(|x| {
                x.as_ref().map(|x| MaintainerRecord {
                    name: x.name.clone(),
                    email: x.email.clone(),
                    url: x.url.clone(),
                })
            })
            .collect(),
        icon: m.icon.clone(),
        api_version: m.api_version.clone(),
        condition: m.condition.clone(),
        tags: m.tags.clone(),
        app_version: m.app_version.clone(),
        deprecated: m.deprecated,
        annotations: m.annotations.clone().unwrap_or_default(),
        kube_version: m.kube_version.clone(),
        dependencies: m
            .dependencies
            .as_ref()
            .map(|ds| {
                ds.iter()
                    .map(|d| d.as_ref().map(dependency_record))
                    .collect()
            })
            .unwrap_or_default(),
        chart_type: m.chart_type.clone(),
    }
}

fn lock_record(l: &Lock) -> LockRecord {
    LockRecord {
        generated: Time::parse_rfc3339(&l.generated).unwrap_or_default(),
        digest: l.digest.clone(),
        dependencies: Some(
            l.dependencies
                .iter()
                .map(|d| Some(dependency_record(d)))
                .collect(),
        ),
    }
}
