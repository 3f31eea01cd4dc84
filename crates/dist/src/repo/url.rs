//! The few pieces of Go's `net/url` that chart repositories depend on:
//! Helm joins index URLs (`urlutil.URLJoin`), compares repository URLs
//! (`urlutil.Equal`, so `https://x/charts/` matches `https://x/charts`),
//! resolves chart URLs against the repository (`repo.ResolveReferenceURL`,
//! which keeps the repository's query string — signed-URL repositories
//! rely on it) and the dependency manager's `normalizeURL`.  Their results
//! end up in `index.yaml` and in error messages, so they follow Go's
//! parsing and printing rather than the WHATWG rules of the `url` crate
//! (which would, for one, add a trailing `/` to bare hosts).

/// A URL split as Go's `url.Parse` splits it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GoUrl {
    /// Lower-cased, without `:`.
    pub scheme: String,
    /// `scheme:opaque` URLs (no `//`), e.g. `mailto:x`.
    pub opaque: String,
    /// Whether `//authority` was present.
    pub has_authority: bool,
    /// `user@host:port` as written.
    pub authority: String,
    /// Unescaped path.
    pub path: String,
    /// The path as written, when its escaping is not the default one.
    pub raw_path: String,
    pub raw_query: String,
    pub force_query: bool,
    pub fragment: String,
}

fn unhex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Go's `url.PathUnescape` (`%XX` only; `+` stays).
fn path_unescape(s: &str) -> Result<String, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let (Some(h), Some(l)) = (
                b.get(i + 1).copied().and_then(unhex),
                b.get(i + 2).copied().and_then(unhex),
            ) else {
                let end = (i + 3).min(b.len());
                return Err(format!(
                    "invalid URL escape {}",
                    gostd::strconv::quote(&s[i..end])
                ));
            };
            out.push(h << 4 | l);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// Go's `shouldEscape(c, encodePath)`.
fn path_should_escape(c: u8) -> bool {
    !(c.is_ascii_alphanumeric()
        || matches!(
            c,
            b'-' | b'_'
                | b'.'
                | b'~'
                | b'$'
                | b'&'
                | b'+'
                | b','
                | b'/'
                | b':'
                | b';'
                | b'='
                | b'@'
        ))
}

/// Go's `escape(s, encodePath)`.
pub fn escape_path(s: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len());
    for &c in s.as_bytes() {
        if path_should_escape(c) {
            out.push('%');
            out.push(HEX[(c >> 4) as usize] as char);
            out.push(HEX[(c & 15) as usize] as char);
        } else {
            out.push(c as char);
        }
    }
    out
}

/// Go's `validEncoded(s, encodePath)`.
fn valid_encoded_path(s: &str) -> bool {
    s.bytes().all(|c| {
        matches!(
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
                | b'@'
                | b'['
                | b']'
                | b'%'
        ) || !path_should_escape(c)
    })
}

