//! `create`: Helm's `helm create NAME [--starter]`.
//!
//! Without a starter, the chart is Helm's built-in scaffold
//! (`scaffold::SCAFFOLD`) with `<CHARTNAME>` replaced by the name,
//! written under `dirname(NAME)/basename(NAME)`.  With a starter, the
//! starter chart is loaded and written back with new metadata and the
//! placeholder replaced in its templates and values.yaml, as Helm's
//! `chartutil.CreateFrom` does.

use std::path::{Path, PathBuf};

use crate::chartfile;

#[derive(Debug, Clone, Default)]
pub struct CreateRequest {
    /// The `NAME` argument (may be a path: its base is the chart name).
    pub name: String,
    /// `--starter`: a name under the starters directory, or an absolute path.
    pub starter: Option<String>,
    /// Where starter names are looked up (`$HELM_DATA_HOME/starters`).
    pub starter_dir: PathBuf,
}

#[derive(Debug, Clone, Default)]
pub struct CreateOutput {
    /// What Helm prints to stdout (`Creating NAME` and overwrite warnings).
    pub stdout: String,
    pub chart_dir: PathBuf,
}

const MAX_CHART_NAME_LENGTH: usize = 250;

/// Helm's `validateChartName` (`^[a-zA-Z0-9._-]+$`, 1 to 250 characters).
pub fn validate_chart_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > MAX_CHART_NAME_LENGTH {
        return Err(format!(
            "chart name must be between 1 and {MAX_CHART_NAME_LENGTH} characters"
        ));
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-')
    {
        return Err("chart name must match the regular expression \"^[a-zA-Z0-9._-]+$\"".into());
    }
    Ok(())
}

/// The default starters directory: `$HELM_DATA_HOME/starters`, else
/// `$XDG_DATA_HOME/helm/starters`, else `~/.local/share/helm/starters`.
pub fn default_starter_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("HELM_DATA_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(d).join("starters");
    }
    if let Some(d) = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(d).join("helm").join("starters");
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    home.join(".local")
        .join("share")
        .join("helm")
        .join("starters")
}

/// Go's `filepath.Base` and `filepath.Dir` of the NAME argument.
fn split_name(name: &str) -> (String, String) {
    let trimmed = name.trim_end_matches('/');
    if trimmed.is_empty() {
        return (
            if name.is_empty() {
                ".".into()
            } else {
                "/".into()
            },
            if name.is_empty() {
                ".".into()
            } else {
                "/".into()
            },
        );
    }
    match trimmed.rfind('/') {
        Some(i) => {
            let dir = trimmed[..i].trim_end_matches('/');
            (
                trimmed[i + 1..].to_string(),
                if dir.is_empty() {
                    "/".into()
                } else {
                    dir.to_string()
                },
            )
        }
        None => (trimmed.to_string(), ".".into()),
    }
}

fn io_text(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

fn write_file(path: &Path, content: &[u8]) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("mkdir {}: {}", parent.display(), io_text(&e)))?;
    }
    std::fs::write(path, content).map_err(|e| format!("open {}: {}", path.display(), io_text(&e)))
}

/// `helm create`.
pub fn create(req: &CreateRequest) -> Result<CreateOutput, crate::Error> {
    let mut out = CreateOutput {
        stdout: format!("Creating {}\n", req.name),
        ..Default::default()
    };
    let (chart_name, dir) = split_name(&req.name);
    if let Some(starter) = &req.starter {
        let src = if Path::new(starter).is_absolute() {
            PathBuf::from(starter)
        } else {
            req.starter_dir.join(starter)
        };
        out.chart_dir = create_from(&chart_name, Path::new(&dir), &src)?;
        return Ok(out);
    }
    validate_chart_name(&chart_name)?;
    let base = std::path::absolute(&dir).map_err(|e| e.to_string())?;
    match std::fs::metadata(&base) {
        Err(e) => return Err(format!("stat {}: {}", base.display(), io_text(&e)).into()),
        Ok(md) if !md.is_dir() => {
            return Err(format!("no such directory {}", base.display()).into())
        }
        Ok(_) => {}
    }
    let cdir = base.join(&chart_name);
    if let Ok(md) = std::fs::metadata(&cdir) {
        if !md.is_dir() {
            return Err(format!(
                "file {} already exists and is not a directory",
                cdir.display()
            )
            .into());
        }
    }
    for (rel, text) in crate::scaffold::SCAFFOLD {
        let path = cdir.join(rel);
        if path.exists() {
            out.stdout.push_str(&format!(
                "WARNING: File {} already exists. Overwriting.\n",
                go_quote(&path.display().to_string())
            ));
        }
        write_file(&path, text.replace("<CHARTNAME>", &chart_name).as_bytes())?;
    }
    let charts = cdir.join("charts");
    std::fs::create_dir_all(&charts)
        .map_err(|e| format!("mkdir {}: {}", charts.display(), io_text(&e)))?;
    out.chart_dir = cdir;
    Ok(out)
}

