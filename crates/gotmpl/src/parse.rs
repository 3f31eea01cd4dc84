//! The parser: a port of Go 1.24's `text/template/parse/parse.go`.
//!
//! The structure (three-token lookahead, `backup2`/`backup3`, separate
//! token buffers for `define`/`block` bodies) is kept on purpose: Go
//! reports parse errors at `t.token[0].line`, i.e. the line of the most
//! recently *fetched* token, so the exact fetch order decides the line
//! number users see.

use std::rc::Rc;

use crate::ast::*;
use crate::builtins::go_quote;
use crate::error::{Error, ErrorKind};
use crate::lex::{Item, ItemType, Lexer};
use gostd::strconv::parse_hex_float;

type PResult<T> = Result<T, Box<Error>>;

/// Parse-time state of one tree (Go keeps one per `define`/`block`).
struct TreeState<'a> {
    token: [Item<'a>; 3],
    peek_count: usize,
    vars: Vec<Box<str>>,
    action_line: usize,
    range_depth: usize,
    stack_depth: usize,
}

fn zero_item<'a>() -> Item<'a> {
    Item {
        typ: ItemType::Error,
        pos: 0,
        val: "",
        line: 0,
    }
}

impl<'a> TreeState<'a> {
    fn new() -> Self {
        TreeState {
            token: [zero_item(), zero_item(), zero_item()],
            peek_count: 0,
            vars: vec!["$".into()],
            action_line: 0,
            range_depth: 0,
            stack_depth: 0,
        }
    }
}

/// Nodes `textOrAction` may return, including the `{{end}}`/`{{else}}` markers.
enum Parsed {
    Node(Node),
    End,
    Else(Pos),
}

impl Parsed {
    fn describe(&self) -> String {
        match self {
            Parsed::Node(n) => {
                let mut s = String::new();
                n.write_to(&mut s);
                s
            }
            Parsed::End => "{{end}}".into(),
            Parsed::Else(_) => "{{else}}".into(),
        }
    }
}

const MAX_STACK_DEPTH: usize = 10000;
const MAX_PIPELINE_CMDS: usize = 100000;

pub struct Parser<'a, 'f> {
    lex: Lexer<'a>,
    st: TreeState<'a>,
    parse_name: Rc<str>,
    text: Rc<str>,
    lookup: &'f dyn Fn(&str) -> Option<FuncRef>,
    /// Trees defined so far in this text, in definition order.
    pub trees: Vec<Tree>,
    index: crate::fasthash::FastMap<String, usize>,
    /// Identifiers, field names and string literals recur a lot in a
    /// template (`Values`, `include`, helper names): one shared copy each.
    interned: crate::fasthash::FastMap<&'a str, Rc<str>>,
    /// Unquoted text of string literals, by their quoted form.
    unquoted: crate::fasthash::FastMap<&'a str, Rc<str>>,
    /// Field and variable paths, by their text.
    paths: crate::fasthash::FastMap<&'a str, Path>,
}

/// Parse `text` as template `name`; returns every tree it defines (the
/// top-level one included), as Go's `parse.Parse` does.
pub fn parse(
    name: &str,
    text: &str,
    lookup: &dyn Fn(&str) -> Option<FuncRef>,
) -> Result<Vec<Tree>, Box<Error>> {
    parse_shared(name, Rc::from(text), lookup)
}

/// [`parse`] of text already held in an `Rc` (kept by the trees, not copied).
pub fn parse_shared(
    name: &str,
    text: Rc<str>,
    lookup: &dyn Fn(&str) -> Option<FuncRef>,
) -> Result<Vec<Tree>, Box<Error>> {
    let break_ok = lookup("break").is_none();
    let continue_ok = lookup("continue").is_none();
    // The lexer's error message, if any (error tokens refer to it).
    let lex_error = std::cell::OnceCell::new();
    let mut p = Parser {
        lex: Lexer::new(&text, &lex_error, break_ok, continue_ok),
        st: TreeState::new(),
        parse_name: Rc::from(name),
        text: text.clone(),
        lookup,
        trees: Vec::new(),
        index: Default::default(),
        // Sized for a typical template file, so the tables rarely grow.
        interned: crate::fasthash::FastMap::with_capacity_and_hasher(
            text.len() / 64 + 16,
            Default::default(),
        ),
        unquoted: crate::fasthash::FastMap::with_capacity_and_hasher(
            text.len() / 256 + 8,
            Default::default(),
        ),
        paths: crate::fasthash::FastMap::with_capacity_and_hasher(
            text.len() / 128 + 8,
            Default::default(),
        ),
    };
    let root = p.parse_top()?;
    p.add(name.to_string(), root)?;
    Ok(p.trees)
}

