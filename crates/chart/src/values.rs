//! Values: parsing values files, Helm's `MergeMaps`, and coalescing
//! (`pkg/chart/common/util/coalesce.go`).
//!
//! Maps are `gotmpl::Map`s, i.e. shared and mutable like Go maps.  The
//! coalescing code below mirrors Helm's copy points exactly (deep copies
//! of chart values, shallow copies of global tables, in-place merges), so
//! the same aliasing effects appear where Helm has them.  Go iterates maps
//! in random order; we iterate in key order, which only matters for the
//! order of warnings.

use gotmpl::{ElemKind, Map, MapInner, Value};

use crate::chart::Chart;
use crate::error::{Error, ErrorKind};

pub const GLOBAL_KEY: &str = "global";

/// Warnings Helm would log (`log.Printf` / `slog.Warn`), returned as data.
pub type Warnings = Vec<String>;

/// `istable`: a `map[string]interface{}`.
pub fn as_table(v: &Value) -> Option<&Map> {
    match v {
        Value::Map(m) if m.elem == ElemKind::Any => Some(m),
        _ => None,
    }
}

fn new_map() -> Map {
    Map::new(MapInner::new())
}

fn entries(m: &Map) -> Vec<(String, Value)> {
    m.borrow()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn concat_prefix(a: &str, b: &str) -> String {
    if a.is_empty() {
        b.to_string()
    } else {
        format!("{a}.{b}")
    }
}

/// Helm's `loader.LoadValues`: every YAML document of `data` must be a map
/// (or empty); documents are merged.  Returns a map.  Errors are what
/// follows `cannot load values.yaml: `.  (The YAML crate owns the
/// document splitting and decoding rules.)
pub fn load_values(data: &[u8]) -> Result<Value, Error> {
    finish_values(decode_values(data))
}

/// A values file decoded by [`decode_values`], to be finished by
/// [`finish_values`].
pub struct DecodedValues(Result<yaml::DecodedValues, Error>);

/// The thread-independent first half of [`load_values`] (see
/// [`yaml::DecodedValues`]).  Bytes that are not UTF-8 fail as Go's YAML
/// reader fails on them (after any error of an earlier document).
pub(crate) fn decode_values(data: &[u8]) -> DecodedValues {
    match std::str::from_utf8(data) {
        Ok(text) => DecodedValues(Ok(yaml::decode_values(text))),
        Err(e) => DecodedValues(Err(invalid_utf8_values(data, e.valid_up_to()))),
    }
}

/// Helm's error for a values file whose bytes at `bad` are not UTF-8:
/// Helm decodes the documents (split at `---` lines) one by one, so an
/// error in an earlier document comes first; the document holding the
/// bytes then fails in Go's YAML reader, which checks every byte before
/// parsing.
fn invalid_utf8_values(data: &[u8], bad: usize) -> Error {
    let doc_start = last_document_start(&data[..bad]);
    if doc_start > 0 {
        // The bytes before `bad` are UTF-8.
        let before = std::str::from_utf8(&data[..doc_start]).unwrap_or_default();
        if let Err(e) = yaml::finish_values(yaml::decode_values(before)) {
            return Error::new(ErrorKind::Values, e.to_string());
        }
    }
    let msg = yaml_utf8_error(&data[doc_start..]).unwrap_or("invalid leading UTF-8 octet");
    Error::new(
        ErrorKind::Values,
        format!("cannot unmarshal yaml document: error converting YAML to JSON: yaml: {msg}"),
    )
}

/// Where the last document of `text` starts: after its last separator
/// line (a line starting with `---` followed by nothing but blanks or a
/// comment, as Kubernetes' YAML reader splits), or 0.
fn last_document_start(text: &[u8]) -> usize {
    let mut start = 0;
    let mut line_start = 0;
    for line in text.split_inclusive(|&b| b == b'\n') {
        let line_end = line_start + line.len();
        if let Some(rest) = line.strip_prefix(b"---") {
            let rest = rest.trim_ascii_start();
            if (rest.is_empty() || rest[0] == b'#') && line.ends_with(b"\n") {
                start = line_end;
            }
        }
        line_start = line_end;
    }
    start
}

/// The error Go's YAML reader (yaml.v2/v3 `readerc.go`) reports for the
/// first byte sequence of `data` that is not UTF-8, if there is one:
/// `invalid leading UTF-8 octet`, `incomplete UTF-8 octet sequence`,
/// `invalid trailing UTF-8 octet`, `invalid length of a UTF-8 sequence`
/// (overlong) or `invalid Unicode character` (surrogates, past U+10FFFF).
pub fn yaml_utf8_error(data: &[u8]) -> Option<&'static str> {
    let at = std::str::from_utf8(data).err()?.valid_up_to();
    let lead = data[at];
    let (width, mut value) = match lead {
        _ if lead & 0xE0 == 0xC0 => (2, (lead & 0x1F) as u32),
        _ if lead & 0xF0 == 0xE0 => (3, (lead & 0x0F) as u32),
        _ if lead & 0xF8 == 0xF0 => (4, (lead & 0x07) as u32),
        _ => return Some("invalid leading UTF-8 octet"),
    };
    if at + width > data.len() {
        return Some("incomplete UTF-8 octet sequence");
    }
    for &b in &data[at + 1..at + width] {
        if b & 0xC0 != 0x80 {
            return Some("invalid trailing UTF-8 octet");
        }
        value = value << 6 | (b & 0x3F) as u32;
    }
    let min = [0, 0, 0x80, 0x800, 0x10000][width];
    if value < min {
        return Some("invalid length of a UTF-8 sequence");
    }
    Some("invalid Unicode character")
}

