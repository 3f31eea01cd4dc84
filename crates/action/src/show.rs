//! `show chart|values|readme|crds|all`: Helm's `action.Show`.
//!
//! `chart` is Chart.yaml re-marshalled from the metadata (sorted keys, as
//! Helm prints it), `values` the raw values.yaml, `readme` the first file
//! named README.md/README.txt/README (any case), `crds` every CRD file of
//! the chart and its subcharts, each preceded by `---` unless it starts
//! with one.  `all` joins the parts present with `---` lines.

use crate::chartfile;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShowFormat {
    All,
    Chart,
    Values,
    Readme,
    Crds,
}

fn find_readme(files: &[chart::File]) -> Option<&chart::File> {
    files.iter().find(|f| {
        ["readme.md", "readme.txt", "readme"]
            .iter()
            .any(|n| f.name.eq_ignore_ascii_case(n))
    })
}

/// CRD files of the chart tree (`Chart.CRDObjects`): parent first.
fn crd_data(c: &chart::Chart, out: &mut Vec<Vec<u8>>) {
    for f in c.crd_files() {
        out.push(f.data.clone());
    }
    for d in &c.dependencies {
        crd_data(d, out);
    }
}

/// The text `helm show FORMAT CHART` prints.
pub fn show(chart_path: &str, format: ShowFormat) -> Result<String, crate::Error> {
    let c = chart::load(chart_path)?;
    let mut out = String::new();
    if matches!(format, ShowFormat::Chart | ShowFormat::All) {
        out.push_str(&chartfile::marshal_metadata(&c.metadata)?);
        out.push('\n');
    }
    if matches!(format, ShowFormat::Values | ShowFormat::All)
        && !matches!(c.values, gotmpl::Value::Nil)
    {
        if format == ShowFormat::All {
            out.push_str("---\n");
        }
        for f in c.raw.iter().filter(|f| f.name == "values.yaml") {
            out.push_str(&String::from_utf8_lossy(&f.data));
            out.push('\n');
        }
    }
    if matches!(format, ShowFormat::Readme | ShowFormat::All) {
        if let Some(r) = find_readme(&c.files) {
            if format == ShowFormat::All {
                out.push_str("---\n");
            }
            out.push_str(&String::from_utf8_lossy(&r.data));
            out.push('\n');
        }
    }
    if matches!(format, ShowFormat::Crds | ShowFormat::All) {
        let mut crds = Vec::new();
        crd_data(&c, &mut crds);
        for d in crds {
            if !d.starts_with(b"---") {
                out.push_str("---\n");
            }
            out.push_str(&String::from_utf8_lossy(&d));
            out.push('\n');
        }
    }
    Ok(out)
}
