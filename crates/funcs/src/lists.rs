//! Sprig's list functions (`list.go`).
//!
//! They accept any slice (`[]interface{}`, `[]string`, `[]byte`) through
//! reflection and return new `[]interface{}` slices.  On an untyped nil,
//! `reflect.TypeOf(nil).Kind()` dereferences a nil pointer; on another
//! kind they fail with "Cannot … on type KIND".  The plain and `must`
//! variants differ only in panicking vs returning the error, which the
//! template engine reports identically.

use std::borrow::Cow;

use gotmpl::{FuncError, FuncMap, List, ParamType as P, Value};

use crate::cast::{arg_int, deep_equal, empty, kind_of_nonnil, slice_items, to_int64};

/// Items of a slice argument, or Sprig's error `fmt` with the Go kind.
fn items<'a>(v: &'a Value, what: &str) -> Result<Cow<'a, [Value]>, FuncError> {
    let kind = kind_of_nonnil(v)?;
    slice_items(v).ok_or_else(|| FuncError::msg(what.replace("%s", kind)))
}

fn add_pair(
    m: &mut FuncMap,
    names: [&str; 2],
    params: &'static [P],
    variadic: Option<P>,
    f: fn(&[Value]) -> Result<Value, FuncError>,
) {
    for n in names {
        m.add(n, params, variadic, f);
    }
}

/// Sprig's `chunk` for a size of 0 or less, as its float arithmetic
/// works out: the chunk count is floor((len-1)/size)+1, and the last
/// chunk's length math.Mod(len, size) (or size when that is 0).  Zero
/// sizes give NaN or infinite counts; a negative count or length makes
/// `make` panic.
fn negative_chunk(size: i64, l: &[Value]) -> Result<Value, FuncError> {
    const PANIC: &str = "runtime error: makeslice: len out of range";
    let n = l.len() as f64;
    let count = ((n - 1.0) / size as f64).floor() + 1.0;
    if count.is_nan() || count < 0.0 || count.is_infinite() {
        return Err(PANIC.into());
    }
    if count == 0.0 {
        return Ok(Value::list(Vec::new()));
    }
    if count > 1.0 {
        // Every chunk but the last has the (negative) size.
        return Err(PANIC.into());
    }
    let mut last = (n % size as f64).floor();
    if last == 0.0 {
        last = size as f64;
    }
    if last < 0.0 {
        return Err(PANIC.into());
    }
    let take = (last as usize).min(l.len());
    let mut chunk = l[..take].to_vec();
    chunk.resize(last as usize, Value::Nil);
    Ok(Value::list(vec![Value::list(chunk)]))
}

fn chunk(a: &[Value]) -> Result<Value, FuncError> {
    let size = arg_int(&a[0]);
    let l = items(&a[1], "Cannot chunk type %s")?;
    if l.is_empty() && size > 0 {
        return Ok(Value::list(Vec::new()));
    }
    if size <= 0 {
        return negative_chunk(size, &l);
    }
    let out = l
        .chunks(size as usize)
        .map(|c| Value::list(c.to_vec()))
        .collect();
    Ok(Value::list(out))
}

fn slice(a: &[Value]) -> Result<Value, FuncError> {
    let v = &a[0];
    let kind = kind_of_nonnil(v)?;
    let len = match v {
        Value::List(l) => l.items().len(),
        Value::Bytes(b) => b.len(),
        _ => return Err(format!("list should be type of slice or array but {kind}").into()),
    };
    if len == 0 {
        return Ok(Value::Nil);
    }
    let start = a.get(1).map_or(0, to_int64);
    let end = a.get(2).map_or(len as i64, to_int64);
    if start < 0 || end < start || end > len as i64 {
        return Err("reflect.Value.Slice: slice index out of bounds".into());
    }
    let (s, e) = (start as usize, end as usize);
    Ok(match v {
        Value::List(l) => Value::List(List::new(l.items()[s..e].to_vec(), l.elem)),
        Value::Bytes(b) => Value::Bytes(b[s..e].into()),
        _ => unreachable!(),
    })
}

fn concat(a: &[Value]) -> Result<Value, FuncError> {
    let mut out = Vec::new();
    for v in a {
        out.extend(items(v, "Cannot concat type %s as list")?.iter().cloned());
    }
    Ok(Value::list(out))
}

