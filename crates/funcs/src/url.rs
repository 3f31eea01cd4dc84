//! Sprig's `urlParse` / `urlJoin` on top of a port of the parts of Go's
//! `net/url` they use: `url.Parse` (scheme, opaque, authority, userinfo,
//! host, path, raw query, fragment; percent-decoding) and `URL.String`
//! (re-escaping with Go's per-component rules).

use gotmpl::{FuncError, FuncMap, MapInner, ParamType as P, Value};

use crate::cast::arg_str;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Path,
    Host,
    UserPassword,
    Fragment,
}

/// Go's `shouldEscape`.
fn should_escape(c: u8, mode: Mode) -> bool {
    if c.is_ascii_alphanumeric() {
        return false;
    }
    if mode == Mode::Host
        && matches!(
            c,
            b'!' | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b':'
                | b'['
                | b']'
                | b'<'
                | b'>'
                | b'"'
        )
    {
        return false;
    }
    match c {
        b'-' | b'_' | b'.' | b'~' => return false,
        b'$' | b'&' | b'+' | b',' | b'/' | b':' | b';' | b'=' | b'?' | b'@' => {
            return match mode {
                Mode::Path => c == b'?',
                Mode::UserPassword => matches!(c, b'@' | b'/' | b'?' | b':'),
                Mode::Fragment => false,
                Mode::Host => true,
            }
        }
        _ => {}
    }
    if mode == Mode::Fragment && matches!(c, b'!' | b'(' | b')' | b'*') {
        return false;
    }
    true
}

fn escape(s: &str, mode: Mode) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if should_escape(b, mode) {
            out.push_str(&format!("%{b:02X}"));
        } else {
            out.push(b as char);
        }
    }
    out
}

