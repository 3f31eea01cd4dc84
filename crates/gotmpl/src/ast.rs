//! Parse tree, shaped like Go's `text/template/parse` nodes.
//!
//! Every node keeps its byte position (`pos`) because exec errors report
//! `line:col` computed from it, and implements Go's `String()` form
//! (`write_to`) because errors quote the failing node (`at <NODE>`).
//! Function identifiers are resolved while parsing ([`FuncRef`]) so the
//! executor never looks names up.

use std::fmt::Write as _;
use std::rc::Rc;

use crate::builtins::{go_quote, Builtin};

#[cfg(any(debug_assertions, test))]
pub(crate) mod ownership;

pub type Pos = usize;

/// One parsed template (Go's `parse.Tree`).
pub struct Tree {
    pub name: String,
    /// Name of the top-level template the text was parsed as (errors use it).
    pub parse_name: Rc<str>,
    /// The whole text that was parsed (shared by all `define`s in it).
    pub text: Rc<str>,
    pub root: ListNode,
}

impl Tree {
    /// Go's `IsEmptyTree` of the root.
    pub fn is_empty(&self) -> bool {
        self.root.is_empty_tree()
    }

    /// Go's `ErrorContext`: `NAME:LINE:COL` (COL is the 0-based byte
    /// offset within the line, exactly as Go computes it).
    pub fn location(&self, pos: Pos) -> (usize, usize) {
        let pos = pos.min(self.text.len());
        let before = &self.text.as_bytes()[..pos];
        let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
        let col = match before.iter().rposition(|&b| b == b'\n') {
            None => pos,
            Some(i) => pos - (i + 1),
        };
        (line, col)
    }
}

pub struct ListNode {
    pub pos: Pos,
    pub nodes: Vec<Node>,
}

impl ListNode {
    pub fn is_empty_tree(&self) -> bool {
        self.nodes.iter().all(|n| match n {
            Node::Text { text, .. } => text.trim_matches(|c: char| c.is_whitespace()).is_empty(),
            Node::Comment { .. } => true,
            _ => false,
        })
    }
}

/// A slice of a template's source text, sharing the text instead of
/// copying it (text nodes are most of a template's bytes).
#[derive(Clone)]
pub struct SharedStr {
    src: Rc<str>,
    start: usize,
    end: usize,
}

impl SharedStr {
    /// `src[start..end]`; `None` when that is not a valid slice.
    pub fn new(src: Rc<str>, start: usize, end: usize) -> Option<SharedStr> {
        src.get(start..end)?;
        Some(SharedStr { src, start, end })
    }
}

impl From<&str> for SharedStr {
    fn from(s: &str) -> SharedStr {
        SharedStr {
            src: Rc::from(s),
            start: 0,
            end: s.len(),
        }
    }
}

impl std::ops::Deref for SharedStr {
    type Target = str;
    fn deref(&self) -> &str {
        // Checked in `new`; `From<&str>` covers the whole string.
        self.src.get(self.start..self.end).unwrap_or_default()
    }
}

pub enum Node {
    Text { pos: Pos, text: SharedStr },
    Comment { pos: Pos, text: Box<str> },
    Action(Box<ActionNode>),
    If(Box<BranchNode>),
    With(Box<BranchNode>),
    Range(Box<BranchNode>),
    Template(Box<TemplateNode>),
    Break { pos: Pos },
    Continue { pos: Pos },
}

pub struct ActionNode {
    pub pos: Pos,
    pub pipe: PipeNode,
}

pub struct BranchNode {
    pub pos: Pos,
    pub pipe: PipeNode,
    pub list: ListNode,
    pub else_list: Option<ListNode>,
}

pub struct TemplateNode {
    pub pos: Pos,
    pub name: String,
    pub pipe: Option<PipeNode>,
}

pub struct PipeNode {
    pub pos: Pos,
    pub is_assign: bool,
    pub decl: Vec<VariableNode>,
    pub cmds: Vec<CommandNode>,
}

pub struct CommandNode {
    pub pos: Pos,
    pub args: Vec<Arg>,
}

