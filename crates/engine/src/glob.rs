//! Glob matching as `github.com/gobwas/glob` does it with `/` as the
//! separator (Helm's `.Files.Glob`): `*` matches within one path segment,
//! `**` across segments, `?` one non-separator character, `[abc]`/`[!a-z]`
//! classes, `{a,b}` alternatives, `\` escapes.

#[derive(Debug, Clone)]
enum Tok {
    Lit(char),
    Any,   // ?
    Star,  // *
    Super, // **
    Class(bool, Vec<(char, char)>),
    Alt(Vec<Vec<Tok>>),
}

pub struct Glob {
    toks: Vec<Tok>,
}

const SEP: char = '/';

fn parse_seq(chars: &[char], i: &mut usize, in_alt: bool) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    while *i < chars.len() {
        let c = chars[*i];
        match c {
            '\\' => {
                *i += 1;
                let e = *chars
                    .get(*i)
                    .ok_or("unexpected end of input after escape")?;
                out.push(Tok::Lit(e));
                *i += 1;
            }
            '*' => {
                if chars.get(*i + 1) == Some(&'*') {
                    out.push(Tok::Super);
                    *i += 2;
                } else {
                    out.push(Tok::Star);
                    *i += 1;
                }
            }
            '?' => {
                out.push(Tok::Any);
                *i += 1;
            }
            '[' => {
                *i += 1;
                let neg = chars.get(*i) == Some(&'!');
                if neg {
                    *i += 1;
                }
                let mut ranges = Vec::new();
                loop {
                    let c = *chars
                        .get(*i)
                        .ok_or("unexpected end of input in character class")?;
                    *i += 1;
                    if c == ']' {
                        break;
                    }
                    if chars.get(*i) == Some(&'-') && chars.get(*i + 1).is_some_and(|c| *c != ']') {
                        let hi = chars[*i + 1];
                        *i += 2;
                        ranges.push((c, hi));
                    } else {
                        ranges.push((c, c));
                    }
                }
                out.push(Tok::Class(neg, ranges));
            }
            '{' => {
                *i += 1;
                let mut alts = Vec::new();
                loop {
                    alts.push(parse_seq(chars, i, true)?);
                    match chars.get(*i) {
                        Some(',') => *i += 1,
                        Some('}') => {
                            *i += 1;
                            break;
                        }
                        _ => return Err("unexpected end of input in alternatives".into()),
                    }
                }
                out.push(Tok::Alt(alts));
            }
            ',' | '}' if in_alt => return Ok(out),
            _ => {
                out.push(Tok::Lit(c));
                *i += 1;
            }
        }
    }
    Ok(out)
}

impl Glob {
    pub fn new(pattern: &str) -> Result<Glob, String> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut i = 0;
        let toks = parse_seq(&chars, &mut i, false)?;
        Ok(Glob { toks })
    }

    pub fn is_match(&self, s: &str) -> bool {
        let chars: Vec<char> = s.chars().collect();
        matches(&self.toks, &chars, &mut 0)
    }
}

/// Backtracking match; `budget` bounds pathological patterns.
fn matches(toks: &[Tok], s: &[char], budget: &mut usize) -> bool {
    *budget += 1;
    if *budget > 1_000_000 {
        return false;
    }
    let Some((first, rest)) = toks.split_first() else {
        return s.is_empty();
    };
    match first {
        Tok::Lit(c) => s.first() == Some(c) && matches(rest, &s[1..], budget),
        Tok::Any => s.first().is_some_and(|c| *c != SEP) && matches(rest, &s[1..], budget),
        Tok::Class(neg, ranges) => {
            s.first()
                .is_some_and(|c| ranges.iter().any(|(lo, hi)| lo <= c && c <= hi) != *neg)
                && matches(rest, &s[1..], budget)
        }
        Tok::Star => {
            for n in 0..=s.len() {
                if matches(rest, &s[n..], budget) {
                    return true;
                }
                if n < s.len() && s[n] == SEP {
                    return false;
                }
            }
            false
        }
        Tok::Super => (0..=s.len()).any(|n| matches(rest, &s[n..], budget)),
        Tok::Alt(alts) => alts.iter().any(|alt| {
            let mut joined = alt.clone();
            joined.extend_from_slice(rest);
            matches(&joined, s, budget)
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::Glob;

    fn m(p: &str, s: &str) -> bool {
        Glob::new(p).unwrap().is_match(s)
    }

    #[test]
    fn star_stays_in_segment_super_star_crosses() {
        assert!(m("files/*.txt", "files/a.txt"));
        assert!(!m("files/*.txt", "files/sub/a.txt"));
        assert!(m("**.conf", "config/app.conf"));
        assert!(m("files/**", "files/sub/a.txt"));
    }

    #[test]
    fn classes_alternatives_and_escapes() {
        assert!(m("f[0-9].{yaml,json}", "f1.json"));
        assert!(!m("f[!0-9].yaml", "f1.yaml"));
        assert!(m("a\\*b", "a*b"));
        assert!(m("?.md", "a.md"));
        assert!(!m("?.md", "/.md"));
    }
}
