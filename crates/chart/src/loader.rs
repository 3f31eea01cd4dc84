//! Loading charts from directories, `.tgz` archives and in-memory files
//! (Helm's `pkg/chart/v2/loader`).
//!
//! A directory is walked depth-first with each directory's entries in
//! byte-wise name order (Go's `filepath.Walk`), symlinks followed,
//! `.helmignore` applied (root one only) plus the default
//! `templates/.?*`.  Archives are read entry by entry in archive order, the
//! first path component (the chart directory) stripped, with Helm's path
//! safety and size limits; `.helmignore` is *not* applied to archives.
//! Both end in [`load_files`], which sorts files into the [`Chart`]
//! fields, validates Chart.yaml and loads `charts/*` recursively.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use gotmpl::Value;

use crate::chart::{Chart, File};
use crate::error::Error;
use crate::ignore::Rules;
use crate::metadata::{Lock, Metadata, API_VERSION_V1};
use crate::values::load_values;

/// Helm's `MaxDecompressedChartSize` (100 MiB).
pub const MAX_DECOMPRESSED_CHART_SIZE: u64 = 100 * 1024 * 1024;
/// Helm's `MaxDecompressedFileSize` (5 MiB).
pub const MAX_DECOMPRESSED_FILE_SIZE: u64 = 5 * 1024 * 1024;
/// Guard against symlink loops / absurd nesting.
const MAX_DEPTH: usize = 64;

const UTF8_BOM: &[u8] = &[0xEF, 0xBB, 0xBF];

fn strip_bom_ref(data: &[u8]) -> &[u8] {
    data.strip_prefix(UTF8_BOM).unwrap_or(data)
}

fn strip_bom(mut data: Vec<u8>) -> Vec<u8> {
    if data.starts_with(UTF8_BOM) {
        data.drain(..3);
    }
    data
}

/// Load a chart from a directory or a `.tgz` file (Helm's `loader.Load`).
pub fn load(path: impl AsRef<Path>) -> Result<Chart, Error> {
    load_with(path, gotmpl::Worker::shared().as_ref())
}

/// [`load`], sharing a directory's reads with `worker`.
pub fn load_with(path: impl AsRef<Path>, worker: Option<&gotmpl::Worker>) -> Result<Chart, Error> {
    let _tree = tree::enter();
    let path = path.as_ref();
    let md = std::fs::metadata(path)
        .map_err(|e| Error::load(format!("stat {}: {}", path.display(), io_err_text(&e))))?;
    if md.is_dir() {
        load_dir_with(path, worker)
    } else {
        load_file(path)
    }
}

