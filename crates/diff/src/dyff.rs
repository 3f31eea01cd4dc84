//! `--output dyff`: helm-diff feeds the two sides of every entry, as YAML
//! streams, to homeport/dyff and prints its human report without the
//! banner (report indent 0, 80 columns off a terminal).  This is that
//! comparison in dyff's terms: documents matched as Kubernetes entities,
//! a map's own removals and additions reported at its path *before* what
//! changed inside it, list entries matched by `name`, paths in dyff's dot
//! style, a diff's details laid out side by side when they fit the width
//! (else one under the other, with a closing empty line).
//!
//! It is not byte-for-byte dyff (the issue settles on the same entries,
//! paths and values): YAML is printed by go-yaml v2 rather than dyff's
//! `neat`, word-level highlighting of small string changes is shown as a
//! plain `-`/`+` pair, and certificates are not decoded.

use yaml::parse::{go_string_lossy, YMap, YValue};

use crate::lcs::Delta;
use crate::report::{Options, Report};

/// Terminal width dyff assumes when stdout is not a terminal.
const WIDTH: usize = 80;

fn plural(n: usize, one: &str, many: &str) -> String {
    const WORDS: [&str; 13] = [
        "no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve",
    ];
    let num = WORDS
        .get(n)
        .map_or_else(|| n.to_string(), |w| w.to_string());
    format!("{num} {}", if n == 1 { one } else { many })
}

fn get<'a>(m: &'a YMap, k: &str) -> Option<&'a YValue> {
    m.entries
        .iter()
        .find(|(key, _)| matches!(key, YValue::Str(s) if s == k.as_bytes()))
        .map(|(_, v)| v)
}

fn text(v: &YValue) -> String {
    match v {
        YValue::Str(s) => go_string_lossy(s),
        YValue::Null => String::new(),
        YValue::Bool(b) => b.to_string(),
        YValue::Int(i) => i.to_string(),
        YValue::Uint(u) => u.to_string(),
        YValue::Float(f) => yaml::float::format_g(*f, false),
        _ => String::new(),
    }
}

/// `apiVersion/kind/name` of a Kubernetes document.
fn identity(doc: &YValue) -> Option<String> {
    let YValue::Map(m) = doc else { return None };
    let api = text(get(m, "apiVersion")?);
    let kind = text(get(m, "kind")?);
    let YValue::Map(md) = get(m, "metadata")? else {
        return None;
    };
    let name = text(get(md, "name")?);
    Some(format!("{api}/{kind}/{name}"))
}

/// One path's differences; each detail is a text block ending in `\n`.
struct Diff {
    path: Vec<String>,
    details: Vec<String>,
}

fn type_name(v: &YValue) -> &'static str {
    match v {
        YValue::Null => "<nil>",
        YValue::Bool(_) => "bool",
        YValue::Int(_) | YValue::Uint(_) => "int",
        YValue::Float(_) => "float",
        YValue::Str(_) => "string",
        YValue::Seq(_) => "list",
        YValue::Map(_) => "map",
    }
}

fn yaml_text(v: &YValue) -> String {
    if matches!(v, YValue::Null) {
        return "<nil>".into();
    }
    yaml::emit::marshal_yvalue_v2(v, true)
        .unwrap_or_default()
        .trim_end_matches('\n')
        .to_string()
}

/// dyff's `createStringWithPrefix`: the prefix on the first line, its
/// width of spaces on the others.
fn with_prefix(prefix: &str, s: &str) -> String {
    let mut out = String::new();
    for (i, l) in s.split('\n').enumerate() {
        if i > 0 {
            out.push_str(&" ".repeat(prefix.chars().count()));
        } else {
            out.push_str(prefix);
        }
        out.push_str(l);
        out.push('\n');
    }
    out
}

/// dyff's `createStringWithContinuousPrefix`: the prefix on every line.
fn continuous(prefix: &str, s: &str) -> String {
    let s = s.strip_suffix('\n').unwrap_or(s);
    s.split('\n').map(|l| format!("{prefix}{l}\n")).collect()
}

/// dyff's `writeTextBlocks`: side by side when they fit, else listed.
fn text_blocks(out: &mut String, indent: usize, blocks: &[String]) {
    const SEP: &str = "   ";
    let widths: Vec<usize> = blocks
        .iter()
        .map(|b| b.split('\n').map(|l| l.chars().count()).max().unwrap_or(0))
        .collect();
    let total = indent + blocks.len().saturating_sub(1) * SEP.len() + widths.iter().sum::<usize>();
    if total > WIDTH {
        for b in blocks {
            for l in b.split('\n') {
                out.push_str(&" ".repeat(indent));
                out.push_str(l);
                out.push('\n');
            }
        }
        return;
    }
    let cols: Vec<Vec<&str>> = blocks.iter().map(|b| b.split('\n').collect()).collect();
    let rows = cols.iter().map(Vec::len).max().unwrap_or(0);
    let mut lines = Vec::with_capacity(rows);
    for r in 0..rows {
        let cells: Vec<String> = cols
            .iter()
            .zip(&widths)
            .map(|(c, w)| match c.get(r) {
                Some(l) => format!(
                    "{}{l}{}",
                    " ".repeat(indent),
                    " ".repeat(w - l.chars().count())
                ),
                None => " ".repeat(w + indent),
            })
            .collect();
        lines.push(cells.join(SEP).trim_end_matches(' ').to_string());
    }
    out.push_str(&lines.join("\n"));
}

