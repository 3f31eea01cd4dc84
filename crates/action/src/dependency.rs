//! `dependency list`: Helm's table of the dependencies declared in
//! Chart.yaml with their status in `charts/`, then warnings for charts in
//! `charts/` that Chart.yaml does not declare.  The table is gosuri/uitable
//! as Helm configures it: cells padded to the column width (capped by
//! `--max-col-width`, longer cells cut with `...`), joined by tabs.
//!
//! Also the local part of `dependency update` that `package -u` needs.

use std::path::Path;

/// One row of the status table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DependencyStatus {
    pub name: String,
    pub version: String,
    pub repository: String,
    pub status: String,
}

/// Statuses as Helm's `Dependency.dependencyStatus` computes them.
pub fn statuses(chart_path: &str) -> Result<Option<(Vec<DependencyStatus>, chart::Chart)>, String> {
    let c = chart::load(chart_path).map_err(|e| e.to_string())?;
    let Some(deps) = c.metadata.dependencies.clone() else {
        return Ok(None);
    };
    let rows = deps
        .iter()
        .flatten()
        .map(|d| DependencyStatus {
            name: d.name.clone(),
            version: d.version.clone(),
            repository: d.repository.clone(),
            status: dependency_status(chart_path, d, &c),
        })
        .collect();
    Ok(Some((rows, c)))
}

fn version_status(constraint: &str, version: &str) -> Option<&'static str> {
    if !chart::semver::constraint_valid(constraint)
        || chart::semver::Version::parse(version).is_err()
    {
        return Some("invalid version");
    }
    if !chart::semver::is_compatible_range(constraint, version) {
        return Some("wrong version");
    }
    None
}

fn archive_status(archive: &Path, dep: &chart::Dependency) -> &'static str {
    let Ok(c) = chart::load(archive) else {
        return "corrupt";
    };
    if c.name() != dep.name {
        return "misnamed";
    }
    if c.metadata.version != dep.version {
        if let Some(s) = version_status(&dep.version, &c.metadata.version) {
            return s;
        }
    }
    "ok"
}

/// `charts/NAME-*.tgz` (Go's `filepath.Glob`, sorted).
fn archives_for(chart_path: &str, name: &str) -> Vec<std::path::PathBuf> {
    let dir = Path::new(chart_path).join("charts");
    let prefix = format!("{name}-");
    let mut out: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| {
            let n = e.file_name().to_string_lossy().to_string();
            n.starts_with(&prefix) && n.ends_with(".tgz") && n.len() >= prefix.len() + 4
        })
        .map(|e| e.path())
        .collect();
    out.sort();
    out
}

fn dependency_status(chart_path: &str, dep: &chart::Dependency, parent: &chart::Chart) -> String {
    let archives = archives_for(chart_path, &dep.name);
    if archives.len() > 1 {
        let found: Vec<&std::path::PathBuf> = archives
            .iter()
            .filter(|a| {
                let f = a
                    .file_name()
                    .map(|f| f.to_string_lossy().to_string())
                    .unwrap_or_default();
                let f = f.trim_end_matches(".tgz");
                let v = f.strip_prefix(&format!("{}-", dep.name)).unwrap_or(f);
                chart::semver::is_strict_semver(v)
            })
            .collect();
        if found.len() == 1 {
            return archive_status(found[0], dep).to_string();
        } else if found.len() > 1 {
            return "too many matches".into();
        }
    } else if archives.len() == 1 {
        return archive_status(&archives[0], dep).to_string();
    }
    let Some(dc) = parent
        .dependencies
        .iter()
        .rev()
        .find(|c| c.name() == dep.name)
    else {
        return "missing".into();
    };
    if dc.metadata.version != dep.version {
        if let Some(s) = version_status(&dep.version, &dc.metadata.version) {
            return s.into();
        }
    }
    "unpacked".into()
}

/// gosuri/uitable rendering with Helm's settings (tab separator); the
/// one copy is [`gostd::uitable::table`].
pub use gostd::uitable::table;

/// `helm dependency list CHART [--max-col-width N]`: the text Helm prints.
pub fn list(chart_path: &str, max_col_width: usize) -> Result<String, crate::Error> {
    let Some((rows, _c)) = statuses(chart_path)? else {
        return Ok(format!(
            "WARNING: no dependencies at {}\n",
            go_join(chart_path, "charts")
        ));
    };
    let mut t = vec![vec![
        "NAME".to_string(),
        "VERSION".into(),
        "REPOSITORY".into(),
        "STATUS".into(),
    ]];
    for r in &rows {
        t.push(vec![
            r.name.clone(),
            r.version.clone(),
            r.repository.clone(),
            r.status.clone(),
        ]);
    }
    let mut out = format!("{}\n\n", table(&t, max_col_width));
    out.push_str(&print_missing(chart_path, &rows));
    Ok(out)
}

/// Go's `filepath.Join(a, b)`: join, then `path.Clean`.
fn go_join(a: &str, b: &str) -> String {
    chart::loader::clean_path(&format!("{a}/{b}"))
}

/// Warnings for entries of `charts/` that are not declared.
fn print_missing(chart_path: &str, rows: &[DependencyStatus]) -> String {
    let dir = Path::new(chart_path).join("charts");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    let mut out = String::new();
    for n in names {
        let f = go_join(&go_join(chart_path, "charts"), &n);
        let Ok(md) = std::fs::metadata(&f) else {
            continue;
        };
        if !md.is_dir() && !n.ends_with(".tgz") {
            continue;
        }
        match chart::load(&f) {
            Err(_) => out.push_str(&format!(
                "WARNING: {} is not a chart.\n",
                chart::error::go_quote(&f)
            )),
            Ok(c) => {
                if !rows.iter().any(|r| r.name == c.name()) {
                    out.push_str(&format!(
                        "WARNING: {} is not in Chart.yaml.\n",
                        chart::error::go_quote(&f)
                    ));
                }
            }
        }
    }
    out
}

/// The local part of `helm dependency update`: every declared dependency
/// whose repository is `file://PATH` is packaged into `charts/`.  The
/// whole operation (chart repositories, `oci://`, `Chart.lock`) is
/// `dist::deps::update`, which the command line uses for `dependency
/// update` and `package --dependency-update`; this crate cannot reach the
/// network, so here remote dependencies not already in `charts/` are
/// reported as Helm reports an unknown repository.
pub fn update_local(chart_dir: &Path) -> Result<(), crate::Error> {
    let c = chart::load_dir(chart_dir)?;
    let charts = chart_dir.join("charts");
    for d in c.metadata.deps() {
        if let Some(rel) = d.repository.strip_prefix("file://") {
            let src = if Path::new(rel).is_absolute() {
                Path::new(rel).to_path_buf()
            } else {
                chart_dir.join(rel)
            };
            let dep = chart::load_dir(&src)?;
            crate::package::save_archive(&dep, &charts, None)?;
        } else if c.dependencies.iter().all(|x| x.name() != d.name) {
            return Err(format!(
                "no repository definition for {}. Please add the missing repos via 'helm repo add'",
                d.repository
            )
            .into());
        }
    }
    Ok(())
}
