//! Masterminds/semver v3 (the version Helm 4.2.3 links, v3.5.0):
//! `NewVersion`, `NewConstraint` and `Constraints.Check`, plus
//! `StrictNewVersion`'s shape check.  Charts' `version:` fields, dependency
//! ranges and Sprig's `semver`/`semverCompare` all go through this one
//! implementation.
//!
//! The library's rules are idiosyncratic (pre-releases only match
//! constraints that themselves carry a pre-release, `>1.2` means "next
//! minor", `^0.x` narrows, hyphen ranges, `||` and `,`), so the constraint
//! checks below follow the library's per-operator logic one to one.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::OnceLock;

use regex_lite::Regex;

/// A parsed version (`*semver.Version`, or `semver.Version` when `by_value`).
#[derive(Clone, Debug)]
pub struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    pre: String,
    metadata: String,
    original: String,
    /// `semver.Version` (returned by value from IncMajor etc.) rather than a pointer.
    by_value: bool,
}

const INVALID: &str = "invalid semantic version";

/// The version part of constraints (`x`, `X`, `*` allowed as wildcards).
const CV: &str = r"v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?";
/// Operators, longest first so alternation picks `>=` over `>`.
const OPS: &str = r"!=|>=|=>|<=|=<|~>|=|>|<|~|\^|";

/// The constraint regexes (compiled on the first constraint, never for a
/// plain version).
struct Regexes {
    constraint: Regex,
    range: Regex,
    find: Regex,
    valid: Regex,
}

fn regexes() -> &'static Regexes {
    static R: OnceLock<Regexes> = OnceLock::new();
    R.get_or_init(|| Regexes {
        constraint: Regex::new(&format!(r"^\s*({OPS})\s*({CV})\s*$")).expect("constraint regex"),
        range: Regex::new(&format!(r"\s*({CV})\s+-\s+({CV})\s*")).expect("range regex"),
        find: Regex::new(&format!(r"({OPS})\s*({CV})")).expect("find regex"),
        valid: Regex::new(&format!(
            r"^(\s*({OPS})\s*({CV})\s*)((?:\s+|,\s*)({OPS})\s*({CV})\s*)*$"
        ))
        .expect("valid regex"),
    })
}

/// The parts of a version as Masterminds' version regex captures them
/// (`^v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-(IDENTS))?(\+(IDENTS))?$`, IDENTS
/// being dot-separated `[0-9A-Za-z-]+`), matched by hand: compiling the
/// regex cost more than rendering a small chart.
struct VersionParts<'a> {
    major: &'a str,
    /// With its leading `.`.
    minor: Option<&'a str>,
    patch: Option<&'a str>,
    pre: &'a str,
    metadata: &'a str,
}

fn split_version(v: &str) -> Option<VersionParts<'_>> {
    let s = v.strip_prefix('v').unwrap_or(v);
    let digits = |t: &str| t.bytes().take_while(u8::is_ascii_digit).count();
    let n = digits(s);
    if n == 0 {
        return None;
    }
    let (major, mut rest) = s.split_at(n);
    let mut dotted = || -> Option<&str> {
        let after = rest.strip_prefix('.')?;
        let n = digits(after);
        if n == 0 {
            return None;
        }
        let (part, r) = rest.split_at(n + 1);
        rest = r;
        Some(part)
    };
    let minor = dotted();
    let patch = if minor.is_some() { dotted() } else { None };
    // Identifiers: `[0-9A-Za-z-]+` separated by single dots.
    let idents = |t: &str| -> bool {
        !t.is_empty()
            && t.split('.')
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
    };
    let (body, metadata) = match rest.split_once('+') {
        Some((b, m)) => (b, Some(m)),
        None => (rest, None),
    };
    let pre = match body.strip_prefix('-') {
        Some(p) => Some(p),
        None if body.is_empty() => None,
        None => return None,
    };
    if pre.is_some_and(|p| !idents(p)) || metadata.is_some_and(|m| !idents(m)) {
        return None;
    }
    Some(VersionParts {
        major,
        minor,
        patch,
        pre: pre.unwrap_or(""),
        metadata: metadata.unwrap_or(""),
    })
}