/// A dotted name split at the dots (`.Values.image.tag`, `$x.a`). Paths
/// recur throughout a chart's templates, so the parser shares one copy of
/// each (a render builds and drops thousands of them).
pub type Path = Rc<[Rc<str>]>;

pub struct VariableNode {
    pub pos: Pos,
    pub ident: Path,
}

pub struct ChainNode {
    pub pos: Pos,
    pub node: Arg,
    pub field: Vec<Rc<str>>,
}

/// A resolved function: a Go builtin or a FuncMap entry, the latter by
/// its index in the parsing set's function table.  An index rather than
/// a pointer keeps parse trees free of references into the set, so a
/// batch of templates can be parsed on another thread
/// (`Template::parse_batch`).
#[derive(Clone, Copy)]
pub enum FuncRef {
    Builtin(Builtin),
    User(u32),
}

pub struct IdentNode {
    pub pos: Pos,
    pub name: Rc<str>,
    pub func: FuncRef,
}

pub struct NumberNode {
    pub pos: Pos,
    pub text: Box<str>,
    pub is_int: bool,
    pub is_uint: bool,
    pub is_float: bool,
    pub is_complex: bool,
    pub int64: i64,
    pub uint64: u64,
    pub float64: f64,
    pub complex: (f64, f64),
}

pub struct StringNode {
    pub pos: Pos,
    pub quoted: Rc<str>,
    pub text: Rc<str>,
}

/// Operands of a command (Go's node types that can appear in `CommandNode.Args`).
pub enum Arg {
    Field { pos: Pos, ident: Path },
    Chain(Box<ChainNode>),
    Identifier(Box<IdentNode>),
    Pipe(Box<PipeNode>),
    Variable(VariableNode),
    Bool { pos: Pos, val: bool },
    Dot { pos: Pos },
    Nil { pos: Pos },
    Number(Box<NumberNode>),
    String(Box<StringNode>),
}

impl Arg {
    pub fn pos(&self) -> Pos {
        match self {
            Arg::Field { pos, .. }
            | Arg::Bool { pos, .. }
            | Arg::Dot { pos }
            | Arg::Nil { pos } => *pos,
            Arg::Chain(c) => c.pos,
            Arg::Identifier(i) => i.pos,
            Arg::Pipe(p) => p.pos,
            Arg::Variable(v) => v.pos,
            Arg::Number(n) => n.pos,
            Arg::String(s) => s.pos,
        }
    }

    pub fn write_to(&self, sb: &mut String) {
        match self {
            Arg::Field { ident, .. } => {
                for i in ident.iter() {
                    sb.push('.');
                    sb.push_str(i);
                }
            }
            Arg::Chain(c) => {
                if let Arg::Pipe(p) = &c.node {
                    sb.push('(');
                    p.write_to(sb);
                    sb.push(')');
                } else {
                    c.node.write_to(sb);
                }
                for f in &c.field {
                    sb.push('.');
                    sb.push_str(f);
                }
            }
            Arg::Identifier(i) => sb.push_str(&i.name),
            Arg::Pipe(p) => p.write_to(sb),
            Arg::Variable(v) => v.write_to(sb),
            Arg::Bool { val, .. } => sb.push_str(if *val { "true" } else { "false" }),
            Arg::Dot { .. } => sb.push('.'),
            Arg::Nil { .. } => sb.push_str("nil"),
            Arg::Number(n) => sb.push_str(&n.text),
            Arg::String(s) => sb.push_str(&s.quoted),
        }
    }
}

impl std::fmt::Display for Arg {
    /// Go's `Node.String()`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut s = String::new();
        self.write_to(&mut s);
        f.write_str(&s)
    }
}

impl VariableNode {
    pub fn write_to(&self, sb: &mut String) {
        for (i, id) in self.ident.iter().enumerate() {
            if i > 0 {
                sb.push('.');
            }
            sb.push_str(id);
        }
    }
}