/// Go-style text for common I/O errors.
fn io_err_text(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// Load a chart archive file (Helm's `LoadFile`).
pub fn load_file(path: &Path) -> Result<Chart, Error> {
    let data = std::fs::read(path)
        .map_err(|e| Error::load(format!("open {}: {}", path.display(), io_err_text(&e))))?;
    if !data.starts_with(&[0x1f, 0x8b]) {
        let ctype = if std::str::from_utf8(&data[..data.len().min(512)]).is_ok() {
            "text/plain; charset=utf-8"
        } else {
            "application/octet-stream"
        };
        return Err(Error::load(format!(
            "file '{}' does not appear to be a gzipped archive; got '{}'",
            path.display(),
            ctype
        )));
    }
    load_archive(&data)
}

/// Load a chart directory (Helm's `LoadDir`).
pub fn load_dir(dir: &Path) -> Result<Chart, Error> {
    load_dir_with(dir, gotmpl::Worker::shared().as_ref())
}

fn load_dir_with(dir: &Path, worker: Option<&gotmpl::Worker>) -> Result<Chart, Error> {
    // Helm walks the absolute path (`filepath.Abs`: cleaned, symlinks kept),
    // which its messages show.
    let abs = std::path::absolute(dir)
        .map(|a| std::path::PathBuf::from(clean_path(&a.to_string_lossy())))
        .unwrap_or_else(|_| dir.to_path_buf());
    let dir = abs.as_path();
    let mut rules = Rules::empty();
    let ifile = dir.join(".helmignore");
    if ifile.exists() {
        let text = std::fs::read(&ifile)
            .map_err(|e| Error::load(format!("open {}: {}", ifile.display(), io_err_text(&e))))?;
        rules = Rules::parse(&String::from_utf8_lossy(&text)).map_err(Error::load)?;
    }
    rules.add_defaults();
    // Three steps, so the reads (most of a directory load is open/read/
    // close system calls) can be shared with a helper thread: list what to
    // read in walk order, read, then check and collect in walk order, so
    // limits and errors come out exactly as a one-pass walk gives them.
    let mut plan = Vec::new();
    // (A chart directory that is itself a symlink is not logged: helm-ref.)
    walk(dir, "", &rules, &mut plan, 0);
    let fetched = fetch_all(&plan, worker);
    let mut files = Vec::with_capacity(plan.len());
    let mut decoded = Decoded::new();
    // No limit on the directory's total size: Helm applies
    // MaxDecompressedChartSize to archives only (each file still has its
    // 5 MiB limit, below).
    for (step, got) in plan.into_iter().zip(fetched) {
        let (name, path, md) = match step {
            Step::Fail(e) => return Err(e),
            Step::Log(line) => {
                eprintln!("{line}");
                continue;
            }
            Step::Read { name, path } => match got {
                Some(Fetched {
                    data,
                    modtime,
                    early,
                }) => {
                    if let Some(v) = early {
                        decoded.insert(name.clone(), v);
                    }
                    files.push(File {
                        name,
                        data: strip_bom(data),
                        modtime,
                    });
                    continue;
                }
                // Not a plain readable file after all: the careful path.
                None => match std::fs::metadata(&path) {
                    Ok(md) => (name, path, md),
                    Err(e) => {
                        return Err(Error::load(format!(
                            "stat {}: {}",
                            path.display(),
                            io_err_text(&e)
                        )))
                    }
                },
            },
            Step::Stat { name, path, md } => (name, path, md),
        };
        if !md.is_file() {
            return Err(Error::load(format!(
                "cannot load irregular file {} as it has file mode type bits set",
                path.display()
            )));
        }
        if md.len() > MAX_DECOMPRESSED_FILE_SIZE {
            let base = name.rsplit('/').next().unwrap_or(&name);
            return Err(Error::load(format!(
                "chart file {} is larger than the maximum file size {}",
                crate::error::go_quote(base),
                MAX_DECOMPRESSED_FILE_SIZE
            )));
        }
        let data = std::fs::read(&path)
            .map_err(|e| Error::load(format!("error reading {name}: {}", io_err_text(&e))))?;
        files.push(File {
            name,
            data: strip_bom(data),
            modtime: modtime_of(&md),
        });
    }
    load_files_decoded(files, &mut decoded, "")
}

/// One file of a directory walk, in walk order.
enum Step {
    /// A regular file (by its directory entry) to read.
    Read {
        name: String,
        path: std::path::PathBuf,
    },
    /// A file reached through a symlink (already stat'ed).
    Stat {
        name: String,
        path: std::path::PathBuf,
        md: std::fs::Metadata,
    },
    /// The walk stopped here with this error.
    Fail(Error),
    /// A line Helm logs (on stderr) when its walk gets here.
    Log(String),
}

/// Helm's `slog.Info` for a symlink in a chart directory, as its CLI's
/// handler prints it: `level=INFO msg="…" path=… resolved=…` (no time).
fn symlink_log(path: &Path, resolved: &Path) -> String {
    let val = |s: &str| {
        if s.is_empty()
            || s.chars()
                .any(|c| c == ' ' || c == '=' || c == '"' || !gostd::strconv::is_print(c))
        {
            gostd::strconv::quote(s)
        } else {
            s.to_string()
        }
    };
    format!(
        "level=INFO msg=\"found symbolic link in path. Contents of linked file included and used\" path={} resolved={}",
        val(&path.to_string_lossy()),
        val(&resolved.to_string_lossy())
    )
}

/// Go's `filepath.EvalSymlinks` of an absolute path: every symlink along
/// it replaced by its target, component by component.  The error is Go's
/// text after `error evaluating symlink PATH: ` (`lstat /x: no such file
/// or directory` at the first component that is missing).
fn eval_symlinks(path: &Path) -> Result<std::path::PathBuf, String> {
    use std::path::{Component, PathBuf};
    let mut todo: Vec<std::ffi::OsString> = path
        .components()
        .rev()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n.to_os_string()),
            Component::ParentDir => Some("..".into()),
            _ => None,
        })
        .collect();
    let mut dest = PathBuf::from("/");
    let mut links = 0;
    while let Some(c) = todo.pop() {
        if c == ".." {
            dest.pop();
            continue;
        }
        let cand = dest.join(&c);
        let md = std::fs::symlink_metadata(&cand)
            .map_err(|e| format!("lstat {}: {}", cand.display(), io_err_text(&e)))?;
        if !md.file_type().is_symlink() {
            dest = cand;
            continue;
        }
        links += 1;
        if links > 255 {
            return Err("EvalSymlinks: too many links".into());
        }
        let target = std::fs::read_link(&cand)
            .map_err(|e| format!("readlink {}: {}", cand.display(), io_err_text(&e)))?;
        if target.is_absolute() {
            dest = PathBuf::from("/");
        }
        for t in target.components().rev() {
            match t {
                Component::Normal(n) => todo.push(n.to_os_string()),
                Component::ParentDir => todo.push("..".into()),
                _ => {}
            }
        }
    }
    Ok(dest)
}