/// `+ N map entries added:` and the like, with the YAML (additions are
/// indented by two, removals by the report's indent, 0).
fn entries_block(sign: char, what: &str, v: &YValue) -> String {
    let mut b = format!("{sign} {what}:\n");
    text_blocks(
        &mut b,
        if sign == '+' { 2 } else { 0 },
        &[format!("{}\n", yaml_text(v))],
    );
    b
}

fn named(items: &[YValue]) -> Option<Vec<String>> {
    items
        .iter()
        .map(|i| match i {
            YValue::Map(m) => get(m, "name").map(text),
            _ => None,
        })
        .collect()
}

fn compare(path: &[String], a: &YValue, b: &YValue) -> Vec<Diff> {
    let child = |k: String| {
        let mut p = path.to_vec();
        p.push(k);
        p
    };
    match (a, b) {
        (YValue::Map(am), YValue::Map(bm)) => {
            let key = |k: &YValue| text(k);
            let mut result = Vec::new();
            let mut removed = YMap::default();
            for (k, av) in &am.entries {
                match bm.entries.iter().find(|(bk, _)| key(bk) == key(k)) {
                    Some((_, bv)) => result.extend(compare(&child(key(k)), av, bv)),
                    None => removed.entries.push((k.clone(), av.clone())),
                }
            }
            let mut added = YMap::default();
            for (k, bv) in &bm.entries {
                if !am.entries.iter().any(|(ak, _)| key(ak) == key(k)) {
                    added.entries.push((k.clone(), bv.clone()));
                }
            }
            let mut details = Vec::new();
            for (m, sign, word) in [(removed, '-', "removed"), (added, '+', "added")] {
                if !m.entries.is_empty() {
                    let what = format!(
                        "{} {word}",
                        plural(m.entries.len(), "map entry", "map entries")
                    );
                    details.push(entries_block(sign, &what, &YValue::Map(m)));
                }
            }
            prepend(path, details, result)
        }
        (YValue::Seq(ai), YValue::Seq(bi)) => {
            if ai.is_empty() && bi.is_empty() {
                return Vec::new();
            }
            match (named(ai), named(bi)) {
                (Some(an), Some(bn)) => {
                    let mut result = Vec::new();
                    let mut removed = Vec::new();
                    for (i, n) in an.iter().enumerate() {
                        match bn.iter().position(|x| x == n) {
                            Some(j) => result.extend(compare(&child(n.clone()), &ai[i], &bi[j])),
                            None => removed.push(ai[i].clone()),
                        }
                    }
                    let added: Vec<YValue> = bn
                        .iter()
                        .enumerate()
                        .filter(|(_, n)| !an.contains(n))
                        .map(|(i, _)| bi[i].clone())
                        .collect();
                    let mut details = list_details(removed, added);
                    let (common_a, common_b): (Vec<&String>, Vec<&String>) = (
                        an.iter().filter(|n| bn.contains(n)).collect(),
                        bn.iter().filter(|n| an.contains(n)).collect(),
                    );
                    if an.len() == bn.len() && common_a != common_b {
                        details.push(format!(
                            "⇆ order changed\n- {}\n+ {}\n",
                            an.join(", "),
                            bn.join(", ")
                        ));
                    }
                    prepend(path, details, result)
                }
                _ if ai.len() == bi.len() => {
                    let mut result = Vec::new();
                    for i in 0..ai.len() {
                        result.extend(compare(&child(i.to_string()), &ai[i], &bi[i]));
                    }
                    result
                }
                _ => {
                    let removed = ai
                        .iter()
                        .filter(|x| !bi.iter().any(|y| same(x, y)))
                        .cloned()
                        .collect();
                    let added = bi
                        .iter()
                        .filter(|x| !ai.iter().any(|y| same(x, y)))
                        .cloned()
                        .collect();
                    prepend(path, list_details(removed, added), Vec::new())
                }
            }
        }
        _ => match modification(a, b) {
            Some(d) => vec![Diff {
                path: path.to_vec(),
                details: vec![d],
            }],
            None => Vec::new(),
        },
    }
}

/// A collection's own changes come before the changes inside it.
fn prepend(path: &[String], details: Vec<String>, mut result: Vec<Diff>) -> Vec<Diff> {
    if !details.is_empty() {
        result.insert(
            0,
            Diff {
                path: path.to_vec(),
                details,
            },
        );
    }
    result
}

fn list_details(removed: Vec<YValue>, added: Vec<YValue>) -> Vec<String> {
    let mut details = Vec::new();
    for (items, sign, word) in [(removed, '-', "removed"), (added, '+', "added")] {
        if !items.is_empty() {
            let what = format!(
                "{} {word}",
                plural(items.len(), "list entry", "list entries")
            );
            details.push(entries_block(sign, &what, &YValue::Seq(items)));
        }
    }
    details
}