impl CommandNode {
    pub fn write_to(&self, sb: &mut String) {
        for (i, a) in self.args.iter().enumerate() {
            if i > 0 {
                sb.push(' ');
            }
            if let Arg::Pipe(p) = a {
                sb.push('(');
                p.write_to(sb);
                sb.push(')');
            } else {
                a.write_to(sb);
            }
        }
    }
}

impl PipeNode {
    pub fn write_to(&self, sb: &mut String) {
        if !self.decl.is_empty() {
            for (i, v) in self.decl.iter().enumerate() {
                if i > 0 {
                    sb.push_str(", ");
                }
                v.write_to(sb);
            }
            sb.push_str(if self.is_assign { " = " } else { " := " });
        }
        for (i, c) in self.cmds.iter().enumerate() {
            if i > 0 {
                sb.push_str(" | ");
            }
            c.write_to(sb);
        }
    }
}

impl ListNode {
    pub fn write_to(&self, sb: &mut String) {
        for n in &self.nodes {
            n.write_to(sb);
        }
    }
}

impl Node {
    pub fn pos(&self) -> Pos {
        match self {
            Node::Text { pos, .. }
            | Node::Comment { pos, .. }
            | Node::Break { pos }
            | Node::Continue { pos } => *pos,
            Node::Action(a) => a.pos,
            Node::If(b) | Node::With(b) | Node::Range(b) => b.pos,
            Node::Template(t) => t.pos,
        }
    }

    pub fn write_to(&self, sb: &mut String) {
        match self {
            Node::Text { text, .. } => sb.push_str(text),
            Node::Comment { text, .. } => {
                sb.push_str("{{");
                sb.push_str(text);
                sb.push_str("}}");
            }
            Node::Action(a) => {
                sb.push_str("{{");
                a.pipe.write_to(sb);
                sb.push_str("}}");
            }
            Node::If(b) => b.write_to("if", sb),
            Node::With(b) => b.write_to("with", sb),
            Node::Range(b) => b.write_to("range", sb),
            Node::Template(t) => {
                let _ = write!(sb, "{{{{template {}", go_quote(&t.name));
                if let Some(p) = &t.pipe {
                    sb.push(' ');
                    p.write_to(sb);
                }
                sb.push_str("}}");
            }
            Node::Break { .. } => sb.push_str("{{break}}"),
            Node::Continue { .. } => sb.push_str("{{continue}}"),
        }
    }
}

impl BranchNode {
    fn write_to(&self, name: &str, sb: &mut String) {
        sb.push_str("{{");
        sb.push_str(name);
        sb.push(' ');
        self.pipe.write_to(sb);
        sb.push_str("}}");
        self.list.write_to(sb);
        if let Some(e) = &self.else_list {
            sb.push_str("{{else}}");
            e.write_to(sb);
        }
        sb.push_str("{{end}}");
    }
}

/// A reference to any node, for error reporting (Go's `state.node`).
#[derive(Clone, Copy)]
pub enum NodeRef<'a> {
    None,
    Node(&'a Node),
    List(&'a ListNode),
    Pipe(&'a PipeNode),
    Cmd(&'a CommandNode),
    Arg(&'a Arg),
}

impl NodeRef<'_> {
    pub fn pos(&self) -> Pos {
        match self {
            NodeRef::None => 0,
            NodeRef::Node(n) => n.pos(),
            NodeRef::List(l) => l.pos,
            NodeRef::Pipe(p) => p.pos,
            NodeRef::Cmd(c) => c.pos,
            NodeRef::Arg(a) => a.pos(),
        }
    }

    fn node_text(&self) -> String {
        let mut s = String::new();
        match self {
            NodeRef::None => {}
            NodeRef::Node(n) => n.write_to(&mut s),
            NodeRef::List(l) => l.write_to(&mut s),
            NodeRef::Pipe(p) => p.write_to(&mut s),
            NodeRef::Cmd(c) => c.write_to(&mut s),
            NodeRef::Arg(a) => a.write_to(&mut s),
        }
        s
    }
}

impl std::fmt::Display for NodeRef<'_> {
    /// Go's `Node.String()` of the referenced node.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.node_text())
    }
}
