//! The slice of Masterminds/semver v3 that chart loading needs:
//! `NewVersion` (chart `version:` validation) and constraint checks
//! (`IsCompatibleRange`, matching `charts/` subcharts to Chart.yaml
//! dependencies).  Partial: covers `=, !=, >, <, >=, <=, ~, ~>, ^`, x/*
//! wildcards, hyphen ranges, `||` and `,`/space conjunctions, and the
//! "prereleases only match constraints with prereleases" rule.

use std::cmp::Ordering;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    pub pre: String,
    pub meta: String,
}

fn ident_ok(s: &str) -> bool {
    !s.is_empty()
        && s.split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
}

impl Version {
    /// Masterminds `NewVersion` (lenient: `v` prefix, missing minor/patch).
    pub fn parse(s: &str) -> Result<Version, String> {
        let body = s.strip_prefix('v').unwrap_or(s);
        let (body, meta) = match body.split_once('+') {
            Some((b, m)) => (b, m.to_string()),
            None => (body, String::new()),
        };
        let (core, pre) = match body.split_once('-') {
            Some((c, p)) => (c, p.to_string()),
            None => (body, String::new()),
        };
        let invalid = || "Invalid Semantic Version".to_string();
        let parts: Vec<&str> = core.split('.').collect();
        if parts.is_empty() || parts.len() > 3 {
            return Err(invalid());
        }
        let mut nums = [0u64; 3];
        for (i, p) in parts.iter().enumerate() {
            if p.is_empty() || !p.chars().all(|c| c.is_ascii_digit()) {
                return Err(invalid());
            }
            nums[i] = p.parse().map_err(|_| invalid())?;
        }
        if (!pre.is_empty() || body.ends_with('-')) && !ident_ok(&pre) {
            return Err(invalid());
        }
        if (!meta.is_empty() || s.ends_with('+')) && !ident_ok(&meta) {
            return Err(invalid());
        }
        for seg in pre.split('.').filter(|x| !x.is_empty()) {
            if seg.len() > 1 && seg.starts_with('0') && seg.chars().all(|c| c.is_ascii_digit()) {
                return Err("Version segment starts with 0".into());
            }
        }
        Ok(Version {
            major: nums[0],
            minor: nums[1],
            patch: nums[2],
            pre,
            meta,
        })
    }

    pub fn compare(&self, o: &Version) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(o.major, o.minor, o.patch))
            .then_with(|| compare_pre(&self.pre, &o.pre))
    }
}

fn compare_pre(a: &str, b: &str) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        _ => {}
    }
    let ap: Vec<&str> = a.split('.').collect();
    let bp: Vec<&str> = b.split('.').collect();
    for i in 0..ap.len().max(bp.len()) {
        let (x, y) = match (ap.get(i), bp.get(i)) {
            (None, _) => return Ordering::Less,
            (_, None) => return Ordering::Greater,
            (Some(x), Some(y)) => (*x, *y),
        };
        let xn = x.parse::<u64>().ok();
        let yn = y.parse::<u64>().ok();
        let c = match (xn, yn) {
            (Some(p), Some(q)) => p.cmp(&q),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => x.cmp(y),
        };
        if c != Ordering::Equal {
            return c;
        }
    }
    Ordering::Equal
}

#[derive(Debug)]
struct Constraint {
    op: String,
    v: Version,
    /// which of major/minor/patch were wildcards or missing
    dirty_major: bool,
    dirty_minor: bool,
    dirty_patch: bool,
}

fn is_x(s: &str) -> bool {
    matches!(s, "x" | "X" | "*")
}

