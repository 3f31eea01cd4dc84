//! The report: which objects changed, and each one's line diff, in
//! helm-diff's order — ownership changes, then modified objects by old
//! key, renames (under the old key), removals, additions.

use crate::lcs::{diff_lines, Delta, Record};
use crate::manifest::{Index, Object};
use crate::secrets::{self, Mode};
use crate::structured::{self, StructuredEntry};

/// The report flags every diff command takes.
#[derive(Debug, Clone)]
pub struct Options {
    /// `--output`: diff, simple, template, json, structured, dyff
    /// (anything else prints as diff).
    pub output: String,
    /// `-C/--context`; negative = every line.
    pub context: i64,
    pub strip_trailing_cr: bool,
    pub show_secrets: bool,
    pub show_secrets_decoded: bool,
    /// `--suppress` kinds (`-q` adds `Secret`).
    pub suppressed_kinds: Vec<String>,
    /// `-D/--find-renames` (Go float32).
    pub find_renames: f32,
    /// `--suppress-output-line-regex` (RE2 syntax; Rust's `regex` accepts it).
    pub suppress_line_regex: Vec<String>,
    /// Colour escapes (mgutz/ansi), decided by the caller.
    pub color: bool,
    /// `HELM_DIFF_TPL`: a template file for `--output template`.
    pub template_file: Option<std::path::PathBuf>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            output: "diff".into(),
            context: -1,
            strip_trailing_cr: false,
            show_secrets: false,
            show_secrets_decoded: false,
            suppressed_kinds: Vec::new(),
            find_renames: 0.0,
            suppress_line_regex: Vec::new(),
            color: false,
            template_file: None,
        }
    }
}

impl Options {
    pub(crate) fn structured(&self) -> bool {
        self.output == "structured"
    }
}

/// What happened to an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Add,
    Remove,
    Modify,
    /// Every changed line was suppressed by `--suppress-output-line-regex`.
    ModifySuppressed,
    Ownership,
}

impl Change {
    /// The name templates and JSON see.
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Add => "ADD",
            Change::Remove => "REMOVE",
            Change::Modify => "MODIFY",
            Change::ModifySuppressed => "MODIFY_SUPPRESSED",
            Change::Ownership => "OWNERSHIP",
        }
    }
}

/// One object's entry.
#[derive(Debug, Clone)]
pub struct Entry {
    pub key: String,
    /// The object's Kind (empty for ownership entries).
    pub kind: String,
    pub change: Change,
    pub diffs: Vec<Record>,
    pub structured: Option<StructuredEntry>,
}

/// A generated report.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub entries: Vec<Entry>,
    /// Whether anything changed before line suppression (`--detailed-exitcode`).
    pub seen_changes: bool,
    /// What helm-diff writes to stderr while building it.
    pub warnings: Vec<String>,
}

/// `--take-ownership`: an object the release would adopt from `old_owner`
/// (`"NS/RELEASE"`, or "" when unowned).
#[derive(Debug, Clone)]
pub struct Ownership {
    pub key: String,
    pub old_owner: String,
    pub new_owner: String,
}

/// A `--suppress-output-line-regex` that does not compile.
#[derive(Debug, Clone)]
pub struct RegexError(pub String);

impl std::fmt::Display for RegexError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn split_lines(s: &str, strip_cr: bool) -> Vec<&str> {
    s.split('\n')
        .map(|l| {
            if strip_cr {
                l.strip_suffix('\r').unwrap_or(l)
            } else {
                l
            }
        })
        .collect()
}

/// The line diff of two texts.
pub fn diff_strings(before: &str, after: &str, strip_cr: bool) -> Vec<Record> {
    diff_lines(
        &split_lines(before, strip_cr),
        &split_lines(after, strip_cr),
    )
}

fn changes(d: &[Record]) -> usize {
    d.iter().filter(|r| r.delta != Delta::Common).count()
}

/// Secrets are shown redacted or decoded, unless `--show-secrets`.
fn prepare_secrets(old: Option<&mut Object>, new: Option<&mut Object>, o: &Options) {
    let mode = if o.show_secrets_decoded {
        Mode::Decode
    } else if !o.show_secrets {
        Mode::Redact
    } else {
        return;
    };
    if old.as_ref().is_some_and(|x| x.kind != "Secret")
        || new.as_ref().is_some_and(|x| x.kind != "Secret")
    {
        return;
    }
    secrets::transform(
        old.map(|x| &mut x.content),
        new.map(|x| &mut x.content),
        mode,
    );
}