impl Version {
    /// `semver.NewVersion` (coercing: `v` prefix, missing minor/patch).
    pub fn parse(v: &str) -> Result<Version, String> {
        let p = split_version(v).ok_or(INVALID)?;
        let num = |s: &str| -> Result<u64, String> {
            s.trim_start_matches('.').parse::<u64>().map_err(|e| {
                format!(
                    "error parsing version segment: {}",
                    go_parse_uint_err(s, &e)
                )
            })
        };
        let major = num(p.major)?;
        let minor = match p.minor {
            Some(x) => num(x)?,
            None => 0,
        };
        let patch = match p.patch {
            Some(x) => num(x)?,
            None => 0,
        };
        let pre = p.pre.to_string();
        let metadata = p.metadata.to_string();
        for part in pre.split('.').filter(|_| !pre.is_empty()) {
            if part.len() > 1 && part.bytes().all(|b| b.is_ascii_digit()) && part.starts_with('0') {
                return Err("version segment starts with 0".into());
            }
        }
        Ok(Version {
            major,
            minor,
            patch,
            pre,
            metadata,
            original: v.to_string(),
            by_value: false,
        })
    }

    pub fn major(&self) -> u64 {
        self.major
    }
    pub fn minor(&self) -> u64 {
        self.minor
    }
    pub fn patch(&self) -> u64 {
        self.patch
    }
    /// `Prerelease()`.
    pub fn prerelease(&self) -> &str {
        &self.pre
    }
    /// `Metadata()`.
    pub fn metadata(&self) -> &str {
        &self.metadata
    }
    /// `Original()`: the text it was parsed from.
    pub fn original(&self) -> &str {
        &self.original
    }
    /// Returned by value (`semver.Version`) rather than as a pointer.
    pub fn by_value(&self) -> bool {
        self.by_value
    }
    /// The same version with a new prerelease or metadata (`SetPrerelease`,
    /// `SetMetadata`), returned by value.
    pub fn with_parts(&self, pre: Option<String>, metadata: Option<String>) -> Version {
        let mut n = self.clone();
        n.by_value = true;
        if let Some(p) = pre {
            n.pre = p;
        }
        if let Some(m) = metadata {
            n.metadata = m;
        }
        n.original = format!("{}{}", self.original_v_prefix(), n.string());
        n
    }

    /// `String()`: `MAJOR.MINOR.PATCH[-PRE][+META]` (no `v`).
    pub fn string(&self) -> String {
        let mut s = format!("{}.{}.{}", self.major, self.minor, self.patch);
        if !self.pre.is_empty() {
            s.push('-');
            s.push_str(&self.pre);
        }
        if !self.metadata.is_empty() {
            s.push('+');
            s.push_str(&self.metadata);
        }
        s
    }

    /// `Compare`: -1, 0, 1; metadata is ignored.
    pub fn compare(&self, o: &Version) -> i32 {
        for (a, b) in [
            (self.major, o.major),
            (self.minor, o.minor),
            (self.patch, o.patch),
        ] {
            if a != b {
                return if a > b { 1 } else { -1 };
            }
        }
        if self.pre == o.pre {
            return 0;
        }
        compare_prerelease(&self.pre, &o.pre)
    }

    pub fn less_than(&self, o: &Version) -> bool {
        self.compare(o) < 0
    }

    /// `v` when the original text had one.
    pub fn original_v_prefix(&self) -> &str {
        if self.original.starts_with('v') {
            "v"
        } else {
            ""
        }
    }

    /// A by-value successor (`IncMajor`, …) keeping the `v` prefix in `Original`.
    pub fn next(&self, major: u64, minor: u64, patch: u64) -> Version {
        let mut n = Version {
            major,
            minor,
            patch,
            pre: String::new(),
            metadata: String::new(),
            original: String::new(),
            by_value: true,
        };
        n.original = format!("{}{}", self.original_v_prefix(), n.string());
        n
    }
}

fn go_parse_uint_err(s: &str, e: &std::num::ParseIntError) -> String {
    use std::num::IntErrorKind;
    let what = match e.kind() {
        IntErrorKind::PosOverflow => "value out of range",
        _ => "invalid syntax",
    };
    format!(
        "strconv.ParseUint: parsing {}: {what}",
        crate::strconv::quote(s.trim_start_matches('.'))
    )
}

fn compare_pre_part(s: &str, o: &str) -> i32 {
    if s == o {
        return 0;
    }
    if s.is_empty() {
        return -1;
    }
    if o.is_empty() {
        return 1;
    }
    match (s.parse::<u64>(), o.parse::<u64>()) {
        (Err(_), Err(_)) => {
            if s > o {
                1
            } else {
                -1
            }
        }
        (Ok(_), Err(_)) => -1,
        (Err(_), Ok(_)) => 1,
        (Ok(a), Ok(b)) => {
            if a > b {
                1
            } else {
                -1
            }
        }
    }
}

