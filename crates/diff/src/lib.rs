//! helm-diff, built in: what `capstan diff` prints.
//!
//! Scripts and CI jobs parse helm-diff's output, so this crate reproduces
//! it byte for byte (databus23/helm-diff v3.15.11): [`manifest`] reads a
//! manifest stream into objects keyed as helm-diff keys them, [`lcs`] is its
//! line diff with its exact tie-breaking, [`secrets`] its redaction,
//! [`report`] the entries in its order, and [`print`](mod@print) every `--output`
//! format.  The crate knows nothing of clusters or releases: the command
//! line hands it two manifest texts (from release records, the upgrade
//! render, or the cluster), so every diff command — and `capstan diff
//! manifests OLD NEW` — shares one code path.

#![forbid(unsafe_code)]

mod dyff;
pub mod lcs;
pub mod manifest;
pub mod print;
pub mod report;
pub mod secrets;
pub mod structured;

pub use manifest::{parse, Index, Object, ParseOptions, Parsed};
pub use report::{generate, Change, Entry, Options, Ownership, Report};

/// What a diff prints and how it ends.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// The report (stdout).
    pub stdout: String,
    /// Log lines helm-diff writes to stderr (duplicate keys, skipped entries).
    pub stderr: Vec<String>,
    /// Whether anything changed (before line suppression).
    pub changed: bool,
}

/// Why a diff could not be printed.
#[derive(Debug, Clone)]
pub struct Error(pub String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

/// Diff two parsed indexes and print the report.
pub fn diff_indexes(
    old: &Parsed,
    new: &Parsed,
    ownership: &[Ownership],
    o: &Options,
) -> Result<Outcome, Error> {
    let mut stderr: Vec<String> = old.warnings.iter().chain(&new.warnings).cloned().collect();
    let r = generate(&old.index, &new.index, ownership, o).map_err(|e| Error(e.0))?;
    stderr.extend(r.warnings.iter().cloned());
    let stdout = print::print(&r, o).map_err(Error)?;
    stderr.extend(print::print_warnings(&r, o));
    Ok(Outcome {
        stdout,
        stderr,
        changed: r.seen_changes,
    })
}

/// Parse two manifest streams as helm-diff does and print their report
/// (`capstan diff manifests`).
pub fn diff_manifests(
    old: &str,
    new: &str,
    p: &ParseOptions,
    o: &Options,
) -> Result<Outcome, Error> {
    let old = parse(old, p).map_err(|e| Error(e.message))?;
    let new = parse(new, p).map_err(|e| Error(e.message))?;
    diff_indexes(&old, &new, &[], o)
}

/// `diff release`: objects re-keyed by their template path (`# Source:`),
/// repeats numbered ` 1`, ` 2`… in sorted-key order.
pub fn rekey_by_source(index: &Index) -> Index {
    let mut out = Index::new();
    let mut count: std::collections::HashMap<String, usize> = Default::default();
    for obj in index.values() {
        let first = obj.content.split('\n').next().unwrap_or("");
        let mut key = first.replacen("# Source: ", "", 1);
        if out.contains_key(&key) {
            let n = count.entry(key.clone()).or_insert(0);
            *n += 1;
            key = format!("{key} {n}");
        } else {
            *count.entry(key.clone()).or_insert(0) += 1;
        }
        out.insert(key, obj.clone());
    }
    out
}

pub(crate) fn io_error_text(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}
