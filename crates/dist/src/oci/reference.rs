//! Registry references as Helm reads them (pkg/registry/reference.go over
//! oras-go's `registry.ParseReference`).
//!
//! Two layers, because Helm has two and users see both in error texts:
//! * [`OrasRef::parse`]: oras' grammar `HOST/REPO[:TAG|@DIGEST|:TAG@DIGEST]`
//!   with its validation and wording (`invalid reference: invalid tag
//!   "1.2.3+b"`); Helm calls it directly for the tag list and for pulls;
//! * [`HelmRef::parse`]: Helm's `newReference`, which cuts the digest off
//!   first and rewrites `+` to `_` in the tag (OCI tags cannot hold `+`,
//!   helm/helm#10166) before handing the rest to oras.

use crate::error::Error;

const INVALID: &str = "invalid reference";

/// oras-go's `registry.Reference`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrasRef {
    pub registry: String,
    pub repository: String,
    /// A tag or a digest (`sha256:…`), or empty.
    pub reference: String,
}

fn invalid(what: &str) -> Error {
    Error::input(format!("{INVALID}: {what}"))
}

/// `url.ParseRequestURI("dummy://" + r) ` with `u.Host == r`: a host name or
/// IP literal with an optional numeric port, nothing else.
fn valid_registry(r: &str) -> bool {
    if r.is_empty() {
        return false;
    }
    let (host, port) = if let Some(rest) = r.strip_prefix('[') {
        match rest.find(']') {
            Some(i) => {
                let inner = &rest[..i];
                if inner.is_empty()
                    || !inner
                        .chars()
                        .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.' || c == '%')
                {
                    return false;
                }
                let after = &rest[i + 1..];
                if after.is_empty() {
                    return true;
                }
                match after.strip_prefix(':') {
                    Some(p) => ("x", p),
                    None => return false,
                }
            }
            None => return false,
        }
    } else {
        match r.rsplit_once(':') {
            Some((h, p)) => (h, p),
            None => (r, ""),
        }
    };
    if !port.is_empty() && !port.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    // `host:` (an empty port) is accepted, as Go accepts it.
    !host.is_empty()
        && host.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(
                    c,
                    '.' | '-'
                        | '_'
                        | '~'
                        | '!'
                        | '$'
                        | '&'
                        | '\''
                        | '('
                        | ')'
                        | '*'
                        | '+'
                        | ','
                        | ';'
                        | '='
                        | '%'
                )
        })
}

/// One path component of distribution's repository grammar:
/// `[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*`.
fn valid_component(c: &str) -> bool {
    let b = c.as_bytes();
    let alnum = |x: u8| x.is_ascii_lowercase() || x.is_ascii_digit();
    if b.is_empty() || !alnum(b[0]) || !alnum(b[b.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if alnum(b[i]) {
            i += 1;
            continue;
        }
        // A separator run between two alphanumeric runs.
        let start = i;
        while i < b.len() && !alnum(b[i]) {
            i += 1;
        }
        let sep = &c[start..i];
        let ok = sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|x| x == b'-');
        if !ok {
            return false;
        }
    }
    true
}

fn valid_repository(r: &str) -> bool {
    !r.is_empty() && r.split('/').all(valid_component)
}

/// `^[\w][\w.-]{0,127}$`.
fn valid_tag(t: &str) -> bool {
    let w = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut cs = t.chars();
    match cs.next() {
        Some(c) if w(c) => {}
        _ => return false,
    }
    t.len() <= 128 && cs.all(|c| w(c) || c == '.' || c == '-')
}

/// go-digest's `Digest.Validate`, with its error texts.
pub fn validate_digest(d: &str) -> Result<(), &'static str> {
    const FORMAT: &str = "invalid checksum digest format";
    let i = match d.find(':') {
        Some(i) if i > 0 && i + 1 < d.len() => i,
        _ => return Err(FORMAT),
    };
    let (alg, enc) = (&d[..i], &d[i + 1..]);
    let len = match alg {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => {
            // DigestRegexpAnchored: [a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+
            let alg_ok = alg.split(['.', '+', '_', '-']).all(|p| {
                !p.is_empty()
                    && p.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            });
            let enc_ok = enc
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'=' | b'_' | b'-'));
            return Err(if alg_ok && enc_ok {
                "unsupported digest algorithm"
            } else {
                FORMAT
            });
        }
    };
    if enc.len() != len {
        return Err("invalid checksum digest length");
    }
    if !enc
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(FORMAT);
    }
    Ok(())
}

