//! Sprig's regular-expression functions on Go's `regexp` (RE2) semantics.
//!
//! The `regex` crate implements the same leftmost-first RE2 semantics, but
//! its syntax and defaults differ in places templates can observe: Go's
//! `\d \w \s \b` are ASCII-only, Go treats `[` inside a class and a
//! stray `{` as literals, and Go's parse errors have their own wording
//! (`error parsing regexp: missing closing ): `(``).  So every pattern is
//! first checked and translated by a small Go-syntax scanner here, then
//! compiled by `regex`.  Iteration (`FindAll`, `ReplaceAll`, `Split`) uses
//! Go's own loops so empty-match handling is identical.
//!
//! Compiled patterns are kept in a small per-thread cache: charts call the
//! same `regexReplaceAll` in loops.

use std::cell::RefCell;
use std::collections::HashMap;

use gotmpl::{FuncError, FuncMap, ParamType as P, Value};
use regex::{Captures, Regex};

use crate::cast::{arg_int, arg_str};

/// A Go `regexp/syntax` error: code text and offending expression.
struct SyntaxError {
    code: &'static str,
    expr: String,
}

impl SyntaxError {
    fn new(code: &'static str, expr: &str) -> SyntaxError {
        SyntaxError {
            code,
            expr: expr.to_string(),
        }
    }
    fn message(&self) -> String {
        format!("error parsing regexp: {}: `{}`", self.code, self.expr)
    }
}

const MISSING_PAREN: &str = "missing closing )";
const UNEXPECTED_PAREN: &str = "unexpected )";
const MISSING_BRACKET: &str = "missing closing ]";
const INVALID_ESCAPE: &str = "invalid escape sequence";
const INVALID_RANGE: &str = "invalid character class range";
const INVALID_PERL_OP: &str = "invalid or unsupported Perl syntax";
const INVALID_NAMED: &str = "invalid named capture";
const MISSING_REPEAT_ARG: &str = "missing argument to repetition operator";
const INVALID_REPEAT_OP: &str = "invalid nested repetition operator";
const INVALID_REPEAT_SIZE: &str = "invalid repeat count";
const TRAILING_BACKSLASH: &str = "trailing backslash at end of expression";

const ASCII_DIGIT: &str = "0-9";
const ASCII_SPACE: &str = "\\t\\n\\x0C\\r\\x20";
const ASCII_WORD: &str = "0-9A-Za-z_";

const POSIX_CLASSES: &[&str] = &[
    "alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower", "print", "punct",
    "space", "upper", "word", "xdigit",
];

/// Append `c` as a literal, escaped for the `regex` crate when needed.
fn push_lit(out: &mut String, c: char) {
    if c.is_ascii_punctuation() {
        out.push('\\');
        out.push(c);
    } else if c.is_control() || c == ' ' {
        out.push_str(&format!("\\x{{{:x}}}", c as u32));
    } else {
        out.push(c);
    }
}

/// Parse `\p{Name}`/`\pL` starting at the `p`/`P`; returns (text, end).
fn unicode_class(p: &str, i: usize) -> Result<(String, usize), SyntaxError> {
    let rest = &p[i + 1..];
    if let Some(r) = rest.strip_prefix('{') {
        let Some(close) = r.find('}') else {
            return Err(SyntaxError::new(INVALID_RANGE, &p[i - 1..]));
        };
        let end = i + 2 + close + 1;
        Ok((p[i - 1..end].to_string(), end))
    } else {
        match rest.chars().next() {
            Some(c) => Ok((
                p[i - 1..i + 1 + c.len_utf8()].to_string(),
                i + 1 + c.len_utf8(),
            )),
            None => Err(SyntaxError::new(INVALID_RANGE, &p[i - 1..])),
        }
    }
}

