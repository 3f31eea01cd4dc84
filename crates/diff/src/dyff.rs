//! `--output dyff`: helm-diff feeds the two sides of every entry, as YAML
//! streams, to homeport/dyff and prints its human report without the
//! banner.  This is a structural comparison in dyff's terms — documents
//! matched as Kubernetes entities, list entries matched by `name`, paths
//! in dyff's dot style, details as `± value change`, `+ N map entries
//! added:` and so on — with the same entries, paths and values as dyff.
//! It is not byte-for-byte dyff: dyff's word-level highlighting of minor
//! string changes and its multiline context blocks are summarised as a
//! plain `-`/`+` pair (the issue settles on entries, paths and values).

use yaml::parse::{go_string_lossy, YMap, YValue};

use crate::lcs::Delta;
use crate::report::{Options, Report};

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

struct Detail {
    path: Vec<String>,
    lines: Vec<String>,
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
    yaml::emit::marshal_yvalue_v2(v, true)
        .unwrap_or_default()
        .trim_end_matches('\n')
        .to_string()
}

fn prefixed(prefix: &str, s: &str) -> Vec<String> {
    s.split('\n')
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                format!("{prefix}{l}")
            } else {
                format!("{}{l}", " ".repeat(prefix.len()))
            }
        })
        .collect()
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

fn compare(path: &mut Vec<String>, a: &YValue, b: &YValue, out: &mut Vec<Detail>) {
    match (a, b) {
        (YValue::Map(am), YValue::Map(bm)) => {
            let key = |k: &YValue| text(k);
            let removed: Vec<&(YValue, YValue)> = am
                .entries
                .iter()
                .filter(|(k, _)| !bm.entries.iter().any(|(bk, _)| key(bk) == key(k)))
                .collect();
            let added: Vec<&(YValue, YValue)> = bm
                .entries
                .iter()
                .filter(|(k, _)| !am.entries.iter().any(|(ak, _)| key(ak) == key(k)))
                .collect();
            for (k, av) in &am.entries {
                if let Some((_, bv)) = bm.entries.iter().find(|(bk, _)| key(bk) == key(k)) {
                    path.push(key(k));
                    compare(path, av, bv, out);
                    path.pop();
                }
            }
            for (entries, word, sign) in [(removed, "removed", "-"), (added, "added", "+")] {
                if entries.is_empty() {
                    continue;
                }
                let mut m = YMap::default();
                m.entries = entries.into_iter().cloned().collect();
                let mut lines = vec![format!(
                    "{sign} {} {word}:",
                    plural(m.entries.len(), "map entry", "map entries")
                )];
                lines.extend(yaml_text(&YValue::Map(m)).split('\n').map(str::to_string));
                out.push(Detail {
                    path: path.clone(),
                    lines,
                });
            }
        }
        (YValue::Seq(ai), YValue::Seq(bi)) => match (named(ai), named(bi)) {
            (Some(an), Some(bn)) => {
                for (i, n) in an.iter().enumerate() {
                    if let Some(j) = bn.iter().position(|x| x == n) {
                        path.push(n.clone());
                        compare(path, &ai[i], &bi[j], out);
                        path.pop();
                    }
                }
                let removed: Vec<YValue> = an
                    .iter()
                    .enumerate()
                    .filter(|(_, n)| !bn.contains(n))
                    .map(|(i, _)| ai[i].clone())
                    .collect();
                let added: Vec<YValue> = bn
                    .iter()
                    .enumerate()
                    .filter(|(_, n)| !an.contains(n))
                    .map(|(i, _)| bi[i].clone())
                    .collect();
                list_changes(path, removed, added, out);
            }
            _ if ai.len() == bi.len() => {
                for i in 0..ai.len() {
                    path.push(i.to_string());
                    compare(path, &ai[i], &bi[i], out);
                    path.pop();
                }
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
                list_changes(path, removed, added, out);
            }
        },
        _ => {
            if same(a, b) {
                return;
            }
            let (ta, tb) = (type_name(a), type_name(b));
            if ta == "string" && tb == "string" {
                let (sa, sb) = (text(a), text(b));
                // IgnoreWhitespaceChanges.
                if sa.split_whitespace().eq(sb.split_whitespace()) {
                    return;
                }
                let mut lines = Vec::new();
                if sa.contains('\n') || sb.contains('\n') {
                    let d = crate::report::diff_strings(&sa, &sb, false);
                    let ins = d.iter().filter(|r| r.delta == Delta::RightOnly).count();
                    let del = d.iter().filter(|r| r.delta == Delta::LeftOnly).count();
                    lines.push(format!(
                        "± value change in multiline text ({}, {})",
                        plural(ins, "insert", "inserts"),
                        plural(del, "deletion", "deletions")
                    ));
                    for r in d {
                        match r.delta {
                            Delta::RightOnly => lines.push(format!("+ {}", r.payload)),
                            Delta::LeftOnly => lines.push(format!("- {}", r.payload)),
                            Delta::Common => {}
                        }
                    }
                } else {
                    lines.push("± value change".into());
                    lines.extend(prefixed("- ", &sa));
                    lines.extend(prefixed("+ ", &sb));
                }
                out.push(Detail {
                    path: path.clone(),
                    lines,
                });
                return;
            }
            let mut lines = vec![if ta != tb {
                format!("± type change from {ta} to {tb}")
            } else {
                "± value change".to_string()
            }];
            lines.extend(prefixed("- ", &yaml_text(a)));
            lines.extend(prefixed("+ ", &yaml_text(b)));
            out.push(Detail {
                path: path.clone(),
                lines,
            });
        }
    }
}

fn list_changes(path: &[String], removed: Vec<YValue>, added: Vec<YValue>, out: &mut Vec<Detail>) {
    for (items, word, sign) in [(removed, "removed", "-"), (added, "added", "+")] {
        if items.is_empty() {
            continue;
        }
        let mut lines = vec![format!(
            "{sign} {} {word}:",
            plural(items.len(), "list entry", "list entries")
        )];
        lines.extend(
            yaml_text(&YValue::Seq(items))
                .split('\n')
                .map(str::to_string),
        );
        out.push(Detail {
            path: path.to_vec(),
            lines,
        });
    }
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
    let mut blocks: Vec<(String, Vec<String>)> = Vec::new();
    let mut matched = vec![false; od.len()];
    for b in &nd {
        let id = identity(b);
        let found = od
            .iter()
            .enumerate()
            .position(|(i, a)| !matched[i] && id.is_some() && identity(a) == id);
        match found {
            Some(i) => {
                matched[i] = true;
                let mut details = Vec::new();
                compare(&mut Vec::new(), &od[i], b, &mut details);
                let id = id.unwrap_or_default();
                for d in details {
                    let p = if d.path.is_empty() {
                        format!("({id})")
                    } else {
                        format!("{}  ({id})", d.path.join("."))
                    };
                    blocks.push((p, d.lines));
                }
            }
            None => {
                let mut lines = vec!["+ one document added:".to_string()];
                lines.extend(yaml_text(b).split('\n').map(str::to_string));
                blocks.push(("(root level)".into(), lines));
            }
        }
    }
    for (i, a) in od.iter().enumerate() {
        if !matched[i] {
            let mut lines = vec!["- one document removed:".to_string()];
            lines.extend(yaml_text(a).split('\n').map(str::to_string));
            blocks.push(("(root level)".into(), lines));
        }
    }
    let mut out = String::new();
    for (path, lines) in blocks {
        out.push('\n');
        out.push_str(&path);
        out.push('\n');
        for l in lines {
            out.push_str(&l);
            out.push('\n');
        }
    }
    out.push('\n');
    out
}
