//! Lists of releases: gosuri/uitable (as Helm sets it up) and the
//! printers of `helm history` (pkg/cmd/history.go `releaseHistory`) and
//! `helm list` (pkg/cmd/list.go `releaseListWriter`).

use capstan_release::{Release, Time};
use serde::Serialize;

use crate::codec::{encode_json, encode_yaml};
use crate::{Error, OutputFormat};

/// gosuri/uitable with Helm's settings (tab separator); `max_col_width` 0
/// means no limit.  One copy, shared with `helm dependency list`.
pub use gostd::uitable::table as uitable;

/// `CHART` of a listed release: `NAME-VERSION`, or `MISSING`.
pub fn chart_name(r: &Release) -> String {
    match &r.chart {
        Some(c) => format!("{}-{}", c.name(), c.version()),
        None => "MISSING".into(),
    }
}

/// `APP VERSION` of a listed release, or `MISSING`.
pub fn app_version(r: &Release) -> String {
    match &r.chart {
        Some(c) => c.app_version().to_string(),
        None => "MISSING".into(),
    }
}

fn rows_to_text(header: Option<&[&str]>, rows: Vec<Vec<String>>) -> String {
    let mut t: Vec<Vec<String>> = Vec::with_capacity(rows.len() + 1);
    if let Some(h) = header {
        t.push(h.iter().map(|s| s.to_string()).collect());
    }
    t.extend(rows);
    format!("{}\n", uitable(&t, 0))
}

/// One row of `helm history` (Helm's `releaseInfo`).
#[derive(Debug, Clone, Serialize)]
pub struct HistoryRow {
    pub revision: i64,
    pub updated: Time,
    pub status: String,
    pub chart: String,
    pub app_version: String,
    pub description: String,
}

impl HistoryRow {
    pub fn of(r: &Release) -> HistoryRow {
        HistoryRow {
            revision: r.version,
            updated: r.info.last_deployed,
            status: r.info.status.as_str().to_string(),
            chart: chart_name(r),
            app_version: app_version(r),
            description: r.info.description.clone(),
        }
    }
}

/// `helm history` in any format, revisions as given (oldest first).
pub fn history(rels: &[Release], format: OutputFormat) -> Result<String, Error> {
    let rows: Vec<HistoryRow> = rels.iter().map(HistoryRow::of).collect();
    match format {
        OutputFormat::Table => Ok(rows_to_text(
            Some(&[
                "REVISION",
                "UPDATED",
                "STATUS",
                "CHART",
                "APP VERSION",
                "DESCRIPTION",
            ]),
            rows.iter()
                .map(|r| {
                    vec![
                        r.revision.to_string(),
                        r.updated.format_ansic(),
                        r.status.clone(),
                        r.chart.clone(),
                        r.app_version.clone(),
                        r.description.clone(),
                    ]
                })
                .collect(),
        )),
        OutputFormat::Json => encode_json(&rows),
        OutputFormat::Yaml => encode_yaml(&rows),
    }
}

/// How `helm list` shows its rows beyond the format.
#[derive(Debug, Default, Clone)]
pub struct ListStyle {
    /// `--no-headers`.
    pub no_headers: bool,
    /// `--time-format`: a Go layout for `UPDATED` (default: Go's `String()`).
    pub time_format: Option<String>,
}

/// One row of `helm list` (Helm's `releaseElement`).
#[derive(Debug, Clone, Serialize)]
pub struct ListRow {
    pub name: String,
    pub namespace: String,
    pub revision: String,
    pub updated: String,
    pub status: String,
    pub chart: String,
    pub app_version: String,
}

impl ListRow {
    pub fn of(r: &Release, style: &ListStyle) -> ListRow {
        ListRow {
            name: r.name.clone(),
            namespace: r.namespace.clone(),
            revision: r.version.to_string(),
            updated: if r.info.last_deployed.is_zero() {
                "-".into()
            } else {
                match &style.time_format {
                    Some(f) if !f.is_empty() => r.info.last_deployed.format_go(f),
                    _ => r.info.last_deployed.go_string(),
                }
            },
            status: r.info.status.as_str().to_string(),
            chart: chart_name(r),
            app_version: app_version(r),
        }
    }
}

/// `helm list` in any format.
pub fn list(rels: &[Release], style: &ListStyle, format: OutputFormat) -> Result<String, Error> {
    let rows: Vec<ListRow> = rels.iter().map(|r| ListRow::of(r, style)).collect();
    match format {
        OutputFormat::Table => {
            let header: &[&str] = &[
                "NAME",
                "NAMESPACE",
                "REVISION",
                "UPDATED",
                "STATUS",
                "CHART",
                "APP VERSION",
            ];
            Ok(rows_to_text(
                (!style.no_headers).then_some(header),
                rows.into_iter()
                    .map(|r| {
                        vec![
                            r.name,
                            r.namespace,
                            r.revision,
                            r.updated,
                            r.status,
                            r.chart,
                            r.app_version,
                        ]
                    })
                    .collect(),
            ))
        }
        OutputFormat::Json => encode_json(&rows),
        OutputFormat::Yaml => encode_yaml(&rows),
    }
}

/// `helm list --short`: the names only, one a line for a table.
pub fn list_names(rels: &[Release], format: OutputFormat) -> Result<String, Error> {
    let names: Vec<String> = rels.iter().map(|r| r.name.clone()).collect();
    match format {
        OutputFormat::Json => encode_json(&names),
        OutputFormat::Yaml => encode_yaml(&names),
        OutputFormat::Table => Ok(names.iter().map(|n| format!("{n}\n")).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_without_records_or_headers() {
        let style = ListStyle {
            no_headers: true,
            ..Default::default()
        };
        assert_eq!(list(&[], &style, OutputFormat::Table).unwrap(), "\n");
        assert_eq!(list(&[], &style, OutputFormat::Json).unwrap(), "[]\n");
        assert_eq!(list_names(&[], OutputFormat::Yaml).unwrap(), "[]\n");
    }
}