/// Runs of consecutive lines of one kind (dyff counts diff-match-patch
/// chunks, one per run).
fn runs(d: &[crate::lcs::Record], delta: Delta) -> usize {
    let mut n = 0;
    let mut prev = None;
    for r in d {
        if r.delta == delta && prev != Some(delta) {
            n += 1;
        }
        prev = Some(r.delta);
    }
    n
}

fn modification(a: &YValue, b: &YValue) -> Option<String> {
    if same(a, b) {
        return None;
    }
    let (ta, tb) = (type_name(a), type_name(b));
    if ta == "string" && tb == "string" {
        let (sa, sb) = (text(a), text(b));
        // IgnoreWhitespaceChanges, as helm-diff asks.
        if sa.split_whitespace().eq(sb.split_whitespace()) {
            return None;
        }
        if sa.contains('\n') || sb.contains('\n') {
            let d = crate::report::diff_strings(&sa, &sb, false);
            let mut body = String::new();
            for r in &d {
                match r.delta {
                    Delta::RightOnly => body.push_str(&continuous("+ ", &r.payload)),
                    Delta::LeftOnly => body.push_str(&continuous("- ", &r.payload)),
                    Delta::Common => {}
                }
            }
            return Some(format!(
                "± value change in multiline text ({}, {})\n{body}\n",
                plural(runs(&d, Delta::RightOnly), "insert", "inserts"),
                plural(runs(&d, Delta::LeftOnly), "deletion", "deletions")
            ));
        }
        return Some(format!(
            "± value change\n{}{}",
            with_prefix("- ", &sa),
            with_prefix("+ ", &sb)
        ));
    }
    let head = if ta != tb {
        format!("± type change from {ta} to {tb}")
    } else {
        "± value change".to_string()
    };
    Some(format!(
        "{head}\n{}{}",
        with_prefix("- ", &yaml_text(a)),
        with_prefix("+ ", &yaml_text(b))
    ))
}

fn same(a: &YValue, b: &YValue) -> bool {
    match (a, b) {
        (YValue::Map(x), YValue::Map(y)) => {
            x.entries.len() == y.entries.len()
                && x.entries.iter().all(|(k, v)| {
                    y.entries
                        .iter()
                        .any(|(k2, v2)| text(k) == text(k2) && same(v, v2))
                })
        }
        (YValue::Seq(x), YValue::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (YValue::Map(_) | YValue::Seq(_), _) | (_, YValue::Map(_) | YValue::Seq(_)) => false,
        _ => type_name(a) == type_name(b) && text(a) == text(b),
    }
}

/// The two sides of every entry, one document each, as helm-diff writes
/// them for dyff.
fn streams(r: &Report) -> (String, String) {
    let (mut old, mut new) = (String::new(), String::new());
    for e in &r.entries {
        old.push_str("---\n");
        new.push_str("---\n");
        for d in &e.diffs {
            match d.delta {
                Delta::Common => {
                    old.push_str(&d.payload);
                    old.push('\n');
                    new.push_str(&d.payload);
                    new.push('\n');
                }
                Delta::LeftOnly => {
                    old.push_str(&d.payload);
                    old.push('\n');
                }
                Delta::RightOnly => {
                    new.push_str(&d.payload);
                    new.push('\n');
                }
            }
        }
    }
    (old, new)
}

fn documents(s: &str) -> Vec<YValue> {
    yaml::parse::decode_all(s)
        .unwrap_or_default()
        .into_iter()
        .filter(|d| !matches!(d, YValue::Null))
        .collect()
}

pub(crate) fn print(r: &Report, _o: &Options) -> String {
    let (old, new) = streams(r);
    let (od, nd) = (documents(&old), documents(&new));
    // dyff names the document only when the first file has several.
    let show_root = od.len() > 1;
    let mut diffs: Vec<(String, Vec<String>)> = Vec::new();
    let mut matched = vec![false; od.len()];
    for b in &nd {
        let id = identity(b);
        let found = (0..od.len()).find(|&i| !matched[i] && id.is_some() && identity(&od[i]) == id);
        let id = id.unwrap_or_default();
        let root = |p: &str| {
            if show_root {
                format!("{p}  ({id})")
            } else {
                p.to_string()
            }
        };
        match found {
            Some(i) => {
                matched[i] = true;
                for d in compare(&[], &od[i], b) {
                    let p = if d.path.is_empty() {
                        "(root level)".to_string()
                    } else {
                        d.path.join(".")
                    };
                    diffs.push((root(&p), d.details));
                }
            }
            None => diffs.push((
                "(root level)".into(),
                vec![entries_block('+', "one document added", b)],
            )),
        }
    }
    for (i, a) in od.iter().enumerate() {
        if !matched[i] {
            diffs.push((
                "(root level)".into(),
                vec![entries_block('-', "one document removed", a)],
            ));
        }
    }
    let mut out = String::new();
    for (path, details) in diffs {
        out.push('\n');
        out.push_str(&path);
        out.push('\n');
        text_blocks(&mut out, 0, &details);
    }
    out.push('\n');
    out
}
