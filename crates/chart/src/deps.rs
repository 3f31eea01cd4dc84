//! Dependency processing (Helm's `ProcessDependencies` and the CLI's
//! `CheckDependencies`).
//!
//! For each chart that declares `dependencies:` (recursively, top-down):
//! subcharts are matched to declarations by name and version range, alias
//! copies are made (renamed), everything is enabled, then `tags:` and
//! `condition:` (first resolvable bool of a comma-separated list; paths
//! relative to the chart's position) disable some, and disabled ones are
//! dropped.  Then, bottom-up, `import-values` copy child values into the
//! parent's defaults (the parent's own values win).

use gotmpl::{ElemKind, Map, MapInner, Value};

use crate::chart::Chart;
use crate::error::{Error, ErrorKind};
use crate::metadata::Dependency;
use crate::semver::is_compatible_range;
use crate::values::{self, as_table, Warnings};

/// Helm's `action.CheckDependencies` (run by `helm install/template/upgrade`
/// before rendering): every declared dependency must be present in
/// `charts/`.  The commands wrap its error in their own words.
pub fn check_dependencies(chart: &Chart) -> Result<(), Error> {
    let missing: Vec<&str> = chart
        .metadata
        .deps()
        .filter(|r| !chart.dependencies.iter().any(|d| d.name() == r.name))
        .map(|r| r.name.as_str())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::Dependencies,
        format!(
            "found in Chart.yaml, but missing in charts/ directory: {}",
            missing.join(", ")
        ),
    ))
}

/// Helm's `ProcessDependencies(chart, userValues)`: enable/disable and
/// alias subcharts, then import values.  Mutates the chart tree; returns
/// Helm's warnings.
pub fn process_dependencies(chart: &mut Chart, user: &Value) -> Result<Warnings, Error> {
    let mut w = Warnings::new();
    process_enabled(&mut w, chart, user, "", 0)?;
    process_import_values_rec(&mut w, chart, 0)?;
    chart.update_paths();
    Ok(w)
}

const MAX_NESTING: usize = 200;

fn nesting_err() -> Error {
    Error::new(ErrorKind::Coalesce, "chart dependencies nested too deeply")
}

fn alias_dependency(charts: &[Chart], dep: &Dependency) -> Option<Chart> {
    for c in charts {
        if c.name() != dep.name || !is_compatible_range(&dep.version, &c.metadata.version) {
            continue;
        }
        let mut out = c.clone();
        if !dep.alias.is_empty() {
            out.metadata.name = dep.alias.clone();
        }
        return Some(out);
    }
    None
}

fn process_enabled(
    w: &mut Warnings,
    c: &mut Chart,
    v: &Value,
    path: &str,
    depth: usize,
) -> Result<(), Error> {
    if depth > MAX_NESTING {
        return Err(nesting_err());
    }
    let Some(reqs) = c.metadata.dependencies.as_mut() else {
        return Ok(());
    };

    let mut chart_deps: Vec<Chart> = Vec::new();
    for existing in &c.dependencies {
        let declared = reqs.iter().flatten().any(|r| {
            existing.name() == r.name && is_compatible_range(&r.version, &existing.metadata.version)
        });
        if !declared {
            chart_deps.push(existing.clone());
        }
    }
    for req in reqs.iter_mut().flatten() {
        if let Some(cd) = alias_dependency(&c.dependencies, req) {
            chart_deps.push(cd);
        }
        if !req.alias.is_empty() {
            req.name = req.alias.clone();
        }
    }
    c.dependencies = chart_deps;
    for r in reqs.iter_mut().flatten() {
        r.enabled = true;
    }

    let cvals = values::coalesce_values_warn(c, v, w)?;
    let reqs = c.metadata.dependencies.as_mut().expect("checked above");
    process_tags(w, reqs, &cvals);
    process_conditions(w, reqs, &cvals, path);

    let rm: Vec<String> = reqs
        .iter()
        .flatten()
        .filter(|r| !r.enabled)
        .map(|r| r.name.clone())
        .collect();
    let kept_meta: Vec<Option<Dependency>> = reqs
        .iter()
        .filter(|r| r.as_ref().is_none_or(|r| !rm.contains(&r.name)))
        .cloned()
        .collect();
    let mut cd: Vec<Chart> = std::mem::take(&mut c.dependencies)
        .into_iter()
        .filter(|d| !rm.contains(&d.metadata.name))
        .collect();
    for t in cd.iter_mut() {
        let subpath = format!("{path}{}.", t.metadata.name);
        process_enabled(w, t, &cvals, &subpath, depth + 1)?;
    }
    // Go: `Dependencies = append(nil, cdMetadata...)`: empty becomes nil.
    c.metadata.dependencies = if kept_meta.is_empty() {
        None
    } else {
        Some(kept_meta)
    };
    c.dependencies = cd;
    Ok(())
}

