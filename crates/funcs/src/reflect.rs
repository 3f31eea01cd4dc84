//! Sprig's reflection functions: `typeOf` (Go's `%T`), `kindOf`
//! (`reflect.Kind`), `typeIs`, `typeIsLike`, `kindIs`, `deepEqual`.

use gotmpl::{FuncMap, ParamType as P, Value};

use crate::cast::{arg_str, deep_equal};

pub fn register(m: &mut FuncMap) {
    m.add("typeOf", &[P::Any], None, |a| {
        Ok(Value::string(a[0].type_name()))
    });
    m.add("typeIs", &[P::String, P::Any], None, |a| {
        Ok(Value::Bool(arg_str(&a[0]) == a[1].type_name()))
    });
    m.add("typeIsLike", &[P::String, P::Any], None, |a| {
        let (target, t) = (arg_str(&a[0]), a[1].type_name());
        Ok(Value::Bool(
            target == t || t.strip_prefix('*') == Some(target),
        ))
    });
    m.add("kindOf", &[P::Any], None, |a| {
        Ok(Value::str(a[0].kind_name()))
    });
    m.add("kindIs", &[P::String, P::Any], None, |a| {
        Ok(Value::Bool(arg_str(&a[0]) == a[1].kind_name()))
    });
    m.add("deepEqual", &[P::Any, P::Any], None, |a| {
        Ok(Value::Bool(deep_equal(&a[0], &a[1])))
    });
}

#[cfg(test)]
mod tests {
    use crate::testutil::*;
    use gotmpl::Value;

    #[test]
    fn reflect() {
        assert_eq!(v("typeOf", &[Value::int(1)]), "int");
        assert_eq!(v("typeOf", &[Value::Nil]), "<nil>");
        assert_eq!(v("kindOf", &[Value::Nil]), "invalid");
        assert_eq!(v("kindIs", &["slice".into(), Value::list(vec![])]), "true");
        assert_eq!(v("typeIsLike", &["int".into(), Value::int(1)]), "true");
        assert_eq!(v("deepEqual", &[Value::int(1), Value::int64(1)]), "false");
        assert_eq!(
            v(
                "deepEqual",
                &[
                    Value::list(vec![Value::int(1)]),
                    Value::list(vec![Value::int(1)])
                ]
            ),
            "true"
        );
    }
}