/// A chart file's bytes as text (values, templates, Chart.yaml): invalid
/// UTF-8 replaced as `from_utf8_lossy` does, but checked with the plain
/// UTF-8 validation first — the lossy scan is several times slower, and
/// chart files are almost always valid UTF-8.
pub fn utf8_text(data: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(data) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(data),
    }
}

/// The second half of [`load_values`].
pub(crate) fn finish_values(d: DecodedValues) -> Result<Value, Error> {
    yaml::finish_values(d.0?).map_err(|e| Error::new(ErrorKind::Values, e.to_string()))
}

/// Helm's `MergeMaps(a, b)`: a new map with `b` winning; nested maps merge
/// recursively, everything else is replaced.
pub fn merge_maps(a: &Value, b: &Value) -> Value {
    let out = new_map();
    if let Some(am) = as_table(a) {
        for (k, v) in entries(am) {
            out.insert(k, v);
        }
    }
    if let Some(bm) = as_table(b) {
        for (k, v) in entries(bm) {
            if as_table(&v).is_some() {
                if let Some(existing) = out.get(&k) {
                    if as_table(&existing).is_some() {
                        out.insert(k, merge_maps(&existing, &v));
                        continue;
                    }
                }
            }
            out.insert(k, v);
        }
    }
    Value::Map(out)
}

/// `%v` of a value in warnings.
fn fmt_v(v: &Value) -> String {
    gotmpl::fmt::format_v(v)
}

/// `%t` of a non-bool, as Go prints it (`%!t(string=x)`).
fn fmt_t(v: &Value) -> String {
    match v {
        Value::Bool(b) => b.to_string(),
        Value::Nil => "%!t(<nil>)".into(),
        Value::List(l) => {
            let parts: Vec<String> = l.items().iter().map(fmt_t).collect();
            format!("[{}]", parts.join(" "))
        }
        other => format!("%!t({}={})", other.type_name(), fmt_v(other)),
    }
}

/// Helm's `CoalesceValues(chart, vals)`: the chart's (and its
/// subcharts') defaults under the user's values.  Returns the full tree,
/// each subchart's values under its name, `global` copied down.
pub fn coalesce_values(chart: &Chart, user: &Value) -> Result<Value, Error> {
    let mut w = Warnings::new();
    coalesce_values_warn(chart, user, &mut w)
}

/// [`coalesce_values`], collecting Helm's warnings.
pub fn coalesce_values_warn(chart: &Chart, user: &Value, w: &mut Warnings) -> Result<Value, Error> {
    let dest = match as_table(user) {
        Some(_) => user.deep_copy(),
        None => Value::empty_map(),
    };
    let Value::Map(m) = &dest else { unreachable!() };
    coalesce(w, chart, m, "", false)?;
    Ok(dest)
}

/// Helm's `MergeValues`: like coalescing but keeps nulls.
pub fn merge_values(chart: &Chart, user: &Value, w: &mut Warnings) -> Result<Value, Error> {
    let dest = match as_table(user) {
        Some(_) => user.deep_copy(),
        None => Value::empty_map(),
    };
    let Value::Map(m) = &dest else { unreachable!() };
    coalesce(w, chart, m, "", true)?;
    Ok(dest)
}

fn coalesce(
    w: &mut Warnings,
    ch: &Chart,
    dest: &Map,
    prefix: &str,
    merge: bool,
) -> Result<(), Error> {
    coalesce_chart_values(w, ch, dest, prefix, merge);
    coalesce_deps(w, ch, dest, prefix, merge)
}