fn parse_constraint(op: &str, ver: &str) -> Result<Constraint, String> {
    let body = ver.strip_prefix('v').unwrap_or(ver);
    let (core, rest) = match body.find(['-', '+']) {
        Some(i) => (&body[..i], &body[i..]),
        None => (body, ""),
    };
    let parts: Vec<&str> = core.split('.').collect();
    if parts.len() > 3 {
        return Err(format!("improper constraint: {ver}"));
    }
    let get = |i: usize| parts.get(i).copied();
    let dirty_major = get(0).is_none_or(is_x);
    let dirty_minor = dirty_major || get(1).is_none_or(is_x);
    let dirty_patch = dirty_minor || get(2).is_none_or(is_x);
    let num = |i: usize, dirty: bool| {
        if dirty {
            "0".to_string()
        } else {
            get(i).unwrap_or("0").to_string()
        }
    };
    let text = format!(
        "{}.{}.{}{}",
        num(0, dirty_major),
        num(1, dirty_minor),
        num(2, dirty_patch),
        rest
    );
    let v = Version::parse(&text).map_err(|_| format!("improper constraint: {ver}"))?;
    Ok(Constraint {
        op: op.to_string(),
        v,
        dirty_major,
        dirty_minor,
        dirty_patch,
    })
}

impl Constraint {
    fn check(&self, v: &Version) -> bool {
        let c = &self.v;
        if !v.pre.is_empty() && c.pre.is_empty() {
            return false;
        }
        let cmp = v.compare(c);
        match self.op.as_str() {
            "" | "=" => {
                if self.dirty_patch {
                    self.tilde(v)
                } else {
                    cmp == Ordering::Equal
                }
            }
            "!=" => {
                if self.dirty_patch {
                    if self.dirty_major {
                        return false;
                    }
                    if v.major != c.major {
                        return true;
                    }
                    if self.dirty_minor {
                        return false;
                    }
                    v.minor != c.minor
                } else {
                    cmp != Ordering::Equal
                }
            }
            ">" => {
                if self.dirty_major {
                    return false;
                }
                if self.dirty_minor {
                    return v.major > c.major;
                }
                if self.dirty_patch {
                    return v.major > c.major || (v.major == c.major && v.minor > c.minor);
                }
                cmp == Ordering::Greater
            }
            "<" => cmp == Ordering::Less,
            ">=" | "=>" => cmp != Ordering::Less,
            "<=" | "=<" => {
                if self.dirty_minor {
                    return v.major <= c.major;
                }
                if self.dirty_patch {
                    return v.major < c.major || (v.major == c.major && v.minor <= c.minor);
                }
                cmp != Ordering::Greater
            }
            "~" | "~>" => self.tilde(v),
            "^" => {
                if cmp == Ordering::Less {
                    return false;
                }
                if c.major > 0 || self.dirty_minor {
                    v.major == c.major
                } else if c.minor > 0 || self.dirty_patch {
                    v.major == 0 && v.minor == c.minor
                } else {
                    v.major == 0 && v.minor == 0 && v.patch == c.patch
                }
            }
            _ => false,
        }
    }

    fn tilde(&self, v: &Version) -> bool {
        let c = &self.v;
        if v.compare(c) == Ordering::Less {
            return false;
        }
        if self.dirty_major {
            return true;
        }
        if v.major != c.major {
            return false;
        }
        if self.dirty_minor {
            return true;
        }
        v.minor == c.minor
    }
}

fn tokenize(group: &str) -> Result<Vec<(String, String)>, String> {
    let chars: Vec<char> = group.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() || c == ',' {
            i += 1;
            continue;
        }
        let mut op = String::new();
        while i < chars.len() && "=!<>~^".contains(chars[i]) {
            op.push(chars[i]);
            i += 1;
        }
        while i < chars.len() && chars[i].is_whitespace() {
            i += 1;
        }
        let mut ver = String::new();
        while i < chars.len() && (chars[i].is_ascii_alphanumeric() || ".+-*".contains(chars[i])) {
            ver.push(chars[i]);
            i += 1;
        }
        if ver.is_empty() {
            return Err(format!("improper constraint: {group}"));
        }
        out.push((op, ver));
    }
    Ok(out)
}

/// Rewrite hyphen ranges `A - B` as `>= A, <= B`.
fn rewrite_ranges(s: &str) -> String {
    let toks: Vec<&str> = s.split_whitespace().collect();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if i + 2 < toks.len() && toks[i + 1] == "-" {
            out.push(format!(">= {}, <= {}", toks[i], toks[i + 2]));
            i += 3;
        } else {
            out.push(toks[i].to_string());
            i += 1;
        }
    }
    out.join(" ")
}

