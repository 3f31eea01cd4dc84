//! The `helm get` printers (pkg/cmd/get_*.go): values, metadata, hooks,
//! manifest, notes, and `get all --template`.

use std::collections::BTreeMap;

use capstan_release::{Json, Metadata, Release};

use crate::codec::{encode_json, encode_yaml};
use crate::{Error, OutputFormat};

/// `get values [--all]`: `values` are the user-supplied ones, or the
/// computed ones with `all` (which only changes the table's heading).
pub fn values(values: &Json, all: bool, format: OutputFormat) -> Result<String, Error> {
    match format {
        OutputFormat::Table => Ok(format!(
            "{}{}",
            if all {
                "COMPUTED VALUES:\n"
            } else {
                "USER-SUPPLIED VALUES:\n"
            },
            encode_yaml(values)?
        )),
        OutputFormat::Json => encode_json(values),
        OutputFormat::Yaml => encode_yaml(values),
    }
}

/// `get metadata` (Helm's `metadataWriter`).
pub fn metadata(m: &Metadata, format: OutputFormat) -> Result<String, Error> {
    match format {
        OutputFormat::Table => Ok(metadata_table(m)),
        OutputFormat::Json => encode_json(m),
        OutputFormat::Yaml => encode_yaml(m),
    }
}

/// `k=v,k=v` in key order (Helm's `FormattedAnnotations`/`FormattedLabels`).
fn key_values(m: &BTreeMap<String, String>) -> String {
    m.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// `metadataWriter.WriteTable`.
pub fn metadata_table(m: &Metadata) -> String {
    format!(
        "NAME: {}\nCHART: {}\nVERSION: {}\nAPP_VERSION: {}\nANNOTATIONS: {}\nLABELS: {}\nDEPENDENCIES: {}\nNAMESPACE: {}\nREVISION: {}\nSTATUS: {}\nDEPLOYED_AT: {}\n",
        m.name,
        m.chart,
        m.version,
        m.app_version,
        key_values(&m.annotations),
        key_values(&m.labels),
        m.formatted_dep_names(),
        m.namespace,
        m.revision,
        m.status,
        m.deployed_at
    )
}

/// `get manifest`.
pub fn manifest(rel: &Release) -> String {
    format!("{}\n", rel.manifest)
}

/// `get notes`: nothing when the release has none.
pub fn notes(rel: &Release) -> String {
    if rel.info.notes.is_empty() {
        String::new()
    } else {
        format!("NOTES:\n{}\n", rel.info.notes)
    }
}

/// `get hooks`: each hook's manifest under its source.
pub fn hooks(rel: &Release) -> String {
    rel.hooks
        .iter()
        .map(|h| format!("---\n# Source: {}\n{}\n", h.path, h.manifest))
        .collect()
}

/// `get all --template`: Go's text/template (no extra functions) over
/// `{"Release": …}` with the release's Go field names
/// ([`capstan_release::template_value`]).
pub fn release_template(rel: &Release, text: &str) -> Result<String, Error> {
    let data = gotmpl::Value::map(
        [("Release".to_string(), capstan_release::template_value(rel))]
            .into_iter()
            .collect(),
    );
    let mut t = gotmpl::Template::new("_", std::rc::Rc::new(gotmpl::FuncMap::new()));
    t.parse("_", text)
        .map_err(|e| Error::Template(e.to_string()))?;
    t.execute("_", &data)
        .map_err(|e| Error::Template(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_sees_go_field_names() {
        let mut rel = Release {
            name: "r".into(),
            version: 3,
            ..Default::default()
        };
        rel.info.description = "Install complete".into();
        assert_eq!(
            release_template(
                &rel,
                "{{.Release.Name}} {{.Release.Version}} {{.Release.Info.Description}}"
            )
            .unwrap(),
            "r 3 Install complete"
        );
        assert!(matches!(
            release_template(&rel, "{{"),
            Err(Error::Template(_))
        ));
    }

    #[test]
    fn values_heading() {
        let v = serde_json::json!({"a": 1});
        assert_eq!(
            values(&v, false, OutputFormat::Table).unwrap(),
            "USER-SUPPLIED VALUES:\na: 1\n"
        );
        assert_eq!(values(&v, true, OutputFormat::Json).unwrap(), "{\"a\":1}\n");
    }
}