fn compare_prerelease(a: &str, b: &str) -> i32 {
    // A release sorts after any of its pre-releases.
    if a.is_empty() {
        return 1;
    }
    if b.is_empty() {
        return -1;
    }
    let sp: Vec<&str> = a.split('.').collect();
    let op: Vec<&str> = b.split('.').collect();
    for i in 0..sp.len().max(op.len()) {
        let d = compare_pre_part(
            sp.get(i).copied().unwrap_or(""),
            op.get(i).copied().unwrap_or(""),
        );
        if d != 0 {
            return d;
        }
    }
    0
}

/// One comparison of a constraint (`>=1.2.x`).
#[derive(Debug)]
struct Constraint {
    op: String,
    con: Version,
    minor_dirty: bool,
    patch_dirty: bool,
    dirty: bool,
}

fn is_x(s: &str) -> bool {
    matches!(s, "x" | "X" | "*")
}

fn parse_constraint(c: &str) -> Result<Constraint, String> {
    let m = regexes()
        .constraint
        .captures(c)
        .ok_or_else(|| format!("improper constraint: {}", crate::strconv::quote(c)))?;
    let g = |i: usize| m.get(i).map_or("", |x| x.as_str());
    let (major, minor, patch, pre) = (g(3), g(4), g(5), g(6));
    let mut ver = g(2).to_string();
    let (mut minor_dirty, mut patch_dirty, mut dirty) = (false, false, false);
    if is_x(major) {
        ver = "0.0.0".into();
        dirty = true;
    } else if minor.is_empty() || is_x(minor.trim_start_matches('.')) {
        minor_dirty = true;
        dirty = true;
        ver = format!("{major}.0.0{pre}");
    } else if patch.is_empty() || is_x(patch.trim_start_matches('.')) {
        dirty = true;
        patch_dirty = true;
        ver = format!("{major}{minor}.0{pre}");
    }
    let con = Version::parse(&ver).map_err(|_| "constraint parser error".to_string())?;
    Ok(Constraint {
        op: g(1).to_string(),
        con,
        minor_dirty,
        patch_dirty,
        dirty,
    })
}

/// `NewConstraint`: OR-groups of AND-ed comparisons.
fn parse_constraints(c: &str) -> Result<Vec<Vec<Constraint>>, String> {
    let c = rewrite_range(c);
    let mut out = Vec::new();
    for seg in c.split("||") {
        if !regexes().valid.is_match(seg) {
            return Err(format!(
                "improper constraint: {}",
                crate::strconv::quote(seg)
            ));
        }
        let found: Vec<&str> = regexes().find.find_iter(seg).map(|m| m.as_str()).collect();
        let parts = if found.is_empty() { vec![seg] } else { found };
        out.push(
            parts
                .into_iter()
                .map(parse_constraint)
                .collect::<Result<Vec<_>, _>>()?,
        );
    }
    Ok(out)
}

/// Hyphen ranges `1.2 - 1.4.5` become `>= 1.2, <= 1.4.5`.
fn rewrite_range(i: &str) -> String {
    let mut o = i.to_string();
    for m in regexes().range.captures_iter(i) {
        let whole = m.get(0).map_or("", |x| x.as_str());
        let t = format!(
            ">= {}, <= {} ",
            m.get(1).map_or("", |x| x.as_str()),
            m.get(11).map_or("", |x| x.as_str())
        );
        o = o.replacen(whole, &t, 1);
    }
    o
}

impl Constraint {
    fn check(&self, v: &Version) -> bool {
        let c = &self.con;
        // A pre-release version only satisfies constraints that opt in to
        // pre-releases (Masterminds issue 21).
        let pre_excluded = !v.pre.is_empty() && c.pre.is_empty();
        match self.op.as_str() {
            "" | "=" => {
                if pre_excluded {
                    return false;
                }
                if self.dirty {
                    return self.tilde(v);
                }
                v.compare(c) == 0
            }
            "!=" => {
                if self.dirty {
                    if pre_excluded {
                        return false;
                    }
                    if c.major != v.major {
                        return true;
                    }
                    if c.minor != v.minor && !self.minor_dirty {
                        return true;
                    } else if self.minor_dirty {
                        return false;
                    } else if c.patch != v.patch && !self.patch_dirty {
                        return true;
                    } else if self.patch_dirty {
                        if !v.pre.is_empty() || !c.pre.is_empty() {
                            return compare_prerelease_or_equal(&v.pre, &c.pre) != 0;
                        }
                        return false;
                    }
                }
                v.compare(c) != 0
            }
            ">" => {
                if pre_excluded {
                    return false;
                }
                if !self.dirty {
                    return v.compare(c) == 1;
                }
                if v.major > c.major {
                    true
                } else if v.major < c.major || self.minor_dirty {
                    false
                } else if self.patch_dirty {
                    v.minor > c.minor
                } else {
                    v.compare(c) == 1
                }
            }
            "<" => !pre_excluded && v.compare(c) < 0,
            ">=" | "=>" => !pre_excluded && v.compare(c) >= 0,
            "<=" | "=<" => {
                if pre_excluded {
                    return false;
                }
                if !self.dirty {
                    return v.compare(c) <= 0;
                }
                !(v.major > c.major
                    || (v.major == c.major && v.minor > c.minor && !self.minor_dirty))
            }
            "~" | "~>" => !pre_excluded && self.tilde(v),
            "^" => {
                if pre_excluded || v.less_than(c) {
                    return false;
                }
                if c.major > 0 || self.minor_dirty {
                    return v.major == c.major;
                }
                if v.major > 0 {
                    return false;
                }
                if c.minor > 0 || self.patch_dirty {
                    return v.minor == c.minor;
                }
                if v.minor > 0 {
                    return false;
                }
                c.patch == v.patch
            }
            _ => false,
        }
    }

