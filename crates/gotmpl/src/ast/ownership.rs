//! A debug-build check of what lets parse trees cross threads.
//!
//! Trees parsed on a helper thread are sent back although they hold
//! `Rc`s (see `exec::helper_parse`).  That is sound only while every
//! `Rc` reachable from the sent trees has all its references inside
//! them: then each reference count moves to the other thread whole.
//! [`sole_owner`] verifies exactly that: it counts, per allocation, the
//! references found by walking the trees and compares the count with
//! `Rc::strong_count` (and requires no `Weak`s).
//!
//! The walk destructures every node type without `..` and matches every
//! variant without a wildcard, so a new field or node type does not
//! compile until it is walked here: a tree cannot gain an `Rc` (an
//! interner shared across parses, a cached node, an `Rc<FuncMap>`) that
//! this check does not see.

use std::collections::HashMap;
use std::rc::Rc;

use super::*;

struct Seen {
    /// References found in the trees.
    refs: usize,
    strong: usize,
    weak: usize,
    what: &'static str,
}

#[derive(Default)]
struct Census {
    seen: HashMap<*const (), Seen>,
}

impl Census {
    /// Count one reference to `rc`'s allocation; true the first time
    /// (the caller then walks the contents, which the allocation holds once).
    fn rc<T: ?Sized>(&mut self, rc: &Rc<T>, what: &'static str) -> bool {
        let seen = self
            .seen
            .entry(Rc::as_ptr(rc) as *const ())
            .or_insert(Seen {
                refs: 0,
                strong: Rc::strong_count(rc),
                weak: Rc::weak_count(rc),
                what,
            });
        seen.refs += 1;
        seen.refs == 1
    }

    fn tree(&mut self, t: &Tree) {
        let Tree {
            name: _,
            parse_name,
            text,
            root,
        } = t;
        self.rc(parse_name, "a tree's parse name");
        self.rc(text, "a tree's text");
        self.list(root);
    }

    fn list(&mut self, l: &ListNode) {
        let ListNode { pos: _, nodes } = l;
        for n in nodes {
            self.node(n);
        }
    }

    fn node(&mut self, n: &Node) {
        match n {
            Node::Text { pos: _, text } => {
                let SharedStr {
                    src,
                    start: _,
                    end: _,
                } = text;
                self.rc(src, "a text node's source");
            }
            Node::Comment { pos: _, text: _ }
            | Node::Break { pos: _ }
            | Node::Continue { pos: _ } => {}
            Node::Action(a) => {
                let ActionNode { pos: _, pipe } = &**a;
                self.pipe(pipe);
            }
            Node::If(b) | Node::With(b) | Node::Range(b) => {
                let BranchNode {
                    pos: _,
                    pipe,
                    list,
                    else_list,
                } = &**b;
                self.pipe(pipe);
                self.list(list);
                if let Some(e) = else_list {
                    self.list(e);
                }
            }
            Node::Template(t) => {
                let TemplateNode {
                    pos: _,
                    name: _,
                    pipe,
                } = &**t;
                if let Some(p) = pipe {
                    self.pipe(p);
                }
            }
        }
    }

    fn pipe(&mut self, p: &PipeNode) {
        let PipeNode {
            pos: _,
            is_assign: _,
            decl,
            cmds,
        } = p;
        for v in decl {
            self.variable(v);
        }
        for c in cmds {
            let CommandNode { pos: _, args } = c;
            for a in args {
                self.arg(a);
            }
        }
    }

    fn path(&mut self, p: &Path) {
        if self.rc(p, "a path") {
            for part in p.iter() {
                self.rc(part, "a path element");
            }
        }
    }

    fn variable(&mut self, v: &VariableNode) {
        let VariableNode { pos: _, ident } = v;
        self.path(ident);
    }

    fn arg(&mut self, a: &Arg) {
        match a {
            Arg::Field { pos: _, ident } => self.path(ident),
            Arg::Chain(c) => {
                let ChainNode {
                    pos: _,
                    node,
                    field,
                } = &**c;
                self.arg(node);
                for f in field {
                    self.rc(f, "a chain's field name");
                }
            }
            Arg::Identifier(i) => {
                let IdentNode {
                    pos: _,
                    name,
                    func: _,
                } = &**i;
                self.rc(name, "an identifier");
            }
            Arg::Pipe(p) => self.pipe(p),
            Arg::Variable(v) => self.variable(v),
            Arg::Bool { pos: _, val: _ } | Arg::Dot { pos: _ } | Arg::Nil { pos: _ } => {}
            Arg::Number(n) => {
                // Plain data only (no `Rc`): listed so a new field shows up here.
                let NumberNode {
                    pos: _,
                    text: _,
                    is_int: _,
                    is_uint: _,
                    is_float: _,
                    is_complex: _,
                    int64: _,
                    uint64: _,
                    float64: _,
                    complex: _,
                } = &**n;
            }
            Arg::String(s) => {
                let StringNode {
                    pos: _,
                    quoted,
                    text,
                } = &**s;
                self.rc(quoted, "a string literal");
                self.rc(text, "a string literal's text");
            }
        }
    }
}

/// `Ok` when every `Rc` reachable from `trees` is referenced from `trees`
/// alone (no other strong or weak reference anywhere); else what is shared.
pub(crate) fn sole_owner(trees: &[Tree]) -> Result<(), String> {
    let mut census = Census::default();
    for t in trees {
        census.tree(t);
    }
    let mut shared: Vec<String> = census
        .seen
        .values()
        .filter(|s| s.refs != s.strong || s.weak != 0)
        .map(|s| {
            format!(
                "{}: {} strong and {} weak references, {} of them in the trees",
                s.what, s.strong, s.weak, s.refs
            )
        })
        .collect();
    if shared.is_empty() {
        return Ok(());
    }
    shared.sort();
    Err(shared.join("; "))
}