impl OrasRef {
    /// oras-go's `registry.ParseReference`.
    pub fn parse(artifact: &str) -> Result<OrasRef, Error> {
        let (registry, path) = match artifact.split_once('/') {
            Some(x) => x,
            None => return Err(invalid("missing registry or repository")),
        };
        let (repository, reference, is_tag) = if let Some(i) = path.find('@') {
            let mut repo = &path[..i];
            if let Some(j) = repo.find(':') {
                repo = &repo[..j];
            }
            (repo, &path[i + 1..], false)
        } else if let Some(i) = path.find(':') {
            (&path[..i], &path[i + 1..], true)
        } else {
            (path, "", false)
        };
        let r = OrasRef {
            registry: registry.to_string(),
            repository: repository.to_string(),
            reference: reference.to_string(),
        };
        r.validate_registry()?;
        if !valid_repository(&r.repository) {
            return Err(invalid(&format!("invalid repository {:?}", r.repository)));
        }
        if r.reference.is_empty() {
            return Ok(r);
        }
        if is_tag {
            if !valid_tag(&r.reference) {
                return Err(invalid(&format!("invalid tag {:?}", r.reference)));
            }
        } else if let Err(e) = validate_digest(&r.reference) {
            return Err(invalid(&format!("invalid digest {:?}: {e}", r.reference)));
        }
        Ok(r)
    }

    /// `Reference.ValidateRegistry`.
    pub fn validate_registry(&self) -> Result<(), Error> {
        if valid_registry(&self.registry) {
            Ok(())
        } else {
            Err(invalid(&format!("invalid registry {:?}", self.registry)))
        }
    }

    /// Whether the reference part is a digest (`alg:hex`).
    pub fn is_digest(&self) -> bool {
        self.reference.contains(':')
    }

    /// `Reference.String()`.
    pub fn string(&self) -> String {
        if self.reference.is_empty() {
            format!("{}/{}", self.registry, self.repository)
        } else if self.is_digest() {
            format!("{}/{}@{}", self.registry, self.repository, self.reference)
        } else {
            format!("{}/{}:{}", self.registry, self.repository, self.reference)
        }
    }
}

/// Helm's `reference` (pkg/registry/reference.go).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HelmRef {
    pub oras: OrasRef,
    pub registry: String,
    pub repository: String,
    /// With `+` already turned into `_`.
    pub tag: String,
    /// What followed the last `@` (not validated here).
    pub digest: String,
}

impl HelmRef {
    /// `newReference(raw)`: `oci://` dropped, the digest cut off at the last
    /// `@`, `+` in the tag turned into `_` (every occurrence of the tag text
    /// in the reference, as Helm does), then oras' parser.
    pub fn parse(raw: &str) -> Result<HelmRef, Error> {
        let mut raw = raw.strip_prefix("oci://").unwrap_or(raw).to_string();
        let mut digest = String::new();
        if let Some(i) = raw.rfind('@') {
            digest = raw[i + 1..].to_string();
            raw.truncate(i);
        }
        let parts: Vec<&str> = raw.split(':').collect();
        if parts.len() > 1 {
            let tag = parts[parts.len() - 1];
            if !tag.contains('/') && !tag.is_empty() {
                let new_tag = tag.replace('+', "_");
                raw = raw.replace(tag, &new_tag);
            }
        }
        let oras = OrasRef::parse(&raw)?;
        Ok(HelmRef {
            registry: oras.registry.clone(),
            repository: oras.repository.clone(),
            tag: oras.reference.clone(),
            digest,
            oras,
        })
    }

    /// `reference.String()`: the tag form when there is a tag (the digest
    /// is then dropped), else `HOST/REPO@DIGEST`.
    pub fn string(&self) -> String {
        if self.tag.is_empty() {
            format!("{}@{}", self.oras.string(), self.digest)
        } else {
            self.oras.string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components() {
        for ok in [
            "a",
            "a.b",
            "a_b",
            "a__b",
            "a-b",
            "a---b",
            "a0-9z",
            "charts/redis",
        ] {
            assert!(valid_repository(ok), "{ok}");
        }
        for bad in [
            "", "A", "a..b", "a___b", "-a", "a-", "a/", "/a", "a//b", "a._b",
        ] {
            assert!(!valid_repository(bad), "{bad}");
        }
    }

    #[test]
    fn registries() {
        for ok in [
            "localhost",
            "localhost:5000",
            "127.0.0.1:41283",
            "[::1]:5000",
            "ghcr.io",
        ] {
            assert!(valid_registry(ok), "{ok}");
        }
        for bad in ["", "a b", "host:port", "user@host", "[::1"] {
            assert!(!valid_registry(bad), "{bad}");
        }
    }
}