/// A file read by [`fetch_all`].
struct Fetched {
    data: Vec<u8>,
    modtime: Option<i64>,
    /// A chart's `values.yaml` or `values.schema.json`, already decoded.
    early: Option<Early>,
}

/// A file decoded as soon as it was read (see [`fetch_all`]).
enum Early {
    Values(crate::values::DecodedValues),
    Schema(Option<std::sync::Arc<serde_json::Value>>),
}

/// Is `name` (a path in the chart directory) the file `base` of the chart
/// or of a subchart directory (`charts/X/values.yaml`, nested)?
fn is_chart_file(name: &str, base: &str) -> bool {
    let Some(dir) = name.strip_suffix(base) else {
        return false;
    };
    if dir.is_empty() {
        return true;
    }
    let parts: Vec<&str> = dir.trim_end_matches('/').split('/').collect();
    dir.ends_with('/')
        && parts.len().is_multiple_of(2)
        && parts
            .chunks(2)
            .all(|p| p[0] == "charts" && !p[1].is_empty())
}

/// Read every [`Step::Read`] file: one open + fstat + read each, and a
/// chart's `values.yaml` and `values.schema.json` decoded too.  `None` where that fails or finds
/// something other than a small regular file (the caller then takes the
/// careful path, with Helm's error texts).  Shared with `worker`.
fn fetch_all(plan: &[Step], worker: Option<&gotmpl::Worker>) -> Vec<Option<Fetched>> {
    /// A file to read, and whether it is a chart's values or schema.
    struct Read {
        path: std::path::PathBuf,
        values: bool,
        schema: bool,
    }
    fn fetch(r: &Read) -> Option<Fetched> {
        let mut f = std::fs::File::open(&r.path).ok()?;
        let md = f.metadata().ok()?;
        if !md.is_file() || md.len() > MAX_DECOMPRESSED_FILE_SIZE {
            return None;
        }
        let data = read_sized(&mut f, md.len() as usize).ok()?;
        // Decoding values is the costliest part of loading: done here, it
        // overlaps the other thread's reads.
        let early = if r.values {
            Some(Early::Values(crate::values::decode_values(strip_bom_ref(
                &data,
            ))))
        } else if r.schema {
            Some(Early::Schema(crate::chart::Schema::parse(strip_bom_ref(
                &data,
            ))))
        } else {
            None
        };
        Some(Fetched {
            data,
            modtime: modtime_of(&md),
            early,
        })
    }
    // Values and schema files first, so their decoding overlaps the
    // remaining reads.
    let mut order: Vec<(usize, Read)> = plan
        .iter()
        .enumerate()
        .filter_map(|(i, s)| match s {
            Step::Read { name, path } => Some((
                i,
                Read {
                    path: path.clone(),
                    values: is_chart_file(name, "values.yaml"),
                    schema: is_chart_file(name, "values.schema.json"),
                },
            )),
            _ => None,
        })
        .collect();
    order.sort_by_key(|(_, r)| !(r.values || r.schema));
    let (index, reads): (Vec<usize>, Vec<Read>) = order.into_iter().unzip();
    // A few files read faster than the helper thread starts (the scaffold
    // chart has 12): share only when there are many.
    const MIN_SHARED_READS: usize = 32;
    let worker = worker.filter(|_| reads.len() >= MIN_SHARED_READS);
    let got = gotmpl::share_work(worker, std::sync::Arc::new(reads), fetch);
    let mut out: Vec<Option<Fetched>> = (0..plan.len()).map(|_| None).collect();
    for (i, f) in index.into_iter().zip(got) {
        out[i] = f;
    }
    out
}