/// Go's `unescape` (no `+` handling outside query components).
fn unescape(s: &str, mode: Mode) -> Result<String, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = |c: u8| (c as char).to_digit(16);
                let (h, l) = match (
                    b.get(i + 1).and_then(|&c| hex(c)),
                    b.get(i + 2).and_then(|&c| hex(c)),
                ) {
                    (Some(h), Some(l)) => (h, l),
                    _ => {
                        let end = (i + 3).min(b.len());
                        return Err(format!(
                            "invalid URL escape {}",
                            crate::strings::go_quote(&s[i..end])
                        ));
                    }
                };
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            c => {
                if mode == Mode::Host && c < 0x80 && should_escape(c, Mode::Host) && c != b'%' {
                    return Err(format!(
                        "invalid character {} in host name",
                        crate::strings::go_quote(&(c as char).to_string())
                    ));
                }
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

#[derive(Default)]
struct Url {
    scheme: String,
    opaque: String,
    user: Option<(String, Option<String>)>,
    host: String,
    path: String,
    raw_query: String,
    force_query: bool,
    fragment: String,
}

impl Url {
    fn user_string(&self) -> Option<String> {
        self.user.as_ref().map(|(u, p)| {
            let mut s = escape(u, Mode::UserPassword);
            if let Some(p) = p {
                s.push(':');
                s.push_str(&escape(p, Mode::UserPassword));
            }
            s
        })
    }

    fn hostname(&self) -> &str {
        let h = &self.host;
        if let Some(r) = h.strip_prefix('[') {
            return r.split(']').next().unwrap_or(r);
        }
        match h.rfind(':') {
            Some(i) => &h[..i],
            None => h,
        }
    }

    /// Go's `URL.String`.
    fn string(&self) -> String {
        let mut buf = String::new();
        if !self.scheme.is_empty() {
            buf.push_str(&self.scheme);
            buf.push(':');
        }
        if !self.opaque.is_empty() {
            buf.push_str(&self.opaque);
        } else {
            if !self.scheme.is_empty() || !self.host.is_empty() || self.user.is_some() {
                if !self.host.is_empty() || !self.path.is_empty() || self.user.is_some() {
                    buf.push_str("//");
                }
                if let Some(u) = self.user_string() {
                    buf.push_str(&u);
                    buf.push('@');
                }
                buf.push_str(&escape(&self.host, Mode::Host));
            }
            let path = escape(&self.path, Mode::Path);
            if !path.is_empty() && !path.starts_with('/') && !self.host.is_empty() {
                buf.push('/');
            }
            if buf.is_empty() && path.split('/').next().is_some_and(|seg| seg.contains(':')) {
                buf.push_str("./");
            }
            buf.push_str(&path);
        }
        if self.force_query || !self.raw_query.is_empty() {
            buf.push('?');
            buf.push_str(&self.raw_query);
        }
        if !self.fragment.is_empty() {
            buf.push('#');
            buf.push_str(&escape(&self.fragment, Mode::Fragment));
        }
        buf
    }
}

/// Go's `getScheme`.
fn get_scheme(raw: &str) -> Result<(&str, &str), String> {
    for (i, c) in raw.bytes().enumerate() {
        match c {
            b'a'..=b'z' | b'A'..=b'Z' => {}
            b'0'..=b'9' | b'+' | b'-' | b'.' => {
                if i == 0 {
                    return Ok(("", raw));
                }
            }
            b':' => {
                if i == 0 {
                    return Err("missing protocol scheme".into());
                }
                return Ok((&raw[..i], &raw[i + 1..]));
            }
            _ => return Ok(("", raw)),
        }
    }
    Ok(("", raw))
}

/// `user[:password]` of a URL's authority.
type UserInfo = Option<(String, Option<String>)>;

fn parse_authority(auth: &str) -> Result<(UserInfo, String), String> {
    let (userinfo, hostpart) = match auth.rfind('@') {
        Some(i) => (Some(&auth[..i]), &auth[i + 1..]),
        None => (None, auth),
    };
    let host = if hostpart.starts_with('[') {
        if !hostpart.contains(']') {
            return Err("missing ']' in host".into());
        }
        unescape(hostpart, Mode::Host)?
    } else {
        unescape(hostpart, Mode::Host)?
    };
    let user = match userinfo {
        None => None,
        Some(ui) => {
            let valid = ui.bytes().all(|c| {
                c.is_ascii_alphanumeric()
                    || matches!(
                        c,
                        b'-' | b'.'
                            | b'_'
                            | b':'
                            | b'~'
                            | b'!'
                            | b'$'
                            | b'&'
                            | b'\''
                            | b'('
                            | b')'
                            | b'*'
                            | b'+'
                            | b','
                            | b';'
                            | b'='
                            | b'%'
                            | b'@'
                    )
            });
            if !valid {
                return Err("net/url: invalid userinfo".into());
            }
            match ui.split_once(':') {
                None => Some((unescape(ui, Mode::UserPassword)?, None)),
                Some((u, p)) => Some((
                    unescape(u, Mode::UserPassword)?,
                    Some(unescape(p, Mode::UserPassword)?),
                )),
            }
        }
    };
    Ok((user, host))
}

/// Go's `url.Parse`; the error is the text of Go's `*url.Error`.
fn parse(raw: &str) -> Result<Url, String> {
    let (u, frag) = raw.split_once('#').unwrap_or((raw, ""));
    let wrap = |e: String| format!("parse {}: {e}", crate::strings::go_quote(u));
    let mut url = parse_no_frag(u).map_err(wrap)?;
    url.fragment = unescape(frag, Mode::Fragment)
        .map_err(|e| format!("parse {}: {e}", crate::strings::go_quote(raw)))?;
    Ok(url)
}

fn parse_no_frag(raw: &str) -> Result<Url, String> {
    if raw.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Err("net/url: invalid control character in URL".into());
    }
    let mut url = Url::default();
    if raw == "*" {
        url.path = "*".into();
        return Ok(url);
    }
    let (scheme, mut rest) = get_scheme(raw)?;
    url.scheme = scheme.to_ascii_lowercase();
    if rest.ends_with('?') && rest.matches('?').count() == 1 {
        url.force_query = true;
        rest = &rest[..rest.len() - 1];
    } else if let Some((r, q)) = rest.split_once('?') {
        url.raw_query = q.to_string();
        rest = r;
    }
    if !rest.starts_with('/') {
        if !url.scheme.is_empty() {
            url.opaque = rest.to_string();
            return Ok(url);
        }
        if rest.split('/').next().is_some_and(|seg| seg.contains(':')) {
            return Err("first path segment in URL cannot contain colon".into());
        }
    }
    if (!url.scheme.is_empty() || !rest.starts_with("///")) && rest.starts_with("//") {
        let auth_and_path = &rest[2..];
        let (auth, path) = match auth_and_path.find('/') {
            Some(i) => (&auth_and_path[..i], &auth_and_path[i..]),
            None => (auth_and_path, ""),
        };
        let (user, host) = parse_authority(auth)?;
        url.user = user;
        url.host = host;
        rest = path;
    }
    url.path = unescape(rest, Mode::Path)?;
    Ok(url)
}