pub fn register(m: &mut FuncMap) {
    add_pair(m, ["list", "tuple"], &[], Some(P::Any), |a| {
        Ok(Value::list(a.to_vec()))
    });
    for n in ["append", "push", "mustAppend", "mustPush"] {
        m.add(n, &[P::Any, P::Any], None, |a| {
            let mut l = items(&a[0], "Cannot push on type %s")?.into_owned();
            l.push(a[1].clone());
            Ok(Value::list(l))
        });
    }
    add_pair(
        m,
        ["prepend", "mustPrepend"],
        &[P::Any, P::Any],
        None,
        |a| {
            let l = items(&a[0], "Cannot prepend on type %s")?;
            let mut out = Vec::with_capacity(l.len() + 1);
            out.push(a[1].clone());
            out.extend(l.iter().cloned());
            Ok(Value::list(out))
        },
    );
    add_pair(m, ["first", "mustFirst"], &[P::Any], None, |a| {
        Ok(items(&a[0], "Cannot find first on type %s")?
            .first()
            .cloned()
            .unwrap_or_default())
    });
    add_pair(m, ["last", "mustLast"], &[P::Any], None, |a| {
        Ok(items(&a[0], "Cannot find last on type %s")?
            .last()
            .cloned()
            .unwrap_or_default())
    });
    add_pair(m, ["rest", "mustRest"], &[P::Any], None, |a| {
        let l = items(&a[0], "Cannot find rest on type %s")?;
        Ok(Value::list(
            l.get(1..).map(<[Value]>::to_vec).unwrap_or_default(),
        ))
    });
    add_pair(m, ["initial", "mustInitial"], &[P::Any], None, |a| {
        let l = items(&a[0], "Cannot find initial on type %s")?;
        Ok(Value::list(l[..l.len().saturating_sub(1)].to_vec()))
    });
    add_pair(m, ["reverse", "mustReverse"], &[P::Any], None, |a| {
        let l = items(&a[0], "Cannot find reverse on type %s")?;
        Ok(Value::list(l.iter().rev().cloned().collect()))
    });
    add_pair(m, ["compact", "mustCompact"], &[P::Any], None, |a| {
        let l = items(&a[0], "Cannot compact on type %s")?;
        Ok(Value::list(
            l.iter().filter(|v| !empty(v)).cloned().collect(),
        ))
    });
    add_pair(m, ["uniq", "mustUniq"], &[P::Any], None, |a| {
        let l = items(&a[0], "Cannot find uniq on type %s")?;
        let mut out: Vec<Value> = Vec::new();
        for v in l.iter() {
            if !out.iter().any(|o| deep_equal(o, v)) {
                out.push(v.clone());
            }
        }
        Ok(Value::list(out))
    });
    add_pair(
        m,
        ["without", "mustWithout"],
        &[P::Any],
        Some(P::Any),
        |a| {
            let l = items(&a[0], "Cannot find without on type %s")?;
            let omit = &a[1..];
            Ok(Value::list(
                l.iter()
                    .filter(|v| !omit.iter().any(|o| deep_equal(o, v)))
                    .cloned()
                    .collect(),
            ))
        },
    );
    add_pair(m, ["has", "mustHas"], &[P::Any, P::Any], None, |a| {
        if a[1].is_nil() {
            return Ok(Value::Bool(false));
        }
        let l = items(&a[1], "Cannot find has on type %s")?;
        Ok(Value::Bool(l.iter().any(|v| deep_equal(&a[0], v))))
    });
    add_pair(m, ["slice", "mustSlice"], &[P::Any], Some(P::Any), slice);
    m.add("concat", &[], Some(P::Any), concat);
    add_pair(m, ["chunk", "mustChunk"], &[P::Int, P::Any], None, chunk);
}

#[cfg(test)]
mod tests {
    use crate::testutil::*;
    use gotmpl::Value;

    fn l(v: &[i64]) -> Value {
        Value::list(v.iter().map(|&x| Value::int(x)).collect())
    }

    #[test]
    fn lists() {
        assert_eq!(v("append", &[l(&[1, 2]), Value::int(3)]), "[1 2 3]");
        assert_eq!(err("first", &[Value::Nil]), crate::cast::NIL_DEREF);
        assert_eq!(
            err("first", &["abc".into()]),
            "Cannot find first on type string"
        );
        assert_eq!(
            err("mustPush", &[Value::int(5), Value::int(1)]),
            "Cannot push on type int"
        );
        assert_eq!(v("rest", &[l(&[])]), "[]");
        assert_eq!(v("initial", &[l(&[1, 2, 3])]), "[1 2]");
        assert_eq!(v("uniq", &[l(&[1, 1, 2])]), "[1 2]");
        assert_eq!(v("without", &[l(&[1, 2, 3, 2]), Value::int(2)]), "[1 3]");
        assert_eq!(v("has", &[Value::int(1), Value::Nil]), "false");
        assert_eq!(
            v("slice", &[l(&[1, 2, 3, 4]), Value::int(1), Value::int(3)]),
            "[2 3]"
        );
        assert_eq!(
            err("slice", &[l(&[1, 2]), Value::int(3)]),
            "reflect.Value.Slice: slice index out of bounds"
        );
        assert_eq!(v("chunk", &[Value::int(2), l(&[1, 2, 3])]), "[[1 2] [3]]");
        assert_eq!(v("chunk", &[Value::int(2), l(&[])]), "[]");
        // Sizes of 0 or less, as Helm works them out.
        assert_eq!(v("chunk", &[Value::int(-1), l(&[1, 2])]), "[]");
        assert_eq!(v("chunk", &[Value::int(-5), l(&[1, 2, 3])]), "[]");
        assert_eq!(v("chunk", &[Value::int(-3), l(&[1])]), "[[1]]");
        for (size, list) in [
            (-1, l(&[1])),
            (-1, l(&[])),
            (-1, l(&[1, 2, 3])),
            (0, l(&[1])),
        ] {
            assert_eq!(
                err("chunk", &[Value::int(size), list]),
                "runtime error: makeslice: len out of range"
            );
        }
        assert_eq!(
            err("concat", &[l(&[1]), Value::int(2)]),
            "Cannot concat type int as list"
        );
        assert_eq!(
            v(
                "compact",
                &[Value::list(vec![Value::int(0), "a".into(), Value::Nil])]
            ),
            "[a]"
        );
    }
}
