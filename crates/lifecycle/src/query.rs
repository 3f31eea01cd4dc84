//! The read-mostly operations: `history`, `list`, `status`, `get`, and
//! `test` (which runs the release's test hooks and records their results).

use std::time::Duration;

use capstan_release::{Release, Status};
use regex::Regex;

use crate::hooks::exec_hooks;
use crate::{Config, Error, ErrorKind, Result};

/// `history NAME`: every revision, oldest first, the newest `max` of them.
pub async fn history(cfg: &Config, name: &str, max: usize) -> Result<Vec<Release>> {
    cfg.check_reachable().await?;
    crate::check_name(name, "release name is invalid: ")?;
    let mut h = cfg.storage.history(name).await?;
    if h.is_empty() {
        return Err(Error::with_kind(
            ErrorKind::ReleaseNotFound,
            "release: not found",
        ));
    }
    h.sort_by_key(|r| r.version);
    if h.len() > max {
        h.drain(..h.len() - max);
    }
    Ok(h)
}

/// Which statuses `list` shows (Helm's `ListStates` bit mask).
#[derive(Debug, Clone, Copy, Default)]
pub struct StateMask {
    pub deployed: bool,
    pub failed: bool,
    pub pending: bool,
    pub superseded: bool,
    pub uninstalled: bool,
    pub uninstalling: bool,
}