fn go_quote(s: &str) -> String {
    chart::error::go_quote(s)
}

/// Helm's `chartutil.CreateFrom` + `SaveDir`: load the starter, give it
/// the new metadata, replace `<CHARTNAME>` in templates and values.yaml.
fn create_from(name: &str, dest: &Path, src: &Path) -> Result<PathBuf, String> {
    let mut ch =
        chart::load(src).map_err(|e| format!("could not load {}: {}", src.display(), e))?;
    ch.metadata = chart::Metadata {
        name: name.to_string(),
        description: "A Helm chart for Kubernetes".into(),
        chart_type: "application".into(),
        version: "0.1.0".into(),
        app_version: "0.1.0".into(),
        api_version: "v2".into(),
        ..Default::default()
    };
    let transform = |d: &[u8]| {
        String::from_utf8_lossy(d)
            .replace("<CHARTNAME>", name)
            .into_bytes()
    };
    for t in ch.templates.iter_mut() {
        t.data = transform(&t.data);
    }
    for f in ch.raw.iter_mut() {
        if f.name == "values.yaml" {
            f.data = transform(&f.data);
        }
    }
    Ok(save_dir(&ch, dest)?)
}

/// Helm's `chartutil.SaveDir`: Chart.yaml re-marshalled, values.yaml as
/// loaded, the schema, templates and files; subcharts as archives.
pub fn save_dir(ch: &chart::Chart, dest: &Path) -> Result<PathBuf, crate::Error> {
    let outdir = dest.join(ch.name());
    if let Ok(md) = std::fs::metadata(&outdir) {
        if !md.is_dir() {
            return Err(format!(
                "file {} already exists and is not a directory",
                outdir.display()
            )
            .into());
        }
    }
    std::fs::create_dir_all(&outdir)
        .map_err(|e| format!("mkdir {}: {}", outdir.display(), io_text(&e)))?;
    write_file(
        &outdir.join("Chart.yaml"),
        chartfile::marshal_metadata(&ch.metadata)?.as_bytes(),
    )?;
    for f in &ch.raw {
        if f.name == "values.yaml" {
            write_file(&outdir.join("values.yaml"), &f.data)?;
        }
    }
    if let Some(schema) = &ch.schema {
        write_file(&outdir.join("values.schema.json"), schema.bytes())?;
    }
    for f in ch.templates.iter().chain(ch.files.iter()) {
        write_file(&outdir.join(&f.name), &f.data)?;
    }
    for dep in &ch.dependencies {
        crate::package::save_archive(dep, &outdir.join("charts"), None)
            .map_err(|e| format!("saving {}: {}", dep.full_path(), e))?;
    }
    Ok(outdir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(validate_chart_name("my-chart_1.2").is_ok());
        assert!(validate_chart_name("").is_err());
        assert!(validate_chart_name("a b").is_err());
        assert!(validate_chart_name(&"a".repeat(251)).is_err());
        assert_eq!(split_name("foo"), ("foo".into(), ".".into()));
        assert_eq!(split_name("a/b/foo"), ("foo".into(), "a/b".into()));
        assert_eq!(split_name("/foo"), ("foo".into(), "/".into()));
    }
}