fn coalesce_deps(
    w: &mut Warnings,
    ch: &Chart,
    dest: &Map,
    prefix: &str,
    merge: bool,
) -> Result<(), Error> {
    for sub in &ch.dependencies {
        let name = sub.name();
        match dest.get(name) {
            None => dest.insert(name, Value::empty_map()),
            Some(c) if as_table(&c).is_none() => {
                return Err(Error::new(
                    ErrorKind::Coalesce,
                    format!("type mismatch on {}: {}", name, fmt_t(&c)),
                ))
            }
            _ => {}
        }
        if let Some(Value::Map(dvmap)) = dest.get(name) {
            let sub_prefix = concat_prefix(prefix, ch.name());
            coalesce_globals(w, &dvmap, dest, &sub_prefix);
            coalesce(w, sub, &dvmap, &sub_prefix, merge)?;
            dest.insert(name, Value::Map(dvmap));
        }
    }
    Ok(())
}

fn coalesce_globals(w: &mut Warnings, dest: &Map, src: &Map, prefix: &str) {
    let dg = match dest.get(GLOBAL_KEY) {
        None => new_map(),
        Some(v) => match as_table(&v) {
            Some(m) => m.clone(),
            None => {
                w.push(format!(
                    "warning: skipping globals because destination {GLOBAL_KEY} is not a table."
                ));
                return;
            }
        },
    };
    let sg = match src.get(GLOBAL_KEY) {
        None => new_map(),
        Some(v) => match as_table(&v) {
            Some(m) => m.clone(),
            None => {
                w.push(format!(
                    "warning: skipping globals because source {GLOBAL_KEY} is not a table."
                ));
                return;
            }
        },
    };
    for (key, val) in entries(&sg) {
        if let Some(vm) = as_table(&val) {
            // copyMap: a shallow copy.
            let vv = Map::new(vm.borrow().clone());
            match dg.get(&key) {
                None => dg.insert(key, Value::Map(vv)),
                Some(destv) => match as_table(&destv) {
                    None => w.push(format!(
                        "Conflict: cannot merge map onto non-map for {}. Skipping.",
                        crate::error::go_quote(&key)
                    )),
                    Some(destvmap) => {
                        let sub_prefix = concat_prefix(prefix, &key);
                        coalesce_tables_full_key(w, &vv, destvmap, &sub_prefix, true);
                        dg.insert(key, Value::Map(vv));
                    }
                },
            }
        } else if matches!(dg.get(&key), Some(ref dv) if as_table(dv).is_some()) {
            w.push(format!("key {key} is table. Skipping"));
        } else {
            dg.insert(key, val);
        }
    }
    dest.insert(GLOBAL_KEY, Value::Map(dg));
}

/// Recursively drop nil entries (chart defaults' nulls never reach the result).
fn clean_nil_values(m: &Map) {
    for (k, v) in entries(m) {
        if v.is_nil() {
            m.borrow_mut().remove(&k);
        } else if let Some(sub) = as_table(&v) {
            clean_nil_values(sub);
        }
    }
}

fn coalesce_chart_values(w: &mut Warnings, ch: &Chart, v: &Map, prefix: &str, merge: bool) {
    let sub_prefix = concat_prefix(prefix, ch.name());
    let vc = match as_table(&ch.values) {
        Some(_) => ch.values.deep_copy(),
        None => Value::empty_map(),
    };
    let Value::Map(vc) = vc else { return };
    for (key, val) in entries(&vc) {
        if let Some(value) = v.get(&key) {
            if value.is_nil() && !merge {
                v.borrow_mut().remove(&key);
            } else if let Some(dest) = as_table(&value) {
                match as_table(&val) {
                    None => {
                        if !val.is_nil() {
                            w.push(format!(
                                "warning: skipped value for {sub_prefix}.{key}: Not a table."
                            ));
                        }
                    }
                    Some(src) => {
                        let merge = merge || ch.dependencies.iter().any(|d| d.name() == key);
                        if !merge {
                            clean_nil_values(src);
                        }
                        coalesce_tables_full_key(
                            w,
                            dest,
                            src,
                            &concat_prefix(&sub_prefix, &key),
                            merge,
                        );
                    }
                }
            }
        } else {
            if !merge {
                if val.is_nil() {
                    continue;
                }
                if let Some(sub) = as_table(&val) {
                    clean_nil_values(sub);
                }
            }
            v.insert(key, val);
        }
    }
}

/// Helm's `CoalesceTables(dst, src)` on a copy of `dst` (non-maps are
/// returned as copied), for callers that must not touch either side.
pub fn coalesced_copy(dst: &Value, src: &Value) -> Value {
    let out = dst.deep_copy();
    if let (Value::Map(d), Value::Map(s)) = (&out, src) {
        coalesce_tables(&mut Warnings::new(), d, s);
    }
    out
}

/// Helm's `CoalesceTables(dst, src)`: dst wins, nulls in dst delete.
pub fn coalesce_tables(w: &mut Warnings, dst: &Map, src: &Map) {
    coalesce_tables_full_key(w, dst, src, "", false)
}