fn process_tags(w: &mut Warnings, reqs: &mut [Option<Dependency>], cvals: &Value) {
    let Some(vt) = values::table(cvals, "tags") else {
        return;
    };
    for r in reqs.iter_mut().flatten() {
        let (mut has_true, mut has_false) = (false, false);
        for k in &r.tags {
            if let Some(b) = vt.get(k) {
                match b {
                    Value::Bool(true) => has_true = true,
                    Value::Bool(false) => has_false = true,
                    _ => w.push(format!(
                        "level=WARN msg=\"returned non-bool value\" tag={k} chart={}",
                        r.name
                    )),
                }
            }
        }
        // Any true tag enables; only false tags disable.
        r.enabled = has_true || !has_false;
    }
}

fn process_conditions(
    w: &mut Warnings,
    reqs: &mut [Option<Dependency>],
    cvals: &Value,
    cpath: &str,
) {
    for r in reqs.iter_mut().flatten() {
        let cond = r.condition.trim().to_string();
        for c in cond.split(',') {
            if c.is_empty() {
                continue;
            }
            if let Some(vv) = values::path_value(cvals, &format!("{cpath}{c}")) {
                if let Value::Bool(b) = vv {
                    r.enabled = b;
                    break;
                }
                w.push(format!(
                    "level=WARN msg=\"returned non-bool value\" path={c} chart={}",
                    r.name
                ));
            }
        }
    }
}

fn process_import_values_rec(w: &mut Warnings, c: &mut Chart, depth: usize) -> Result<(), Error> {
    if depth > MAX_NESTING {
        return Err(nesting_err());
    }
    for d in c.dependencies.iter_mut() {
        process_import_values_rec(w, d, depth + 1)?;
    }
    process_import_values(w, c)
}

/// `pathToMap`: nest `data` under a dotted path (`.` = as is).
fn path_to_map(path: &str, data: &Map) -> Map {
    if path == "." {
        return data.clone();
    }
    let mut cur = Value::Map(data.clone());
    for part in path.split('.').rev() {
        let mut m = MapInner::new();
        m.insert(part.to_string(), cur);
        cur = Value::map(m);
    }
    match cur {
        Value::Map(m) => m,
        _ => unreachable!(),
    }
}

fn string_map(child: &str, parent: &str) -> Value {
    let mut m = MapInner::new();
    m.insert("child".into(), Value::str(child));
    m.insert("parent".into(), Value::str(parent));
    Value::Map(Map::with_elem(m, ElemKind::String))
}

fn process_import_values(w: &mut Warnings, c: &mut Chart) -> Result<(), Error> {
    if c.metadata.dependencies.is_none() {
        return Ok(());
    }
    // Helm v4 processes with merge=true (keeps nulls until the final coalesce).
    let cvals = values::merge_values(c, &Value::Nil, w)?;
    let b = Map::new(MapInner::new());
    let reqs = c.metadata.dependencies.as_mut().expect("checked above");
    for r in reqs.iter_mut().flatten() {
        let mut outiv = Vec::new();
        for riv in &r.import_values {
            match riv {
                Value::Map(iv) => {
                    let child = gotmpl::fmt::format_v(&iv.get("child").unwrap_or(Value::Nil));
                    let parent = gotmpl::fmt::format_v(&iv.get("parent").unwrap_or(Value::Nil));
                    outiv.push(string_map(&child, &parent));
                    match values::table(&cvals, &format!("{}.{}", r.name, child)) {
                        None => w.push(format!(
                            "level=WARN msg=\"ImportValues missing table from chart\" chart={} error=\"no table named {:?}\"",
                            r.name, child
                        )),
                        Some(vv) => {
                            values::merge_tables(w, &b, &path_to_map(&parent, &vv));
                        }
                    }
                }
                Value::String(s) => {
                    let child = format!("exports.{s}");
                    outiv.push(string_map(&child, "."));
                    match values::table(&cvals, &format!("{}.{}", r.name, child)) {
                        None => w.push(format!(
                            "level=WARN msg=\"ImportValues missing table\" error=\"no table named {:?}\"",
                            child
                        )),
                        Some(vm) => values::merge_tables(w, &b, &vm),
                    }
                }
                _ => {}
            }
        }
        r.import_values = outiv;
    }
    // Imported values have lower priority than the parent's own values.
    let cv = cvals.deep_copy();
    if let Some(cm) = as_table(&cv) {
        values::merge_tables(w, cm, &b);
    }
    c.values = cv;
    Ok(())
}
