//! Sprig's `defaults.go`: `default`, `empty`, `coalesce`, `all`, `any`,
//! `ternary`, `deepCopy`.  "Empty" is Sprig's reflect-based notion, which
//! matches template truth (nil, false, 0, "", empty slice/map).

use gotmpl::{FuncError, FuncMap, ParamType as P, Value};

use crate::cast::empty;

/// copystructure on an untyped nil: `reflect.ValueOf(nil).Type()` panics.
const DEEPCOPY_NIL: &str = "reflect: call of reflect.Value.Type on zero Value";

fn deep_copy(v: &Value) -> Result<Value, FuncError> {
    if v.is_nil() {
        return Err(DEEPCOPY_NIL.into());
    }
    Ok(v.deep_copy())
}

pub fn register(m: &mut FuncMap) {
    m.add("default", &[P::Any], Some(P::Any), |a| {
        Ok(match a.get(1) {
            Some(g) if !empty(g) => g.clone(),
            _ => a[0].clone(),
        })
    });
    m.add("empty", &[P::Any], None, |a| Ok(Value::Bool(empty(&a[0]))));
    m.add("coalesce", &[], Some(P::Any), |a| {
        Ok(a.iter().find(|v| !empty(v)).cloned().unwrap_or(Value::Nil))
    });
    m.add("all", &[], Some(P::Any), |a| {
        Ok(Value::Bool(a.iter().all(|v| !empty(v))))
    });
    m.add("any", &[], Some(P::Any), |a| {
        Ok(Value::Bool(a.iter().any(|v| !empty(v))))
    });
    m.add("ternary", &[P::Any, P::Any, P::Bool], None, |a| {
        Ok(if matches!(a[2], Value::Bool(true)) {
            a[0].clone()
        } else {
            a[1].clone()
        })
    });
    m.add("deepCopy", &[P::Any], None, |a| deep_copy(&a[0]));
    m.add("mustDeepCopy", &[P::Any], None, |a| deep_copy(&a[0]));
}

#[cfg(test)]
mod tests {
    use crate::testutil::*;
    use gotmpl::Value;

    #[test]
    fn defaults() {
        assert_eq!(v("default", &["d".into(), Value::int(0)]), "d");
        assert_eq!(v("default", &["d".into(), "0".into()]), "0");
        assert_eq!(v("default", &["d".into()]), "d");
        assert_eq!(v("default", &["d".into(), Value::list(vec![])]), "d");
        assert_eq!(v("coalesce", &[Value::Nil, "".into(), "x".into()]), "x");
        assert_eq!(v("all", &[]), "true");
        assert_eq!(v("any", &[]), "false");
        assert_eq!(v("ternary", &["a".into(), "b".into(), false.into()]), "b");
        assert_eq!(err("deepCopy", &[Value::Nil]), super::DEEPCOPY_NIL);
    }
}
