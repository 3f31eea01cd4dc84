//! Sprig's `semver` and `semverCompare` over Masterminds/semver v3
//! (`gostd::semver`, shared with chart loading): the version is a template
//! object answering Go's methods (`.Major`, `.Compare`, `.IncMinor`, …).

use std::rc::Rc;

use gostd::semver::{semver_compare, Version};
use gotmpl::{FuncMap, IntKind, Object, ParamType as P, Value};

/// A `*semver.Version` (or `semver.Version`) as a template value.
#[derive(Clone, Debug)]
struct SemverObj(Version);

fn arg_version(args: &[Value], method: &str) -> Result<Version, String> {
    match args.first() {
        Some(Value::Object(o)) => match o.as_any().downcast_ref::<SemverObj>() {
            Some(v) => Ok(v.0.clone()),
            None => Err(format!(
                "wrong type for value in {method}; expected *semver.Version; got {}",
                o.type_name()
            )),
        },
        Some(v) => Err(format!(
            "wrong type for value in {method}; expected *semver.Version; got {}",
            v.type_name()
        )),
        None => Err(format!("wrong number of args for {method}: want 1 got 0")),
    }
}

impl Object for SemverObj {
    fn type_name(&self) -> String {
        if self.0.by_value() {
            "semver.Version".into()
        } else {
            "*semver.Version".into()
        }
    }
    fn kind_name(&self) -> &'static str {
        if self.0.by_value() {
            "struct"
        } else {
            "ptr"
        }
    }
    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        let v = &self.0;
        let u = |n: u64| Ok(Value::Int(n as i64, IntKind::Uint64));
        let obj = |v: Version| Ok(Value::Object(Rc::new(SemverObj(v))));
        Some(match name {
            "Major" => u(v.major()),
            "Minor" => u(v.minor()),
            "Patch" => u(v.patch()),
            "Prerelease" => Ok(Value::str(v.prerelease())),
            "Metadata" => Ok(Value::str(v.metadata())),
            "String" => Ok(Value::string(v.string())),
            // Pointer-receiver method: not in a by-value Version's method set.
            "Original" if !v.by_value() => Ok(Value::str(v.original())),
            "Compare" => arg_version(args, name).map(|o| Value::int(v.compare(&o) as i64)),
            "LessThan" => arg_version(args, name).map(|o| Value::Bool(v.compare(&o) < 0)),
            "GreaterThan" => arg_version(args, name).map(|o| Value::Bool(v.compare(&o) > 0)),
            "Equal" => arg_version(args, name).map(|o| Value::Bool(v.compare(&o) == 0)),
            "IncPatch" => {
                if v.prerelease().is_empty() {
                    obj(v.next(v.major(), v.minor(), v.patch() + 1))
                } else {
                    obj(v.next(v.major(), v.minor(), v.patch()))
                }
            }
            "IncMinor" => obj(v.next(v.major(), v.minor() + 1, 0)),
            "IncMajor" => obj(v.next(v.major() + 1, 0, 0)),
            "SetPrerelease" | "SetMetadata" => {
                let s = match args.first() {
                    Some(Value::String(s)) => s.to_string(),
                    _ => {
                        return Some(Err(format!(
                            "wrong number of args for {name}: want 1 got {}",
                            args.len()
                        )))
                    }
                };
                let ok = s.is_empty()
                    || s.split('.').all(|p| {
                        !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                    });
                if !ok {
                    return Some(Err(if name == "SetPrerelease" {
                        "invalid prerelease string".into()
                    } else {
                        "invalid metadata string".into()
                    }));
                }
                if name == "SetPrerelease" {
                    obj(v.with_parts(Some(s), None))
                } else {
                    obj(v.with_parts(None, Some(s)))
                }
            }
            _ => return None,
        })
    }
    fn format_v(&self) -> String {
        self.0.string()
    }
    fn to_data(&self) -> Value {
        Value::string(self.0.string())
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

pub(crate) fn register(m: &mut FuncMap) {
    m.add("semver", &[P::String], None, |a| {
        let s = a[0].as_str().unwrap_or_default();
        Version::parse(s)
            .map(|v| Value::Object(Rc::new(SemverObj(v))))
            .map_err(Into::into)
    });
    m.add("semverCompare", &[P::String, P::String], None, |a| {
        let c = a[0].as_str().unwrap_or_default();
        let v = a[1].as_str().unwrap_or_default();
        semver_compare(c, v).map(Value::Bool).map_err(Into::into)
    });
}