/// Helm's `IsCompatibleRange(constraint, version)`: false when either fails to parse.
pub fn is_compatible_range(constraint: &str, version: &str) -> bool {
    let Ok(v) = Version::parse(version) else {
        return false;
    };
    let rewritten = rewrite_ranges(constraint);
    let mut any = false;
    for group in rewritten.split("||") {
        let Ok(toks) = tokenize(group) else {
            return false;
        };
        if toks.is_empty() {
            return false;
        }
        let mut cs = Vec::new();
        for (op, ver) in toks {
            match parse_constraint(&op, &ver) {
                Ok(c) => cs.push(c),
                Err(_) => return false,
            }
        }
        if cs.iter().all(|c| c.check(&v)) {
            any = true;
        }
    }
    any
}

/// Whether `constraint` parses as a Masterminds/semver constraint.
pub fn constraint_valid(constraint: &str) -> bool {
    let rewritten = rewrite_ranges(constraint);
    for group in rewritten.split("||") {
        let Ok(toks) = tokenize(group) else {
            return false;
        };
        if toks.is_empty() {
            return false;
        }
        for (op, ver) in toks {
            if parse_constraint(&op, &ver).is_err() {
                return false;
            }
        }
    }
    true
}

/// Masterminds' `StrictNewVersion`: exactly `MAJOR.MINOR.PATCH` with
/// optional `-PRERELEASE` and `+BUILD`, no `v` prefix, no leading zeros.
pub fn is_strict_semver(s: &str) -> bool {
    let (body, meta) = match s.split_once('+') {
        Some((b, m)) => (b, Some(m)),
        None => (s, None),
    };
    let (core, pre) = match body.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (body, None),
    };
    let parts: Vec<&str> = core.split('.').collect();
    if parts.len() != 3 {
        return false;
    }
    for p in &parts {
        if p.is_empty()
            || !p.bytes().all(|b| b.is_ascii_digit())
            || (p.len() > 1 && p.starts_with('0'))
        {
            return false;
        }
        if p.parse::<u64>().is_err() {
            return false;
        }
    }
    let ident_list_ok = |x: &str, numeric_rule: bool| {
        !x.is_empty()
            && x.split('.').all(|seg| {
                !seg.is_empty()
                    && seg.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                    && !(numeric_rule
                        && seg.len() > 1
                        && seg.starts_with('0')
                        && seg.bytes().all(|b| b.is_ascii_digit()))
            })
    };
    if let Some(p) = pre {
        if !ident_list_ok(p, true) {
            return false;
        }
    }
    if let Some(m) = meta {
        if !ident_list_ok(m, false) {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn ranges() {
        assert!(is_compatible_range("*", "1.2.3"));
        assert!(!is_compatible_range("*", "1.2.3-beta"));
        assert!(is_compatible_range("^1.2.0", "1.9.0"));
        assert!(!is_compatible_range("^1.2.0", "2.0.0"));
        assert!(is_compatible_range("~1.2.0", "1.2.9"));
        assert!(!is_compatible_range("~1.2.0", "1.3.0"));
        assert!(is_compatible_range("1.x.x", "1.3.0"));
        assert!(is_compatible_range(">=1.0.0, <2.0.0", "1.3.0"));
        assert!(is_compatible_range("1.0.0 - 2.0.0", "1.3.0"));
        assert!(is_compatible_range("<1 || >=3", "3.1.0"));
        assert!(is_compatible_range("1.2.3", "1.2.3"));
        assert!(!is_compatible_range("1.2.3", "1.2.4"));
        assert!(!is_compatible_range("", "1.2.3"));
        assert!(Version::parse("1.2").is_ok());
        assert!(Version::parse("v1.2.3-rc.1+b").is_ok());
        assert!(Version::parse("not-semver").is_err());
        assert!(Version::parse("1.2.3-01").is_err());
    }
}
