//! Helm's `statusPrinter` (pkg/cmd/status.go): what `install`, `upgrade`,
//! `status`, `test` and `get all` print about one release.

use capstan_release::Release;

use crate::codec::encode_yaml;
use crate::{Error, OutputFormat};

/// What Helm's `statusPrinter` is told to show.
#[derive(Debug, Default, Clone, Copy)]
pub struct Show<'a> {
    /// `--debug` (and `get all`): values, hooks and manifest.
    pub debug: bool,
    /// `get all`: chart name, version and app version.
    pub metadata: bool,
    pub hide_notes: bool,
    /// `helm status`'s `RESOURCES:` block, already rendered.
    pub resources: &'a str,
}

/// Helm's `statusPrinter.WriteTable`.
pub fn table(rel: &Release, show: Show) -> String {
    let mut out = String::new();
    out.push_str(&format!("NAME: {}\n", rel.name));
    if !rel.info.last_deployed.is_zero() {
        out.push_str(&format!(
            "LAST DEPLOYED: {}\n",
            rel.info.last_deployed.format_ansic()
        ));
    }
    out.push_str(&format!("NAMESPACE: {}\n", rel.namespace));
    out.push_str(&format!("STATUS: {}\n", rel.info.status.as_str()));
    out.push_str(&format!("REVISION: {}\n", rel.version));
    if show.metadata {
        let (name, version, app) = match &rel.chart {
            Some(c) => (
                c.name().to_string(),
                c.version().to_string(),
                c.app_version().to_string(),
            ),
            None => Default::default(),
        };
        out.push_str(&format!(
            "CHART: {name}\nVERSION: {version}\nAPP_VERSION: {app}\n"
        ));
    }
    out.push_str(&format!("DESCRIPTION: {}\n", rel.info.description));
    out.push_str(show.resources);
    let tests: Vec<_> = rel
        .hooks
        .iter()
        .filter(|h| h.events.iter().any(|e| e == "test"))
        .collect();
    if tests.is_empty() {
        out.push_str("TEST SUITE: None\n");
    } else {
        for h in tests {
            if h.last_run.started_at.is_zero() {
                continue;
            }
            out.push_str(&format!(
                "TEST SUITE:     {}\nLast Started:   {}\nLast Completed: {}\nPhase:          {}\n",
                h.name,
                h.last_run.started_at.format_ansic(),
                h.last_run.completed_at.format_ansic(),
                h.last_run.phase
            ));
        }
    }
    if show.debug {
        out.push_str("USER-SUPPLIED VALUES:\n");
        out.push_str(&encode_yaml(&rel.config_json()).unwrap_or_default());
        out.push('\n');
        out.push_str("COMPUTED VALUES:\n");
        out.push_str(&encode_yaml(&capstan_release::computed_values(rel)).unwrap_or_default());
        out.push('\n');
    }
    if rel
        .info
        .description
        .eq_ignore_ascii_case("Dry run complete")
        || show.debug
    {
        out.push_str("HOOKS:\n");
        for h in &rel.hooks {
            out.push_str(&format!("---\n# Source: {}\n{}\n", h.path, h.manifest));
        }
        out.push_str(&format!("MANIFEST:\n{}\n", rel.manifest));
    }
    if !show.hide_notes && !rel.info.notes.is_empty() {
        out.push_str(&format!("NOTES:\n{}\n", rel.info.notes.trim()));
    }
    out
}

/// How the status printer is set up beyond the format.
#[derive(Debug, Default, Clone, Copy)]
pub struct StatusOptions {
    pub hide_notes: bool,
    /// `--debug`: the table also shows values, hooks and manifest.
    pub debug: bool,
    /// `helm status` strips the chart before printing JSON/YAML; install
    /// and upgrade print the whole record.
    pub strip_chart: bool,
}

/// Helm's status printer in any `-o` format (`WriteTable`, or the release
/// record through `output.EncodeJSON` / `EncodeYAML`).
pub fn print(rel: &Release, format: OutputFormat, o: StatusOptions) -> Result<String, Error> {
    let record = || {
        let mut r = rel.clone();
        if o.strip_chart {
            r.chart = None;
        }
        capstan_release::to_json(&r)
    };
    match format {
        OutputFormat::Table => Ok(table(
            rel,
            Show {
                debug: o.debug,
                hide_notes: o.hide_notes,
                ..Show::default()
            },
        )),
        OutputFormat::Json => Ok(format!("{}\n", record())),
        OutputFormat::Yaml => crate::codec::json_to_yaml(&record()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_of_a_bare_release() {
        let mut rel = Release {
            name: "r".into(),
            namespace: "ns".into(),
            version: 2,
            ..Default::default()
        };
        rel.info.description = "Upgrade complete".into();
        rel.info.notes = "  hello\n".into();
        assert_eq!(
            table(&rel, Show::default()),
            "NAME: r\nNAMESPACE: ns\nSTATUS: unknown\nREVISION: 2\nDESCRIPTION: Upgrade complete\nTEST SUITE: None\nNOTES:\nhello\n"
        );
        let hidden = table(
            &rel,
            Show {
                hide_notes: true,
                ..Show::default()
            },
        );
        assert!(!hidden.contains("NOTES"));
    }
}