fn url_parse(s: &str) -> Result<Value, FuncError> {
    let u = parse(s).map_err(|e| FuncError::msg(format!("unable to parse url: {e}")))?;
    let mut d = MapInner::new();
    d.insert("scheme".into(), Value::str(&u.scheme));
    d.insert("host".into(), Value::str(&u.host));
    d.insert("hostname".into(), Value::str(u.hostname()));
    d.insert("path".into(), Value::str(&u.path));
    d.insert("query".into(), Value::str(&u.raw_query));
    d.insert("opaque".into(), Value::str(&u.opaque));
    d.insert("fragment".into(), Value::str(&u.fragment));
    d.insert(
        "userinfo".into(),
        Value::string(u.user_string().unwrap_or_default()),
    );
    Ok(Value::map(d))
}

/// Sprig's `dictGetOrEmpty`: a present key must hold a string.
fn get_str(d: &MapInner, key: &str) -> Result<String, FuncError> {
    match d.get(key) {
        None => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.to_string()),
        Some(Value::Nil) => Err(crate::cast::NIL_DEREF.into()),
        Some(other) => Err(format!(
            "unable to parse {key} key, must be of type string, but {} found",
            other.kind_name()
        )
        .into()),
    }
}

fn url_join(v: &Value) -> Result<Value, FuncError> {
    let Value::Map(m) = v else {
        return Err(crate::cast::NIL_DEREF.into());
    };
    let d = m.borrow();
    let mut u = Url {
        scheme: get_str(&d, "scheme")?,
        host: get_str(&d, "host")?,
        path: get_str(&d, "path")?,
        raw_query: get_str(&d, "query")?,
        opaque: get_str(&d, "opaque")?,
        fragment: get_str(&d, "fragment")?,
        ..Url::default()
    };
    let userinfo = get_str(&d, "userinfo")?;
    if !userinfo.is_empty() {
        let tmp = parse(&format!("proto://{userinfo}@host"))
            .map_err(|e| FuncError::msg(format!("unable to parse userinfo in dict: {e}")))?;
        u.user = tmp.user;
    }
    Ok(Value::string(u.string()))
}

pub fn register(m: &mut FuncMap) {
    m.add("urlParse", &[P::String], None, |a| {
        url_parse(arg_str(&a[0]))
    });
    m.add("urlJoin", &[P::Map], None, |a| url_join(&a[0]));
}

#[cfg(test)]
mod tests {
    use crate::testutil::*;
    use gotmpl::Value;

    #[test]
    fn parse_and_join() {
        assert_eq!(
            v("urlParse", &["https://user:pass@example.com:8080/path/x?q=1&r=2#frag".into()]),
            "map[fragment:frag host:example.com:8080 hostname:example.com opaque: path:/path/x query:q=1&r=2 scheme:https userinfo:user:pass]"
        );
        assert_eq!(
            v("urlParse", &["/just/path".into()]),
            "map[fragment: host: hostname: opaque: path:/just/path query: scheme: userinfo:]"
        );
        assert!(v("urlParse", &["mailto:a@b.c".into()]).contains("opaque:a@b.c"));
        let parsed = call("urlParse", &["https://a.b/c%20d?d=e#f g".into()]).unwrap();
        assert_eq!(v("urlJoin", &[parsed]), "https://a.b/c%20d?d=e#f%20g");
        let d = Value::map(
            [
                ("scheme", "https"),
                ("host", "example.com"),
                ("path", "/p"),
                ("query", "a=1"),
                ("userinfo", "me:x@y"),
            ]
            .iter()
            .map(|(k, v)| (k.to_string(), Value::str(v)))
            .collect(),
        );
        assert_eq!(v("urlJoin", &[d]), "https://me:x%40y@example.com/p?a=1");
        assert!(err("urlParse", &[":x".into()])
            .starts_with("unable to parse url: parse \":x\": missing protocol scheme"));
    }
}