/// Parse one escape at `p[i] == '\\'` that denotes a single character
/// (octal, hex, control letters, punctuation); returns (char, end).
fn escape_char(p: &str, i: usize) -> Result<(char, usize), SyntaxError> {
    let bad = |end: usize| SyntaxError::new(INVALID_ESCAPE, &p[i..end.min(p.len())]);
    let Some(c) = p[i + 1..].chars().next() else {
        return Err(SyntaxError::new(TRAILING_BACKSLASH, ""));
    };
    let j = i + 1 + c.len_utf8();
    match c {
        '1'..='7' if !p[j..].starts_with(|d: char| ('0'..='7').contains(&d)) => Err(bad(j)),
        '0'..='7' => {
            let mut v = c as u32 - '0' as u32;
            let mut end = j;
            for d in p[j..].chars().take(2) {
                if !('0'..='7').contains(&d) {
                    break;
                }
                v = v * 8 + (d as u32 - '0' as u32);
                end += 1;
            }
            Ok((char::from_u32(v).unwrap_or('\u{fffd}'), end))
        }
        'x' => {
            let r = &p[j..];
            if let Some(h) = r.strip_prefix('{') {
                let close = h.find('}').ok_or_else(|| bad(p.len()))?;
                let hex = &h[..close];
                let v = u32::from_str_radix(hex, 16)
                    .ok()
                    .filter(|_| !hex.is_empty());
                let end = j + 1 + close + 1;
                match v.and_then(char::from_u32) {
                    Some(ch) if hex.len() <= 8 => Ok((ch, end)),
                    _ => Err(bad(end)),
                }
            } else {
                let hex: String = r.chars().take(2).collect();
                if hex.len() == 2 && hex.chars().all(|d| d.is_ascii_hexdigit()) {
                    Ok((
                        char::from_u32(u32::from_str_radix(&hex, 16).unwrap_or(0)).unwrap_or('\0'),
                        j + 2,
                    ))
                } else {
                    Err(bad(j + hex.len()))
                }
            }
        }
        'a' => Ok(('\u{7}', j)),
        'f' => Ok(('\u{c}', j)),
        't' => Ok(('\t', j)),
        'n' => Ok(('\n', j)),
        'r' => Ok(('\r', j)),
        'v' => Ok(('\u{b}', j)),
        c if c.is_ascii_punctuation() => Ok((c, j)),
        _ => Err(bad(j)),
    }
}