impl<'a, 'f> Parser<'a, 'f> {
    fn next(&mut self) -> Item<'a> {
        if self.st.peek_count > 0 {
            self.st.peek_count -= 1;
        } else {
            self.st.token[0] = self.lex.next_item();
        }
        self.st.token[self.st.peek_count]
    }

    fn backup(&mut self) {
        self.st.peek_count += 1;
    }

    fn intern(&mut self, s: &'a str) -> Rc<str> {
        self.interned
            .entry(s)
            .or_insert_with(|| Rc::from(s))
            .clone()
    }

    /// `.a.b` / `$x.a` split at the dots, each part interned, and the
    /// whole path shared too.
    fn intern_path(&mut self, s: &'a str) -> Path {
        if let Some(p) = self.paths.get(s) {
            return p.clone();
        }
        let p: Path = s.split('.').map(|p| self.intern(p)).collect();
        self.paths.insert(s, p.clone());
        p
    }

    fn new_variable(&mut self, pos: Pos, val: &'a str) -> VariableNode {
        VariableNode {
            pos,
            ident: self.intern_path(val),
        }
    }

    fn backup2(&mut self, t1: Item<'a>) {
        self.st.token[1] = t1;
        self.st.peek_count = 2;
    }

    fn backup3(&mut self, t2: Item<'a>, t1: Item<'a>) {
        self.st.token[1] = t1;
        self.st.token[2] = t2;
        self.st.peek_count = 3;
    }

    fn peek(&mut self) -> Item<'a> {
        if self.st.peek_count > 0 {
            return self.st.token[self.st.peek_count - 1];
        }
        self.st.peek_count = 1;
        self.st.token[0] = self.lex.next_item();
        self.st.token[0]
    }

    fn next_non_space(&mut self) -> Item<'a> {
        loop {
            let t = self.next();
            if t.typ != ItemType::Space {
                return t;
            }
        }
    }

    fn peek_non_space(&mut self) -> Item<'a> {
        let t = self.next_non_space();
        self.backup();
        t
    }

    fn errorf<T>(&self, msg: String) -> PResult<T> {
        Err(Box::new(Error {
            kind: ErrorKind::Parse,
            name: self.parse_name.to_string(),
            line: self.st.token[0].line,
            col: 0,
            exec_name: String::new(),
            node: String::new(),
            message: msg,
            func: None,
        }))
    }

    fn unexpected<T>(&self, token: &Item<'a>, context: &str) -> PResult<T> {
        if token.typ == ItemType::Error {
            let mut extra = String::new();
            if self.st.action_line != 0 && self.st.action_line != token.line {
                extra = format!(
                    " in action started at {}:{}",
                    self.parse_name, self.st.action_line
                );
                if token.val.ends_with(" action") {
                    extra = extra[" in action".len()..].to_string();
                }
            }
            return self.errorf(format!("{token}{extra}"));
        }
        self.errorf(format!("unexpected {token} in {context}"))
    }

    fn expect(&mut self, expected: ItemType, context: &str) -> PResult<Item<'a>> {
        let t = self.next_non_space();
        if t.typ != expected {
            return self.unexpected(&t, context);
        }
        Ok(t)
    }

    /// Go's `Tree.add`: install a tree, replacing an empty one.
    fn add(&mut self, name: String, root: ListNode) -> PResult<()> {
        let tree = Tree {
            name: name.clone(),
            parse_name: self.parse_name.clone(),
            text: self.text.clone(),
            root,
        };
        match self.index.get(&name) {
            Some(&i) => {
                if self.trees[i].is_empty() {
                    self.trees[i] = tree;
                } else if !tree.is_empty() {
                    return self.errorf(format!(
                        "template: multiple definition of template {}",
                        go_quote(&name)
                    ));
                }
            }
            None => {
                self.index.insert(name, self.trees.len());
                self.trees.push(tree);
            }
        }
        Ok(())
    }

    fn parse_top(&mut self) -> PResult<ListNode> {
        let mut root = ListNode {
            pos: self.peek().pos,
            nodes: Vec::new(),
        };
        while self.peek().typ != ItemType::Eof {
            if self.peek().typ == ItemType::LeftDelim {
                let delim = self.next();
                if self.next_non_space().typ == ItemType::Define {
                    // A new tree with its own token buffer shares the lexer.
                    let saved = std::mem::replace(&mut self.st, TreeState::new());
                    self.parse_definition()?;
                    self.st = saved;
                    continue;
                }
                self.backup2(delim);
            }
            match self.text_or_action()? {
                Parsed::Node(n) => root.nodes.push(n),
                other => return self.errorf(format!("unexpected {}", other.describe())),
            }
        }
        Ok(root)
    }

    fn parse_definition(&mut self) -> PResult<()> {
        const CONTEXT: &str = "define clause";
        let name = self.next_non_space();
        if name.typ != ItemType::String && name.typ != ItemType::RawString {
            return self.unexpected(&name, CONTEXT);
        }
        let tname = match unquote(name.val) {
            Ok(s) => s,
            Err(e) => return self.errorf(e),
        };
        self.expect(ItemType::RightDelim, CONTEXT)?;
        let (list, end) = self.item_list()?;
        if !matches!(end, Parsed::End) {
            return self.errorf(format!("unexpected {} in {}", end.describe(), CONTEXT));
        }
        self.add(tname, list)
    }

    fn item_list(&mut self) -> PResult<(ListNode, Parsed)> {
        let mut list = ListNode {
            pos: self.peek_non_space().pos,
            nodes: Vec::new(),
        };
        while self.peek_non_space().typ != ItemType::Eof {
            match self.text_or_action()? {
                Parsed::Node(n) => list.nodes.push(n),
                other => return Ok((list, other)),
            }
        }
        self.errorf("unexpected EOF".into())
    }

    fn text_or_action(&mut self) -> PResult<Parsed> {
        let token = self.next_non_space();
        match token.typ {
            ItemType::Text => {
                // Text tokens are slices of the input, which is `self.text`.
                let t = token.val;
                let shared = SharedStr::new(self.text.clone(), token.pos, token.pos + t.len())
                    .filter(|sh| std::ptr::eq(sh.as_ptr(), t.as_ptr()) && sh.len() == t.len())
                    .unwrap_or_else(|| t.into());
                Ok(Parsed::Node(Node::Text {
                    pos: token.pos,
                    text: shared,
                }))
            }
            ItemType::LeftDelim => {
                self.st.action_line = token.line;
                let r = self.action();
                self.st.action_line = 0;
                r
            }
            ItemType::Comment => Ok(Parsed::Node(Node::Comment {
                pos: token.pos,
                text: token.val.into(),
            })),
            _ => self.unexpected(&token, "input"),
        }
    }

    fn action(&mut self) -> PResult<Parsed> {
        let token = self.next_non_space();
        match token.typ {
            ItemType::Block => return self.block_control().map(Parsed::Node),
            ItemType::Break => return self.break_control(token.pos, true),
            ItemType::Continue => return self.break_control(token.pos, false),
            ItemType::Else => return self.else_control(),
            ItemType::End => return self.end_control(),
            ItemType::If => return self.branch_control("if").map(Parsed::Node),
            ItemType::Range => return self.branch_control("range").map(Parsed::Node),
            ItemType::Template => return self.template_control().map(Parsed::Node),
            ItemType::With => return self.branch_control("with").map(Parsed::Node),
            _ => {}
        }
        self.backup();
        let token = self.peek();
        let pipe = self.pipeline("command", ItemType::RightDelim)?;
        Ok(Parsed::Node(Node::Action(Box::new(ActionNode {
            pos: token.pos,
            pipe,
        }))))
    }

    fn break_control(&mut self, pos: Pos, is_break: bool) -> PResult<Parsed> {
        let name = if is_break {
            "{{break}}"
        } else {
            "{{continue}}"
        };
        let token = self.next_non_space();
        if token.typ != ItemType::RightDelim {
            return self.unexpected(&token, name);
        }
        if self.st.range_depth == 0 {
            return self.errorf(format!("{name} outside {{{{range}}}}"));
        }
        Ok(Parsed::Node(if is_break {
            Node::Break { pos }
        } else {
            Node::Continue { pos }
        }))
    }

    fn pipeline(&mut self, context: &str, end: ItemType) -> PResult<PipeNode> {
        let token = self.peek_non_space();
        let mut pipe = PipeNode {
            pos: token.pos,
            is_assign: false,
            decl: Vec::new(),
            // Most pipelines are one or two commands.
            cmds: Vec::with_capacity(2),
        };
        'decls: loop {
            let v = self.peek_non_space();
            if v.typ != ItemType::Variable {
                break 'decls;
            }
            self.next();
            let token_after = self.peek();
            let next = self.peek_non_space();
            if next.typ == ItemType::Assign || next.typ == ItemType::Declare {
                pipe.is_assign = next.typ == ItemType::Assign;
                self.next_non_space();
                let var = self.new_variable(v.pos, v.val);
                pipe.decl.push(var);
                self.st.vars.push(v.val.into());
            } else if next.typ == ItemType::Char && next.val == "," {
                self.next_non_space();
                let var = self.new_variable(v.pos, v.val);
                pipe.decl.push(var);
                self.st.vars.push(v.val.into());
                if context == "range" && pipe.decl.len() < 2 {
                    match self.peek_non_space().typ {
                        ItemType::Variable | ItemType::RightDelim | ItemType::RightParen => {
                            continue 'decls
                        }
                        _ => return self.errorf("range can only initialize variables".into()),
                    }
                }
                return self.errorf(format!("too many declarations in {context}"));
            } else if token_after.typ == ItemType::Space {
                self.backup3(v, token_after);
            } else {
                self.backup2(v);
            }
            break 'decls;
        }
        loop {
            let token = self.next_non_space();
            match token.typ {
                t if t == end => {
                    self.check_pipeline(&pipe, context)?;
                    return Ok(pipe);
                }
                ItemType::Bool
                | ItemType::CharConstant
                | ItemType::Complex
                | ItemType::Dot
                | ItemType::Field
                | ItemType::Identifier
                | ItemType::Number
                | ItemType::Nil
                | ItemType::RawString
                | ItemType::String
                | ItemType::Variable
                | ItemType::LeftParen => {
                    self.backup();
                    let cmd = self.command()?;
                    pipe.cmds.push(cmd);
                    if pipe.cmds.len() > MAX_PIPELINE_CMDS {
                        return self.errorf("pipeline too long".into());
                    }
                }
                _ => return self.unexpected(&token, context),
            }
        }
    }

    fn check_pipeline(&self, pipe: &PipeNode, context: &str) -> PResult<()> {
        if pipe.cmds.is_empty() {
            return self.errorf(format!("missing value for {context}"));
        }
        for (i, c) in pipe.cmds.iter().enumerate().skip(1) {
            if matches!(
                c.args[0],
                Arg::Bool { .. }
                    | Arg::Dot { .. }
                    | Arg::Nil { .. }
                    | Arg::Number(_)
                    | Arg::String(_)
            ) {
                return self.errorf(format!(
                    "non executable command in pipeline stage {}",
                    i + 1
                ));
            }
        }
        Ok(())
    }

    fn branch_control(&mut self, context: &'static str) -> PResult<Node> {
        let nvars = self.st.vars.len();
        let r = self.parse_control(context);
        self.st.vars.truncate(nvars);
        let b = Box::new(r?);
        Ok(match context {
            "if" => Node::If(b),
            "range" => Node::Range(b),
            _ => Node::With(b),
        })
    }

    fn parse_control(&mut self, context: &'static str) -> PResult<BranchNode> {
        let pipe = self.pipeline(context, ItemType::RightDelim)?;
        if context == "range" {
            self.st.range_depth += 1;
        }
        let r = self.item_list();
        if context == "range" {
            self.st.range_depth -= 1;
        }
        let (list, next) = r?;
        let mut else_list = None;
        match next {
            Parsed::End => {}
            Parsed::Else(epos) => {
                if context == "if" && self.peek().typ == ItemType::If {
                    self.next();
                    let n = self.branch_control("if")?;
                    else_list = Some(ListNode {
                        pos: epos,
                        nodes: vec![n],
                    });
                } else if context == "with" && self.peek().typ == ItemType::With {
                    self.next();
                    let n = self.branch_control("with")?;
                    else_list = Some(ListNode {
                        pos: epos,
                        nodes: vec![n],
                    });
                } else {
                    let (el, next) = self.item_list()?;
                    if !matches!(next, Parsed::End) {
                        return self.errorf(format!("expected end; found {}", next.describe()));
                    }
                    else_list = Some(el);
                }
            }
            Parsed::Node(_) => unreachable_node(),
        }
        Ok(BranchNode {
            pos: pipe.pos,
            pipe,
            list,
            else_list,
        })
    }

    fn end_control(&mut self) -> PResult<Parsed> {
        let t = self.expect(ItemType::RightDelim, "end")?;
        let _ = t;
        Ok(Parsed::End)
    }

    fn else_control(&mut self) -> PResult<Parsed> {
        let peek = self.peek_non_space();
        if peek.typ == ItemType::If || peek.typ == ItemType::With {
            return Ok(Parsed::Else(peek.pos));
        }
        let t = self.expect(ItemType::RightDelim, "else")?;
        Ok(Parsed::Else(t.pos))
    }

    fn block_control(&mut self) -> PResult<Node> {
        const CONTEXT: &str = "block clause";
        let token = self.next_non_space();
        let name = self.parse_template_name(&token, CONTEXT)?;
        let pipe = self.pipeline(CONTEXT, ItemType::RightDelim)?;
        let saved = std::mem::replace(&mut self.st, TreeState::new());
        let r = self.item_list();
        let (list, end) = match r {
            Ok(x) => x,
            Err(e) => {
                self.st = saved;
                return Err(e);
            }
        };
        let add = self.add(name.clone(), list);
        self.st = saved;
        if !matches!(end, Parsed::End) {
            return self.errorf(format!("unexpected {} in {}", end.describe(), CONTEXT));
        }
        add?;
        Ok(Node::Template(Box::new(TemplateNode {
            pos: token.pos,
            name,
            pipe: Some(pipe),
        })))
    }

    fn template_control(&mut self) -> PResult<Node> {
        const CONTEXT: &str = "template clause";
        let token = self.next_non_space();
        let name = self.parse_template_name(&token, CONTEXT)?;
        let mut pipe = None;
        if self.next_non_space().typ != ItemType::RightDelim {
            self.backup();
            pipe = Some(self.pipeline(CONTEXT, ItemType::RightDelim)?);
        }
        Ok(Node::Template(Box::new(TemplateNode {
            pos: token.pos,
            name,
            pipe,
        })))
    }

    fn parse_template_name(&self, token: &Item<'a>, context: &str) -> PResult<String> {
        match token.typ {
            ItemType::String | ItemType::RawString => match unquote(token.val) {
                Ok(s) => Ok(s),
                Err(e) => self.errorf(e),
            },
            _ => self.unexpected(token, context),
        }
    }

    fn command(&mut self) -> PResult<CommandNode> {
        let pos = self.peek_non_space().pos;
        let mut cmd = CommandNode {
            pos,
            // A function and a few arguments, typically.
            args: Vec::with_capacity(4),
        };
        loop {
            self.peek_non_space();
            if let Some(op) = self.operand()? {
                cmd.args.push(op);
            }
            let token = self.next();
            match token.typ {
                ItemType::Space => continue,
                ItemType::RightDelim | ItemType::RightParen => self.backup(),
                ItemType::Pipe => {}
                _ => return self.unexpected(&token, "operand"),
            }
            break;
        }
        if cmd.args.is_empty() {
            return self.errorf("empty command".into());
        }
        Ok(cmd)
    }

    fn operand(&mut self) -> PResult<Option<Arg>> {
        let Some(node) = self.term()? else {
            return Ok(None);
        };
        if self.peek().typ == ItemType::Field {
            let cpos = self.peek().pos;
            let mut fields: Vec<Rc<str>> = Vec::new();
            while self.peek().typ == ItemType::Field {
                let f = self.next();
                fields.push(self.intern(&f.val[1..]));
            }
            let node = match node {
                Arg::Field { ident, .. } => {
                    let ident = ident.iter().cloned().chain(fields).collect();
                    Arg::Field { pos: cpos, ident }
                }
                Arg::Variable(mut v) => {
                    v.ident = v.ident.iter().cloned().chain(fields).collect();
                    v.pos = cpos;
                    Arg::Variable(v)
                }
                Arg::Bool { .. }
                | Arg::String(_)
                | Arg::Number(_)
                | Arg::Nil { .. }
                | Arg::Dot { .. } => {
                    return self.errorf(format!(
                        "unexpected . after term {}",
                        go_quote(&node.to_string())
                    ));
                }
                other => Arg::Chain(Box::new(ChainNode {
                    pos: cpos,
                    node: other,
                    field: fields,
                })),
            };
            return Ok(Some(node));
        }
        Ok(Some(node))
    }

    fn term(&mut self) -> PResult<Option<Arg>> {
        let token = self.next_non_space();
        Ok(Some(match token.typ {
            ItemType::Identifier => {
                let Some(func) = (self.lookup)(token.val) else {
                    return self.errorf(format!("function {} not defined", go_quote(token.val)));
                };
                let name = self.intern(token.val);
                Arg::Identifier(Box::new(IdentNode {
                    pos: token.pos,
                    name,
                    func,
                }))
            }
            ItemType::Dot => Arg::Dot { pos: token.pos },
            ItemType::Nil => Arg::Nil { pos: token.pos },
            ItemType::Variable => {
                let v = self.new_variable(token.pos, token.val);
                if !self.st.vars.iter().any(|n| **n == *v.ident[0]) {
                    return self.errorf(format!("undefined variable {}", go_quote(&v.ident[0])));
                }
                Arg::Variable(v)
            }
            ItemType::Field => Arg::Field {
                pos: token.pos,
                ident: self.intern_path(&token.val[1..]),
            },
            ItemType::Bool => Arg::Bool {
                pos: token.pos,
                val: token.val == "true",
            },
            ItemType::CharConstant | ItemType::Complex | ItemType::Number => {
                match new_number(token.pos, token.val, token.typ) {
                    Ok(n) => Arg::Number(Box::new(n)),
                    Err(e) => return self.errorf(e),
                }
            }
            ItemType::LeftParen => {
                if self.st.stack_depth >= MAX_STACK_DEPTH {
                    return self.errorf("max expression depth exceeded".into());
                }
                self.st.stack_depth += 1;
                let r = self.pipeline("parenthesized pipeline", ItemType::RightParen);
                self.st.stack_depth -= 1;
                Arg::Pipe(Box::new(r?))
            }
            ItemType::String | ItemType::RawString => {
                let q = token.val;
                let text = match self.unquoted.get(q) {
                    Some(t) => t.clone(),
                    None => match unquote(q) {
                        Ok(s) => {
                            let t: Rc<str> = Rc::from(s);
                            self.unquoted.insert(q, t.clone());
                            t
                        }
                        Err(e) => return self.errorf(e),
                    },
                };
                Arg::String(Box::new(StringNode {
                    pos: token.pos,
                    quoted: self.intern(q),
                    text,
                }))
            }
            _ => {
                self.backup();
                return Ok(None);
            }
        }))
    }
}

