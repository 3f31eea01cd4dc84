//! The lexer: a faithful port of Go 1.24's `text/template/parse/lex.go`.
//!
//! Go's lexer is pull-based (`nextItem` runs state functions until one
//! emits).  We mirror its state machine, its line bookkeeping (including
//! its quirks: newlines inside comments are not counted) and its error
//! texts, because parse errors report `t.token[0].line` and Helm users see
//! those numbers.

use std::cell::OnceCell;
use std::fmt;

#[derive(Clone, Copy, PartialEq, Eq, Debug, PartialOrd, Ord)]
pub enum ItemType {
    Error,
    Bool,
    Char,
    CharConstant,
    Comment,
    Complex,
    Assign,
    Declare,
    Eof,
    Field,
    Identifier,
    LeftDelim,
    LeftParen,
    Number,
    Pipe,
    RawString,
    RightDelim,
    RightParen,
    Space,
    String,
    Text,
    Variable,
    // Keywords appear after all the rest.
    Keyword,
    Block,
    Break,
    Continue,
    Dot,
    Define,
    Else,
    End,
    If,
    Nil,
    Range,
    Template,
    With,
}

fn keyword(word: &str) -> Option<ItemType> {
    Some(match word {
        "." => ItemType::Dot,
        "block" => ItemType::Block,
        "break" => ItemType::Break,
        "continue" => ItemType::Continue,
        "define" => ItemType::Define,
        "else" => ItemType::Else,
        "end" => ItemType::End,
        "if" => ItemType::If,
        "range" => ItemType::Range,
        "nil" => ItemType::Nil,
        "template" => ItemType::Template,
        "with" => ItemType::With,
        _ => return None,
    })
}

/// A token. `Copy`: the parser's lookahead copies tokens around freely.
#[derive(Clone, Copy, Debug)]
pub struct Item<'a> {
    pub typ: ItemType,
    pub pos: usize,
    /// The token's text in the input (for `Error`, the message, held in
    /// the lexer's error slot).
    pub val: &'a str,
    pub line: usize,
}

impl fmt::Display for Item<'_> {
    /// Go's `item.String()`, used in "unexpected X in Y" messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.typ {
            ItemType::Eof => f.write_str("EOF"),
            ItemType::Error => f.write_str(self.val),
            t if t > ItemType::Keyword => write!(f, "<{}>", self.val),
            _ => {
                if self.val.chars().count() > 10 {
                    let head: String = self.val.chars().take(10).collect();
                    write!(f, "{}...", crate::builtins::go_quote(&head))
                } else {
                    f.write_str(&crate::builtins::go_quote(self.val))
                }
            }
        }
    }
}

const LEFT_DELIM: &str = "{{";
const RIGHT_DELIM: &str = "}}";
const LEFT_COMMENT: &str = "/*";
const RIGHT_COMMENT: &str = "*/";
const TRIM_MARKER: u8 = b'-';
const TRIM_MARKER_LEN: usize = 2;
const EOF: Option<char> = None;

#[derive(Clone, Copy)]
enum State {
    Text,
    LeftDelim,
    Comment,
    RightDelim,
    InsideAction,
    Space,
    Identifier,
    Field,
    Variable,
    Char,
    Number,
    Quote,
    RawQuote,
}

enum Step {
    Next(State),
    Done,
}

pub struct Lexer<'a> {
    input: &'a str,
    pos: usize,
    start: usize,
    at_eof: bool,
    paren_depth: i32,
    line: usize,
    start_line: usize,
    item: Option<Item<'a>>,
    inside_action: bool,
    break_ok: bool,
    continue_ok: bool,
    dead: bool,
    /// Where an error token's message lives: a lexer error ends the
    /// lexing, so one slot is enough, and it outlives the tokens (the
    /// caller owns it, beside the input) so `Item` stays a plain `Copy`.
    error: &'a OnceCell<String>,
}