/// Check Go syntax and translate to the `regex` crate's dialect.
fn translate(p: &str) -> Result<String, SyntaxError> {
    let mut out = String::with_capacity(p.len() + 16);
    let mut depth = 0usize;
    let mut names: Vec<String> = Vec::new();
    let mut can_repeat = false;
    let mut last_repeat: Option<usize> = None;
    let mut i = 0;
    while i < p.len() {
        let c = p[i..].chars().next().unwrap_or('\0');
        let start = i;
        let mut this_repeat = None;
        match c {
            '(' => {
                if p[i..].starts_with("(?") {
                    let t = &p[i..];
                    let named = (t.len() > 4 && t.as_bytes()[2] == b'P' && t.as_bytes()[3] == b'<')
                        || (t.len() > 3 && t.as_bytes()[2] == b'<');
                    if named {
                        let begin = if t.as_bytes()[2] == b'P' { 4 } else { 3 };
                        let Some(end) = t.find('>') else {
                            return Err(SyntaxError::new(INVALID_NAMED, t));
                        };
                        let name = &t[begin..end];
                        if name.is_empty()
                            || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                        {
                            return Err(SyntaxError::new(INVALID_NAMED, &t[..end + 1]));
                        }
                        // Go accepts duplicate names (Expand uses the first);
                        // the regex crate does not, so repeats become plain groups.
                        if names.iter().any(|n| n == name) {
                            out.push('(');
                        } else {
                            names.push(name.to_string());
                            out.push_str("(?P<");
                            out.push_str(name);
                            out.push('>');
                        }
                        depth += 1;
                        i += end + 1;
                        can_repeat = false;
                        last_repeat = None;
                        continue;
                    }
                    // Flags: (?flags) or (?flags:re)
                    let mut j = i + 2;
                    let mut neg = false;
                    let mut saw = false;
                    let mut flags = String::new();
                    loop {
                        let Some(f) = p[j..].chars().next() else {
                            return Err(SyntaxError::new(INVALID_PERL_OP, &p[i..]));
                        };
                        j += f.len_utf8();
                        match f {
                            'i' | 'm' | 's' | 'U' => {
                                flags.push(f);
                                saw = true;
                            }
                            '-' if !neg => {
                                neg = true;
                                saw = false;
                                flags.push('-');
                            }
                            ':' | ')' if !neg || saw => {
                                if f == ':' {
                                    out.push_str("(?");
                                    out.push_str(&flags);
                                    out.push(':');
                                    depth += 1;
                                    can_repeat = false;
                                } else if !flags.is_empty() {
                                    out.push_str("(?");
                                    out.push_str(&flags);
                                    out.push(')');
                                }
                                break;
                            }
                            _ => return Err(SyntaxError::new(INVALID_PERL_OP, &p[i..j])),
                        }
                    }
                    i = j;
                    last_repeat = None;
                    continue;
                }
                out.push('(');
                depth += 1;
                can_repeat = false;
            }
            ')' => {
                if depth == 0 {
                    return Err(SyntaxError::new(UNEXPECTED_PAREN, p));
                }
                depth -= 1;
                out.push(')');
                can_repeat = true;
            }
            '|' => {
                out.push('|');
                can_repeat = false;
            }
            '*' | '+' | '?' | '{' => {
                let mut end = i + 1;
                if c == '{' {
                    match parse_repeat(&p[i..]) {
                        Some((len, min, max)) => {
                            end = i + len;
                            if min > 1000 || max > Some(1000) || max.is_some_and(|m| m < min) {
                                return Err(SyntaxError::new(INVALID_REPEAT_SIZE, &p[i..end]));
                            }
                        }
                        None => {
                            // Not a repetition: a literal brace.
                            out.push_str("\\{");
                            can_repeat = true;
                            last_repeat = None;
                            i += 1;
                            continue;
                        }
                    }
                }
                if p[end..].starts_with('?') {
                    end += 1;
                }
                if let Some(prev) = last_repeat {
                    return Err(SyntaxError::new(INVALID_REPEAT_OP, &p[prev..end]));
                }
                if !can_repeat {
                    return Err(SyntaxError::new(MISSING_REPEAT_ARG, &p[i..end]));
                }
                out.push_str(&p[i..end]);
                this_repeat = Some(start);
                i = end;
                last_repeat = this_repeat;
                continue;
            }
            '[' => {
                i = translate_class(p, i, &mut out)?;
                can_repeat = true;
                last_repeat = None;
                continue;
            }
            '\\' => {
                let Some(e) = p[i + 1..].chars().next() else {
                    return Err(SyntaxError::new(TRAILING_BACKSLASH, ""));
                };
                let j = i + 1 + e.len_utf8();
                can_repeat = true;
                match e {
                    'A' | 'z' => out.push_str(&p[i..j]),
                    'b' => out.push_str("(?-u:\\b)"),
                    'B' => out.push_str("(?-u:\\B)"),
                    'd' => out.push_str("[0-9]"),
                    'D' => out.push_str("[^0-9]"),
                    's' => out.push_str(&format!("[{ASCII_SPACE}]")),
                    'S' => out.push_str(&format!("[^{ASCII_SPACE}]")),
                    'w' => out.push_str(&format!("[{ASCII_WORD}]")),
                    'W' => out.push_str(&format!("[^{ASCII_WORD}]")),
                    'p' | 'P' => {
                        let (text, end) = unicode_class(p, i + 1)?;
                        out.push_str(&text);
                        i = end;
                        last_repeat = None;
                        continue;
                    }
                    'Q' => {
                        let body = &p[j..];
                        let (lit, end) = match body.find("\\E") {
                            Some(k) => (&body[..k], j + k + 2),
                            None => (body, p.len()),
                        };
                        lit.chars().for_each(|ch| push_lit(&mut out, ch));
                        can_repeat = !lit.is_empty();
                        i = end;
                        last_repeat = None;
                        continue;
                    }
                    _ => {
                        let (ch, end) = escape_char(p, i)?;
                        push_lit(&mut out, ch);
                        i = end;
                        last_repeat = None;
                        continue;
                    }
                }
                i = j;
                last_repeat = None;
                continue;
            }
            '^' | '$' | '.' => {
                out.push(c);
                can_repeat = true;
            }
            _ => {
                push_lit(&mut out, c);
                can_repeat = true;
            }
        }
        last_repeat = this_repeat;
        i += c.len_utf8();
    }
    if depth > 0 {
        return Err(SyntaxError::new(MISSING_PAREN, p));
    }
    Ok(out)
}

