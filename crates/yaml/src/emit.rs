//! go-yaml's emitter (libyaml's, transliterated), for `toYaml` and
//! `toYamlPretty`.
//!
//! The output format is decided by a small state machine with column
//! tracking: block sequences under a mapping key are not indented (v2),
//! scalars get the first style their content allows (plain → single →
//! double quoted; literal for multi-line), long plain/quoted scalars are
//! folded at spaces once the column passes 80, keys longer than 128 bytes
//! or multi-line become `? ` complex keys.  This module ports that logic
//! for the node kinds a JSON-shaped tree can produce (no anchors or tags).
//!
//! `marshal_v2` reproduces `sigs.k8s.io/yaml.Marshal` (JSON round trip
//! first); `marshal_v3` reproduces go-yaml v3's `Encoder` with
//! `SetIndent(2)` as Helm's `toYamlPretty` uses it (sequences indented
//! under keys, no folding, values encoded directly).

use gotmpl::Value;

use crate::float::{format_g, format_json};
use crate::parse::YValue;
use crate::resolve::{self, Scalar};
use crate::Error;

#[derive(Clone, Copy, PartialEq, Debug)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

#[derive(Clone, Debug)]
enum Ev {
    Scalar(String, Style),
    SeqStart,
    SeqEnd,
    MapStart,
    MapEnd,
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum State {
    DocEnd,
    FlowSeqFirst,
    FlowSeqItem,
    FlowMapFirstKey,
    FlowMapKey,
    FlowMapSimpleValue,
    FlowMapValue,
    BlockSeqFirst,
    BlockSeqItem,
    BlockMapFirstKey,
    BlockMapKey,
    BlockMapSimpleValue,
    BlockMapValue,
}

#[derive(Default, Clone)]
struct ScalarData {
    value: Vec<char>,
    multiline: bool,
    flow_plain_allowed: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
    style: Option<Style>,
}

struct Emitter {
    out: String,
    v3: bool,
    best_indent: i32,
    best_width: i32,
    state: State,
    states: Vec<State>,
    indent: i32,
    indents: Vec<i32>,
    flow_level: i32,
    root_context: bool,
    sequence_context: bool,
    mapping_context: bool,
    simple_key_context: bool,
    column: i32,
    whitespace: bool,
    indention: bool,
    scalar: ScalarData,
    events: Vec<Ev>,
    head: usize,
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}
fn is_space(c: Option<char>) -> bool {
    c == Some(' ')
}
fn is_blank(c: Option<char>) -> bool {
    matches!(c, Some(' ') | Some('\t'))
}
fn is_blankz(c: Option<char>) -> bool {
    match c {
        None | Some('\0') => true,
        Some(c) => c == ' ' || c == '\t' || is_break(c),
    }
}
/// libyaml's `is_printable`, expressed on code points.
fn is_printable(c: char) -> bool {
    let u = c as u32;
    u == 0x0A
        || (0x20..=0x7E).contains(&u)
        || (0xA0..=0xD7FF).contains(&u)
        || ((0xE000..=0xFFFD).contains(&u) && u != 0xFEFF)
}

type R = Result<(), Error>;

impl Emitter {
    fn new(events: Vec<Ev>, v3: bool) -> Emitter {
        Emitter {
            out: String::new(),
            v3,
            best_indent: 2,
            best_width: if v3 { i32::MAX } else { 80 },
            state: State::DocEnd,
            states: Vec::new(),
            indent: -1,
            indents: Vec::new(),
            flow_level: 0,
            root_context: false,
            sequence_context: false,
            mapping_context: false,
            simple_key_context: false,
            column: 0,
            whitespace: true,
            indention: true,
            scalar: ScalarData::default(),
            events,
            head: 0,
        }
    }

    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }
    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
        if self.v3 {
            self.indention = true;
        }
    }
    fn write(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }
    fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.out.push(c);
            self.column = 0;
            if self.v3 {
                self.indention = true;
            }
        }
    }

    fn write_indent(&mut self) {
        let indent = self.indent.max(0);
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(&mut self, ind: &str, need_ws: bool, is_ws: bool, is_indention: bool) {
        if need_ws && !self.whitespace {
            self.put(' ');
        }
        for c in ind.chars() {
            self.write(c);
        }
        self.whitespace = is_ws;
        self.indention = self.indention && is_indention;
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { self.best_indent } else { 0 };
        } else if !indentless {
            self.indent += self.best_indent;
        }
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().unwrap_or(-1);
    }
    fn pop_state(&mut self) {
        self.state = self.states.pop().unwrap_or(State::DocEnd);
    }

    fn run(mut self) -> Result<String, Error> {
        // Document start (implicit) and root node.
        self.indent = -1;
        if self.events.is_empty() {
            return Ok(String::new());
        }
        self.analyze(0);
        self.states.push(State::DocEnd);
        let ev = self.events[0].clone();
        self.emit_node(&ev, true, false, false, false)?;
        self.head = 1;
        while self.head < self.events.len() {
            self.analyze(self.head);
            let ev = self.events[self.head].clone();
            self.dispatch(&ev)?;
            self.head += 1;
        }
        // Document end (implicit).
        self.write_indent();
        Ok(self.out)
    }

    fn analyze(&mut self, h: usize) {
        if let Ev::Scalar(v, _) = &self.events[h] {
            let v = v.clone();
            self.analyze_scalar(&v);
        }
    }

    fn dispatch(&mut self, ev: &Ev) -> R {
        match self.state {
            State::DocEnd => Err(Error::msg("expected DOCUMENT-END")),
            State::FlowSeqFirst => self.flow_seq_item(ev, true),
            State::FlowSeqItem => self.flow_seq_item(ev, false),
            State::FlowMapFirstKey => self.flow_map_key(ev, true),
            State::FlowMapKey => self.flow_map_key(ev, false),
            State::FlowMapSimpleValue => self.flow_map_value(ev, true),
            State::FlowMapValue => self.flow_map_value(ev, false),
            State::BlockSeqFirst => self.block_seq_item(ev, true),
            State::BlockSeqItem => self.block_seq_item(ev, false),
            State::BlockMapFirstKey => self.block_map_key(ev, true),
            State::BlockMapKey => self.block_map_key(ev, false),
            State::BlockMapSimpleValue => self.block_map_value(ev, true),
            State::BlockMapValue => self.block_map_value(ev, false),
        }
    }

    fn flow_seq_item(&mut self, ev: &Ev, first: bool) -> R {
        if first {
            self.write_indicator("[", true, true, false);
            self.increase_indent(true, false);
            self.flow_level += 1;
        }
        if let Ev::SeqEnd = ev {
            self.flow_level -= 1;
            self.pop_indent();
            self.write_indicator("]", false, false, false);
            self.pop_state();
            return Ok(());
        }
        if !first {
            self.write_indicator(",", false, false, false);
        }
        if self.column > self.best_width {
            self.write_indent();
        }
        self.states.push(State::FlowSeqItem);
        self.emit_node(ev, false, true, false, false)
    }

    fn flow_map_key(&mut self, ev: &Ev, first: bool) -> R {
        if first {
            self.write_indicator("{", true, true, false);
            self.increase_indent(true, false);
            self.flow_level += 1;
        }
        if let Ev::MapEnd = ev {
            self.flow_level -= 1;
            self.pop_indent();
            self.write_indicator("}", false, false, false);
            self.pop_state();
            return Ok(());
        }
        if !first {
            self.write_indicator(",", false, false, false);
        }
        if self.column > self.best_width {
            self.write_indent();
        }
        if self.check_simple_key() {
            self.states.push(State::FlowMapSimpleValue);
            return self.emit_node(ev, false, false, true, true);
        }
        self.write_indicator("?", true, false, false);
        self.states.push(State::FlowMapValue);
        self.emit_node(ev, false, false, true, false)
    }

    fn flow_map_value(&mut self, ev: &Ev, simple: bool) -> R {
        if simple {
            self.write_indicator(":", false, false, false);
        } else {
            if self.column > self.best_width {
                self.write_indent();
            }
            self.write_indicator(":", true, false, false);
        }
        self.states.push(State::FlowMapKey);
        self.emit_node(ev, false, false, true, false)
    }

    fn block_seq_item(&mut self, ev: &Ev, first: bool) -> R {
        if first {
            let indentless = !self.v3 && self.mapping_context && !self.indention;
            self.increase_indent(false, indentless);
        }
        if let Ev::SeqEnd = ev {
            self.pop_indent();
            self.pop_state();
            return Ok(());
        }
        self.write_indent();
        self.write_indicator("-", true, false, true);
        self.states.push(State::BlockSeqItem);
        self.emit_node(ev, false, true, false, false)
    }

    fn block_map_key(&mut self, ev: &Ev, first: bool) -> R {
        if first {
            self.increase_indent(false, false);
        }
        if let Ev::MapEnd = ev {
            self.pop_indent();
            self.pop_state();
            return Ok(());
        }
        self.write_indent();
        if self.check_simple_key() {
            self.states.push(State::BlockMapSimpleValue);
            return self.emit_node(ev, false, false, true, true);
        }
        self.write_indicator("?", true, false, true);
        self.states.push(State::BlockMapValue);
        self.emit_node(ev, false, false, true, false)
    }

    fn block_map_value(&mut self, ev: &Ev, simple: bool) -> R {
        if simple {
            self.write_indicator(":", false, false, false);
        } else {
            self.write_indent();
            self.write_indicator(":", true, false, true);
        }
        self.states.push(State::BlockMapKey);
        self.emit_node(ev, false, false, true, false)
    }

    fn emit_node(&mut self, ev: &Ev, root: bool, seq: bool, map: bool, simple_key: bool) -> R {
        self.root_context = root;
        self.sequence_context = seq;
        self.mapping_context = map;
        self.simple_key_context = simple_key;
        match ev {
            Ev::Scalar(_, style) => {
                self.select_scalar_style(*style);
                self.increase_indent(true, false);
                self.process_scalar();
                self.pop_indent();
                self.pop_state();
                Ok(())
            }
            Ev::SeqStart => {
                self.state = if self.flow_level > 0 || self.check_empty(Ev::SeqEnd) {
                    State::FlowSeqFirst
                } else {
                    State::BlockSeqFirst
                };
                Ok(())
            }
            Ev::MapStart => {
                self.state = if self.flow_level > 0 || self.check_empty(Ev::MapEnd) {
                    State::FlowMapFirstKey
                } else {
                    State::BlockMapFirstKey
                };
                Ok(())
            }
            _ => Err(Error::msg(
                "expected SCALAR, SEQUENCE-START, MAPPING-START, or ALIAS",
            )),
        }
    }

    /// Is the collection starting at `head` empty (next event is its end)?
    fn check_empty(&self, end: Ev) -> bool {
        matches!(
            (self.events.get(self.head + 1), end),
            (Some(Ev::SeqEnd), Ev::SeqEnd) | (Some(Ev::MapEnd), Ev::MapEnd)
        )
    }

    fn check_simple_key(&self) -> bool {
        match &self.events[self.head] {
            Ev::Scalar(v, _) => {
                if self.scalar.multiline {
                    return false;
                }
                v.len() <= 128
            }
            Ev::SeqStart => self.check_empty(Ev::SeqEnd),
            Ev::MapStart => self.check_empty(Ev::MapEnd),
            _ => false,
        }
    }

    fn select_scalar_style(&mut self, requested: Style) {
        let d = &self.scalar;
        let mut style = requested;
        if self.simple_key_context && d.multiline {
            style = Style::Double;
        }
        if style == Style::Plain {
            if (self.flow_level > 0 && !d.flow_plain_allowed)
                || (self.flow_level == 0 && !d.block_plain_allowed)
            {
                style = Style::Single;
            }
            if d.value.is_empty() && (self.flow_level > 0 || self.simple_key_context) {
                style = Style::Single;
            }
        }
        if style == Style::Single && !d.single_quoted_allowed {
            style = Style::Double;
        }
        if style == Style::Literal
            && (!d.block_allowed || self.flow_level > 0 || self.simple_key_context)
        {
            style = Style::Double;
        }
        self.scalar.style = Some(style);
    }

    fn analyze_scalar(&mut self, s: &str) {
        let value: Vec<char> = s.chars().collect();
        let d = &mut self.scalar;
        d.value = value.clone();
        if value.is_empty() {
            d.multiline = false;
            d.flow_plain_allowed = false;
            d.block_plain_allowed = true;
            d.single_quoted_allowed = true;
            d.block_allowed = false;
            return;
        }
        let (mut block_ind, mut flow_ind) = (false, false);
        if s.starts_with("---") || s.starts_with("...") {
            block_ind = true;
            flow_ind = true;
        }
        let mut line_breaks = false;
        let mut special = false;
        let (mut leading_space, mut leading_break, mut trailing_space, mut trailing_break) =
            (false, false, false, false);
        let (mut break_space, mut space_break) = (false, false);
        let mut preceded_by_ws = true;
        let (mut prev_space, mut prev_break) = (false, false);
        let n = value.len();
        for i in 0..n {
            let c = value[i];
            let followed_by_ws = i + 1 >= n || is_blank(value.get(i + 1).copied());
            if i == 0 {
                match c {
                    '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\''
                    | '"' | '%' | '@' | '`' => {
                        flow_ind = true;
                        block_ind = true;
                    }
                    '?' | ':' => {
                        flow_ind = true;
                        if followed_by_ws {
                            block_ind = true;
                        }
                    }
                    '-' if followed_by_ws => {
                        flow_ind = true;
                        block_ind = true;
                    }
                    _ => {}
                }
            } else {
                match c {
                    ',' | '?' | '[' | ']' | '{' | '}' => flow_ind = true,
                    ':' => {
                        flow_ind = true;
                        if followed_by_ws {
                            block_ind = true;
                        }
                    }
                    '#' if preceded_by_ws => {
                        flow_ind = true;
                        block_ind = true;
                    }
                    _ => {}
                }
            }
            if !is_printable(c) {
                special = true;
            }
            if c == ' ' {
                if i == 0 {
                    leading_space = true;
                }
                if i + 1 == n {
                    trailing_space = true;
                }
                if prev_break {
                    break_space = true;
                }
                prev_space = true;
                prev_break = false;
            } else if is_break(c) {
                line_breaks = true;
                if i == 0 {
                    leading_break = true;
                }
                if i + 1 == n {
                    trailing_break = true;
                }
                if prev_space {
                    space_break = true;
                }
                prev_space = false;
                prev_break = true;
            } else {
                prev_space = false;
                prev_break = false;
            }
            preceded_by_ws = is_blankz(Some(c));
        }
        d.multiline = line_breaks;
        d.flow_plain_allowed = true;
        d.block_plain_allowed = true;
        d.single_quoted_allowed = true;
        d.block_allowed = true;
        if leading_space || leading_break || trailing_space || trailing_break {
            d.flow_plain_allowed = false;
            d.block_plain_allowed = false;
        }
        if trailing_space {
            d.block_allowed = false;
        }
        if break_space {
            d.flow_plain_allowed = false;
            d.block_plain_allowed = false;
            d.single_quoted_allowed = false;
        }
        if space_break || special {
            d.flow_plain_allowed = false;
            d.block_plain_allowed = false;
            d.single_quoted_allowed = false;
            d.block_allowed = false;
        }
        if line_breaks {
            d.flow_plain_allowed = false;
            d.block_plain_allowed = false;
        }
        if flow_ind {
            d.flow_plain_allowed = false;
        }
        if block_ind {
            d.block_plain_allowed = false;
        }
    }

    fn process_scalar(&mut self) {
        let value = std::mem::take(&mut self.scalar.value);
        let allow_breaks = !self.simple_key_context;
        match self.scalar.style.unwrap_or(Style::Plain) {
            Style::Plain => self.write_plain(&value, allow_breaks),
            Style::Single => self.write_single(&value, allow_breaks),
            Style::Double => self.write_double(&value, allow_breaks),
            Style::Literal => self.write_literal(&value),
        }
    }

    fn write_plain(&mut self, v: &[char], allow_breaks: bool) {
        if !self.whitespace && (!self.v3 || !v.is_empty()) {
            self.put(' ');
        }
        let (mut spaces, mut breaks) = (false, false);
        let mut i = 0;
        while i < v.len() {
            let c = v[i];
            if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > self.best_width
                    && !is_space(v.get(i + 1).copied())
                {
                    self.write_indent();
                } else {
                    self.write(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.write(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
            i += 1;
        }
        self.whitespace = false;
        self.indention = false;
    }

    fn write_single(&mut self, v: &[char], allow_breaks: bool) {
        self.write_indicator("'", true, false, false);
        let (mut spaces, mut breaks) = (false, false);
        let n = v.len();
        for i in 0..n {
            let c = v[i];
            if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > self.best_width
                    && i > 0
                    && i + 1 < n
                    && !is_space(v.get(i + 1).copied())
                {
                    self.write_indent();
                } else {
                    self.write(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if c == '\'' {
                    self.put('\'');
                }
                self.write(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.write_indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_double(&mut self, v: &[char], allow_breaks: bool) {
        let mut spaces = false;
        self.write_indicator("\"", true, false, false);
        // libyaml's is_bom() looks at the start of the whole value, so a
        // leading BOM makes every character escaped (a faithful quirk).
        let bom = v.first() == Some(&'\u{FEFF}');
        let n = v.len();
        for i in 0..n {
            let c = v[i];
            if !is_printable(c) || bom || is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                match c {
                    '\0' => self.put('0'),
                    '\u{7}' => self.put('a'),
                    '\u{8}' => self.put('b'),
                    '\t' => self.put('t'),
                    '\n' => self.put('n'),
                    '\u{b}' => self.put('v'),
                    '\u{c}' => self.put('f'),
                    '\r' => self.put('r'),
                    '\u{1b}' => self.put('e'),
                    '"' => self.put('"'),
                    '\\' => self.put('\\'),
                    '\u{85}' => self.put('N'),
                    '\u{a0}' => self.put('_'),
                    '\u{2028}' => self.put('L'),
                    '\u{2029}' => self.put('P'),
                    c => {
                        let u = c as u32;
                        let (ch, w) = if u <= 0xFF {
                            ('x', 2)
                        } else if u <= 0xFFFF {
                            ('u', 4)
                        } else {
                            ('U', 8)
                        };
                        self.put(ch);
                        for k in (0..w).rev() {
                            let digit = (u >> (k * 4)) & 0xF;
                            self.put(
                                char::from_digit(digit, 16)
                                    .unwrap_or('0')
                                    .to_ascii_uppercase(),
                            );
                        }
                    }
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks && !spaces && self.column > self.best_width && i > 0 && i + 1 < n {
                    self.write_indent();
                    if is_space(v.get(i + 1).copied()) {
                        self.put('\\');
                    }
                } else {
                    self.write(c);
                }
                spaces = true;
            } else {
                self.write(c);
                spaces = false;
            }
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_literal(&mut self, v: &[char]) {
        self.write_indicator("|", true, false, false);
        // Block scalar hints.
        if v.first().is_some_and(|&c| c == ' ' || is_break(c)) {
            let hint = char::from_digit(self.best_indent as u32, 10).unwrap_or('2');
            self.write_indicator(&hint.to_string(), false, false, false);
        }
        let chomp = match v.len() {
            0 => Some('-'),
            n => {
                if !is_break(v[n - 1]) {
                    Some('-')
                } else if n == 1 || is_break(v[n - 2]) {
                    Some('+')
                } else {
                    None
                }
            }
        };
        if let Some(c) = chomp {
            self.write_indicator(&c.to_string(), false, false, false);
        }
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        for &c in v {
            if is_break(c) {
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.write(c);
                self.indention = false;
                breaks = false;
            }
        }
    }
}

/// go-yaml's `keyList.Less` for string keys: letters sort after
/// non-letters, runs of digits compare numerically.
pub fn key_less(a: &str, b: &str) -> bool {
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    let mut i = 0;
    while i < ar.len() && i < br.len() {
        if ar[i] == br[i] {
            i += 1;
            continue;
        }
        let al = ar[i].is_alphabetic();
        let bl = br[i].is_alphabetic();
        if al && bl {
            return ar[i] < br[i];
        }
        if al || bl {
            return bl;
        }
        let (mut an, mut bn): (i64, i64) = (0, 0);
        if ar[i] == '0' || br[i] == '0' {
            let mut j = i;
            while j > 0 && ar[j - 1].is_ascii_digit() {
                j -= 1;
                if ar[j] != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        while ai < ar.len() && ar[ai].is_ascii_digit() {
            an = an.wrapping_mul(10).wrapping_add(ar[ai] as i64 - '0' as i64);
            ai += 1;
        }
        let mut bi = i;
        while bi < br.len() && br[bi].is_ascii_digit() {
            bn = bn.wrapping_mul(10).wrapping_add(br[bi] as i64 - '0' as i64);
            bi += 1;
        }
        if an != bn {
            return an < bn;
        }
        if ai != bi {
            return ai < bi;
        }
        return ar[i] < br[i];
    }
    ar.len() < br.len()
}

/// Sort keys as Go's `sort.Sort(keyList)` would (insertion sort for short
/// lists as Go does; a stable merge sort otherwise; never panics).
fn sort_keys(keys: &mut [String]) {
    if keys.len() <= 12 {
        for i in 1..keys.len() {
            let mut j = i;
            while j > 0 && key_less(&keys[j], &keys[j - 1]) {
                keys.swap(j, j - 1);
                j -= 1;
            }
        }
        return;
    }
    let mut v: Vec<String> = keys.to_vec();
    merge_sort(&mut v);
    keys.clone_from_slice(&v);
}

fn merge_sort(v: &mut Vec<String>) {
    if v.len() <= 1 {
        return;
    }
    let right = v.split_off(v.len() / 2);
    let mut left = std::mem::take(v);
    let mut right = right;
    merge_sort(&mut left);
    merge_sort(&mut right);
    let (mut i, mut j) = (0, 0);
    while i < left.len() && j < right.len() {
        if key_less(&right[j], &left[i]) {
            v.push(std::mem::take(&mut right[j]));
            j += 1;
        } else {
            v.push(std::mem::take(&mut left[i]));
            i += 1;
        }
    }
    v.extend(left.drain(i..));
    v.extend(right.drain(j..));
}

/// Style go-yaml's `stringv` asks for.
fn string_style(s: &str) -> Style {
    if s.contains('\n') {
        Style::Literal
    } else if resolve::plain_is_string(s) {
        Style::Plain
    } else {
        Style::Double
    }
}

/// Characters the JSON encoder leaves raw but go-yaml's reader rejects.
fn yaml_reader_rejects(s: &str) -> bool {
    s.chars().any(|c| {
        let u = c as u32;
        u == 0x7F || (0x80..=0x9F).contains(&u) && u != 0x85 || u == 0xFFFE || u == 0xFFFF
    })
}

const CONTROL_ERR: &str = "error converting JSON to YAML: yaml: control characters are not allowed";

/// A string as go-yaml reads it back from encoding/json's output: control
/// characters JSON leaves raw are rejected, and a raw U+0085 (NEL) is a
/// line break inside a double-quoted scalar, so it gets folded.
fn through_json(s: &str) -> Result<String, Error> {
    if yaml_reader_rejects(s) {
        return Err(Error::msg(CONTROL_ERR));
    }
    if !s.contains('\u{85}') {
        return Ok(s.to_string());
    }
    let mut text = String::new();
    crate::json::write_string(&mut text, s, true);
    match crate::parse::decode_first(&text) {
        Ok(Some(crate::parse::YValue::Str(b))) => Ok(crate::parse::go_string_lossy(&b)),
        _ => Ok(s.to_string()),
    }
}

/// Build the event list for `sigs.k8s.io/yaml.Marshal`: the value as
/// encoding/json sees it, re-read by go-yaml (numbers re-typed from their
/// JSON text).
fn events_v2(v: &Value, out: &mut Vec<Ev>, depth: usize) -> Result<(), Error> {
    // go-yaml re-reads the JSON text: a collection opening flow level
    // 10001 is its depth error (see `marshal_v2`).
    if depth >= MAX_YAML_DEPTH && matches!(v, Value::List(_) | Value::Map(_)) {
        return Err(Error::msg(TOO_DEEP));
    }
    stacker::maybe_grow(64 * 1024, 4 * 1024 * 1024, || events_v2_node(v, out, depth))
}

/// go-yaml v2's scanner limit (open flow collections), met when it
/// re-reads `encoding/json`'s output.
const MAX_YAML_DEPTH: usize = 10000;
const TOO_DEEP: &str = "yaml: exceeded max depth of 10000";

fn events_v2_node(v: &Value, out: &mut Vec<Ev>, depth: usize) -> Result<(), Error> {
    match v {
        Value::Nil => out.push(Ev::Scalar("null".into(), Style::Plain)),
        Value::Bool(b) => out.push(Ev::Scalar(b.to_string(), Style::Plain)),
        Value::Int(n, k) => {
            let text = if *k == gotmpl::IntKind::Uint64 {
                (*n as u64).to_string()
            } else {
                n.to_string()
            };
            out.push(Ev::Scalar(number_from_json(&text), Style::Plain));
        }
        Value::Float(f) => {
            if !f.is_finite() {
                return Err(Error::msg(format!(
                    "error marshaling into JSON: json: unsupported value: {}",
                    format_g(*f, false)
                )));
            }
            out.push(Ev::Scalar(number_from_json(&format_json(*f)), Style::Plain));
        }
        Value::String(s) => {
            let s = through_json(s)?;
            let st = string_style(&s);
            out.push(Ev::Scalar(s, st));
        }
        Value::Bytes(b) => {
            use base64::Engine;
            let s = base64::engine::general_purpose::STANDARD.encode(&b[..]);
            let st = string_style(&s);
            out.push(Ev::Scalar(s, st));
        }
        Value::List(l) => {
            out.push(Ev::SeqStart);
            for item in l.items().iter() {
                events_v2(item, out, depth + 1)?;
            }
            out.push(Ev::SeqEnd);
        }
        Value::Map(m) => {
            let m = m.borrow();
            let mut keys: Vec<String> = m.keys().cloned().collect();
            sort_keys(&mut keys);
            out.push(Ev::MapStart);
            for k in keys {
                let shown = through_json(&k)?;
                let st = string_style(&shown);
                out.push(Ev::Scalar(shown, st));
                if let Some(val) = m.get(&k) {
                    events_v2(val, out, depth + 1)?;
                }
            }
            out.push(Ev::MapEnd);
        }
        Value::Object(o) => {
            let data = o.to_data();
            if let Value::Object(_) = data {
                out.push(Ev::MapStart);
                out.push(Ev::MapEnd);
            } else {
                events_v2(&data, out, depth)?;
            }
        }
    }
    Ok(())
}

/// A JSON number re-read by go-yaml v2 and printed back.
fn number_from_json(text: &str) -> String {
    match resolve::resolve_plain(text) {
        Scalar::Int(i) => i.to_string(),
        Scalar::Uint(u) => u.to_string(),
        Scalar::Float(f) => match format_g(f, false).as_str() {
            "+Inf" => ".inf".into(),
            "-Inf" => "-.inf".into(),
            "NaN" => ".nan".into(),
            s => s.to_string(),
        },
        _ => text.to_string(),
    }
}

/// `sigs.k8s.io/yaml.Marshal`.
pub fn marshal_v2(v: &Value) -> Result<String, Error> {
    let mut evs = Vec::new();
    match events_v2(v, &mut evs, 0) {
        // Too deep for go-yaml, unless `json.Marshal` failed before it got
        // there (a cycle — which is what nests forever — or NaN anywhere).
        Err(e) if e.message == TOO_DEEP => match crate::json::encode(v, true, None) {
            Err(m) => Err(Error::msg(format!("error marshaling into JSON: {m}"))),
            Ok(_) => Err(e),
        },
        Err(e) => Err(e),
        Ok(()) => Emitter::new(evs, false).run(),
    }
}

fn events_v3(v: &Value, out: &mut Vec<Ev>, depth: usize) -> Result<(), Error> {
    // go-yaml v3's encoder has no depth limit (a map that contains itself
    // overflows Go's stack); past Go's JSON cycle-detection depth, refuse
    // a map already being encoded.
    let id = match v {
        Value::Map(m) if depth > 1000 => Some(&*m.borrow() as *const gotmpl::MapInner as usize),
        _ => None,
    };
    if let Some(id) = id {
        if V3_OPEN.with(|o| !o.borrow_mut().insert(id)) {
            return Err(Error::msg("yaml: exceeded max depth"));
        }
    }
    let r = stacker::maybe_grow(64 * 1024, 4 * 1024 * 1024, || events_v3_node(v, out, depth));
    if let Some(id) = id {
        V3_OPEN.with(|o| o.borrow_mut().remove(&id));
    }
    r
}

thread_local! {
    /// Maps [`events_v3`] is inside of, past depth 1000 (cycle guard).
    static V3_OPEN: std::cell::RefCell<std::collections::HashSet<usize>> =
        std::cell::RefCell::new(std::collections::HashSet::new());
}

fn events_v3_node(v: &Value, out: &mut Vec<Ev>, depth: usize) -> Result<(), Error> {
    match v {
        Value::Nil => out.push(Ev::Scalar("null".into(), Style::Plain)),
        Value::Bool(b) => out.push(Ev::Scalar(b.to_string(), Style::Plain)),
        Value::Int(n, k) => {
            let text = if *k == gotmpl::IntKind::Uint64 {
                (*n as u64).to_string()
            } else {
                n.to_string()
            };
            out.push(Ev::Scalar(text, Style::Plain));
        }
        Value::Float(f) => {
            let s = match format_g(*f, false).as_str() {
                "+Inf" => ".inf".to_string(),
                "-Inf" => "-.inf".to_string(),
                "NaN" => ".nan".to_string(),
                s => s.to_string(),
            };
            out.push(Ev::Scalar(s, Style::Plain));
        }
        Value::String(s) => out.push(Ev::Scalar(s.to_string(), string_style(s))),
        Value::Bytes(b) => {
            // go-yaml v3 encodes []byte as a sequence of integers.
            out.push(Ev::SeqStart);
            for x in b.iter() {
                out.push(Ev::Scalar(x.to_string(), Style::Plain));
            }
            out.push(Ev::SeqEnd);
        }
        Value::List(l) => {
            out.push(Ev::SeqStart);
            for item in l.items().iter() {
                events_v3(item, out, depth + 1)?;
            }
            out.push(Ev::SeqEnd);
        }
        Value::Map(m) => {
            let m = m.borrow();
            let mut keys: Vec<String> = m.keys().cloned().collect();
            sort_keys(&mut keys);
            out.push(Ev::MapStart);
            for k in keys {
                let st = string_style(&k);
                out.push(Ev::Scalar(k.clone(), st));
                if let Some(val) = m.get(&k) {
                    events_v3(val, out, depth + 1)?;
                }
            }
            out.push(Ev::MapEnd);
        }
        Value::Object(o) => {
            // Partial: go-yaml v3 would reflect over the Go struct; we use
            // the object's JSON-shaped data instead.
            let data = o.to_data();
            if let Value::Object(_) = data {
                out.push(Ev::MapStart);
                out.push(Ev::MapEnd);
            } else {
                events_v3(&data, out, depth + 1)?;
            }
        }
    }
    Ok(())
}

/// go-yaml v3 `Encoder` with `SetIndent(2)` (Helm's `toYamlPretty`).
pub fn marshal_v3(v: &Value) -> Result<String, Error> {
    let mut evs = Vec::new();
    events_v3(v, &mut evs, 0)?;
    Emitter::new(evs, true).run()
}

/// Order of two `map[interface{}]interface{}` keys as go-yaml v2's
/// `keyList.Less` has it: numbers (and booleans) by value, then by kind;
/// strings naturally ([`key_less`]); otherwise by reflect kind.
fn ykey_less(a: &YValue, b: &YValue) -> bool {
    fn num(v: &YValue) -> Option<f64> {
        match v {
            YValue::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
            YValue::Int(i) => Some(*i as f64),
            YValue::Uint(u) => Some(*u as f64),
            YValue::Float(f) => Some(*f),
            _ => None,
        }
    }
    // reflect.Kind numbers: Bool 1, Int64 6, Uint64 11, Float64 14,
    // Interface 20, Map 21, Slice 23, String 24.
    fn kind(v: &YValue) -> u8 {
        match v {
            YValue::Null => 20,
            YValue::Bool(_) => 1,
            YValue::Int(_) => 6,
            YValue::Uint(_) => 11,
            YValue::Float(_) => 14,
            YValue::Map(_) => 21,
            YValue::Seq(_) => 23,
            YValue::Str(_) => 24,
        }
    }
    if let (Some(x), Some(y)) = (num(a), num(b)) {
        if x != y {
            return x < y;
        }
        return kind(a) < kind(b);
    }
    match (a, b) {
        (YValue::Str(x), YValue::Str(y)) => key_less(
            &crate::parse::go_string_lossy(x),
            &crate::parse::go_string_lossy(y),
        ),
        _ => kind(a) < kind(b),
    }
}

fn yscalar_events(v: &YValue) -> Ev {
    match v {
        YValue::Null => Ev::Scalar("null".into(), Style::Plain),
        YValue::Bool(b) => Ev::Scalar(b.to_string(), Style::Plain),
        YValue::Int(i) => Ev::Scalar(i.to_string(), Style::Plain),
        YValue::Uint(u) => Ev::Scalar(u.to_string(), Style::Plain),
        YValue::Float(f) => Ev::Scalar(
            match format_g(*f, false).as_str() {
                "+Inf" => ".inf".into(),
                "-Inf" => "-.inf".into(),
                "NaN" => ".nan".into(),
                s => s.to_string(),
            },
            Style::Plain,
        ),
        YValue::Str(b) => {
            let s = crate::parse::go_string_lossy(b);
            let st = string_style(&s);
            Ev::Scalar(s, st)
        }
        YValue::Seq(_) | YValue::Map(_) => Ev::Scalar(String::new(), Style::Plain),
    }
}

fn events_y(v: &YValue, out: &mut Vec<Ev>, keep_order: bool, depth: usize) -> Result<(), Error> {
    // (Decoded YAML is a tree: no cycles, and its depth was bounded by
    // the scanner; only the stack needs care.)
    stacker::maybe_grow(64 * 1024, 4 * 1024 * 1024, || {
        events_y_node(v, out, keep_order, depth)
    })
}

fn events_y_node(
    v: &YValue,
    out: &mut Vec<Ev>,
    keep_order: bool,
    depth: usize,
) -> Result<(), Error> {
    match v {
        YValue::Seq(items) => {
            out.push(Ev::SeqStart);
            for i in items {
                events_y(i, out, false, depth + 1)?;
            }
            out.push(Ev::SeqEnd);
        }
        YValue::Map(m) => {
            let mut entries: Vec<&(YValue, YValue)> = m.entries.iter().collect();
            if !keep_order {
                // Go's sort.Sort is not stable, but keys are unique.
                entries.sort_by(|a, b| {
                    if ykey_less(&a.0, &b.0) {
                        std::cmp::Ordering::Less
                    } else if ykey_less(&b.0, &a.0) {
                        std::cmp::Ordering::Greater
                    } else {
                        std::cmp::Ordering::Equal
                    }
                });
            }
            out.push(Ev::MapStart);
            for (k, val) in entries {
                events_y(k, out, false, depth + 1)?;
                events_y(val, out, false, depth + 1)?;
            }
            out.push(Ev::MapEnd);
        }
        scalar => out.push(yscalar_events(scalar)),
    }
    Ok(())
}

/// go-yaml v2's `yaml.Marshal` of a value it decoded itself (no JSON round
/// trip: integers stay integers, keys keep their types).  Maps are sorted
/// as `map[interface{}]interface{}` is; with `keep_top_order` the top-level
/// map keeps its order, as a `yaml.MapSlice` does (helm-diff re-marshals
/// `List` items that way).
pub fn marshal_yvalue_v2(v: &YValue, keep_top_order: bool) -> Result<String, Error> {
    let mut evs = Vec::new();
    events_y(v, &mut evs, keep_top_order, 0)?;
    Emitter::new(evs, false).run()
}
