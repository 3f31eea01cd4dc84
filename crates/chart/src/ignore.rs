//! `.helmignore` rules, as Helm's `pkg/ignore` evaluates them.
//!
//! Not gitignore: patterns are Go `filepath.Match` globs (no `**`, which is
//! an error), a pattern without `/` is matched against the base name only,
//! one with `/` against the whole relative path, a leading `/` anchors at
//! the root, a trailing `/` only matches directories.  Negation has Helm's
//! quirk: a `!pat` rule *ignores* every path that does not match `pat`
//! (and stops evaluation when it does match).  Rules are evaluated in file
//! order and the first decisive one wins.  `templates/.?*` is always added.

/// A parsed rule set.
#[derive(Clone, Debug, Default)]
pub struct Rules {
    patterns: Vec<Pattern>,
}

#[derive(Clone, Debug)]
struct Pattern {
    /// The glob as chars, decoded once (matching runs for every file).
    chars: Vec<char>,
    /// The common shapes (`name`, `*.ext`) checked without the glob
    /// machinery: `.helmignore` rules meet every file of the chart.
    fast: Option<Fast>,
    negate: bool,
    must_dir: bool,
    kind: PatKind,
}

#[derive(Clone, Debug)]
enum Fast {
    /// No glob characters: the target must equal it.
    Literal(String),
    /// `*` then no glob characters, on a base name (which has no `/`,
    /// so the star's not-across-`/` rule cannot matter).
    Suffix(String),
}

#[derive(Clone, Copy, Debug)]
enum PatKind {
    Rooted,
    Structural,
    Basename,
}

impl Rules {
    pub fn empty() -> Rules {
        Rules::default()
    }

    /// Parse a `.helmignore` body.  Errors carry Helm's text.
    pub fn parse(text: &str) -> Result<Rules, String> {
        let mut r = Rules::empty();
        // bufio.Scanner's ScanLines: split on \n, drop a trailing \r.
        for line in text.split('\n') {
            r.parse_rule(line)?;
        }
        Ok(r)
    }

    /// `AddDefaults`: ignore dotfiles in `templates/`.
    pub fn add_defaults(&mut self) {
        let _ = self.parse_rule("templates/.?*");
    }

    fn parse_rule(&mut self, rule: &str) -> Result<(), String> {
        let rule = rule.trim();
        if rule.is_empty() || rule.starts_with('#') {
            return Ok(());
        }
        if rule.contains("**") {
            return Err("double-star (**) syntax is not supported".into());
        }
        if go_match(rule, "abc").is_err() {
            return Err("syntax error in pattern".into());
        }
        let mut rule = rule.to_string();
        let mut negate = false;
        if let Some(r) = rule.strip_prefix('!') {
            negate = true;
            rule = r.to_string();
        }
        let mut must_dir = false;
        if let Some(r) = rule.strip_suffix('/') {
            must_dir = true;
            rule = r.to_string();
        }
        let kind = if let Some(r) = rule.strip_prefix('/') {
            rule = r.to_string();
            PatKind::Rooted
        } else if rule.contains('/') {
            PatKind::Structural
        } else {
            PatKind::Basename
        };
        let chars = rule.chars().collect();
        let plain = |t: &str| !t.contains(['*', '?', '[', '\\']);
        let fast = if plain(&rule) {
            Some(Fast::Literal(rule.clone()))
        } else {
            match rule.strip_prefix('*') {
                Some(rest) if plain(rest) && matches!(kind, PatKind::Basename) => {
                    Some(Fast::Suffix(rest.to_string()))
                }
                _ => None,
            }
        };
        self.patterns.push(Pattern {
            chars,
            negate,
            must_dir,
            kind,
            fast,
        });
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.patterns.len()
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Should `path` (relative, `/`-separated) be ignored?
    pub fn ignore(&self, path: &str, is_dir: bool) -> bool {
        if path.is_empty() || path == "." || path == "./" {
            return false;
        }
        let base_str = go_base(path);
        // Decoded to chars only if a pattern needs the glob matcher.
        let mut decoded: Option<(Vec<char>, Vec<char>)> = None;
        for p in &self.patterns {
            if p.must_dir && !is_dir {
                if p.negate {
                    return true;
                }
                continue;
            }
            let target = match p.kind {
                PatKind::Rooted | PatKind::Structural => path,
                PatKind::Basename => base_str,
            };
            let hit = match &p.fast {
                Some(Fast::Literal(l)) => target == l,
                Some(Fast::Suffix(x)) => target.ends_with(x.as_str()),
                None => {
                    let (full, base) = decoded.get_or_insert_with(|| {
                        (path.chars().collect(), base_str.chars().collect())
                    });
                    p.matches(full, base)
                }
            };
            // A match ignores; so does a miss of a negated rule (Helm's
            // quirk); a negated rule's match moves on to the next rule.
            if hit != p.negate {
                return true;
            }
        }
        false
    }
}

impl Pattern {
    fn matches(&self, full: &[char], base: &[char]) -> bool {
        let target = match self.kind {
            PatKind::Rooted | PatKind::Structural => full,
            PatKind::Basename => base,
        };
        match_from(&self.chars, target).unwrap_or(false)
    }
}

fn go_base(p: &str) -> &str {
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return if p.is_empty() { "." } else { "/" };
    }
    match t.rfind('/') {
        Some(i) => &t[i + 1..],
        None => t,
    }
}