/// `{n}`, `{n,}` or `{n,m}` at the start of `s`: (length, min, max).
fn parse_repeat(s: &str) -> Option<(usize, u64, Option<u64>)> {
    let body = &s[1..];
    let close = body.find('}')?;
    let inner = &body[..close];
    let num = |t: &str| -> Option<u64> {
        if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(t.parse::<u64>().unwrap_or(u64::MAX))
    };
    let (min, max) = match inner.split_once(',') {
        None => {
            let n = num(inner)?;
            (n, Some(n))
        }
        Some((a, "")) => (num(a)?, None),
        Some((a, b)) => (num(a)?, Some(num(b)?)),
    };
    Some((close + 2, min, max))
}

/// Translate a character class starting at `p[i] == '['`; returns the end.
fn translate_class(p: &str, i: usize, out: &mut String) -> Result<usize, SyntaxError> {
    let whole = &p[i..];
    let missing = || SyntaxError::new(MISSING_BRACKET, whole);
    let mut j = i + 1;
    out.push('[');
    if p[j..].starts_with('^') {
        out.push('^');
        j += 1;
    }
    let mut first = true;
    loop {
        let Some(c) = p[j..].chars().next() else {
            return Err(missing());
        };
        if c == ']' && !first {
            out.push(']');
            return Ok(j + 1);
        }
        first = false;
        let item_start = j;
        // POSIX class [:name:]
        if p[j..].starts_with("[:") {
            if let Some(end) = p[j + 2..].find(":]") {
                let name = &p[j + 2..j + 2 + end];
                let bare = name.strip_prefix('^').unwrap_or(name);
                if POSIX_CLASSES.contains(&bare) {
                    out.push_str(&p[j..j + 2 + end + 2]);
                    j += 2 + end + 2;
                    continue;
                }
                return Err(SyntaxError::new(INVALID_RANGE, &p[j..j + 2 + end + 2]));
            }
        }
        // Single character (possibly escaped) or class escape.
        let lo: char;
        if c == '\\' {
            let Some(e) = p[j + 1..].chars().next() else {
                return Err(missing());
            };
            match e {
                'd' | 's' | 'w' => {
                    out.push_str(match e {
                        'd' => ASCII_DIGIT,
                        's' => ASCII_SPACE,
                        _ => ASCII_WORD,
                    });
                    j += 2;
                    continue;
                }
                'D' | 'S' | 'W' => {
                    out.push_str(&format!(
                        "[^{}]",
                        match e {
                            'D' => ASCII_DIGIT,
                            'S' => ASCII_SPACE,
                            _ => ASCII_WORD,
                        }
                    ));
                    j += 2;
                    continue;
                }
                'p' | 'P' => {
                    let (text, end) = unicode_class(p, j + 1)?;
                    out.push_str(&text);
                    j = end;
                    continue;
                }
                _ => {
                    let (ch, end) = escape_char(p, j)?;
                    lo = ch;
                    j = end;
                }
            }
        } else {
            lo = c;
            j += c.len_utf8();
        }
        // Range lo-hi (a '-' right before ']' is literal).
        if p[j..].starts_with('-') && !p[j + 1..].starts_with(']') && j + 1 < p.len() {
            let hc = p[j + 1..].chars().next().unwrap_or(']');
            let (hi, end) = if hc == '\\' {
                escape_char(p, j + 1)?
            } else {
                (hc, j + 1 + hc.len_utf8())
            };
            if hi < lo {
                return Err(SyntaxError::new(INVALID_RANGE, &p[item_start..end]));
            }
            push_lit(out, lo);
            out.push('-');
            push_lit(out, hi);
            j = end;
        } else {
            push_lit(out, lo);
        }
    }
}

/// Go's `regexp.Compile`, cached per thread.
fn compile(pattern: &str) -> Result<Regex, String> {
    thread_local! {
        static CACHE: RefCell<HashMap<String, Result<Regex, String>>> = RefCell::new(HashMap::new());
    }
    if let Some(hit) = CACHE.with(|c| c.borrow().get(pattern).cloned()) {
        return hit;
    }
    let res = translate(pattern).map_err(|e| e.message()).and_then(|t| {
        regex::RegexBuilder::new(&t)
            .nest_limit(1000)
            .size_limit(64 << 20)
            .build()
            .map_err(|e| rust_error(pattern, &e))
    });
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= 256 {
            c.clear();
        }
        c.insert(pattern.to_string(), res.clone());
    });
    res
}