impl GoUrl {
    /// Go's `url.Parse`.
    pub fn parse(raw: &str) -> Result<GoUrl, String> {
        let fail = |why: &str| Err(format!("parse {}: {why}", gostd::strconv::quote(raw)));
        if raw.bytes().any(|b| b < 0x20 || b == 0x7f) {
            return fail("net/url: invalid control character in URL");
        }
        let mut u = GoUrl::default();
        let (rest, frag) = match raw.split_once('#') {
            Some((r, f)) => (r, Some(f)),
            None => (raw, None),
        };
        if let Some(f) = frag {
            u.fragment = path_unescape(f).unwrap_or_else(|_| f.to_string());
        }
        if rest == "*" {
            u.path = "*".into();
            return Ok(u);
        }
        // Scheme.
        let mut rest = rest;
        for (i, c) in rest.char_indices() {
            if c.is_ascii_alphabetic() {
                continue;
            }
            if c.is_ascii_digit() || c == '+' || c == '-' || c == '.' {
                if i == 0 {
                    break;
                }
                continue;
            }
            if c == ':' {
                if i == 0 {
                    return fail("missing protocol scheme");
                }
                u.scheme = rest[..i].to_ascii_lowercase();
                rest = &rest[i + 1..];
            }
            break;
        }
        if let Some((r, q)) = rest.split_once('?') {
            rest = r;
            if q.is_empty() {
                u.force_query = true;
            }
            u.raw_query = q.to_string();
        }
        if !rest.starts_with('/') {
            if !u.scheme.is_empty() {
                u.opaque = rest.to_string();
                return Ok(u);
            }
            if let Some(colon) = rest.find(':') {
                if !rest[..colon].contains('/') {
                    return fail("first path segment in URL cannot contain colon");
                }
            }
        }
        if (!u.scheme.is_empty() || !rest.starts_with("///")) && rest.starts_with("//") {
            let after = &rest[2..];
            let end = after.find('/').unwrap_or(after.len());
            u.has_authority = true;
            u.authority = after[..end].to_string();
            rest = &after[end..];
        }
        u.path = match path_unescape(rest) {
            Ok(p) => p,
            Err(e) => return Err(format!("parse {}: {e}", gostd::strconv::quote(raw))),
        };
        if escape_path(&u.path) != rest {
            u.raw_path = rest.to_string();
        }
        Ok(u)
    }

    /// Go's `URL.EscapedPath`.
    pub fn escaped_path(&self) -> String {
        if !self.raw_path.is_empty()
            && valid_encoded_path(&self.raw_path)
            && path_unescape(&self.raw_path).ok().as_deref() == Some(self.path.as_str())
        {
            return self.raw_path.clone();
        }
        if self.path == "*" {
            return "*".into();
        }
        escape_path(&self.path)
    }

    /// Whether the URL has a scheme (Go's `IsAbs`).
    pub fn is_abs(&self) -> bool {
        !self.scheme.is_empty()
    }

    /// Go's `URL.String` (without the user-info re-escaping subtleties).
    pub fn to_go_string(&self) -> String {
        let mut s = String::new();
        if !self.opaque.is_empty() {
            s.push_str(&self.scheme);
            s.push(':');
            s.push_str(&self.opaque);
        } else {
            if !self.scheme.is_empty() {
                s.push_str(&self.scheme);
                s.push(':');
            }
            if !self.scheme.is_empty() || self.has_authority || !self.authority.is_empty() {
                if self.has_authority || !self.authority.is_empty() || self.path.starts_with('/') {
                    s.push_str("//");
                }
                s.push_str(&self.authority);
            }
            let p = self.escaped_path();
            if !p.is_empty() && !p.starts_with('/') && !self.authority.is_empty() {
                s.push('/');
            }
            if s.is_empty() {
                // A relative path whose first segment holds a colon would
                // read as a scheme: Go prefixes "./".
                if let Some(colon) = p.find(':') {
                    if !p[..colon].contains('/') {
                        s.push_str("./");
                    }
                }
            }
            s.push_str(&p);
        }
        if self.force_query || !self.raw_query.is_empty() {
            s.push('?');
            s.push_str(&self.raw_query);
        }
        if !self.fragment.is_empty() {
            s.push('#');
            s.push_str(&escape_path(&self.fragment));
        }
        s
    }
}