fn unreachable_node() {}

// ---------------------------------------------------------------------------
// strconv: Unquote, UnquoteChar, ParseInt/ParseUint/ParseFloat (base 0).

/// Go's `strconv.UnquoteChar`: decodes one (possibly escaped) character.
/// Returns the value (a code point, or a raw byte for `\x`/octal escapes),
/// whether it is a byte, and the remaining text.
fn unquote_char(s: &str, quote: char) -> Result<(u32, bool, &str), ()> {
    let mut chars = s.chars();
    let c = chars.next().ok_or(())?;
    if c == quote && (quote == '\'' || quote == '"') {
        return Err(());
    }
    if c != '\\' {
        return Ok((c as u32, false, chars.as_str()));
    }
    let c = chars.next().ok_or(())?;
    let rest = chars.as_str();
    let simple = match c {
        'a' => Some(7),
        'b' => Some(8),
        'f' => Some(12),
        'n' => Some(10),
        'r' => Some(13),
        't' => Some(9),
        'v' => Some(11),
        '\\' => Some(b'\\' as u32),
        '\'' | '"' => {
            if c != quote {
                return Err(());
            }
            Some(c as u32)
        }
        _ => None,
    };
    if let Some(v) = simple {
        return Ok((v, false, rest));
    }
    match c {
        'x' | 'u' | 'U' => {
            let n = match c {
                'x' => 2,
                'u' => 4,
                _ => 8,
            };
            if rest.len() < n || !rest.is_char_boundary(n) {
                return Err(());
            }
            let v = u32::from_str_radix(&rest[..n], 16).map_err(|_| ())?;
            if rest[..n].starts_with('+') {
                return Err(());
            }
            if c == 'x' {
                return Ok((v, true, &rest[n..]));
            }
            if char::from_u32(v).is_none() {
                return Err(());
            }
            Ok((v, false, &rest[n..]))
        }
        '0'..='7' => {
            let full = &s[1..];
            if full.len() < 3 || !full.is_char_boundary(3) {
                return Err(());
            }
            let v = u32::from_str_radix(&full[..3], 8).map_err(|_| ())?;
            if full[..3].bytes().any(|b| !(b'0'..=b'7').contains(&b)) || v > 255 {
                return Err(());
            }
            Ok((v, true, &full[3..]))
        }
        _ => Err(()),
    }
}