/// Best-effort Go wording for errors only the `regex` crate detects.
fn rust_error(pattern: &str, e: &regex::Error) -> String {
    let text = e.to_string();
    let code = if text.contains("Unicode") || text.contains("class") {
        INVALID_RANGE
    } else if text.contains("size limit") {
        "expression too large"
    } else if text.contains("nest") {
        "expression nests too deeply"
    } else {
        INVALID_PERL_OP
    };
    SyntaxError::new(code, pattern).message()
}

/// `regexp.MustCompile`'s panic text.
fn must_compile(pattern: &str) -> Result<Regex, FuncError> {
    compile(pattern).map_err(|e| {
        let can_backquote = !pattern.contains('`')
            && !pattern
                .chars()
                .any(|c| (c.is_control() && c != '\t') || c == '\u{feff}');
        let q = if can_backquote {
            format!("`{pattern}`")
        } else {
            crate::strings::go_quote(pattern)
        };
        FuncError::msg(format!("regexp: Compile({q}): {e}"))
    })
}

/// Go's `allMatches` loop: non-overlapping matches, an empty match right
/// after a previous match is skipped; at most `n` (all when `n < 0`).
fn all_matches(re: &Regex, s: &str, n: i64) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut pos = 0;
    let mut prev_end: Option<usize> = None;
    while (n < 0 || (out.len() as i64) < n) && pos <= s.len() {
        let Some(m) = re.find_at(s, pos) else { break };
        let mut accept = true;
        if m.end() == pos {
            if Some(m.start()) == prev_end {
                accept = false;
            }
            pos += s[pos..].chars().next().map_or(1, char::len_utf8);
        } else {
            pos = m.end();
        }
        prev_end = Some(m.end());
        if accept {
            out.push((m.start(), m.end()));
        }
    }
    out
}

/// Go's `Regexp.Expand` template syntax: `$1`, `$name`, `${name}`, `$$`.
fn expand(dst: &mut String, template: &str, caps: &Captures, re: &Regex) {
    let mut rest = template;
    while let Some(k) = rest.find('$') {
        dst.push_str(&rest[..k]);
        rest = &rest[k + 1..];
        if let Some(r) = rest.strip_prefix('$') {
            dst.push('$');
            rest = r;
            continue;
        }
        let (name, after) = if let Some(r) = rest.strip_prefix('{') {
            match r.find('}') {
                Some(close)
                    if close > 0
                        && r[..close]
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'_') =>
                {
                    (&r[..close], &r[close + 1..])
                }
                _ => {
                    dst.push('$');
                    continue;
                }
            }
        } else {
            let len = rest
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
                .count();
            if len == 0 {
                dst.push('$');
                continue;
            }
            (&rest[..len], &rest[len..])
        };
        rest = after;
        let group = if name.bytes().all(|b| b.is_ascii_digit()) {
            name.parse::<usize>().ok().and_then(|i| caps.get(i))
        } else {
            re.capture_names()
                .position(|n| n == Some(name))
                .and_then(|i| caps.get(i))
        };
        if let Some(g) = group {
            dst.push_str(g.as_str());
        }
    }
    dst.push_str(rest);
}

/// Go's `replaceAll` loop with either a literal or an expanded template.
fn replace_all(re: &Regex, src: &str, repl: &str, literal: bool) -> String {
    let mut out = String::with_capacity(src.len());
    let mut last_end = 0;
    let mut search = 0;
    while search <= src.len() {
        let Some(caps) = re.captures_at(src, search) else {
            break;
        };
        let m = caps.get(0).expect("group 0 always matches");
        out.push_str(&src[last_end..m.start()]);
        if m.end() > last_end || m.start() == 0 {
            if literal {
                out.push_str(repl);
            } else {
                expand(&mut out, repl, &caps, re);
            }
        }
        last_end = m.end();
        let width = src[search..].chars().next().map_or(0, char::len_utf8);
        if search + width > m.end() {
            search += width;
        } else if search + 1 > m.end() {
            search += 1;
        } else {
            search = m.end();
        }
    }
    out.push_str(&src[last_end..]);
    out
}