fn walk(abs: &Path, rel: &str, rules: &Rules, plan: &mut Vec<Step>, depth: usize) -> bool {
    macro_rules! fail {
        ($e:expr) => {{
            plan.push(Step::Fail($e));
            return false;
        }};
    }
    if depth > MAX_DEPTH {
        fail!(Error::load(format!(
            "too many levels of directories at {rel}"
        )));
    }
    let rd = match std::fs::read_dir(abs) {
        Ok(rd) => rd,
        Err(e) => fail!(Error::load(format!(
            "open {}: {}",
            abs.display(),
            io_err_text(&e)
        ))),
    };
    // Entry names with whether the directory entry itself is a regular
    // file (free on Linux: it comes from readdir's d_type).
    // (Whether an entry is a symlink comes from readdir's d_type too.)
    let mut names: Vec<(std::ffi::OsString, bool, bool)> = Vec::new();
    for ent in rd {
        let ent = match ent {
            Ok(ent) => ent,
            Err(e) => fail!(Error::load(e.to_string())),
        };
        let ty = ent.file_type().ok();
        let regular = ty.is_some_and(|t| t.is_file());
        let link = ty.is_some_and(|t| t.is_symlink());
        names.push((ent.file_name(), regular, link));
    }
    names.sort_by(|a, b| a.0.as_encoded_bytes().cmp(b.0.as_encoded_bytes()));
    for (name, regular, link) in names {
        let name_s = name.to_string_lossy();
        let n = if rel.is_empty() {
            name_s.to_string()
        } else {
            format!("{rel}/{name_s}")
        };
        let p = abs.join(&name);
        // A regular file (by its entry: no stat needed) is read later.
        // Only entries that are regular files themselves: opening a FIFO
        // would block, symlinks need the checks below.
        if regular {
            if !rules.ignore(&n, false) {
                plan.push(Step::Read { name: n, path: p });
            }
            continue;
        }
        // Follow symlinks (Helm's sympath.Walk): resolved and logged
        // before .helmignore is consulted, so a dangling one fails even
        // when ignored.
        if link {
            match eval_symlinks(&p) {
                Ok(resolved) => plan.push(Step::Log(symlink_log(&p, &resolved))),
                Err(e) => fail!(Error::load(format!(
                    "error evaluating symlink {}: {e}",
                    p.display()
                ))),
            }
        }
        let md = match std::fs::metadata(&p) {
            Ok(md) => md,
            Err(e) => fail!(Error::load(format!(
                "stat {}: {}",
                p.display(),
                io_err_text(&e)
            ))),
        };
        if md.is_dir() {
            if rules.ignore(&n, true) {
                continue;
            }
            if !walk(&p, &n, rules, plan, depth + 1) {
                return false;
            }
            continue;
        }
        if rules.ignore(&n, false) {
            continue;
        }
        plan.push(Step::Stat {
            name: n,
            path: p,
            md,
        });
    }
    true
}

