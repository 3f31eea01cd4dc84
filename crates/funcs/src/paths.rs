//! Go's `path` functions (`base`, `dir`, `clean`, `ext`, `isAbs`) and their
//! `path/filepath` twins (`osBase`, …), which behave identically on Linux,
//! where Helm runs in production and where the reference outputs came from.

use gotmpl::{FuncMap, ParamType as P, Value};

use crate::cast::arg_str;

/// `path.Clean`: lexical shortest equivalent path.
pub(crate) use gostd::path::clean;

/// `path.Base`: last element, trailing slashes ignored.
fn base(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return "/".into();
    }
    t.rsplit('/').next().unwrap_or(t).to_string()
}

/// `path.Dir`: everything before the last slash, cleaned.
fn dir(p: &str) -> String {
    let cut = p.rfind('/').map_or(0, |i| i + 1);
    clean(&p[..cut])
}

/// `path.Ext`: suffix from the final dot in the last element.
fn ext(p: &str) -> String {
    for (i, b) in p.bytes().enumerate().rev() {
        match b {
            b'/' => break,
            b'.' => return p[i..].to_string(),
            _ => {}
        }
    }
    String::new()
}

pub fn register(m: &mut FuncMap) {
    for (b, d, c, e, a) in [
        ("base", "dir", "clean", "ext", "isAbs"),
        ("osBase", "osDir", "osClean", "osExt", "osIsAbs"),
    ] {
        m.add(b, &[P::String], None, |a| {
            Ok(Value::string(base(arg_str(&a[0]))))
        });
        m.add(d, &[P::String], None, |a| {
            Ok(Value::string(dir(arg_str(&a[0]))))
        });
        m.add(c, &[P::String], None, |a| {
            Ok(Value::string(clean(arg_str(&a[0]))))
        });
        m.add(e, &[P::String], None, |a| {
            Ok(Value::string(ext(arg_str(&a[0]))))
        });
        m.add(a, &[P::String], None, |a| {
            Ok(Value::Bool(arg_str(&a[0]).starts_with('/')))
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(clean("/a/../b/./c//d/"), "/b/c/d");
        assert_eq!(clean("a/.."), ".");
        assert_eq!(clean("../../x/.."), "../..");
        assert_eq!(clean("/../x"), "/x");
        assert_eq!(
            [base("/a/b/c.txt"), base("/a/b/"), base(""), base("/")],
            ["c.txt", "b", ".", "/"]
        );
        assert_eq!(
            [dir("/a/b/c.txt"), dir("a"), dir("/"), dir("")],
            ["/a/b", ".", "/", "."]
        );
        assert_eq!(
            [
                ext("/a/b/c.tar.gz"),
                ext("noext"),
                ext(".bashrc"),
                ext("a.b/c")
            ],
            [".gz", "", ".bashrc", ""]
        );
    }
}