/// Helm's `MergeTables(dst, src)`: dst wins, nulls kept.
pub fn merge_tables(w: &mut Warnings, dst: &Map, src: &Map) {
    coalesce_tables_full_key(w, dst, src, "", true)
}

fn coalesce_tables_full_key(w: &mut Warnings, dst: &Map, src: &Map, prefix: &str, merge: bool) {
    if dst.ptr_eq(src) {
        // Go would iterate a map it mutates; merging a map into itself is a no-op.
        return;
    }
    let src_non_nil: std::collections::BTreeSet<String> = entries(src)
        .into_iter()
        .filter(|(_, v)| !v.is_nil())
        .map(|(k, _)| k)
        .collect();
    for (k, v) in entries(dst) {
        if v.is_nil() {
            src.insert(k, Value::Nil);
        }
    }
    for (key, val) in entries(src) {
        let fullkey = concat_prefix(prefix, &key);
        let dv = dst.get(&key);
        match dv {
            Some(Value::Nil) if !merge && src_non_nil.contains(&key) => {
                dst.borrow_mut().remove(&key);
            }
            None => dst.insert(key, val),
            Some(dv) => {
                if let Some(sv) = as_table(&val) {
                    match as_table(&dv) {
                        Some(dm) => coalesce_tables_full_key(w, dm, sv, &fullkey, merge),
                        None => w.push(format!(
                            "warning: cannot overwrite table with non table for {fullkey} ({})",
                            fmt_v(&val)
                        )),
                    }
                } else if as_table(&dv).is_some() && !val.is_nil() {
                    w.push(format!(
                        "warning: destination for {fullkey} is a table. Ignoring non-table value ({})",
                        fmt_v(&val)
                    ));
                }
            }
        }
    }
}

/// `Values.Table(path)`: walk a dotted path of tables.
pub fn table(values: &Value, path: &str) -> Option<Map> {
    let mut cur = as_table(values)?.clone();
    for part in path.split('.') {
        let next = cur.get(part)?;
        cur = as_table(&next)?.clone();
    }
    Some(cur)
}

/// `Values.PathValue(path)`: the non-table value at a dotted path.
pub fn path_value(values: &Value, path: &str) -> Option<Value> {
    if path.is_empty() {
        return None;
    }
    let parts: Vec<&str> = path.split('.').collect();
    let (key, head) = parts.split_last()?;
    let t = if head.is_empty() {
        as_table(values)?.clone()
    } else {
        table(values, &head.join("."))?
    };
    let v = t.get(key)?;
    if as_table(&v).is_some() {
        None
    } else {
        Some(v)
    }
}

/// The values a subchart's templates see as `.Values`: `top[name]`
/// (Helm scopes by walking the chart path from the top).
pub fn scoped_values(top: &Value, path_from_top: &[&str]) -> Value {
    let mut cur = top.clone();
    for name in path_from_top {
        cur = match as_table(&cur).and_then(|m| m.get(name)) {
            Some(v) => v,
            None => return Value::empty_map(),
        };
    }
    cur
}

/// Values as `serde_json` data (numbers as JSON numbers), e.g. to print
/// what `helm-ref values` prints.
pub fn to_json(v: &Value) -> serde_json::Value {
    crate::schema::to_json(v)
}

#[cfg(test)]
mod utf8_tests {
    use super::*;

    /// Helm's messages (helm template on a chart with these values.yaml).
    #[test]
    fn values_that_are_not_utf8_fail_as_in_helm() {
        let prefix = "cannot unmarshal yaml document: error converting YAML to JSON: yaml: ";
        for (data, want) in [
            (&b"a: \"\xff\"\n"[..], "invalid leading UTF-8 octet"),
            (b"a: b\n# comment \xe9\n", "incomplete UTF-8 octet sequence"),
            (b"a: \"\xe9\"\n", "invalid trailing UTF-8 octet"),
            (b"a: \"\xe2\x82\"\n", "invalid trailing UTF-8 octet"),
            (b"a: \"\xc0\x80\"\n", "invalid length of a UTF-8 sequence"),
            (b"a: \"\xed\xa0\x80\"\n", "invalid Unicode character"),
            (b"a: \"\xf5\x80\x80\x80\"\n", "invalid Unicode character"),
            (b"a: 1\n---\nb: [\n\xff", "invalid leading UTF-8 octet"),
        ] {
            let e = load_values(data).unwrap_err();
            assert_eq!(e.to_string(), format!("{prefix}{want}"), "{data:?}");
        }
        // An error in an earlier document comes first.
        let e = load_values(b"a: [\n---\nb: \"\xff\"\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("{prefix}line 1: did not find expected node content")
        );
        // Four-byte characters are fine.
        assert!(load_values("a: \"\u{1F600}\"\n".as_bytes()).is_ok());
    }
}