/// Build the report of `old` → `new`.
pub fn generate(
    old: &Index,
    new: &Index,
    ownership: &[Ownership],
    o: &Options,
) -> Result<Report, RegexError> {
    // Compile first: a bad expression fails before any output.
    let regexes = o
        .suppress_line_regex
        .iter()
        .map(|r| regex::Regex::new(r).map_err(|e| RegexError(go_regex_error(r, &e))))
        .collect::<Result<Vec<_>, _>>()?;
    let mut r = Report::default();
    // Go ranges over a map here; sorted keys make it deterministic.
    let mut own: Vec<&Ownership> = ownership.iter().collect();
    own.sort_by(|a, b| a.key.cmp(&b.key));
    for ow in own {
        r.entries.push(Entry {
            key: ow.key.clone(),
            kind: String::new(),
            change: Change::Ownership,
            diffs: diff_strings(&ow.old_owner, &ow.new_owner, true),
            structured: None,
        });
    }
    let mut removed = Vec::new();
    for (key, oc) in old {
        match new.get(key) {
            Some(nc) => do_diff(&mut r, key, Some(oc), Some(nc), o),
            None => removed.push(key.as_str()),
        }
    }
    let mut added: Vec<&str> = new
        .keys()
        .filter(|k| !old.contains_key(*k))
        .map(String::as_str)
        .collect();
    let removed = find_renames(&mut r, removed, old, &mut added, new, o);
    for key in removed {
        let oc = &old[key];
        if oc.resource_policy != "keep" {
            do_diff(&mut r, key, Some(oc), None, o);
        }
    }
    for key in added {
        do_diff(&mut r, key, None, Some(&new[key]), o);
    }
    r.seen_changes = !r.entries.is_empty();
    if !regexes.is_empty() {
        for e in &mut r.entries {
            e.diffs
                .retain(|d| !regexes.iter().any(|re| re.is_match(&d.payload)));
            if changes(&e.diffs) == 0 {
                e.diffs.clear();
                if e.change == Change::Modify {
                    e.change = Change::ModifySuppressed;
                }
            }
        }
    }
    Ok(r)
}

/// Go's `regexp.Compile` message for the usual mistakes (Rust's differs).
fn go_regex_error(expr: &str, e: &regex::Error) -> String {
    let msg = e.to_string();
    let what = if msg.contains("unclosed group") {
        "missing closing )"
    } else if msg.contains("unopened group") {
        "unexpected )"
    } else if msg.contains("unclosed character class") {
        "missing closing ]"
    } else if msg.contains("repetition operator missing expression") {
        "missing argument to repetition operator"
    } else {
        "invalid regular expression"
    };
    format!("error parsing regexp: {what}: `{expr}`")
}

fn find_renames<'a>(
    r: &mut Report,
    possibly_removed: Vec<&'a str>,
    old: &'a Index,
    added: &mut Vec<&'a str>,
    new: &'a Index,
    o: &Options,
) -> Vec<&'a str> {
    if o.find_renames <= 0.0 {
        return possibly_removed;
    }
    let mut removed = Vec::new();
    for rk in possibly_removed {
        let oc = &old[rk];
        let mut best: Option<&str> = None;
        let mut smallest = f32::MAX;
        for ak in added.iter() {
            let nc = &new[*ak];
            if oc.kind != nc.kind {
                continue;
            }
            let (ol, nl) = (oc.content.len(), nc.content.len());
            if ol == 0 || nl == 0 {
                continue;
            }
            if oc.kind != "Secret" {
                let ratio = ol as f32 / nl as f32;
                if !(0.1..=10.0).contains(&ratio) {
                    continue;
                }
            }
            // Work on copies: helm-diff redacts the originals here and
            // again when printing, which breaks renamed Secrets.
            let (mut oc2, mut nc2) = (oc.clone(), nc.clone());
            prepare_secrets(Some(&mut oc2), Some(&mut nc2), o);
            let d = diff_strings(&oc2.content, &nc2.content, o.strip_trailing_cr);
            let delta = changes(&d);
            if delta == 0 || d.is_empty() {
                continue;
            }
            let fraction = delta as f32 / d.len() as f32;
            if fraction > 0.0 && fraction < smallest {
                best = Some(ak);
                smallest = fraction;
            }
        }
        match best {
            Some(bk) if smallest < o.find_renames => {
                added.retain(|k| *k != bk);
                do_diff(r, rk, Some(oc), Some(&new[bk]), o);
            }
            _ => removed.push(rk),
        }
    }
    removed
}

fn do_diff(r: &mut Report, key: &str, old: Option<&Object>, new: Option<&Object>, o: &Options) {
    if let (Some(a), Some(b)) = (old, new) {
        if a.content == b.content {
            return;
        }
    }
    let mut old = old.cloned();
    let mut new = new.cloned();
    prepare_secrets(old.as_mut(), new.as_mut(), o);
    let empty = String::new();
    let (change, kind, diffs) = match (&old, &new) {
        (None, Some(n)) => (
            Change::Add,
            n.kind.clone(),
            if o.structured() {
                Vec::new()
            } else {
                diff_strings(&empty, &n.content, o.strip_trailing_cr)
            },
        ),
        (Some(a), None) => (
            Change::Remove,
            a.kind.clone(),
            if o.structured() {
                Vec::new()
            } else {
                diff_strings(&a.content, &empty, o.strip_trailing_cr)
            },
        ),
        (Some(a), Some(b)) => {
            let d = if o.structured() {
                Vec::new()
            } else {
                let d = diff_strings(&a.content, &b.content, o.strip_trailing_cr);
                if changes(&d) == 0 {
                    return;
                }
                d
            };
            (Change::Modify, a.kind.clone(), d)
        }
        (None, None) => return,
    };
    let mut st = None;
    if o.structured() {
        match structured::build(key, change, &kind, &o.suppressed_kinds, old.as_ref(), new.as_ref()) {
            Ok(e) => {
                if change == Change::Modify && !e.changes_suppressed && e.changes.is_empty() {
                    return;
                }
                st = Some(e);
            }
            Err(err) => r.warnings.push(format!(
                "Warning: failed to build structured entry for {key} (kind: {kind}, changeType: {}): {err}",
                change.as_str()
            )),
        }
    }
    r.entries.push(Entry {
        key: key.to_string(),
        kind,
        change,
        diffs,
        structured: st,
    });
}