impl StateMask {
    fn admits(&self, s: Status) -> bool {
        let any = self.deployed
            || self.failed
            || self.pending
            || self.superseded
            || self.uninstalled
            || self.uninstalling;
        if !any {
            // Helm 4 lists every status unless filters are given.
            return true;
        }
        match s {
            Status::Deployed => self.deployed,
            Status::Failed => self.failed,
            Status::PendingInstall | Status::PendingUpgrade | Status::PendingRollback => {
                self.pending
            }
            Status::Superseded => self.superseded,
            Status::Uninstalled => self.uninstalled,
            Status::Uninstalling => self.uninstalling,
            Status::Unknown => false,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct ListOptions {
    pub states: StateMask,
    /// `--filter`: a regular expression on the release name.
    pub filter: Option<String>,
    /// `--selector`: `k=v`, `k==v`, `k!=v`, comma-separated, on release labels.
    pub selector: Option<String>,
    pub by_date: bool,
    pub reverse: bool,
    /// `--max` (0 = no limit) and `--offset`.
    pub limit: usize,
    pub offset: usize,
    /// `--all-namespaces`: read the records of every namespace, not only
    /// the configuration's (Helm's `List.AllNamespaces`, which the CLI
    /// turns into a storage driver for namespace `""`).
    pub all_namespaces: bool,
}

fn selector_matches(sel: &str, r: &Release) -> std::result::Result<bool, String> {
    for term in sel.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        let ok = if let Some((k, v)) = term.split_once("!=") {
            r.labels.get(k.trim()).map(String::as_str) != Some(v.trim())
        } else if let Some((k, v)) = term.split_once("==").or_else(|| term.split_once('=')) {
            r.labels.get(k.trim()).map(String::as_str) == Some(v.trim())
        } else {
            return Err(format!("unable to parse requirement: {term}"));
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

/// `list`: the newest revision of each release (per namespace), filtered,
/// sorted by name (or date), then offset and limited.
pub async fn list(cfg: &Config, o: &ListOptions) -> Result<Vec<Release>> {
    cfg.check_reachable().await?;
    let re = match &o.filter {
        Some(f) if !f.is_empty() => {
            Some(Regex::new(f).map_err(|e| Error::new(format!("error parsing regexp: {e}")))?)
        }
        _ => None,
    };
    let all = if o.all_namespaces {
        let storage = capstan_release::Storage {
            driver: cfg.storage.driver.in_namespace(""),
            max_history: cfg.storage.max_history,
        };
        storage.list_releases().await?
    } else {
        cfg.storage.list_releases().await?
    };
    let mut latest: std::collections::BTreeMap<(String, String), Release> = Default::default();
    for r in all {
        if let Some(re) = &re {
            if !re.is_match(&r.name) {
                continue;
            }
        }
        let key = (r.name.clone(), r.namespace.clone());
        match latest.get(&key) {
            Some(cur) if cur.version >= r.version => {}
            _ => {
                latest.insert(key, r);
            }
        }
    }
    let mut out: Vec<Release> = latest
        .into_values()
        .filter(|r| o.states.admits(r.info.status))
        .collect();
    if let Some(sel) = &o.selector {
        let mut kept = Vec::new();
        for r in out {
            if selector_matches(sel, &r).map_err(Error::new)? {
                kept.push(r);
            }
        }
        out = kept;
    }
    if o.by_date {
        out.sort_by_key(|a| a.info.last_deployed);
    } else {
        out.sort_by(|a, b| a.name.cmp(&b.name));
    }
    if o.reverse {
        out.reverse();
    }
    if o.offset >= out.len() {
        return Ok(Vec::new());
    }
    let end = if o.limit > 0 {
        (o.offset + o.limit).min(out.len())
    } else {
        out.len()
    };
    Ok(out[o.offset..end].to_vec())
}

/// `status`/`get`: a revision (0 = the newest).
pub async fn status(cfg: &Config, name: &str, revision: i64) -> Result<Release> {
    get(cfg, name, revision).await
}

pub async fn get(cfg: &Config, name: &str, revision: i64) -> Result<Release> {
    cfg.check_reachable().await?;
    crate::check_name(name, "releaseContent: Release name is invalid: ")?;
    if revision <= 0 {
        Ok(cfg.storage.last(name).await?)
    } else {
        Ok(cfg.storage.get(name, revision).await?)
    }
}

#[derive(Debug, Clone)]
pub struct TestOptions {
    pub timeout: Duration,
    /// `--filter name=x` / `--filter !name=x`.
    pub include: Vec<String>,
    pub exclude: Vec<String>,
}

impl Default for TestOptions {
    fn default() -> Self {
        TestOptions {
            timeout: Duration::from_secs(300),
            include: Vec::new(),
            exclude: Vec::new(),
        }
    }
}

fn selected(o: &TestOptions, h: &capstan_release::Hook) -> bool {
    (o.include.is_empty() || o.include.contains(&h.name)) && !o.exclude.contains(&h.name)
}

/// `test --logs`: each selected test Pod's log, as `(pod, text)` in hook
/// order (Helm's `GetPodLogs`, which reads Pods by the hook's name).
pub async fn test_logs(
    cfg: &Config,
    rel: &Release,
    o: &TestOptions,
) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for h in rel
        .hooks
        .iter()
        .filter(|h| h.events.iter().any(|e| e == "test") && selected(o, h))
    {
        let logs = cfg.cluster.pod_logs(&rel.namespace, &h.name).await?;
        out.push((
            h.name.clone(),
            logs.into_iter().map(|l| l.log).collect::<String>(),
        ));
    }
    Ok(out)
}

/// `test NAME`: run the `test` hooks of the newest revision and record
/// their outcome in it.
pub async fn test(cfg: &Config, name: &str, o: &TestOptions) -> Result<Release> {
    cfg.check_reachable().await?;
    let mut rel = cfg.storage.last(name).await?;
    // Filters: hooks outside them are set aside and restored afterwards.
    let keep = |h: &capstan_release::Hook| {
        let is_test = h.events.iter().any(|e| e == "test");
        if !is_test {
            return true;
        }
        selected(o, h)
    };
    let all = rel.hooks.clone();
    rel.hooks = all.iter().filter(|h| keep(h)).cloned().collect();
    let res = exec_hooks(cfg, &mut rel, "test", o.timeout).await;
    // Put back the filtered-out hooks, with the run results of the others.
    let ran = std::mem::take(&mut rel.hooks);
    rel.hooks = all
        .into_iter()
        .map(|h| {
            ran.iter()
                .find(|r| r.name == h.name && r.kind == h.kind && r.path == h.path)
                .cloned()
                .unwrap_or(h)
        })
        .collect();
    cfg.record(&rel).await;
    res.map_err(|e| e.with_release(&rel))?;
    Ok(rel)
}

/// kubectl's table writer (`tabwriter` minwidth 6, padding 3): every
/// column but the last padded to its widest cell plus 3.
fn tab_rows(rows: &[Vec<String>]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0usize; cols];
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count() + 3).max(6);
        }
    }
    let mut out = String::new();
    for r in rows {
        let mut line = String::new();
        for (i, c) in r.iter().enumerate() {
            if i + 1 == r.len() {
                line.push_str(c);
            } else {
                line.push_str(c);
                line.push_str(&" ".repeat(widths[i] - c.chars().count()));
            }
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

fn cell_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "<none>".into(),
        other => other.to_string(),
    }
}

/// The `RESOURCES:` block of `helm status`: the release's live objects as
/// the server's tables, grouped under `==> version/Kind`. Helm prints one
/// table per object (headers once per kind) and iterates a Go map, so its
/// group order is random; ours is sorted.
pub async fn resources_block(cfg: &Config, rel: &Release) -> Result<String> {
    if rel.manifest.trim().is_empty() {
        return Ok(String::new());
    }
    let res = crate::apply::build_manifest(cfg, &rel.manifest).await?;
    let mut groups: std::collections::BTreeMap<String, Vec<&capstan_kube::Resource>> =
        Default::default();
    for r in &res {
        groups
            .entry(format!("{}/{}", r.api_resource.version, r.kind()))
            .or_default()
            .push(r);
    }
    let mut buf = String::new();
    for (key, objs) in &groups {
        buf.push_str(&format!("==> {key}\n"));
        let mut last_cols: Option<serde_json::Value> = None;
        for r in objs {
            let Some(t) = cfg.cluster.get_table(r).await? else {
                continue;
            };
            let cols = t.get("columnDefinitions").cloned().unwrap_or_default();
            let shown: Vec<usize> = cols
                .as_array()
                .map(|a| {
                    a.iter()
                        .enumerate()
                        .filter(|(_, c)| c["priority"].as_i64().unwrap_or(0) == 0)
                        .map(|(i, _)| i)
                        .collect()
                })
                .unwrap_or_default();
            let mut rows = Vec::new();
            if last_cols.as_ref() != Some(&cols) {
                rows.push(
                    shown
                        .iter()
                        .map(|&i| cols[i]["name"].as_str().unwrap_or("").to_uppercase())
                        .collect(),
                );
            }
            for row in t["rows"].as_array().cloned().unwrap_or_default() {
                rows.push(shown.iter().map(|&i| cell_text(&row["cells"][i])).collect());
            }
            buf.push_str(&tab_rows(&rows));
            last_cols = Some(cols);
        }
        buf.push('\n');
    }
    Ok(format!("RESOURCES:\n{buf}\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubectl_columns() {
        let rows = vec![
            vec!["NAME".to_string(), "DATA".into(), "AGE".into()],
            vec!["keep-config".to_string(), "1".into(), "29m".into()],
        ];
        // Widest cell + 3, at least 6; the last column is not padded.
        assert_eq!(
            tab_rows(&rows),
            "NAME          DATA   AGE\nkeep-config   1      29m\n"
        );
    }

    #[test]
    fn list_shows_every_status_unless_filtered() {
        let none = StateMask::default();
        assert!(none.admits(Status::Uninstalled) && none.admits(Status::PendingUpgrade));
        let failed = StateMask {
            failed: true,
            ..Default::default()
        };
        assert!(failed.admits(Status::Failed) && !failed.admits(Status::Deployed));
        let pending = StateMask {
            pending: true,
            ..Default::default()
        };
        assert!(pending.admits(Status::PendingRollback) && !pending.admits(Status::Superseded));
    }
}