/// Go's `path/filepath.Match` on Unix: `*` (not across `/`), `?`,
/// `[...]` classes with ranges and `^` negation, `\` escapes.
/// `Err(())` is `ErrBadPattern` (the one error it has, so no error type).
#[allow(clippy::result_unit_err)]
pub fn go_match(pattern: &str, name: &str) -> Result<bool, ()> {
    let pat: Vec<char> = pattern.chars().collect();
    let name: Vec<char> = name.chars().collect();
    match_from(&pat, &name)
}

fn match_from(mut pat: &[char], mut name: &[char]) -> Result<bool, ()> {
    'pattern: while !pat.is_empty() {
        // scanChunk: leading stars, then a chunk up to the next unescaped star.
        let mut star = false;
        while let Some('*') = pat.first() {
            pat = &pat[1..];
            star = true;
        }
        let mut inrange = false;
        let mut i = 0;
        while i < pat.len() {
            match pat[i] {
                '\\' if i + 1 < pat.len() => {
                    i += 1;
                }
                '[' => inrange = true,
                ']' => inrange = false,
                '*' if !inrange => break,
                _ => {}
            }
            i += 1;
        }
        let chunk = &pat[..i];
        pat = &pat[i..];
        if star && chunk.is_empty() {
            // Trailing * matches rest of string unless it has a /.
            return Ok(!name.contains(&'/'));
        }
        // Look for match at current position.
        let (t, ok, err) = match_chunk(chunk, name);
        if ok && (t.is_empty() || !pat.is_empty()) {
            name = t;
            continue;
        }
        if err {
            return Err(());
        }
        if star {
            // Look for match skipping i+1 bytes; cannot skip /.
            let mut k = 0;
            while k < name.len() && name[k] != '/' {
                let (t, ok, err) = match_chunk(chunk, &name[k + 1..]);
                if ok {
                    // if we're the last chunk, make sure we exhausted the name
                    if pat.is_empty() && !t.is_empty() {
                        k += 1;
                        continue;
                    }
                    name = t;
                    continue 'pattern;
                }
                if err {
                    return Err(());
                }
                k += 1;
            }
        }
        // Before returning false with no error, check the rest of the
        // pattern is well formed.
        while !pat.is_empty() {
            while let Some('*') = pat.first() {
                pat = &pat[1..];
            }
            let mut inr = false;
            let mut j = 0;
            while j < pat.len() {
                match pat[j] {
                    '\\' if j + 1 < pat.len() => {
                        j += 1;
                    }
                    '[' => inr = true,
                    ']' => inr = false,
                    '*' if !inr => break,
                    _ => {}
                }
                j += 1;
            }
            let ch = &pat[..j];
            pat = &pat[j..];
            let (_, _, err) = match_chunk(ch, &[]);
            if err {
                return Err(());
            }
        }
        return Ok(false);
    }
    Ok(name.is_empty())
}