/// Newlines in `s` (a plain byte count vectorises; `str::matches` does not).
fn count_newlines(s: &str) -> usize {
    memchr::memchr_iter(b'\n', s.as_bytes()).count()
}

/// Byte offset of the next `{{` in `s`.
fn find_left_delim(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut from = 0;
    while let Some(i) = memchr::memchr(b'{', &b[from..]) {
        let at = from + i;
        if b.get(at + 1) == Some(&b'{') {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// ASCII letters, digits and `_`, by byte.
static ASCII_WORD: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric() || b == b'_';
        c += 1;
    }
    t
};

fn is_space(r: Option<char>) -> bool {
    matches!(r, Some(' ' | '\t' | '\r' | '\n'))
}

fn is_alnum(r: Option<char>) -> bool {
    match r {
        Some(c) => c == '_' || c.is_alphabetic() || is_go_digit(c),
        None => false,
    }
}

/// `unicode.IsDigit` (approximated: non-ASCII numerics count as digits).
fn is_go_digit(c: char) -> bool {
    c.is_ascii_digit() || (!c.is_ascii() && c.is_numeric())
}

fn has_left_trim_marker(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2 && b[0] == TRIM_MARKER && is_space(Some(b[1] as char))
}

fn has_right_trim_marker(b: &[u8]) -> bool {
    b.len() >= 2 && is_space_byte(b[0]) && b[1] == TRIM_MARKER
}

fn is_space_byte(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn right_trim_length(s: &str) -> usize {
    s.len()
        - s.trim_end_matches(|c: char| c.is_ascii() && is_space_byte(c as u8))
            .len()
}

fn left_trim_length(s: &str) -> usize {
    s.len()
        - s.trim_start_matches(|c: char| c.is_ascii() && is_space_byte(c as u8))
            .len()
}

/// Go's `%#U` formatting of a rune: `U+002D '-'`.
pub fn format_rune_u(r: Option<char>) -> String {
    match r {
        None => "U+FFFFFFFFFFFFFFFF".into(),
        Some(c) => {
            if crate::builtins::is_print(c) {
                format!("U+{:04X} '{}'", c as u32, c)
            } else {
                format!("U+{:04X}", c as u32)
            }
        }
    }
}

impl<'a> Lexer<'a> {
    /// A lexer over `input`; an error token's message is kept in `error`.
    pub fn new(
        input: &'a str,
        error: &'a OnceCell<String>,
        break_ok: bool,
        continue_ok: bool,
    ) -> Lexer<'a> {
        Lexer {
            input,
            pos: 0,
            start: 0,
            at_eof: false,
            paren_depth: 0,
            line: 1,
            start_line: 1,
            item: None,
            inside_action: false,
            break_ok,
            continue_ok,
            dead: false,
            error,
        }
    }

    fn rest(&self) -> &'a str {
        &self.input[self.pos..]
    }

    // `next` and `backup` run for almost every byte inside actions: the
    // ASCII case inline, the rest out of line.
    #[inline(always)]
    fn next(&mut self) -> Option<char> {
        match self.input.as_bytes().get(self.pos) {
            Some(&b) if b < 0x80 => {
                self.pos += 1;
                if b == b'\n' {
                    self.line += 1;
                }
                Some(b as char)
            }
            _ => self.next_slow(),
        }
    }

    #[cold]
    #[inline(never)]
    fn next_slow(&mut self) -> Option<char> {
        if self.pos >= self.input.len() {
            self.at_eof = true;
            return EOF;
        }
        let c = self.input[self.pos..].chars().next().unwrap_or('\u{FFFD}');
        self.pos += c.len_utf8();
        Some(c)
    }

    #[inline(always)]
    fn backup(&mut self) {
        if !self.at_eof && self.pos > 0 {
            let b = self.input.as_bytes()[self.pos - 1];
            if b < 0x80 {
                self.pos -= 1;
                if b == b'\n' {
                    self.line -= 1;
                }
            } else {
                self.backup_slow();
            }
        }
    }

    #[cold]
    #[inline(never)]
    fn backup_slow(&mut self) {
        let c = self.input[..self.pos]
            .chars()
            .next_back()
            .unwrap_or('\u{FFFD}');
        self.pos -= c.len_utf8();
    }

    fn peek(&mut self) -> Option<char> {
        let r = self.next();
        self.backup();
        r
    }

    fn this_item(&mut self, t: ItemType) -> Item<'a> {
        let i = Item {
            typ: t,
            pos: self.start,
            val: &self.input[self.start..self.pos],
            line: self.start_line,
        };
        self.start = self.pos;
        self.start_line = self.line;
        i
    }

    fn emit(&mut self, t: ItemType) -> Step {
        let i = self.this_item(t);
        self.item = Some(i);
        Step::Done
    }

    fn emit_item(&mut self, i: Item<'a>) -> Step {
        self.item = Some(i);
        Step::Done
    }

    fn ignore(&mut self) {
        self.line += count_newlines(&self.input[self.start..self.pos]);
        self.start = self.pos;
        self.start_line = self.line;
    }

    fn accept(&mut self, valid: &str) -> bool {
        match self.next() {
            Some(c) if valid.contains(c) => true,
            _ => {
                self.backup();
                false
            }
        }
    }

    fn accept_run(&mut self, valid: &str) {
        loop {
            match self.next() {
                Some(c) if valid.contains(c) => {}
                _ => break,
            }
        }
        self.backup();
    }

    fn errorf(&mut self, msg: String) -> Step {
        // At most once per lexer: an error ends the lexing (`dead`).
        debug_assert!(self.error.get().is_none(), "second lexer error");
        let val: &'a str = self.error.get_or_init(|| msg);
        self.item = Some(Item {
            typ: ItemType::Error,
            pos: self.start,
            val,
            line: self.start_line,
        });
        self.start = 0;
        self.pos = 0;
        self.input = &self.input[..0];
        self.dead = true;
        Step::Done
    }

    /// Returns the next item (Go's `nextItem`).
    pub fn next_item(&mut self) -> Item<'a> {
        self.item = None;
        // What an exhausted lexer returns (built only when needed).
        let (eof_pos, eof_line) = (self.pos, self.start_line);
        let eof_item = move || Item {
            typ: ItemType::Eof,
            pos: eof_pos,
            val: "EOF",
            line: eof_line,
        };
        if self.dead {
            return eof_item();
        }
        let mut state = if self.inside_action {
            State::InsideAction
        } else {
            State::Text
        };
        loop {
            let step = match state {
                State::Text => self.lex_text(),
                State::LeftDelim => self.lex_left_delim(),
                State::Comment => self.lex_comment(),
                State::RightDelim => self.lex_right_delim(),
                State::InsideAction => self.lex_inside_action(),
                State::Space => self.lex_space(),
                State::Identifier => self.lex_identifier(),
                State::Field => self.lex_field_or_variable(ItemType::Field),
                State::Variable => self.lex_variable(),
                State::Char => self.lex_char(),
                State::Number => self.lex_number(),
                State::Quote => self.lex_quote(),
                State::RawQuote => self.lex_raw_quote(),
            };
            match step {
                Step::Next(s) => state = s,
                Step::Done => return self.item.take().unwrap_or_else(eof_item),
            }
        }
    }

    fn lex_text(&mut self) -> Step {
        if let Some(x) = find_left_delim(self.rest()) {
            if x > 0 {
                self.pos += x;
                let mut trim = 0;
                let delim_end = self.pos + LEFT_DELIM.len();
                if has_left_trim_marker(&self.input[delim_end..]) {
                    trim = right_trim_length(&self.input[self.start..self.pos]);
                }
                self.pos -= trim;
                self.line += count_newlines(&self.input[self.start..self.pos]);
                let i = self.this_item(ItemType::Text);
                self.pos += trim;
                self.ignore();
                if !i.val.is_empty() {
                    return self.emit_item(i);
                }
            }
            return Step::Next(State::LeftDelim);
        }
        self.pos = self.input.len();
        if self.pos > self.start {
            self.line += count_newlines(&self.input[self.start..self.pos]);
            return self.emit(ItemType::Text);
        }
        self.emit(ItemType::Eof)
    }

    fn at_right_delim(&self) -> (bool, bool) {
        // Called before every token inside an action: look at bytes only
        // (`}}`, or the trim marker — a space, `-` — then `}}`).
        let r = &self.input.as_bytes()[self.pos..];
        if r.starts_with(RIGHT_DELIM.as_bytes()) {
            (true, false)
        } else if has_right_trim_marker(r)
            && r[TRIM_MARKER_LEN..].starts_with(RIGHT_DELIM.as_bytes())
        {
            (true, true)
        } else {
            (false, false)
        }
    }

    fn lex_left_delim(&mut self) -> Step {
        self.pos += LEFT_DELIM.len();
        let trim = has_left_trim_marker(self.rest());
        let after = if trim { TRIM_MARKER_LEN } else { 0 };
        if self.input[self.pos + after..].starts_with(LEFT_COMMENT) {
            self.pos += after;
            self.ignore();
            return Step::Next(State::Comment);
        }
        let i = self.this_item(ItemType::LeftDelim);
        self.inside_action = true;
        self.pos += after;
        self.ignore();
        self.paren_depth = 0;
        self.emit_item(i)
    }

    fn lex_comment(&mut self) -> Step {
        self.pos += LEFT_COMMENT.len();
        let Some(x) = self.rest().find(RIGHT_COMMENT) else {
            return self.errorf("unclosed comment".into());
        };
        self.pos += x + RIGHT_COMMENT.len();
        let (delim, trim) = self.at_right_delim();
        if !delim {
            return self.errorf("comment ends before closing delimiter".into());
        }
        // Go builds the comment item here (not emitted: comments are dropped).
        self.line += count_newlines(&self.input[self.start..self.pos]);
        let _ = self.this_item(ItemType::Comment);
        if trim {
            self.pos += TRIM_MARKER_LEN;
        }
        self.pos += RIGHT_DELIM.len();
        if trim {
            self.pos += left_trim_length(self.rest());
        }
        self.ignore();
        Step::Next(State::Text)
    }

    fn lex_right_delim(&mut self) -> Step {
        let (_, trim) = self.at_right_delim();
        if trim {
            self.pos += TRIM_MARKER_LEN;
            self.ignore();
        }
        self.pos += RIGHT_DELIM.len();
        let i = self.this_item(ItemType::RightDelim);
        if trim {
            self.pos += left_trim_length(self.rest());
            self.ignore();
        }
        self.inside_action = false;
        self.emit_item(i)
    }

    fn lex_inside_action(&mut self) -> Step {
        let (delim, _) = self.at_right_delim();
        if delim {
            if self.paren_depth == 0 {
                return Step::Next(State::RightDelim);
            }
            return self.errorf("unclosed left paren".into());
        }
        let r = self.next();
        match r {
            None => return self.errorf("unclosed action".into()),
            Some(c) if is_space(Some(c)) => {
                self.backup();
                return Step::Next(State::Space);
            }
            Some('=') => return self.emit(ItemType::Assign),
            Some(':') => {
                if self.next() != Some('=') {
                    return self.errorf("expected :=".into());
                }
                return self.emit(ItemType::Declare);
            }
            Some('|') => return self.emit(ItemType::Pipe),
            Some('"') => return Step::Next(State::Quote),
            Some('`') => return Step::Next(State::RawQuote),
            Some('$') => return Step::Next(State::Variable),
            Some('\'') => return Step::Next(State::Char),
            Some('.') => {
                if self.pos < self.input.len() {
                    let b = self.input.as_bytes()[self.pos];
                    if !b.is_ascii_digit() {
                        return Step::Next(State::Field);
                    }
                }
                self.backup();
                return Step::Next(State::Number);
            }
            Some(c) if c == '+' || c == '-' || c.is_ascii_digit() => {
                self.backup();
                return Step::Next(State::Number);
            }
            Some(c) if is_alnum(Some(c)) => {
                self.backup();
                return Step::Next(State::Identifier);
            }
            Some('(') => {
                self.paren_depth += 1;
                return self.emit(ItemType::LeftParen);
            }
            Some(')') => {
                self.paren_depth -= 1;
                if self.paren_depth < 0 {
                    return self.errorf("unexpected right paren".into());
                }
                return self.emit(ItemType::RightParen);
            }
            Some(c) if c.is_ascii() && !c.is_ascii_control() => return self.emit(ItemType::Char),
            Some(_) => {}
        }
        let msg = format!("unrecognized character in action: {}", format_rune_u(r));
        self.errorf(msg)
    }

    fn lex_space(&mut self) -> Step {
        let mut n = 0;
        // Spaces are ASCII: step over them bytewise (as `next` would: one
        // line per newline; reaching the end sets `at_eof`, as `peek` does).
        let b = self.input.as_bytes();
        while let Some(&c) = b.get(self.pos) {
            if !is_space_byte(c) {
                break;
            }
            self.pos += 1;
            n += 1;
            if c == b'\n' {
                self.line += 1;
            }
        }
        if self.pos >= b.len() {
            self.at_eof = true;
        }
        let p = self.pos - 1;
        if has_right_trim_marker(&self.input.as_bytes()[p..])
            && self.input[p + TRIM_MARKER_LEN..].starts_with(RIGHT_DELIM)
        {
            self.backup();
            if n == 1 {
                return Step::Next(State::RightDelim);
            }
        }
        self.emit(ItemType::Space)
    }

    fn lex_identifier(&mut self) -> Step {
        let r = self.scan_word();
        let word = &self.input[self.start..self.pos];
        if !self.at_terminator() {
            return self.errorf(format!("bad character {}", format_rune_u(r)));
        }
        if let Some(k) = keyword(word) {
            if (k == ItemType::Break && !self.break_ok)
                || (k == ItemType::Continue && !self.continue_ok)
            {
                return self.emit(ItemType::Identifier);
            }
            return self.emit(k);
        }
        if word.starts_with('.') {
            return self.emit(ItemType::Field);
        }
        if word == "true" || word == "false" {
            return self.emit(ItemType::Bool);
        }
        self.emit(ItemType::Identifier)
    }

    /// Step over a run of word characters (Go's `isAlphaNumeric`); returns
    /// the rune after it, not consumed. ASCII runs are skipped bytewise;
    /// Go's `next`/`backup` pair only runs for non-ASCII and at the end.
    fn scan_word(&mut self) -> Option<char> {
        loop {
            self.skip_ascii_alnum();
            // Not a word character (the skip took those): the end.
            if let Some(b) = self.ascii_here() {
                return Some(b as char);
            }
            let r = self.next();
            if !is_alnum(r) {
                self.backup();
                return r;
            }
        }
    }

    /// Step over a run of ASCII letters, digits and `_` (no newlines
    /// among them, so no line bookkeeping).
    fn skip_ascii_alnum(&mut self) {
        let b = self.input.as_bytes();
        while let Some(&c) = b.get(self.pos) {
            if !ASCII_WORD[c as usize] {
                break;
            }
            self.pos += 1;
        }
    }

    /// The byte at `pos` when it is ASCII: lets the hot paths skip the
    /// `next`/`backup` pair, which is equivalent there (no end-of-input
    /// flag to set, no line to count back).
    fn ascii_here(&self) -> Option<u8> {
        self.input
            .as_bytes()
            .get(self.pos)
            .copied()
            .filter(u8::is_ascii)
    }

    fn lex_variable(&mut self) -> Step {
        if self.at_terminator() {
            return self.emit(ItemType::Variable);
        }
        self.lex_field_or_variable(ItemType::Variable)
    }

    fn lex_field_or_variable(&mut self, typ: ItemType) -> Step {
        if self.at_terminator() {
            return self.emit(if typ == ItemType::Variable {
                ItemType::Variable
            } else {
                ItemType::Dot
            });
        }
        let r = self.scan_word();
        if !self.at_terminator() {
            return self.errorf(format!("bad character {}", format_rune_u(r)));
        }
        self.emit(typ)
    }

    fn at_terminator(&mut self) -> bool {
        // `peek` (next + backup) only where it has more to do than read
        // one ASCII byte.
        let r = match self.ascii_here() {
            Some(b) => Some(b as char),
            None => self.peek(),
        };
        if is_space(r) {
            return true;
        }
        match r {
            None | Some('.' | ',' | '|' | ':' | ')' | '(') => true,
            _ => self.rest().starts_with(RIGHT_DELIM),
        }
    }

    fn lex_char(&mut self) -> Step {
        loop {
            match self.next() {
                Some('\\') => {
                    let r = self.next();
                    if r.is_some() && r != Some('\n') {
                        continue;
                    }
                    return self.errorf("unterminated character constant".into());
                }
                None | Some('\n') => return self.errorf("unterminated character constant".into()),
                Some('\'') => break,
                _ => {}
            }
        }
        self.emit(ItemType::CharConstant)
    }

    fn lex_number(&mut self) -> Step {
        if !self.scan_number() {
            let msg = format!(
                "bad number syntax: {}",
                crate::builtins::go_quote(&self.input[self.start..self.pos])
            );
            return self.errorf(msg);
        }
        let sign = self.peek();
        if sign == Some('+') || sign == Some('-') {
            if !self.scan_number() || !self.input[..self.pos].ends_with('i') {
                let msg = format!(
                    "bad number syntax: {}",
                    crate::builtins::go_quote(&self.input[self.start..self.pos])
                );
                return self.errorf(msg);
            }
            return self.emit(ItemType::Complex);
        }
        self.emit(ItemType::Number)
    }

    fn scan_number(&mut self) -> bool {
        self.accept("+-");
        let mut digits = "0123456789_";
        if self.accept("0") {
            if self.accept("xX") {
                digits = "0123456789abcdefABCDEF_";
            } else if self.accept("oO") {
                digits = "01234567_";
            } else if self.accept("bB") {
                digits = "01_";
            }
        }
        self.accept_run(digits);
        if self.accept(".") {
            self.accept_run(digits);
        }
        if digits.len() == 11 && self.accept("eE") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        if digits.len() == 23 && self.accept("pP") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        self.accept("i");
        if is_alnum(self.peek()) {
            self.next();
            return false;
        }
        true
    }

    fn lex_quote(&mut self) -> Step {
        // Jump to the next character that matters (the loop below then
        // sees exactly what stepping one character at a time would).
        while let Some(i) = memchr::memchr3(b'"', b'\\', b'\n', &self.input.as_bytes()[self.pos..])
        {
            self.pos += i;
            if self.input.as_bytes()[self.pos] != b'\\' {
                break;
            }
            // A backslash and the character it escapes (if any).
            self.pos += 1;
            match self.input[self.pos..].chars().next() {
                Some(c) if c != '\n' => self.pos += c.len_utf8(),
                _ => {
                    self.pos -= 1;
                    break;
                }
            }
        }
        loop {
            match self.next() {
                Some('\\') => {
                    let r = self.next();
                    if r.is_some() && r != Some('\n') {
                        continue;
                    }
                    return self.errorf("unterminated quoted string".into());
                }
                None | Some('\n') => return self.errorf("unterminated quoted string".into()),
                Some('"') => break,
                _ => {}
            }
        }
        self.emit(ItemType::String)
    }

    fn lex_raw_quote(&mut self) -> Step {
        loop {
            match self.next() {
                None => return self.errorf("unterminated raw quoted string".into()),
                Some('`') => break,
                _ => {}
            }
        }
        self.emit(ItemType::RawString)
    }
}