    fn tilde(&self, v: &Version) -> bool {
        let c = &self.con;
        if !v.pre.is_empty() && c.pre.is_empty() {
            return false;
        }
        if v.less_than(c) {
            return false;
        }
        if c.major == 0 && c.minor == 0 && c.patch == 0 && !self.minor_dirty && !self.patch_dirty {
            return true;
        }
        if v.major != c.major {
            return false;
        }
        v.minor == c.minor || self.minor_dirty
    }
}

/// `comparePrerelease` when either side may be empty (both empty → 0).
fn compare_prerelease_or_equal(a: &str, b: &str) -> i32 {
    if a == b {
        0
    } else {
        compare_prerelease(a, b)
    }
}

/// Parsed constraints, or the parse error.
type Parsed = Rc<Result<Vec<Vec<Constraint>>, String>>;

/// `NewConstraint` through a small per-thread cache: charts call
/// `semverCompare` with the same few constraints (`>=1.19-0` against
/// `.Capabilities.KubeVersion`) hundreds of times per render.
fn cached_constraints(c: &str) -> Parsed {
    thread_local! {
        static CACHE: RefCell<HashMap<String, Parsed>> = RefCell::new(HashMap::new());
    }
    CACHE.with(|cache| {
        if let Some(hit) = cache.borrow().get(c) {
            return hit.clone();
        }
        let parsed = Rc::new(parse_constraints(c));
        let mut cache = cache.borrow_mut();
        // Bounded: a template generating constraints must not grow it.
        if cache.len() >= 512 {
            cache.clear();
        }
        cache.insert(c.to_string(), parsed.clone());
        parsed
    })
}

/// `semverCompare CONSTRAINT VERSION`.
pub fn semver_compare(constraint: &str, version: &str) -> Result<bool, String> {
    let parsed = cached_constraints(constraint);
    let cs = parsed.as_ref().as_ref().map_err(Clone::clone)?;
    let v = Version::parse(version)?;
    Ok(cs.iter().any(|and| and.iter().all(|c| c.check(&v))))
}

/// Helm's `IsCompatibleRange(constraint, version)`: false when either
/// fails to parse.
pub fn is_compatible_range(constraint: &str, version: &str) -> bool {
    semver_compare(constraint, version).unwrap_or(false)
}