/// Go's `strconv.Unquote` for `"..."` and `` `...` `` literals; the error
/// text is Go's (`invalid syntax`).  Byte escapes that do not form valid
/// UTF-8 are replaced by U+FFFD (Rust strings must be UTF-8).
pub fn unquote(s: &str) -> Result<String, String> {
    let err = || "invalid syntax".to_string();
    if s.len() < 2 {
        return Err(err());
    }
    let q = s.as_bytes()[0];
    if q != s.as_bytes()[s.len() - 1] {
        return Err(err());
    }
    let body = &s[1..s.len() - 1];
    if q == b'`' {
        if body.contains('`') {
            return Err(err());
        }
        return Ok(body.replace('\r', ""));
    }
    if q != b'"' && q != b'\'' {
        return Err(err());
    }
    if body.contains('\n') {
        return Err(err());
    }
    if !body.contains('\\') && !body.contains(q as char) {
        return Ok(body.to_string());
    }
    let mut buf: Vec<u8> = Vec::with_capacity(body.len());
    let mut rest = body;
    while !rest.is_empty() {
        let (v, is_byte, tail) = unquote_char(rest, q as char).map_err(|_| err())?;
        rest = tail;
        if is_byte {
            buf.push(v as u8);
        } else {
            let c = char::from_u32(v).ok_or_else(err)?;
            let mut tmp = [0u8; 4];
            buf.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
        }
    }
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// Go's `strconv.underscoreOK`: underscores only between digits (or after
/// a base prefix); shared with Sprig's number casts
/// ([`crate::digit_separators_ok`]).
pub(crate) fn underscore_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let mut saw = b'^';
    let mut i = 0;
    let mut s = b;
    if !s.is_empty() && (s[0] == b'-' || s[0] == b'+') {
        s = &s[1..];
    }
    let mut hex = false;
    if s.len() >= 2 && s[0] == b'0' && matches!(s[1] | 0x20, b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = (s[1] | 0x20) == b'x';
    }
    while i < s.len() {
        let c = s[i];
        if c.is_ascii_digit() || (hex && c.is_ascii_hexdigit()) {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
        i += 1;
    }
    saw != b'_'
}

/// `strconv.ParseUint(s, 0, 64)`.
fn parse_uint0(s: &str) -> Option<u64> {
    if s.is_empty() || s.starts_with('+') || s.starts_with('-') {
        return None;
    }
    let (base, digits, prefixed) = if s.len() >= 2 && s.starts_with('0') {
        match s.as_bytes()[1] | 0x20 {
            b'x' => (16, &s[2..], true),
            b'o' => (8, &s[2..], true),
            b'b' => (2, &s[2..], true),
            _ => (8, &s[1..], true),
        }
    } else {
        (10, s, false)
    };
    let _ = prefixed;
    if s.contains('_') && !underscore_ok(s) {
        return None;
    }
    let cleaned: String = digits.chars().filter(|&c| c != '_').collect();
    if cleaned.is_empty() {
        // "0" alone: digits empty after the leading 0 (octal "0").
        return if s == "0" { Some(0) } else { None };
    }
    u64::from_str_radix(&cleaned, base).ok()
}

/// `strconv.ParseInt(s, 0, 64)`.
fn parse_int0(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if s.contains('_') && !underscore_ok(s) {
        return None;
    }
    let u = parse_uint0(body)?;
    if neg {
        if u > (i64::MAX as u64) + 1 {
            return None;
        }
        Some((u as i128).wrapping_neg() as i64)
    } else {
        if u > i64::MAX as u64 {
            return None;
        }
        Some(u as i64)
    }
}

/// `strconv.ParseFloat(s, 64)` for the literal forms the lexer produces.
fn parse_float(s: &str) -> Option<f64> {
    if s.contains('_') && !underscore_ok(s) {
        return None;
    }
    let cleaned: String = s.chars().filter(|&c| c != '_').collect();
    let (neg, body) = match cleaned.as_bytes().first() {
        Some(b'-') => (true, &cleaned[1..]),
        Some(b'+') => (false, &cleaned[1..]),
        _ => (false, &cleaned[..]),
    };
    let v = if body.len() > 2 && body.starts_with('0') && (body.as_bytes()[1] | 0x20) == b'x' {
        parse_hex_float(&body[2..])?
    } else {
        if body.is_empty()
            || !body
                .bytes()
                .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
        {
            return None;
        }
        body.parse::<f64>().ok()?
    };
    Some(if neg { -v } else { v })
}

/// Go's `parse.newNumber`.
fn new_number(pos: Pos, text: &str, typ: ItemType) -> Result<NumberNode, String> {
    let mut n = NumberNode {
        pos,
        text: text.into(),
        is_int: false,
        is_uint: false,
        is_float: false,
        is_complex: false,
        int64: 0,
        uint64: 0,
        float64: 0.0,
        complex: (0.0, 0.0),
    };
    match typ {
        ItemType::CharConstant => {
            let (v, _, tail) =
                unquote_char(&text[1..], '\'').map_err(|_| "invalid syntax".to_string())?;
            if tail != "'" {
                return Err(format!("malformed character constant: {text}"));
            }
            n.int64 = v as i64;
            n.is_int = true;
            n.uint64 = v as u64;
            n.is_uint = true;
            n.float64 = v as f64;
            n.is_float = true;
            return Ok(n);
        }
        ItemType::Complex => {
            let bytes = text.as_bytes();
            let mut split = None;
            for i in (1..bytes.len()).rev() {
                if (bytes[i] == b'+' || bytes[i] == b'-')
                    && !matches!(bytes[i - 1] | 0x20, b'e' | b'p')
                {
                    split = Some(i);
                    break;
                }
            }
            let i = split.ok_or_else(|| "expected integer".to_string())?;
            let re = parse_float(&text[..i]).ok_or_else(|| "expected integer".to_string())?;
            let im = parse_float(&text[i..text.len() - 1])
                .ok_or_else(|| "expected integer".to_string())?;
            n.is_complex = true;
            n.complex = (re, im);
            simplify_complex(&mut n);
            return Ok(n);
        }
        _ => {}
    }
    if let Some(imag) = text.strip_suffix('i') {
        if let Some(f) = parse_float(imag) {
            n.is_complex = true;
            n.complex = (0.0, f);
            simplify_complex(&mut n);
            return Ok(n);
        }
    }
    let u = parse_uint0(text);
    if let Some(u) = u {
        n.is_uint = true;
        n.uint64 = u;
    }
    if let Some(i) = parse_int0(text) {
        n.is_int = true;
        n.int64 = i;
        if i == 0 {
            n.is_uint = true;
            n.uint64 = u.unwrap_or(0);
        }
    }
    if n.is_int {
        n.is_float = true;
        n.float64 = n.int64 as f64;
    } else if n.is_uint {
        n.is_float = true;
        n.float64 = n.uint64 as f64;
    } else if let Some(f) = parse_float(text) {
        if !text.contains(['.', 'e', 'E', 'p', 'P']) {
            return Err(format!("integer overflow: {}", go_quote(text)));
        }
        n.is_float = true;
        n.float64 = f;
        if !n.is_int && (f as i64) as f64 == f && f.fract() == 0.0 && f.abs() < 9.3e18 {
            n.is_int = true;
            n.int64 = f as i64;
        }
        if !n.is_uint && f >= 0.0 && (f as u64) as f64 == f && f.fract() == 0.0 && f < 1.85e19 {
            n.is_uint = true;
            n.uint64 = f as u64;
        }
    }
    if !n.is_int && !n.is_uint && !n.is_float {
        return Err(format!("illegal number syntax: {}", go_quote(text)));
    }
    Ok(n)
}

fn simplify_complex(n: &mut NumberNode) {
    n.is_float = n.complex.1 == 0.0;
    if n.is_float {
        let f = n.complex.0;
        n.float64 = f;
        n.is_int = f.fract() == 0.0 && f.abs() < 9.2e18;
        if n.is_int {
            n.int64 = f as i64;
        }
        n.is_uint = f.fract() == 0.0 && (0.0..1.8e19).contains(&f);
        if n.is_uint {
            n.uint64 = f as u64;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(parse_int0("0x1F"), Some(31));
        assert_eq!(parse_int0("017"), Some(15));
        assert_eq!(parse_int0("0o17"), Some(15));
        assert_eq!(parse_int0("0b101"), Some(5));
        assert_eq!(parse_int0("1_000"), Some(1000));
        assert_eq!(parse_int0("-7"), Some(-7));
        assert_eq!(parse_int0("089"), None);
        assert_eq!(parse_float("0x1p4"), Some(16.0));
        assert_eq!(parse_float(".5"), Some(0.5));
        assert_eq!(parse_float("1e3"), Some(1000.0));
    }

    #[test]
    fn unquoting() {
        assert_eq!(unquote(r#""a\tb""#).unwrap(), "a\tb");
        assert_eq!(unquote(r#""\u00e9\x41""#).unwrap(), "éA");
        assert_eq!(unquote("`a\r\nb`").unwrap(), "a\nb");
        assert!(unquote(r#""\q""#).is_err());
    }
}