/// Go's `Regexp.Split`.
fn split(re: &Regex, s: &str, n: i64) -> Vec<String> {
    if n == 0 {
        return Vec::new();
    }
    if !re.as_str().is_empty() && s.is_empty() {
        return vec![String::new()];
    }
    let mut out = Vec::new();
    let (mut beg, mut end) = (0, 0);
    for (ms, me) in all_matches(re, s, n) {
        if n > 0 && out.len() as i64 == n - 1 {
            break;
        }
        end = ms;
        if me != 0 {
            out.push(s[beg..end].to_string());
        }
        beg = me;
    }
    if end != s.len() {
        out.push(s[beg..].to_string());
    }
    out
}

/// `regexp.QuoteMeta`.
fn quote_meta(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    for c in s.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn find_all(re: &Regex, s: &str, n: i64) -> Value {
    Value::string_list(
        all_matches(re, s, n)
            .into_iter()
            .map(|(a, b)| s[a..b].to_string())
            .collect(),
    )
}

pub fn register(m: &mut FuncMap) {
    m.add("regexMatch", &[P::String, P::String], None, |a| {
        Ok(Value::Bool(
            compile(arg_str(&a[0])).is_ok_and(|r| r.is_match(arg_str(&a[1]))),
        ))
    });
    m.add("mustRegexMatch", &[P::String, P::String], None, |a| {
        let r = compile(arg_str(&a[0]))?;
        Ok(Value::Bool(r.is_match(arg_str(&a[1]))))
    });
    m.add("regexFindAll", &[P::String, P::String, P::Int], None, |a| {
        Ok(find_all(
            &must_compile(arg_str(&a[0]))?,
            arg_str(&a[1]),
            arg_int(&a[2]),
        ))
    });
    m.add(
        "mustRegexFindAll",
        &[P::String, P::String, P::Int],
        None,
        |a| {
            Ok(find_all(
                &compile(arg_str(&a[0]))?,
                arg_str(&a[1]),
                arg_int(&a[2]),
            ))
        },
    );
    m.add("regexFind", &[P::String, P::String], None, |a| {
        let r = must_compile(arg_str(&a[0]))?;
        Ok(Value::str(
            r.find(arg_str(&a[1])).map_or("", |m| m.as_str()),
        ))
    });
    m.add("mustRegexFind", &[P::String, P::String], None, |a| {
        let r = compile(arg_str(&a[0]))?;
        Ok(Value::str(
            r.find(arg_str(&a[1])).map_or("", |m| m.as_str()),
        ))
    });
    m.add(
        "regexReplaceAll",
        &[P::String, P::String, P::String],
        None,
        |a| {
            let r = must_compile(arg_str(&a[0]))?;
            Ok(Value::string(replace_all(
                &r,
                arg_str(&a[1]),
                arg_str(&a[2]),
                false,
            )))
        },
    );
    m.add(
        "mustRegexReplaceAll",
        &[P::String, P::String, P::String],
        None,
        |a| {
            let r = compile(arg_str(&a[0]))?;
            Ok(Value::string(replace_all(
                &r,
                arg_str(&a[1]),
                arg_str(&a[2]),
                false,
            )))
        },
    );
    m.add(
        "regexReplaceAllLiteral",
        &[P::String, P::String, P::String],
        None,
        |a| {
            let r = must_compile(arg_str(&a[0]))?;
            Ok(Value::string(replace_all(
                &r,
                arg_str(&a[1]),
                arg_str(&a[2]),
                true,
            )))
        },
    );
    m.add(
        "mustRegexReplaceAllLiteral",
        &[P::String, P::String, P::String],
        None,
        |a| {
            let r = compile(arg_str(&a[0]))?;
            Ok(Value::string(replace_all(
                &r,
                arg_str(&a[1]),
                arg_str(&a[2]),
                true,
            )))
        },
    );
    m.add("regexSplit", &[P::String, P::String, P::Int], None, |a| {
        let r = must_compile(arg_str(&a[0]))?;
        Ok(Value::string_list(split(
            &r,
            arg_str(&a[1]),
            arg_int(&a[2]),
        )))
    });
    m.add(
        "mustRegexSplit",
        &[P::String, P::String, P::Int],
        None,
        |a| {
            let r = compile(arg_str(&a[0]))?;
            Ok(Value::string_list(split(
                &r,
                arg_str(&a[1]),
                arg_int(&a[2]),
            )))
        },
    );
    m.add("regexQuoteMeta", &[P::String], None, |a| {
        Ok(Value::string(quote_meta(arg_str(&a[0]))))
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::*;

    fn e(p: &str) -> String {
        compile(p).unwrap_err()
    }

    #[test]
    fn errors() {
        assert_eq!(e("("), "error parsing regexp: missing closing ): `(`");
        assert_eq!(e("a)"), "error parsing regexp: unexpected ): `a)`");
        assert_eq!(e("x[ab"), "error parsing regexp: missing closing ]: `[ab`");
        assert_eq!(
            e("a(?=b)"),
            "error parsing regexp: invalid or unsupported Perl syntax: `(?=`"
        );
        assert_eq!(
            e("*a"),
            "error parsing regexp: missing argument to repetition operator: `*`"
        );
        assert_eq!(
            e("a**"),
            "error parsing regexp: invalid nested repetition operator: `**`"
        );
        assert_eq!(
            e("[z-a]"),
            "error parsing regexp: invalid character class range: `z-a`"
        );
        assert_eq!(
            e("\\q"),
            "error parsing regexp: invalid escape sequence: `\\q`"
        );
        assert_eq!(
            e("a\\"),
            "error parsing regexp: trailing backslash at end of expression: ``"
        );
        assert_eq!(
            e("(?<=a)b"),
            "error parsing regexp: invalid named capture: `(?<=a)b`"
        );
        assert_eq!(
            e("(?i"),
            "error parsing regexp: invalid or unsupported Perl syntax: `(?i`"
        );
        assert!(compile("(?P<n>a)(?P<n>b)").is_ok());
        assert_eq!(
            e("x{2,1}"),
            "error parsing regexp: invalid repeat count: `{2,1}`"
        );
        assert_eq!(
            e("\\8"),
            "error parsing regexp: invalid escape sequence: `\\8`"
        );
        assert_eq!(
            e("a{1001}"),
            "error parsing regexp: invalid repeat count: `{1001}`"
        );
        assert_eq!(
            err("regexFind", &["(".into(), "x".into()]),
            "regexp: Compile(`(`): error parsing regexp: missing closing ): `(`"
        );
    }

    #[test]
    fn semantics() {
        assert!(compile("a{").unwrap().is_match("a{"));
        assert!(compile("[[a]").unwrap().is_match("["));
        assert!(!compile("\\d").unwrap().is_match("٣"));
        assert!(compile("(?i)^HELLO$").unwrap().is_match("hello"));
        assert!(compile("[\\d-]+$").unwrap().is_match("1-2"));
        assert!(compile("(?P<x>a)(?<y>b)").unwrap().is_match("ab"));
        let r = compile("a*").unwrap();
        assert_eq!(replace_all(&r, "baaac", "X", false), "XbXcX");
        let r = compile("a(x*)b").unwrap();
        assert_eq!(replace_all(&r, "-ab-axxb-", "${1}W", false), "-W-xxW-");
        assert_eq!(replace_all(&r, "-ab-axxb-", "$1W", false), "---");
        assert_eq!(replace_all(&r, "-ab-axxb-", "$$1", false), "-$1-$1-");
        assert_eq!(split(&compile("").unwrap(), "abc", -1), vec!["a", "b", "c"]);
        assert_eq!(split(&compile(",").unwrap(), "a,b,c", 2), vec!["a", "b,c"]);
        assert_eq!(split(&compile("z+").unwrap(), "pizza", -1), vec!["pi", "a"]);
        assert_eq!(
            v(
                "regexFindAll",
                &["[0-9]".into(), "a1b2c3".into(), Value::int(2)]
            ),
            "[1 2]"
        );
        let r = compile("a|").unwrap();
        let found: Vec<_> = all_matches(&r, "baab", -1)
            .into_iter()
            .map(|(x, y)| &"baab"[x..y])
            .collect();
        assert_eq!(found, vec!["", "a", "a", ""]);
        assert_eq!(quote_meta("1.2.3[x]*#"), "1\\.2\\.3\\[x\\]\\*#");
    }
}