/// Read a regular file whose size `fstat` gave: stop once that many bytes
/// are in (a regular file only reads short at its end), which saves the
/// extra `read` that `read_to_end` makes to see end-of-file.
fn read_sized(f: &mut std::fs::File, len: usize) -> std::io::Result<Vec<u8>> {
    let mut data = vec![0u8; len];
    let mut filled = 0;
    while filled < len {
        match f.read(&mut data[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    data.truncate(filled);
    Ok(data)
}

/// A file's mtime in whole seconds, rounded to the nearest second as Go's
/// `archive/tar` rounds `Header.ModTime` (Helm 4 packages each file with
/// its mtime; truncating would make archives differ from Helm's by a
/// second whenever the sub-second part is ≥ 0.5).
fn modtime_of(md: &std::fs::Metadata) -> Option<i64> {
    md.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_secs() as i64 + i64::from(d.subsec_nanos() >= 500_000_000))
}

/// Read a gzipped tar into files (Helm's `LoadArchiveFiles`).
///
/// Every entry is checked before its data is read: Helm's own refusals
/// (absolute paths, `..`, Windows drive paths, Chart.yaml outside the
/// chart directory, per-file and total size limits) with Helm's wording,
/// plus capstan's stricter ones for what Helm would silently accept:
/// duplicate entries and links whose target leaves the chart.  The
/// decompressed stream is bounded as it is read, so a gzip bomb stops at
/// the size limit rather than filling memory.
pub fn load_archive_files(bytes: &[u8]) -> Result<Vec<File>, Error> {
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return Err(Error::load("gzip: invalid header"));
    }
    let gz = flate2::read::GzDecoder::new(bytes);
    // Tar headers and padding are not counted by the per-entry sizes; cap
    // the raw stream a little above the chart limit as well.
    let capped = gz.take(MAX_DECOMPRESSED_CHART_SIZE + 64 * 1024 * 1024);
    let mut ar = tar::Archive::new(capped);
    let mut files: Vec<File> = Vec::new();
    let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut remaining = MAX_DECOMPRESSED_CHART_SIZE as i64;
    let entries = ar.entries().map_err(|e| Error::load(archive_err(&e)))?;
    for ent in entries {
        let mut ent = ent.map_err(|e| Error::load(archive_err(&e)))?;
        let ty = ent.header().entry_type();
        if ty.is_dir() || ty.is_pax_global_extensions() || ty.is_pax_local_extensions() {
            continue;
        }
        let raw_name = String::from_utf8_lossy(&ent.path_bytes()).to_string();
        let n = archive_entry_name(&raw_name)?;
        if ty.is_symlink() || ty.is_hard_link() {
            let target = ent
                .link_name_bytes()
                .map(|t| String::from_utf8_lossy(&t).to_string())
                .unwrap_or_default();
            check_link_target(&raw_name, &n, &target, ty.is_hard_link())?;
        }
        if !seen.insert(n.clone()) {
            return Err(Error::load(format!(
                "chart archive contains duplicate entry {}",
                crate::error::go_quote(&raw_name)
            )));
        }
        let size = ent.header().size().unwrap_or(0).min(i64::MAX as u64) as i64;
        if size > remaining {
            return Err(Error::load(format!(
                "decompressed chart is larger than the maximum size {MAX_DECOMPRESSED_CHART_SIZE}"
            )));
        }
        if size as u64 > MAX_DECOMPRESSED_FILE_SIZE {
            return Err(Error::load(format!(
                "decompressed chart file {} is larger than the maximum file size {}",
                crate::error::go_quote(&raw_name),
                MAX_DECOMPRESSED_FILE_SIZE
            )));
        }
        let mut data = Vec::new();
        (&mut ent)
            .take(remaining as u64)
            .read_to_end(&mut data)
            .map_err(|e| Error::load(archive_err(&e)))?;
        remaining -= data.len() as i64;
        if remaining <= 0 {
            return Err(Error::load(format!(
                "decompressed chart is larger than the maximum size {MAX_DECOMPRESSED_CHART_SIZE}"
            )));
        }
        let modtime = ent
            .header()
            .mtime()
            .ok()
            .map(|t| t.min(i64::MAX as u64) as i64);
        files.push(File {
            name: n,
            data: strip_bom(data),
            modtime,
        });
    }
    if files.is_empty() {
        return Err(Error::load("no files in chart archive"));
    }
    Ok(files)
}

/// An entry's path inside the chart (the first component, the chart
/// directory, stripped), or Helm's refusal.
fn archive_entry_name(raw_name: &str) -> Result<String, Error> {
    let delim = if raw_name.contains('\\') { '\\' } else { '/' };
    let parts: Vec<&str> = raw_name.split(delim).collect();
    let n = parts.get(1..).unwrap_or(&[]).join("/");
    if n.starts_with('/') {
        return Err(Error::load("chart illegally contains absolute paths"));
    }
    let n = clean_path(&n);
    if n == "." {
        return Err(Error::load(format!(
            "chart illegally contains content outside the base directory: {}",
            crate::error::go_quote(raw_name)
        )));
    }
    if n.starts_with("..") {
        return Err(Error::load("chart illegally references parent directory"));
    }
    let nb = n.as_bytes();
    if nb.len() >= 3 && nb[0].is_ascii_alphabetic() && nb[1] == b':' && nb[2] == b'/' {
        return Err(Error::load("chart contains illegally named files"));
    }
    if parts[0] == "Chart.yaml" {
        return Err(Error::load("chart yaml not in base directory"));
    }
    Ok(n)
}

/// Refuse a symlink or hard link whose target is absolute or resolves
/// outside the chart directory (Helm reads links as empty files and never
/// follows them; refusing the escaping ones keeps anything that later
/// unpacks the archive safe).
fn check_link_target(raw_name: &str, name: &str, target: &str, hard: bool) -> Result<(), Error> {
    let kind = if hard { "hard link" } else { "symlink" };
    let t = target.replace('\\', "/");
    let tb = t.as_bytes();
    let drive = tb.len() >= 2 && tb[0].is_ascii_alphabetic() && tb[1] == b':';
    if t.is_empty() || t.starts_with('/') || drive {
        return Err(Error::load(format!(
            "chart contains a {kind} {} pointing outside the chart: {}",
            crate::error::go_quote(raw_name),
            crate::error::go_quote(target)
        )));
    }
    // Hard link targets are archive paths (with the chart directory);
    // symlink targets are relative to the link's directory.
    let resolved = if hard {
        let parts: Vec<&str> = t.split('/').collect();
        clean_path(&parts.get(1..).unwrap_or(&[]).join("/"))
    } else {
        let dir = match name.rfind('/') {
            Some(i) => &name[..i],
            None => "",
        };
        clean_path(format!("{dir}/{t}").trim_start_matches('/'))
    };
    if resolved == ".." || resolved.starts_with("../") {
        return Err(Error::load(format!(
            "chart contains a {kind} {} pointing outside the chart: {}",
            crate::error::go_quote(raw_name),
            crate::error::go_quote(target)
        )));
    }
    Ok(())
}

fn archive_err(e: &std::io::Error) -> String {
    let s = e.to_string();
    if s.contains("invalid gzip header") {
        "gzip: invalid header".into()
    } else if e.kind() == std::io::ErrorKind::UnexpectedEof {
        "unexpected EOF".into()
    } else {
        s
    }
}

/// Go's `path.Clean` (gostd::path::clean).
pub fn clean_path(p: &str) -> String {
    gostd::path::clean(p)
}

/// Load a chart from the bytes of a `.tgz` (Helm's `LoadArchive`).
pub fn load_archive(bytes: &[u8]) -> Result<Chart, Error> {
    let _tree = tree::enter();
    let files = load_archive_files(bytes)?;
    tree::charge(files.iter().map(|f| f.data.len() as u64).sum())?;
    load_files(files)
}

/// A budget for one chart tree's nested archives. Helm bounds each archive
/// (100 MiB) but not how they nest: a 3 KB archive holding five copies of
/// an archive holding five copies… unpacks to millions of charts (Helm ran
/// past 8 GB). One load may unpack at most [`tree::MAX_ARCHIVES`] archives
/// and [`tree::MAX_BYTES`] in all; real umbrella charts are far below both.
mod tree {
    use super::Error;
    use std::cell::Cell;

    pub const MAX_ARCHIVES: u64 = 10_000;
    pub const MAX_BYTES: u64 = 1 << 30;

    thread_local! {
        /// (archives, bytes) unpacked by the load in progress, if any.
        static USED: Cell<Option<(u64, u64)>> = const { Cell::new(None) };
    }

    /// Ends the budget when the outermost load that started it returns.
    pub struct Scope(bool);

    impl Drop for Scope {
        fn drop(&mut self) {
            if self.0 {
                USED.with(|u| u.set(None));
            }
        }
    }

    pub fn enter() -> Scope {
        USED.with(|u| {
            if u.get().is_none() {
                u.set(Some((0, 0)));
                Scope(true)
            } else {
                Scope(false)
            }
        })
    }

    /// Count one more archive of `bytes` decompressed bytes.
    pub fn charge(bytes: u64) -> Result<(), Error> {
        USED.with(|u| {
            let (n, b) = u.get().unwrap_or((0, 0));
            let (n, b) = (n + 1, b.saturating_add(bytes));
            u.set(Some((n, b)));
            if n > MAX_ARCHIVES {
                Err(Error::load(format!(
                    "chart archives nested more than {MAX_ARCHIVES} deep and wide: refusing to unpack \
                     more (an archive bomb?)"
                )))
            } else if b > MAX_BYTES {
                Err(Error::load(format!(
                    "chart archives nested in this chart unpack to more than {MAX_BYTES} bytes: \
                     refusing to unpack more (an archive bomb?)"
                )))
            } else {
                Ok(())
            }
        })
    }
}

fn parse_yaml_text(data: &[u8]) -> Result<Value, String> {
    let text = crate::values::utf8_text(data);
    crate::yamlbridge::parse_typed(&text)
}

/// Build a chart from in-memory files (Helm's `LoadFiles`).
pub fn load_files(files: Vec<File>) -> Result<Chart, Error> {
    load_files_decoded(files, &mut Decoded::new(), "")
}

/// `values.yaml` and `values.schema.json` files decoded while the directory
/// was read, by their path in the top chart.
type Decoded = std::collections::HashMap<String, Early>;

/// [`load_files`] of the chart at `prefix` (`""`, `charts/X/`, …) in the
/// top chart, taking its values from `decoded` when they are there.
fn load_files_decoded(
    files: Vec<File>,
    decoded: &mut Decoded,
    prefix: &str,
) -> Result<Chart, Error> {
    let mut c = Chart::default();
    let mut have_metadata = false;
    for f in &files {
        if f.name == "Chart.yaml" {
            have_metadata = true;
            let v = parse_yaml_text(&f.data)
                .map_err(|e| Error::load(format!("cannot load Chart.yaml: {e}")))?;
            c.metadata
                .decode_into(&v)
                .map_err(|e| Error::load(format!("cannot load Chart.yaml: {e}")))?;
            if c.metadata.api_version.is_empty() {
                c.metadata.api_version = API_VERSION_V1.to_string();
            }
        }
    }
    let mut subcharts: BTreeMap<String, Vec<File>> = BTreeMap::new();
    c.raw.reserve(files.len());
    // `Raw` lists every file (each file itself is moved into its place);
    // only values.yaml's bytes are kept there, the one file read back
    // from it (copying every file cost as much as reading it).
    for f in files {
        let data = if f.name == "values.yaml" {
            f.data.clone()
        } else {
            Vec::new()
        };
        c.raw.push(File {
            name: f.name.clone(),
            data,
            modtime: f.modtime,
        });
        match f.name.as_str() {
            "Chart.yaml" => {}
            "Chart.lock" => {
                let v = parse_yaml_text(&f.data)
                    .map_err(|e| Error::load(format!("cannot load Chart.lock: {e}")))?;
                c.lock = Some(
                    Lock::decode(&v)
                        .map_err(|e| Error::load(format!("cannot load Chart.lock: {e}")))?,
                );
            }
            "values.yaml" => {
                let v = match decoded.remove(&format!("{prefix}values.yaml")) {
                    Some(Early::Values(d)) => crate::values::finish_values(d),
                    _ => load_values(&f.data),
                };
                let v = v.map_err(|e| e.wrap("cannot load values.yaml"))?;
                c.values = v;
                c.raw_values = Some(f.data);
            }
            "values.schema.json" => {
                c.schema = Some(
                    match decoded.remove(&format!("{prefix}values.schema.json")) {
                        Some(Early::Schema(parsed)) => crate::chart::Schema::parsed(f.data, parsed),
                        _ => crate::chart::Schema::new(f.data),
                    },
                )
            }
            "requirements.yaml" => {
                have_metadata = true;
                let v = parse_yaml_text(&f.data)
                    .map_err(|e| Error::load(format!("cannot load requirements.yaml: {e}")))?;
                c.metadata
                    .decode_into(&v)
                    .map_err(|e| Error::load(format!("cannot load requirements.yaml: {e}")))?;
                if c.metadata.api_version == API_VERSION_V1 {
                    c.files.push(f);
                }
            }
            "requirements.lock" => {
                let v = parse_yaml_text(&f.data)
                    .map_err(|e| Error::load(format!("cannot load requirements.lock: {e}")))?;
                c.lock = Some(
                    Lock::decode(&v)
                        .map_err(|e| Error::load(format!("cannot load requirements.lock: {e}")))?,
                );
                have_metadata = true;
                if c.metadata.api_version == API_VERSION_V1 {
                    c.files.push(f);
                }
            }
            n if n.starts_with("templates/") => c.templates.push(f),
            n if n.starts_with("charts/") => {
                if n.ends_with(".prov") {
                    c.files.push(f);
                    continue;
                }
                let fname = &n["charts/".len()..];
                let cname = fname.split('/').next().unwrap_or("").to_string();
                subcharts.entry(cname).or_default().push(File {
                    name: fname.to_string(),
                    data: f.data,
                    modtime: f.modtime,
                });
            }
            _ => c.files.push(f),
        }
    }
    if !have_metadata {
        return Err(Error::load("Chart.yaml file is missing"));
    }
    c.metadata.validate()?;

    for (n, files) in subcharts {
        if n.starts_with('_') || n.starts_with('.') {
            continue;
        }
        let sc = if n.ends_with(".tgz") {
            let file = &files[0];
            if file.name != n {
                return Err(Error::load(format!(
                    "error unpacking subchart tar in {}: expected {}, got {}",
                    c.name(),
                    n,
                    file.name
                )));
            }
            load_archive(&file.data)
        } else {
            let buff: Vec<File> = files
                .into_iter()
                .filter_map(|f| {
                    f.name.split_once('/').map(|(_, rest)| File {
                        name: rest.to_string(),
                        data: f.data,
                        modtime: f.modtime,
                    })
                })
                .collect();
            load_files_decoded(buff, decoded, &format!("{prefix}charts/{n}/"))
        };
        let sc =
            sc.map_err(|e| e.wrap(&format!("error unpacking subchart {} in {}", n, c.name())))?;
        c.dependencies.push(sc);
    }
    c.update_paths();
    Ok(c)
}

/// Decode a Chart.yaml body on its own (for tools; the loader does this).
pub fn parse_metadata(data: &[u8]) -> Result<Metadata, Error> {
    let v =
        parse_yaml_text(data).map_err(|e| Error::load(format!("cannot load Chart.yaml: {e}")))?;
    let mut md = Metadata::default();
    md.decode_into(&v)
        .map_err(|e| Error::load(format!("cannot load Chart.yaml: {e}")))?;
    Ok(md)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A chart `.tgz` named `name` holding `subs` as `charts/*.tgz`.
    fn fan_out_tgz(name: &str, subs: &[Vec<u8>]) -> Vec<u8> {
        let mut tar = tar::Builder::new(Vec::new());
        let mut put = |path: String, data: &[u8]| {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            tar.append_data(&mut h, path, data).unwrap();
        };
        put(
            format!("{name}/Chart.yaml"),
            format!("apiVersion: v2\nname: {name}\nversion: 0.1.0\n").as_bytes(),
        );
        for (i, sub) in subs.iter().enumerate() {
            put(format!("{name}/charts/s{i}.tgz"), sub);
        }
        let raw = tar.into_inner().unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        std::io::Write::write_all(&mut gz, &raw).unwrap();
        gz.finish().unwrap()
    }

    #[test]
    fn nested_archive_fan_out_is_refused() {
        // Probe A10: five copies of an archive of five copies of … — a few
        // KB that unpack to 5^depth charts (Helm ran past 8 GB at depth 10).
        let mut level = fan_out_tgz("s0", &[]);
        for _ in 0..7 {
            let subs: Vec<Vec<u8>> = (0..5).map(|_| level.clone()).collect();
            level = fan_out_tgz("top", &subs);
        }
        assert!(level.len() < 64 * 1024, "{}", level.len());
        let err = load_archive(&level).unwrap_err().to_string();
        assert!(err.contains("an archive bomb?"), "{err}");
        // The budget belongs to one load: a sane nested chart loads after.
        let small = fan_out_tgz("top", &[fan_out_tgz("s0", &[]), fan_out_tgz("s0", &[])]);
        assert_eq!(load_archive(&small).unwrap().dependencies.len(), 2);
    }

    fn chart_dir() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(
            d.path().join("Chart.yaml"),
            "apiVersion: v2\nname: c\nversion: 0.1.0\n",
        )
        .unwrap();
        d
    }

    fn logs(dir: &Path) -> Vec<String> {
        let mut plan = Vec::new();
        walk(dir, "", &Rules::empty(), &mut plan, 0);
        plan.into_iter()
            .filter_map(|s| match s {
                Step::Log(l) => Some(l),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn symlinks_are_logged_as_helm_logs_them() {
        // Helm (helm-ref): one INFO line per symlink in walk order, in or
        // out of the chart, the path as walked and the target resolved.
        let out = tempfile::tempdir().unwrap();
        let out = std::fs::canonicalize(out.path()).unwrap();
        std::fs::write(out.join("secret.txt"), "s").unwrap();
        let d = chart_dir();
        let root = std::fs::canonicalize(d.path()).unwrap();
        std::fs::write(root.join("inner.txt"), "i").unwrap();
        std::os::unix::fs::symlink(out.join("secret.txt"), root.join("linked.txt")).unwrap();
        std::os::unix::fs::symlink(&out, root.join("dirlink")).unwrap();
        std::os::unix::fs::symlink("inner.txt", root.join("rel.txt")).unwrap();
        let line = |p: &Path, r: &Path| {
            format!(
                "level=INFO msg=\"found symbolic link in path. Contents of linked file included and used\" path={} resolved={}",
                p.display(),
                r.display()
            )
        };
        assert_eq!(
            logs(&root),
            vec![
                line(&root.join("dirlink"), &out),
                line(&root.join("linked.txt"), &out.join("secret.txt")),
                line(&root.join("rel.txt"), &root.join("inner.txt")),
            ]
        );
        let c = load_dir(&root).unwrap();
        assert!(c.files.iter().any(|f| f.name == "dirlink/secret.txt"));
        // Walked through a link to the chart: the paths are the link's.
        let via = out.join("chart-link");
        std::os::unix::fs::symlink(&root, &via).unwrap();
        assert_eq!(logs(&via)[0], line(&via.join("dirlink"), &out));
    }

    #[test]
    fn dangling_symlinks_fail_even_when_ignored() {
        let d = chart_dir();
        let root = std::fs::canonicalize(d.path()).unwrap();
        std::fs::write(root.join(".helmignore"), "gone.txt\n").unwrap();
        std::os::unix::fs::symlink("/nonexistent-capstan", root.join("gone.txt")).unwrap();
        assert_eq!(
            load_dir(&root).unwrap_err().to_string(),
            format!(
                "error evaluating symlink {}: lstat /nonexistent-capstan: no such file or directory",
                root.join("gone.txt").display()
            )
        );
        std::fs::remove_file(root.join("gone.txt")).unwrap();
        std::os::unix::fs::symlink("missing/x", root.join("rel.txt")).unwrap();
        assert_eq!(
            load_dir(&root).unwrap_err().to_string(),
            format!(
                "error evaluating symlink {}: lstat {}: no such file or directory",
                root.join("rel.txt").display(),
                root.join("missing").display()
            )
        );
    }

    #[test]
    fn directory_charts_have_no_total_size_limit() {
        // Helm's 100 MiB limit is for archives; a directory only has the
        // 5 MiB limit per file.
        let d = chart_dir();
        std::fs::create_dir(d.path().join("data")).unwrap();
        for i in 0..21 {
            let f = std::fs::File::create(d.path().join(format!("data/f{i:02}"))).unwrap();
            f.set_len(MAX_DECOMPRESSED_FILE_SIZE).unwrap();
        }
        let c = load_dir(d.path()).unwrap();
        assert_eq!(c.files.len(), 21);
        let f = std::fs::File::create(d.path().join("data/big")).unwrap();
        f.set_len(MAX_DECOMPRESSED_FILE_SIZE + 1).unwrap();
        assert_eq!(
            load_dir(d.path()).unwrap_err().to_string(),
            "chart file \"big\" is larger than the maximum file size 5242880"
        );
    }
}