/// Returns (rest, matched, bad_pattern).
fn match_chunk<'a>(mut chunk: &[char], mut s: &'a [char]) -> (&'a [char], bool, bool) {
    let mut failed = false;
    while !chunk.is_empty() {
        if !failed && s.is_empty() {
            failed = true;
        }
        match chunk[0] {
            '[' => {
                let r = if !failed { s[0] } else { '\0' };
                if !failed {
                    s = &s[1..];
                }
                chunk = &chunk[1..];
                let mut negated = false;
                if let Some('^') = chunk.first() {
                    negated = true;
                    chunk = &chunk[1..];
                }
                let mut matched = false;
                let mut nrange = 0;
                loop {
                    if !chunk.is_empty() && chunk[0] == ']' && nrange > 0 {
                        chunk = &chunk[1..];
                        break;
                    }
                    let (lo, rest) = match get_esc(chunk) {
                        Some(x) => x,
                        None => return (&[], false, true),
                    };
                    chunk = rest;
                    let mut hi = lo;
                    if let Some('-') = chunk.first() {
                        match get_esc(&chunk[1..]) {
                            Some((h, rest)) => {
                                hi = h;
                                chunk = rest;
                            }
                            None => return (&[], false, true),
                        }
                    }
                    if lo <= r && r <= hi {
                        matched = true;
                    }
                    nrange += 1;
                }
                if matched == negated {
                    failed = true;
                }
            }
            '?' => {
                if !failed {
                    if s[0] == '/' {
                        failed = true;
                    }
                    if !failed {
                        s = &s[1..];
                    }
                }
                chunk = &chunk[1..];
            }
            '\\' => {
                chunk = &chunk[1..];
                if chunk.is_empty() {
                    return (&[], false, true);
                }
                if !failed {
                    if chunk[0] != s[0] {
                        failed = true;
                    } else {
                        s = &s[1..];
                    }
                }
                chunk = &chunk[1..];
            }
            c => {
                if !failed {
                    if c != s[0] {
                        failed = true;
                    } else {
                        s = &s[1..];
                    }
                }
                chunk = &chunk[1..];
            }
        }
    }
    if failed {
        return (&[], false, false);
    }
    (s, true, false)
}

fn get_esc(chunk: &[char]) -> Option<(char, &[char])> {
    if chunk.is_empty() || chunk[0] == '-' || chunk[0] == ']' {
        return None;
    }
    let mut chunk = chunk;
    if chunk[0] == '\\' {
        chunk = &chunk[1..];
        if chunk.is_empty() {
            return None;
        }
    }
    let r = chunk[0];
    chunk = &chunk[1..];
    if chunk.is_empty() {
        return None;
    }
    Some((r, chunk))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn glob() {
        assert_eq!(go_match("*.txt", "a.txt"), Ok(true));
        assert_eq!(go_match("*.txt", "d/a.txt"), Ok(false));
        assert_eq!(go_match("a?c", "abc"), Ok(true));
        assert_eq!(go_match("[a-c]x", "bx"), Ok(true));
        assert_eq!(go_match("[^a-c]x", "bx"), Ok(false));
        assert_eq!(go_match("[", "a"), Err(()));
        assert_eq!(go_match("templates/.?*", "templates/.x"), Ok(true));
        assert_eq!(go_match("templates/.?*", "templates/x"), Ok(false));
    }
    #[test]
    fn rules() {
        let r = Rules::parse("*.bak\nsecret/\n/top.txt\n").unwrap();
        assert!(r.ignore("a/b.bak", false));
        assert!(r.ignore("secret", true));
        assert!(!r.ignore("secret", false));
        assert!(r.ignore("top.txt", false));
        assert!(!r.ignore("x/top.txt", false));
    }
    /// The literal and `*suffix` shortcuts decide as the glob matcher does,
    /// negation included.
    #[test]
    fn shortcuts_agree_with_globs() {
        let text = "*.bak\nREADME.md\ndocs/guide.md\n!*.yaml\n*[.]tmp\n";
        let r = Rules::parse(text).unwrap();
        let slow = Rules {
            patterns: r
                .patterns
                .iter()
                .cloned()
                .map(|p| Pattern { fast: None, ..p })
                .collect(),
        };
        assert!(r.patterns.iter().filter(|p| p.fast.is_some()).count() == 4);
        for path in [
            "a.bak",
            "x/a.bak",
            "README.md",
            "x/README.md",
            "docs/guide.md",
            "x/docs/guide.md",
            "v.yaml",
            "t/v.yaml",
            "a.tmp",
            "bak",
            "x.bak.yaml",
        ] {
            for dir in [false, true] {
                assert_eq!(
                    r.ignore(path, dir),
                    slow.ignore(path, dir),
                    "{path} dir={dir}"
                );
            }
        }
        assert!(r.ignore("README.md", false));
        assert!(!r.ignore("v.yaml", false));
        assert!(r.ignore("v.txt", false));
    }
}