/// Go's `path.Join`: non-empty elements joined by `/`, then cleaned; ""
/// when all are empty.
pub fn path_join(parts: &[&str]) -> String {
    let joined = parts
        .iter()
        .filter(|p| !p.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("/");
    if joined.is_empty() {
        return String::new();
    }
    chart::loader::clean_path(&joined)
}

/// Helm's `urlutil.URLJoin(base, paths...)`; `None` when `base` does not
/// parse (Helm then falls back to `path.Join`).
pub fn url_join(base: &str, paths: &[&str]) -> Option<String> {
    let mut u = GoUrl::parse(base).ok()?;
    let mut all = vec![u.path.as_str()];
    all.extend_from_slice(paths);
    u.path = path_join(&all);
    Some(u.to_go_string())
}

/// `urlutil.URLJoin`, else `path.Join`, as `repo index` and `MustAdd` do.
pub fn url_join_or_path(base: &str, paths: &[&str]) -> String {
    url_join(base, paths).unwrap_or_else(|| {
        let mut all = vec![base];
        all.extend_from_slice(paths);
        path_join(&all)
    })
}

/// Helm's `urlutil.Equal`: both parsed, empty paths read as `/`, paths
/// cleaned, then compared as strings.  Non-URLs compare as cleaned paths.
pub fn url_equal(a: &str, b: &str) -> bool {
    let Ok(mut au) = GoUrl::parse(a) else {
        return chart::loader::clean_path(a) == chart::loader::clean_path(b);
    };
    let Ok(mut bu) = GoUrl::parse(b) else {
        return false;
    };
    for u in [&mut au, &mut bu] {
        if u.path.is_empty() {
            u.path = "/".into();
        }
        u.path = chart::loader::clean_path(&u.path);
        u.raw_path.clear();
    }
    au.to_go_string() == bu.to_go_string()
}

/// Go's `url.ParseRequestURI` succeeding: an absolute URL or an absolute
/// path (what Helm's dependency manager accepts as an unmanaged repository).
pub fn is_request_uri(s: &str) -> bool {
    let s = s.split('#').next().unwrap_or(s);
    if s.starts_with('/') {
        return true;
    }
    match GoUrl::parse(s) {
        Ok(u) => u.is_abs(),
        Err(_) => false,
    }
}

/// RFC 3986 §5.2.4 on an escaped path, as Go's `resolvePath` does it.
fn resolve_path(base: &str, reference: &str) -> String {
    let full = if reference.is_empty() {
        base.to_string()
    } else if reference.starts_with('/') {
        reference.to_string()
    } else {
        let cut = base.rfind('/').map(|i| i + 1).unwrap_or(0);
        format!("{}{reference}", &base[..cut])
    };
    if full.is_empty() {
        return String::new();
    }
    let mut out: Vec<&str> = Vec::new();
    let segs: Vec<&str> = full.split('/').collect();
    let last = segs.len() - 1;
    let mut trailing = false;
    for (i, seg) in segs.iter().enumerate() {
        match *seg {
            "." => trailing = i == last,
            ".." => {
                if out.len() > 1 {
                    out.pop();
                }
                trailing = i == last;
            }
            s => {
                out.push(s);
                trailing = false;
            }
        }
    }
    let mut r = out.join("/");
    if trailing && !r.ends_with('/') {
        r.push('/');
    }
    if !r.starts_with('/') {
        r.insert(0, '/');
    }
    r
}

/// Helm's `repo.ResolveReferenceURL(base, ref)`: an absolute `ref` as is;
/// else `ref` resolved against `base` + `/`, keeping `base`'s query.
pub fn resolve_reference(base: &str, reference: &str) -> Result<String, String> {
    let r =
        GoUrl::parse(reference).map_err(|e| format!("failed to parse {reference} as URL: {e}"))?;
    if r.is_abs() {
        return Ok(reference.to_string());
    }
    let mut b = GoUrl::parse(base).map_err(|e| format!("failed to parse {base} as URL: {e}"))?;
    if !b.raw_path.is_empty() {
        b.raw_path = format!("{}/", b.raw_path.trim_end_matches('/'));
    }
    b.path = format!("{}/", b.path.strip_suffix('/').unwrap_or(&b.path));
    let mut out = b.clone();
    out.fragment = r.fragment.clone();
    out.force_query = false;
    if r.has_authority || !r.authority.is_empty() {
        out.authority = r.authority.clone();
        out.has_authority = true;
        out.path = r.path.clone();
        out.raw_path = r.raw_path.clone();
    } else if !r.opaque.is_empty() {
        out.opaque = r.opaque.clone();
    } else if r.path.is_empty() && r.raw_query.is_empty() && !r.force_query {
        // the base itself
    } else {
        let p = resolve_path(&b.escaped_path(), &r.escaped_path());
        out.path = path_unescape(&p).unwrap_or_else(|_| p.clone());
        out.raw_path = if escape_path(&out.path) != p {
            p
        } else {
            String::new()
        };
    }
    out.raw_query = b.raw_query.clone();
    out.force_query = b.force_query;
    Ok(out.to_go_string())
}

/// The dependency manager's `normalizeURL(base, urlOrPath)`: absolute URLs
/// as Go prints them, else `path.Join(base.Path, urlOrPath)`.
pub fn normalize_url(base: &str, url_or_path: &str) -> Result<String, String> {
    let u = GoUrl::parse(url_or_path)?;
    if u.is_abs() {
        return Ok(u.to_go_string());
    }
    let mut b = GoUrl::parse(base).map_err(|e| format!("base URL failed to parse: {e}"))?;
    if !b.raw_path.is_empty() {
        b.raw_path = path_join(&[&b.raw_path, url_or_path]);
    }
    b.path = path_join(&[&b.path, url_or_path]);
    Ok(b.to_go_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_like_urlutil() {
        assert_eq!(
            url_join_or_path("https://charts.example.com/ml", &["", "a-1.0.0.tgz"]),
            "https://charts.example.com/ml/a-1.0.0.tgz"
        );
        assert_eq!(url_join_or_path("", &[""]), "");
        assert_eq!(url_join_or_path("", &["sub"]), "sub");
        assert_eq!(url_join_or_path("sub", &["x.tgz"]), "sub/x.tgz");
        assert_eq!(
            url_join_or_path("http://h:1/a/", &["b c.tgz"]),
            "http://h:1/a/b%20c.tgz"
        );
        assert_eq!(
            url_join_or_path("http://h", &["x+y.tgz"]),
            "http://h/x+y.tgz"
        );
    }

    #[test]
    fn equal_ignores_trailing_slash() {
        assert!(url_equal("https://x/charts/", "https://x/charts"));
        assert!(url_equal("https://x", "https://x/"));
        assert!(!url_equal("https://x/a", "https://x/b"));
        assert!(url_equal("HTTPS://x/a", "https://x/a"));
    }

    #[test]
    fn resolve_keeps_base_query() {
        assert_eq!(
            resolve_reference("http://h/repo?sig=1", "index.yaml").unwrap(),
            "http://h/repo/index.yaml?sig=1"
        );
        assert_eq!(
            resolve_reference("http://h/repo/", "charts/a.tgz").unwrap(),
            "http://h/repo/charts/a.tgz"
        );
        assert_eq!(
            resolve_reference("http://h/repo", "/abs/a.tgz").unwrap(),
            "http://h/abs/a.tgz"
        );
        assert_eq!(
            resolve_reference("http://h/repo", "https://cdn/a.tgz").unwrap(),
            "https://cdn/a.tgz"
        );
        assert_eq!(
            resolve_reference("http://127.0.0.1:8080", "index.yaml").unwrap(),
            "http://127.0.0.1:8080/index.yaml"
        );
    }

    #[test]
    fn normalize_joins_paths() {
        assert_eq!(
            normalize_url("http://h/repo", "charts/a.tgz").unwrap(),
            "http://h/repo/charts/a.tgz"
        );
        assert_eq!(
            normalize_url("http://h/repo", "/a.tgz").unwrap(),
            "http://h/repo/a.tgz"
        );
    }

    #[test]
    fn request_uris() {
        assert!(is_request_uri("https://x/y"));
        assert!(is_request_uri("/abs"));
        assert!(!is_request_uri("stable"));
        assert!(!is_request_uri("@stable"));
    }
}