/// Whether `constraint` parses as a Masterminds constraint (`NewConstraint`).
pub fn constraint_valid(constraint: &str) -> bool {
    parse_constraints(constraint).is_ok()
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
            || p.parse::<u64>().is_err()
        {
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
    pre.map_or(true, |p| ident_list_ok(p, true)) && meta.map_or(true, |m| ident_list_ok(m, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(c: &str, v: &str) -> bool {
        semver_compare(c, v).unwrap()
    }

    #[test]
    fn parse_and_print() {
        let v = Version::parse("v1.2").unwrap();
        assert_eq!(v.string(), "1.2.0");
        assert_eq!(v.original, "v1.2");
        let v = Version::parse("1.2.3-rc.1+b.5").unwrap();
        assert_eq!((v.major, v.minor, v.patch), (1, 2, 3));
        assert_eq!((v.pre.as_str(), v.metadata.as_str()), ("rc.1", "b.5"));
        assert_eq!(Version::parse("1.2.3.4").unwrap_err(), INVALID);
        assert_eq!(
            Version::parse("1.0.0-01").unwrap_err(),
            "version segment starts with 0"
        );
        // Masterminds/semver v3.4's lower-case texts (checked with Helm).
        let big = "99999999999999999999999";
        assert_eq!(
            Version::parse(&format!("1.{big}.0")).unwrap_err(),
            format!("error parsing version segment: strconv.ParseUint: parsing \"{big}\": value out of range")
        );
        assert_eq!(
            semver_compare(&format!("^{big}"), "1.0.0").unwrap_err(),
            "constraint parser error"
        );
    }

    /// The hand-written matcher agrees with Masterminds' version regex.
    #[test]
    fn split_version_matches_the_regex() {
        let re = Regex::new(
            r"^v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?$",
        )
        .unwrap();
        let atoms = [
            "", "v", "1", "01", "2", ".", "-", "+", "a", "rc", "0", "x", "..", "-1",
        ];
        let mut cases = Vec::new();
        for a in atoms {
            for b in atoms {
                for c in atoms {
                    for d in atoms {
                        cases.push(format!("{a}{b}{c}{d}"));
                    }
                }
            }
        }
        cases.extend(
            [
                "1.2.3",
                "v1.2.3-rc.1+b.5",
                "1.2.3.4",
                "1.2-3",
                "1.2.3-a-b",
                "1..2",
                "1.2.3-",
                "1.2.3+",
                "1.2.3-a..b",
                "1.2.3+a+b",
                "v",
                "1.2.3-+",
                "1.x",
                "1.2.3 ",
            ]
            .map(String::from),
        );
        for v in &cases {
            let want = re.captures(v).map(|m| {
                let g = |i: usize| m.get(i).map(|x| x.as_str().to_string());
                (
                    g(1).unwrap_or_default(),
                    g(2),
                    g(3),
                    g(5).unwrap_or_default(),
                    g(8).unwrap_or_default(),
                )
            });
            let got = split_version(v).map(|p| {
                (
                    p.major.to_string(),
                    p.minor.map(String::from),
                    p.patch.map(String::from),
                    p.pre.to_string(),
                    p.metadata.to_string(),
                )
            });
            assert_eq!(got, want, "{v:?}");
        }
    }

    #[test]
    fn helm_ranges() {
        assert!(is_compatible_range("*", "1.2.3"));
        assert!(!is_compatible_range("*", "1.2.3-beta"));
        assert!(is_compatible_range("1.x.x", "1.3.0"));
        assert!(is_compatible_range(">=1.0.0, <2.0.0", "1.3.0"));
        assert!(is_compatible_range("1.0.0 - 2.0.0", "1.3.0"));
        assert!(is_compatible_range("<1 || >=3", "3.1.0"));
        assert!(!is_compatible_range("1.2.3", "1.2.4"));
        assert!(!is_compatible_range("", "1.2.3"));
        assert!(!is_compatible_range("^1", "not-semver"));
        assert!(constraint_valid("~1.2"));
        assert!(!constraint_valid("=>>1"));
        assert!(is_strict_semver("1.2.3-rc.1+b.01"));
        assert!(!is_strict_semver("v1.2.3"));
        assert!(!is_strict_semver("1.2"));
        assert!(!is_strict_semver("1.02.3"));
        assert!(!is_strict_semver("1.2.3-01"));
    }

    #[test]
    fn constraints() {
        assert!(check("^1.2.0", "1.9.9"));
        assert!(!check("^1.2.0", "2.0.0"));
        assert!(check("^0.2.0", "0.2.9"));
        assert!(!check("^0.2.0", "0.3.0"));
        assert!(!check("^0.0.3", "0.0.4"));
        assert!(check("~1.2.0", "1.2.9"));
        assert!(check("~1", "1.9.0"));
        assert!(!check(">=1.20", "1.21.0-eks.1"));
        assert!(check(">=1.20-0", "1.21.0-eks.1"));
        assert!(check("1.2.3 - 1.4.5", "1.3.0"));
        assert!(check(">=1.2 <2", "1.5.0"));
        assert!(!check(">=1.2,<2", "2.0.0"));
        assert!(check("<=1.2", "1.2.9"));
        assert!(!check(">1.2", "1.2.9"));
        assert!(!check("!=1.2.x", "1.2.9"));
        assert!(check("<1.0 || >=2.0", "2.1.0"));
        assert!(check(">= 1.2.x", "1.2.0"));
        assert!(check("*", "0.0.1"));
        assert!(!check("1.x", "2.0.0"));
        assert!(check(">1.0.0-beta.2", "1.0.0-beta.11"));
        assert_eq!(
            semver_compare("", "1.0.0").unwrap_err(),
            "improper constraint: \"\""
        );
        assert_eq!(
            semver_compare("1.2.3 || ", "1.0.0").unwrap_err(),
            "improper constraint: \" \""
        );
    }
}
