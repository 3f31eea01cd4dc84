//! The executor (Go's `text/template/exec.go`) and the template set.
//!
//! The code follows Go's structure function by function, including where
//! Go records the "current node" (`s.at(node)`): exec errors report that
//! node's position and text, and those are visible to Helm users.
//!
//! Values carry one bit of Go's static type ([`Val::iface`]): whether the
//! value came out of an `interface{}` slot (a `map[string]interface{}`
//! entry, a `[]interface{}` element).  Go's messages and nil handling
//! depend on it (`nil pointer evaluating interface {}.x` vs. `<no value>`).
//!
//! Recursion: execution recurses on the template structure (and on
//! `{{template}}` calls up to Go's depth limit of 100000).  Frames are
//! kept small, but callers must run execution on a thread with a large
//! stack (e.g. 512 MiB) to survive deliberately deep recursion.

use crate::fasthash::FastMap;
use std::rc::Rc;

use crate::ast::*;
use crate::builtins::{self, go_quote, val_type, Builtin};
use crate::error::{Error, ErrorKind};
use crate::func::{Context, FuncError, FuncMap, Function, ParamType};
use crate::value::{ElemKind, IntKind, List, Map, Value};

const MAX_EXEC_DEPTH: usize = 100000;

/// Go's `Option("missingkey=...")`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum MissingKey {
    /// `missingkey=default`/`invalid`: a missing key yields an invalid value (`<no value>`).
    #[default]
    Default,
    /// `missingkey=zero`: the element type's zero value (nil for `interface{}`).
    Zero,
    /// `missingkey=error`: execution stops with an error.
    Error,
}

/// A value plus whether its Go static type is `interface{}`.
#[derive(Clone, Default)]
pub struct Val {
    pub v: Value,
    pub iface: bool,
}

impl Val {
    fn plain(v: Value) -> Val {
        Val { v, iface: false }
    }
    /// An invalid `reflect.Value` (untyped nil).
    fn invalid() -> Val {
        Val::default()
    }
    fn is_invalid(&self) -> bool {
        self.v.is_nil() && !self.iface
    }
}

/// A set of associated named templates sharing one FuncMap, like Go's
/// `*template.Template`.
#[derive(Clone)]
pub struct Template {
    root: Rc<str>,
    funcs: Rc<FuncTable>,
    func_map: Rc<FuncMap>,
    missing_key: MissingKey,
    /// Definitions, shared between a set and its `tpl` clones.
    trees: Rc<FastMap<String, Rc<Tree>>>,
    /// Definitions made in a clone (by `tpl` text): they must not leak
    /// back into the parent, and cloning must stay cheap.
    overlay: FastMap<String, Rc<Tree>>,
    /// Templates still being parsed while others run
    /// ([`Template::parse_pipelined`]); shared with `tpl` clones.
    pending: Option<Rc<pipeline::Pending>>,
}

mod pipeline;

/// Below this many bytes of template text, a helper thread costs more to
/// start than it saves (measured: starting one is some tens of µs).
const PARALLEL_PARSE_MIN_BYTES: usize = 12 * 1024;

/// A set's functions, numbered: parse trees refer to them by index.
struct FuncTable {
    ids: std::sync::Arc<crate::fasthash::FastMap<String, u32>>,
    funcs: Vec<Function>,
}

impl FuncTable {
    fn lookup(&self, name: &str) -> Option<FuncRef> {
        lookup_id(&self.ids, name)
    }
}

/// Name resolution from the numbering alone (plain data, so the helper
/// thread of [`Template::parse_batch`] can use it).
fn lookup_id(ids: &crate::fasthash::FastMap<String, u32>, name: &str) -> Option<FuncRef> {
    if let Some(&i) = ids.get(name) {
        return Some(FuncRef::User(i));
    }
    Builtin::from_name(name).map(FuncRef::Builtin)
}

mod helper_parse;
use helper_parse::HelperParse;

impl Template {
    /// `root` is the set's name (Helm uses `gotpl`).
    pub fn new(root: &str, funcs: Rc<FuncMap>) -> Template {
        let mut ids = crate::fasthash::FastMap::with_capacity_and_hasher(
            funcs.funcs.len(),
            Default::default(),
        );
        let mut table = Vec::with_capacity(funcs.funcs.len());
        for (name, f) in &funcs.funcs {
            ids.insert(name.clone(), table.len() as u32);
            table.push(f.clone());
        }
        let table = FuncTable {
            ids: std::sync::Arc::new(ids),
            funcs: table,
        };
        Template {
            root: Rc::from(root),
            func_map: funcs.clone(),
            funcs: Rc::new(table),
            missing_key: MissingKey::Default,
            trees: Rc::new(FastMap::default()),
            overlay: FastMap::default(),
            pending: None,
        }
    }

    /// The functions this set was made with (for a fresh set alike).
    pub fn funcs_rc(&self) -> Rc<FuncMap> {
        self.func_map.clone()
    }

    pub fn set_missing_key(&mut self, mk: MissingKey) {
        self.missing_key = mk;
    }

    /// Like Go's `t.New(name).Parse(text)`: defines `name` and every
    /// `{{define}}`/`{{block}}` in the text.  A later definition replaces an
    /// earlier one unless it is empty (Go's `associate`).
    pub fn parse(&mut self, name: &str, text: &str) -> Result<(), Error> {
        self.parse_top(name, Rc::from(text), false)
            .map(|_| ())
            .map_err(|e| *e)
    }

    /// [`Template::parse`] for text the caller already holds shared (the
    /// trees keep it for error positions; this saves a copy).
    pub fn parse_shared(&mut self, name: &str, text: Rc<str>) -> Result<(), Error> {
        self.parse_top(name, text, false)
            .map(|_| ())
            .map_err(|e| *e)
    }

    /// Parse several templates, as [`Template::parse_shared`] on each in
    /// turn would: definitions are added in `items` order and the first
    /// failing item (in that order) is the error, with its index.  Large
    /// batches are shared with one helper thread when the machine has a
    /// spare core; parsing one text does not depend on the others, only
    /// adding the results to the set does, and that stays in order here.
    pub fn parse_batch(&mut self, items: &[(&str, Rc<str>)]) -> Result<(), (usize, Error)> {
        let bytes: usize = items.iter().map(|(_, t)| t.len()).sum();
        let parallel =
            bytes >= PARALLEL_PARSE_MIN_BYTES && items.len() > 1 && crate::has_spare_core();
        if !parallel {
            for (i, (name, text)) in items.iter().enumerate() {
                self.parse_top(name, text.clone(), false)
                    .map_err(|e| (i, *e))?;
            }
            return Ok(());
        }
        let ids = &self.funcs.ids;
        // Plain `&str`s for the helper: the `Rc`s themselves stay here.
        let plain: Vec<(&str, &str)> = items.iter().map(|(n, t)| (*n, &**t)).collect();
        let next = std::sync::atomic::AtomicUsize::new(0);
        let take = || next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut results: Vec<Option<Result<Vec<Tree>, Box<Error>>>> =
            (0..items.len()).map(|_| None).collect();
        let spawned = std::thread::scope(|scope| {
            let helper = std::thread::Builder::new().spawn_scoped(scope, || {
                let mut done = Vec::new();
                loop {
                    let i = take();
                    let Some((name, text)) = plain.get(i) else {
                        break;
                    };
                    let lookup = |n: &str| lookup_id(ids, n);
                    done.push((
                        i,
                        HelperParse::new(crate::parse::parse(name, text, &lookup)),
                    ));
                }
                done
            });
            loop {
                let i = take();
                let Some((name, text)) = items.get(i) else {
                    break;
                };
                let lookup = |n: &str| lookup_id(ids, n);
                results[i] = Some(crate::parse::parse_shared(name, text.clone(), &lookup));
            }
            helper.map(|h| h.join())
        });
        // (If the helper could not start or panicked, its share is redone below.)
        if let Ok(Ok(done)) = spawned {
            for (i, r) in done {
                results[i] = Some(r.into_result());
            }
        }
        for (i, r) in results.into_iter().enumerate() {
            let r = match r {
                Some(r) => r,
                None => {
                    let lookup = |n: &str| self.funcs.lookup(n);
                    crate::parse::parse_shared(items[i].0, items[i].1.clone(), &lookup)
                }
            };
            let trees = r.map_err(|e| (i, *e))?;
            self.add_trees(items[i].0, trees, false)
                .map_err(|e| (i, *e))?;
        }
        Ok(())
    }

    fn parse_top(
        &mut self,
        name: &str,
        text: Rc<str>,
        overlay: bool,
    ) -> Result<Rc<Tree>, Box<Error>> {
        let funcs = self.funcs.clone();
        let lookup = move |n: &str| funcs.lookup(n);
        let trees = crate::parse::parse_shared(name, text, &lookup)?;
        self.add_trees(name, trees, overlay)
    }

    /// Add the trees of one parse; returns the one named `name`.
    fn add_trees(
        &mut self,
        name: &str,
        trees: Vec<Tree>,
        overlay: bool,
    ) -> Result<Rc<Tree>, Box<Error>> {
        // Go executes `treeSet[name]` of this parse (even when the set
        // keeps an older definition because the new one is empty).
        let mut top = None;
        for tree in trees {
            let tree = Rc::new(tree);
            self.associate(tree.clone(), overlay);
            if tree.name == name {
                top = Some(tree);
            }
        }
        top.ok_or_else(|| Box::new(other_error(format!("template: {name}: no tree"))))
    }

    fn associate(&mut self, tree: Rc<Tree>, overlay: bool) {
        // (Not `lookup`: a name new to the set must not make it wait for
        // the templates still being parsed.)
        if let Some(old) = self.defined_now(&tree.name) {
            if tree.is_empty() && !Rc::ptr_eq(old, &tree) {
                return;
            }
        }
        if overlay {
            self.overlay.insert(tree.name.clone(), tree);
        } else {
            self.overlay.remove(&tree.name);
            Rc::make_mut(&mut self.trees).insert(tree.name.clone(), tree);
        }
    }

    fn lookup(&self, name: &str) -> Option<&Rc<Tree>> {
        self.overlay
            .get(name)
            .or_else(|| self.trees.get(name))
            .or_else(|| self.pending.as_ref().and_then(|p| p.late_lookup(name)))
    }

    /// Is `name` defined now?  (Files still being parsed by
    /// [`Template::parse_pipelined`] count once they are in the set.)
    pub fn has(&self, name: &str) -> bool {
        self.defined_now(name).is_some()
    }

    /// `lookup` without waiting for files still being parsed.
    fn defined_now(&self, name: &str) -> Option<&Rc<Tree>> {
        self.overlay
            .get(name)
            .or_else(|| self.trees.get(name))
            .or_else(|| self.pending.as_ref().and_then(|p| p.late_if_filled(name)))
    }

    /// Names of all defined templates (unordered).
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.overlay
            .keys()
            .chain(self.trees.keys().filter(|k| !self.overlay.contains_key(*k)))
            .map(|s| s.as_str())
    }

    /// Execute the named template with `data` as dot (and `$`).
    pub fn execute(&self, name: &str, data: &Value) -> Result<String, Error> {
        let Some(tree) = self.lookup(name) else {
            return Err(other_error(format!(
                "template: no template {} associated with template {}",
                go_quote(name),
                go_quote(&self.root)
            )));
        };
        run(self, tree, data).map_err(|e| *e)
    }
}

fn other_error(message: String) -> Error {
    Error {
        kind: ErrorKind::Other,
        name: String::new(),
        line: 0,
        col: 0,
        exec_name: String::new(),
        node: String::new(),
        message,
        func: None,
    }
}

fn run(set: &Template, tree: &Tree, data: &Value) -> Result<String, Box<Error>> {
    let dot = Val::plain(data.clone());
    let mut st = State {
        set,
        tree,
        node: NodeRef::None,
        vars: new_vars(dot.clone()),
        depth: 0,
        out: String::new(),
    };
    match st.walk_list(&dot, &tree.root) {
        Ok(()) => Ok(st.out),
        Err(Exit::Err(e)) => Err(e),
        // Unreachable: the parser rejects break/continue outside range.
        Err(_) => Ok(st.out),
    }
}

/// What a function body sees as its executor.
struct Ctx<'a> {
    set: &'a Template,
}

impl Context for Ctx<'_> {
    fn execute_named(&mut self, name: &str, data: &Value) -> Result<String, FuncError> {
        match self.set.lookup(name) {
            None => Err(FuncError::Msg(format!(
                "template: no template {} associated with template {}",
                go_quote(name),
                go_quote(&self.set.root)
            ))),
            Some(tree) => run(self.set, tree, data).map_err(FuncError::Template),
        }
    }

    fn execute_text(&mut self, name: &str, text: &str, data: &Value) -> Result<String, FuncError> {
        let mut clone = self.set.clone();
        let top = clone
            .parse_top(name, Rc::from(text), true)
            .map_err(FuncError::Template)?;
        run(&clone, &top, data).map_err(FuncError::Template)
    }
}

/// Non-local exits: an error, or `{{break}}`/`{{continue}}` unwinding to
/// the enclosing range.
pub(crate) enum Exit {
    Err(Box<Error>),
    Break,
    Continue,
}

type R<T> = Result<T, Exit>;

/// A template's variables, `$` first; room for a few `:=` without
/// regrowing (every `include` starts a new set).
fn new_vars<'a>(dot: Val) -> Vec<(&'a str, Val)> {
    let mut v = Vec::with_capacity(8);
    v.push(("$", dot));
    v
}

struct State<'a> {
    set: &'a Template,
    tree: &'a Tree,
    node: NodeRef<'a>,
    vars: Vec<(&'a str, Val)>,
    depth: usize,
    out: String,
}

/// Argument type expected by a parameter (`None`: untyped, as Go's nil type).
type ArgType = Option<ParamType>;

fn param_go_name(t: ParamType) -> &'static str {
    match t {
        ParamType::Any => "interface {}",
        ParamType::String | ParamType::StringBytes => "string",
        ParamType::Bool => "bool",
        ParamType::Int => "int",
        ParamType::Int64 => "int64",
        ParamType::Float64 => "float64",
        ParamType::Bytes => "[]uint8",
        ParamType::List => "[]interface {}",
        ParamType::StringList => "[]string",
        ParamType::Map => "map[string]interface {}",
    }
}

fn can_be_nil(t: ParamType) -> bool {
    matches!(
        t,
        ParamType::Any
            | ParamType::Bytes
            | ParamType::List
            | ParamType::StringList
            | ParamType::Map
    )
}

/// The zero value Go passes for a nil argument of a nillable type.
fn nil_of(t: ParamType) -> Value {
    match t {
        ParamType::Bytes => Value::Bytes(Rc::from(&[][..])),
        ParamType::List => Value::List(List {
            items: Rc::new(Vec::new()),
            elem: ElemKind::Any,
        }),
        ParamType::StringList => Value::List(List {
            items: Rc::new(Vec::new()),
            elem: ElemKind::String,
        }),
        ParamType::Map => Value::Map(Map::new(Default::default())),
        _ => Value::Nil,
    }
}

fn assignable(v: &Value, t: ParamType) -> bool {
    match t {
        ParamType::Any => true,
        ParamType::String => matches!(v, Value::String(_)),
        ParamType::StringBytes => v.go_str_bytes().is_some(),
        ParamType::Bool => matches!(v, Value::Bool(_)),
        ParamType::Int => matches!(v, Value::Int(_, IntKind::Int)),
        ParamType::Int64 => matches!(v, Value::Int(_, IntKind::Int64)),
        ParamType::Float64 => matches!(v, Value::Float(_)),
        ParamType::Bytes => matches!(v, Value::Bytes(_)),
        ParamType::List => matches!(v, Value::List(l) if l.elem == ElemKind::Any),
        ParamType::StringList => matches!(v, Value::List(l) if l.elem == ElemKind::String),
        ParamType::Map => matches!(v, Value::Map(m) if m.elem == ElemKind::Any),
    }
}

/// A callable: a FuncMap function, a builtin, or an object method.
enum Callee<'f> {
    User(&'f Function),
    Method(
        &'f Rc<dyn crate::value::Object>,
        Vec<ParamType>,
        Option<ParamType>,
    ),
}

impl<'f> Callee<'f> {
    fn sig(&self) -> (&[ParamType], Option<ParamType>) {
        match self {
            Callee::User(f) => (f.params, f.variadic),
            Callee::Method(_, p, v) => (p, *v),
        }
    }
}

fn builtin_sig(b: Builtin) -> (&'static [ParamType], Option<ParamType>) {
    const ONE: &[ParamType] = &[ParamType::Any];
    const TWO: &[ParamType] = &[ParamType::Any, ParamType::Any];
    const STR: &[ParamType] = &[ParamType::String];
    match b.arity() {
        (0, _) => (&[], Some(ParamType::Any)),
        (1, true) if b == Builtin::Printf => (STR, Some(ParamType::Any)),
        (1, true) => (ONE, Some(ParamType::Any)),
        (1, false) => (ONE, None),
        _ => (TWO, None),
    }
}

impl<'a> State<'a> {
    fn at(&mut self, n: NodeRef<'a>) {
        self.node = n;
    }

    fn err(&self, msg: String) -> Exit {
        Exit::Err(Box::new(self.make_error(msg)))
    }

    fn errorf<T>(&self, msg: String) -> R<T> {
        Err(self.err(msg))
    }

    fn make_error(&self, msg: String) -> Error {
        let (line, col) = self.tree.location(self.node.pos());
        Error {
            kind: ErrorKind::Exec,
            name: self.tree.parse_name.to_string(),
            line,
            col,
            exec_name: self.tree.name.clone(),
            node: self.node.to_string(),
            message: msg,
            func: None,
        }
    }

    fn mark(&self) -> usize {
        self.vars.len()
    }

    fn pop(&mut self, mark: usize) {
        self.vars.truncate(mark);
    }

    fn set_var(&mut self, name: &str, value: Val) -> R<()> {
        for v in self.vars.iter_mut().rev() {
            if v.0 == name {
                v.1 = value;
                return Ok(());
            }
        }
        self.errorf(format!("undefined variable: {name}"))
    }

    fn set_top_var(&mut self, n: usize, value: Val) {
        let i = self.vars.len() - n;
        self.vars[i].1 = value;
    }

    fn var_value(&self, name: &str) -> R<Val> {
        for v in self.vars.iter().rev() {
            if v.0 == name {
                return Ok(v.1.clone());
            }
        }
        self.errorf(format!("undefined variable: {name}"))
    }

    // --- walk -------------------------------------------------------------

    fn walk_list(&mut self, dot: &Val, list: &'a ListNode) -> R<()> {
        self.at(NodeRef::List(list));
        for n in &list.nodes {
            self.walk(dot, n)?;
        }
        Ok(())
    }

    fn walk(&mut self, dot: &Val, node: &'a Node) -> R<()> {
        self.at(NodeRef::Node(node));
        match node {
            Node::Text { text, .. } => {
                self.out.push_str(text);
                Ok(())
            }
            Node::Action(a) => {
                let val = self.eval_pipeline(dot, &a.pipe)?;
                if a.pipe.decl.is_empty() {
                    self.print_value(node, &val);
                }
                Ok(())
            }
            Node::Comment { .. } => Ok(()),
            Node::Break { .. } => Err(Exit::Break),
            Node::Continue { .. } => Err(Exit::Continue),
            Node::If(b) => self.walk_if_or_with(false, dot, b),
            Node::With(b) => self.walk_if_or_with(true, dot, b),
            Node::Range(b) => self.walk_range(dot, node, b),
            Node::Template(t) => self.walk_template(dot, node, t),
        }
    }

    fn walk_if_or_with(&mut self, is_with: bool, dot: &Val, b: &'a BranchNode) -> R<()> {
        let mark = self.mark();
        let r = (|| {
            let val = self.eval_pipeline(dot, &b.pipe)?;
            if builtins::truth(&val.v) {
                if is_with {
                    self.walk_list(&val, &b.list)
                } else {
                    self.walk_list(dot, &b.list)
                }
            } else if let Some(e) = &b.else_list {
                self.walk_list(dot, e)
            } else {
                Ok(())
            }
        })();
        self.pop(mark);
        r
    }

    fn walk_range(&mut self, dot: &Val, node: &'a Node, r: &'a BranchNode) -> R<()> {
        self.at(NodeRef::Node(node));
        let outer = self.mark();
        let res = self.walk_range_inner(dot, r);
        self.pop(outer);
        match res {
            Err(Exit::Break) => Ok(()),
            other => other,
        }
    }

    fn one_iteration(&mut self, r: &'a BranchNode, mark: usize, index: Val, elem: Val) -> R<()> {
        let decl = &r.pipe.decl;
        if !decl.is_empty() {
            if r.pipe.is_assign {
                if decl.len() > 1 {
                    self.set_var(&decl[0].ident[0], index.clone())?;
                } else {
                    self.set_var(&decl[0].ident[0], elem.clone())?;
                }
            } else {
                self.set_top_var(1, elem.clone());
            }
        }
        if decl.len() > 1 {
            if r.pipe.is_assign {
                self.set_var(&decl[1].ident[0], elem.clone())?;
            } else {
                self.set_top_var(2, index);
            }
        }
        let res = self.walk_list(&elem, &r.list);
        self.pop(mark);
        match res {
            Err(Exit::Continue) => Ok(()),
            other => other,
        }
    }

    fn walk_range_inner(&mut self, dot: &Val, r: &'a BranchNode) -> R<()> {
        let mut val = self.eval_pipeline(dot, &r.pipe)?;
        if let Value::Object(o) = &val.v {
            if let Some(c) = o.as_collection() {
                val = Val {
                    v: c,
                    iface: val.iface,
                };
            }
        }
        let mark = self.mark();
        match &val.v {
            Value::List(l) => {
                if !l.items.is_empty() {
                    let iface = l.elem == ElemKind::Any;
                    let items = l.items.clone();
                    for (i, e) in items.iter().enumerate() {
                        self.one_iteration(
                            r,
                            mark,
                            Val::plain(Value::int(i as i64)),
                            Val {
                                v: e.clone(),
                                iface,
                            },
                        )?;
                    }
                    return Ok(());
                }
            }
            Value::Bytes(b) => {
                if !b.is_empty() {
                    let b = b.clone();
                    for (i, e) in b.iter().enumerate() {
                        self.one_iteration(
                            r,
                            mark,
                            Val::plain(Value::int(i as i64)),
                            Val::plain(Value::Int(*e as i64, IntKind::Uint8)),
                        )?;
                    }
                    return Ok(());
                }
            }
            Value::Map(m) => {
                if !m.is_empty() {
                    let iface = m.elem == ElemKind::Any;
                    // Snapshot: the body may mutate the map (Sprig's `set`).
                    let entries: Vec<(String, Value)> = m
                        .inner
                        .borrow()
                        .iter()
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect();
                    for (k, v) in entries {
                        self.one_iteration(
                            r,
                            mark,
                            Val::plain(Value::string(k)),
                            Val { v, iface },
                        )?;
                    }
                    return Ok(());
                }
            }
            Value::Int(n, kind) => {
                if r.pipe.decl.len() > 1 {
                    return self.errorf(format!(
                        "can't use {} to iterate over more than one variable",
                        crate::fmt::format_v(&val.v)
                    ));
                }
                let (n, kind) = (*n, *kind);
                if n > 0 {
                    for i in 0..n {
                        self.one_iteration(
                            r,
                            mark,
                            Val::invalid(),
                            Val::plain(Value::Int(i, kind)),
                        )?;
                    }
                    return Ok(());
                }
            }
            Value::Nil => {}
            other => {
                return self.errorf(format!(
                    "range can't iterate over {}",
                    crate::fmt::format_v(other)
                ));
            }
        }
        if let Some(e) = &r.else_list {
            self.walk_list(dot, e)?;
        }
        Ok(())
    }

    fn walk_template(&mut self, dot: &Val, node: &'a Node, t: &'a TemplateNode) -> R<()> {
        self.at(NodeRef::Node(node));
        let set = self.set;
        let Some(tree) = set.lookup(&t.name) else {
            return self.errorf(format!("template {} not defined", go_quote(&t.name)));
        };
        if self.depth == MAX_EXEC_DEPTH {
            return self.errorf(format!(
                "exceeded maximum template depth ({MAX_EXEC_DEPTH})"
            ));
        }
        let newdot = match &t.pipe {
            Some(p) => self.eval_pipeline(dot, p)?,
            None => Val::invalid(),
        };
        let saved_vars = std::mem::replace(&mut self.vars, new_vars(newdot.clone()));
        let saved_tree = std::mem::replace(&mut self.tree, &**tree);
        self.depth += 1;
        let r = self.walk_list(&newdot, &tree.root);
        self.depth -= 1;
        self.tree = saved_tree;
        self.vars = saved_vars;
        r
    }

    // --- eval -------------------------------------------------------------

    fn eval_pipeline(&mut self, dot: &Val, pipe: &'a PipeNode) -> R<Val> {
        self.at(NodeRef::Pipe(pipe));
        let mut value: Option<Val> = None;
        for cmd in &pipe.cmds {
            let mut v = self.eval_command(dot, cmd, value.take())?;
            // interface{} results are unwrapped to the concrete value.
            v.iface = false;
            value = Some(v);
        }
        let value = value.unwrap_or_default();
        for var in &pipe.decl {
            if pipe.is_assign {
                self.set_var(&var.ident[0], value.clone())?;
            } else {
                self.vars.push((&var.ident[0], value.clone()));
            }
        }
        Ok(value)
    }

    fn not_a_function(&self, args: &'a [Arg], fin: &Option<Val>) -> R<()> {
        if args.len() > 1 || fin.is_some() {
            return self.errorf(format!("can't give argument to non-function {}", args[0]));
        }
        Ok(())
    }

    fn eval_command(&mut self, dot: &Val, cmd: &'a CommandNode, fin: Option<Val>) -> R<Val> {
        let first = &cmd.args[0];
        match first {
            Arg::Field { ident, .. } => {
                return self.eval_field_chain_from(dot, first, dot.clone(), ident, &cmd.args, fin)
            }
            Arg::Chain(c) => return self.eval_chain_node(dot, first, c, &cmd.args, fin),
            Arg::Identifier(id) => {
                return self.eval_function(dot, first, id, NodeRef::Cmd(cmd), &cmd.args, fin)
            }
            Arg::Pipe(p) => {
                self.not_a_function(&cmd.args, &fin)?;
                return self.eval_pipeline(dot, p);
            }
            Arg::Variable(v) => return self.eval_variable_node(dot, first, v, &cmd.args, fin),
            _ => {}
        }
        self.at(NodeRef::Arg(first));
        self.not_a_function(&cmd.args, &fin)?;
        match first {
            Arg::Bool { val, .. } => Ok(Val::plain(Value::Bool(*val))),
            Arg::Dot { .. } => Ok(dot.clone()),
            Arg::Nil { .. } => self.errorf("nil is not a command".into()),
            Arg::Number(n) => self.ideal_constant(first, n),
            Arg::String(s) => Ok(Val::plain(Value::String(s.text.clone()))),
            _ => self.errorf(format!(
                "can't evaluate command {}",
                go_quote(&first.to_string())
            )),
        }
    }

    fn ideal_constant(&mut self, node: &'a Arg, c: &NumberNode) -> R<Val> {
        self.at(NodeRef::Arg(node));
        let t = &c.text;
        if c.is_complex {
            // No complex type in Value: keep fmt's rendering of complex128.
            let s = format!(
                "({}{}{}i)",
                crate::fmt::format_float(c.complex.0, b'g', -1),
                if c.complex.1 >= 0.0 || c.complex.1.is_nan() {
                    "+"
                } else {
                    ""
                },
                crate::fmt::format_float(c.complex.1, b'g', -1)
            );
            return Ok(Val::plain(Value::string(s)));
        }
        let is_hex_int = t.len() > 2
            && t.starts_with('0')
            && (t.as_bytes()[1] == b'x' || t.as_bytes()[1] == b'X')
            && !t.contains(['p', 'P']);
        let is_rune = t.starts_with('\'');
        if c.is_float && !is_hex_int && !is_rune && t.contains(['.', 'e', 'E', 'p', 'P']) {
            return Ok(Val::plain(Value::Float(c.float64)));
        }
        if c.is_int {
            return Ok(Val::plain(Value::Int(c.int64, IntKind::Int)));
        }
        if c.is_uint {
            return self.errorf(format!("{t} overflows int"));
        }
        Ok(Val::invalid())
    }

    fn eval_chain_node(
        &mut self,
        dot: &Val,
        node: &'a Arg,
        chain: &'a ChainNode,
        args: &'a [Arg],
        fin: Option<Val>,
    ) -> R<Val> {
        self.at(NodeRef::Arg(node));
        if chain.field.is_empty() {
            return self.errorf("internal error: no fields in evalChainNode".into());
        }
        if let Arg::Nil { .. } = chain.node {
            return self.errorf(format!("indirection through explicit nil in {}", node));
        }
        let pipe = self.eval_arg(dot, None, &chain.node)?;
        self.eval_field_chain(dot, pipe, NodeRef::Arg(node), &chain.field, args, fin)
    }

    fn eval_variable_node(
        &mut self,
        dot: &Val,
        node: &'a Arg,
        v: &'a VariableNode,
        args: &'a [Arg],
        fin: Option<Val>,
    ) -> R<Val> {
        self.at(NodeRef::Arg(node));
        let value = self.var_value(&v.ident[0])?;
        if v.ident.len() == 1 {
            self.not_a_function(args, &fin)?;
            return Ok(value);
        }
        self.eval_field_chain(dot, value, NodeRef::Arg(node), &v.ident[1..], args, fin)
    }

    /// Go's evalFieldNode.
    fn eval_field_chain_from(
        &mut self,
        dot: &Val,
        node: &'a Arg,
        receiver: Val,
        ident: &'a [Rc<str>],
        args: &'a [Arg],
        fin: Option<Val>,
    ) -> R<Val> {
        self.at(NodeRef::Arg(node));
        self.eval_field_chain(dot, receiver, NodeRef::Arg(node), ident, args, fin)
    }

    fn eval_field_chain(
        &mut self,
        dot: &Val,
        mut receiver: Val,
        node: NodeRef<'a>,
        ident: &'a [Rc<str>],
        args: &'a [Arg],
        fin: Option<Val>,
    ) -> R<Val> {
        let n = ident.len();
        for id in &ident[..n - 1] {
            receiver = self.eval_field(dot, id, node, &[], None, receiver)?;
        }
        self.eval_field(dot, &ident[n - 1], node, args, fin, receiver)
    }

    fn eval_field(
        &mut self,
        dot: &Val,
        name: &str,
        node: NodeRef<'a>,
        args: &'a [Arg],
        fin: Option<Val>,
        receiver: Val,
    ) -> R<Val> {
        if receiver.is_invalid() {
            if self.set.missing_key == MissingKey::Error {
                return self.errorf(format!("nil data; no entry for key {}", go_quote(name)));
            }
            return Ok(Val::invalid());
        }
        let typ = val_type(&receiver);
        if receiver.v.is_nil() {
            return self.errorf(format!("nil pointer evaluating {typ}.{name}"));
        }
        let has_args = args.len() > 1 || fin.is_some();
        match &receiver.v {
            Value::Object(o) => {
                if let Some((params, variadic)) = o.method_sig(name) {
                    let callee = Callee::Method(o, params, variadic);
                    return self.eval_call(dot, &callee, node, name, args, fin);
                }
                // Undeclared signature: pass the arguments through unchecked.
                let mut argv = Vec::new();
                if args.len() > 1 {
                    for a in &args[1..] {
                        let v = self.eval_arg(dot, Some(ParamType::Any), a)?;
                        argv.push(v.v);
                    }
                }
                if let Some(f) = fin {
                    argv.push(f.v);
                }
                match o.call(name, &argv) {
                    None => self.errorf(format!("can't evaluate field {name} in type {typ}")),
                    Some(Ok(v)) => Ok(Val::plain(v)),
                    Some(Err(m)) => {
                        self.at(node);
                        Err(self.call_error(name, FuncError::Msg(m)))
                    }
                }
            }
            Value::Map(m) => {
                if has_args {
                    return self.errorf(format!("{name} is not a method but has arguments"));
                }
                let iface = m.elem == ElemKind::Any;
                match m.get(name) {
                    Some(v) => Ok(Val { v, iface }),
                    None => match self.set.missing_key {
                        MissingKey::Default => Ok(Val::invalid()),
                        MissingKey::Zero => Ok(if iface {
                            Val {
                                v: Value::Nil,
                                iface: true,
                            }
                        } else {
                            Val::plain(Value::str(""))
                        }),
                        MissingKey::Error => {
                            self.errorf(format!("map has no entry for key {}", go_quote(name)))
                        }
                    },
                }
            }
            _ => self.errorf(format!("can't evaluate field {name} in type {typ}")),
        }
    }

    fn call_error(&self, name: &str, err: FuncError) -> Exit {
        let mut e = self.make_error(format!("error calling {name}: {err}"));
        e.func = Some((name.to_string(), err));
        Exit::Err(Box::new(e))
    }

    fn eval_function(
        &mut self,
        dot: &Val,
        node: &'a Arg,
        id: &'a IdentNode,
        cmd: NodeRef<'a>,
        args: &'a [Arg],
        fin: Option<Val>,
    ) -> R<Val> {
        self.at(NodeRef::Arg(node));
        match id.func {
            FuncRef::User(i) => {
                let set = self.set;
                self.eval_call(
                    dot,
                    &Callee::User(&set.funcs.funcs[i as usize]),
                    cmd,
                    &id.name,
                    args,
                    fin,
                )
            }
            FuncRef::Builtin(b) => self.eval_builtin(dot, b, cmd, &id.name, args, fin),
        }
    }

    /// Arity check shared by functions, methods and builtins (Go's evalCall prologue).
    fn check_arity(
        &self,
        name: &str,
        params: &[ParamType],
        variadic: bool,
        nargs: usize,
        has_final: bool,
    ) -> R<()> {
        let num_in = nargs + has_final as usize;
        if variadic {
            if num_in < params.len() {
                return self.errorf(format!(
                    "wrong number of args for {name}: want at least {} got {nargs}",
                    params.len()
                ));
            }
        } else if num_in != params.len() {
            return self.errorf(format!(
                "wrong number of args for {name}: want {} got {num_in}",
                params.len()
            ));
        }
        Ok(())
    }

    /// Evaluate the arguments of a call per the signature (Go's evalCall body).
    fn eval_args(
        &mut self,
        dot: &Val,
        params: &[ParamType],
        variadic: Option<ParamType>,
        args: &'a [Arg],
        fin: Option<Val>,
    ) -> R<Vec<Val>> {
        let num_in = args.len() + fin.is_some() as usize;
        let num_fixed = if variadic.is_some() {
            params.len()
        } else {
            args.len()
        };
        let mut argv = Vec::with_capacity(num_in);
        let mut i = 0;
        while i < num_fixed && i < args.len() {
            argv.push(self.eval_arg(dot, Some(params[i]), &args[i])?);
            i += 1;
        }
        if let Some(vt) = variadic {
            while i < args.len() {
                argv.push(self.eval_arg(dot, Some(vt), &args[i])?);
                i += 1;
            }
        }
        if let Some(f) = fin {
            let t = match variadic {
                Some(vt) => {
                    if num_in - 1 < num_fixed {
                        params[num_in - 1]
                    } else {
                        vt
                    }
                }
                None => params[params.len() - 1],
            };
            argv.push(self.validate_type(f, Some(t))?);
        }
        Ok(argv)
    }

    fn eval_call(
        &mut self,
        dot: &Val,
        callee: &Callee<'_>,
        node: NodeRef<'a>,
        name: &str,
        args: &'a [Arg],
        fin: Option<Val>,
    ) -> R<Val> {
        let args = if args.is_empty() { args } else { &args[1..] };
        let (params, variadic) = callee.sig();
        self.check_arity(name, params, variadic.is_some(), args.len(), fin.is_some())?;
        let argv = self.eval_args(dot, params, variadic, args, fin)?;
        let argv: Vec<Value> = argv.into_iter().map(|v| v.v).collect();
        let result = match callee {
            Callee::User(f) => {
                let mut ctx = Ctx { set: self.set };
                (f.body)(&mut ctx, &argv)
            }
            Callee::Method(o, _, _) => match o.call(name, &argv) {
                Some(Ok(v)) => Ok(v),
                Some(Err(m)) => Err(FuncError::Msg(m)),
                None => {
                    return self.errorf(format!(
                        "can't evaluate field {name} in type {}",
                        o.type_name()
                    ))
                }
            },
        };
        match result {
            Ok(v) => Ok(Val::plain(v)),
            Err(e) => {
                self.at(node);
                Err(self.call_error(name, e))
            }
        }
    }

    fn eval_builtin(
        &mut self,
        dot: &Val,
        b: Builtin,
        node: NodeRef<'a>,
        name: &str,
        args: &'a [Arg],
        fin: Option<Val>,
    ) -> R<Val> {
        let args = if args.is_empty() { args } else { &args[1..] };
        let (params, variadic) = builtin_sig(b);
        self.check_arity(name, params, variadic.is_some(), args.len(), fin.is_some())?;
        if b == Builtin::And || b == Builtin::Or {
            let is_or = b == Builtin::Or;
            let mut v = Val::invalid();
            for a in args {
                v = self.eval_arg(dot, Some(ParamType::Any), a)?;
                if builtins::truth(&v.v) == is_or {
                    return Ok(v);
                }
            }
            if let Some(f) = fin {
                v = f;
            }
            return Ok(v);
        }
        let call_name = if b == Builtin::Call {
            args.first().map(|a| a.to_string())
        } else {
            None
        };
        let argv = self.eval_args(dot, params, variadic, args, fin)?;
        let r: Result<Val, String> = match b {
            Builtin::Not => Ok(Val::plain(Value::Bool(!builtins::truth(&argv[0].v)))),
            Builtin::Len => builtins::length(&argv[0]).map(Val::plain),
            Builtin::Index => builtins::index(&argv[0], &argv[1..]),
            Builtin::Slice => builtins::slice(&argv[0], &argv[1..]).map(Val::plain),
            Builtin::Eq => builtins::eq(&argv[0].v, &argv[1..]).map(|t| Val::plain(Value::Bool(t))),
            Builtin::Ne => {
                builtins::eq(&argv[0].v, &argv[1..]).map(|t| Val::plain(Value::Bool(!t)))
            }
            Builtin::Lt => builtins::lt(&argv[0].v, &argv[1].v).map(|t| Val::plain(Value::Bool(t))),
            Builtin::Le => builtins::le(&argv[0].v, &argv[1].v).map(|t| Val::plain(Value::Bool(t))),
            Builtin::Gt => {
                builtins::le(&argv[0].v, &argv[1].v).map(|t| Val::plain(Value::Bool(!t)))
            }
            Builtin::Ge => {
                builtins::lt(&argv[0].v, &argv[1].v).map(|t| Val::plain(Value::Bool(!t)))
            }
            Builtin::Print
            | Builtin::Println
            | Builtin::Printf
            | Builtin::Html
            | Builtin::Js
            | Builtin::Urlquery => {
                let vals: Vec<Value> = argv.into_iter().map(|v| v.v).collect();
                // Go strings: print* keep the bytes of byte strings.
                let s = match b {
                    Builtin::Print => return Ok(Val::plain(crate::fmt::sprint_value(&vals))),
                    Builtin::Println => return Ok(Val::plain(crate::fmt::sprintln_value(&vals))),
                    Builtin::Printf => {
                        return Ok(Val::plain(crate::fmt::sprintf_value(
                            vals[0].as_str().unwrap_or(""),
                            &vals[1..],
                        )))
                    }
                    Builtin::Html => builtins::html_escape(&builtins::eval_args(&vals)),
                    Builtin::Js => builtins::js_escape(&builtins::eval_args(&vals)),
                    _ => builtins::url_query_escape(
                        builtins::eval_args_value(&vals)
                            .go_str_bytes()
                            .unwrap_or_default(),
                    ),
                };
                Ok(Val::plain(Value::string(s)))
            }
            Builtin::Call => {
                if argv[0].v.is_nil() {
                    Err("call of nil".into())
                } else {
                    Err(format!(
                        "non-function {} of type {}",
                        call_name.unwrap_or_default(),
                        argv[0].v.type_name()
                    ))
                }
            }
            Builtin::And | Builtin::Or => unreachable_and_or(),
        };
        match r {
            Ok(v) => Ok(v),
            Err(m) => {
                self.at(node);
                Err(self.call_error(name, FuncError::Msg(m)))
            }
        }
    }

    fn validate_type(&self, value: Val, typ: ArgType) -> R<Val> {
        let Some(t) = typ else {
            return Ok(value);
        };
        if value.is_invalid() {
            if can_be_nil(t) {
                return Ok(Val::plain(nil_of(t)));
            }
            return self.errorf(format!("invalid value; expected {}", param_go_name(t)));
        }
        if t == ParamType::Any {
            return Ok(value);
        }
        if value.v.is_nil() {
            // interface-typed nil: not assignable to a concrete type.
            return self.errorf(format!(
                "wrong type for value; expected {}; got interface {{}}",
                param_go_name(t)
            ));
        }
        if assignable(&value.v, t) {
            return Ok(Val::plain(value.v));
        }
        if t == ParamType::String {
            if let Some(b) = value.v.as_byte_string() {
                return Ok(Val::plain(Value::String(b.text().clone())));
            }
        }
        self.errorf(format!(
            "wrong type for value; expected {}; got {}",
            param_go_name(t),
            value.v.type_name()
        ))
    }

    fn eval_arg(&mut self, dot: &Val, typ: ArgType, n: &'a Arg) -> R<Val> {
        self.at(NodeRef::Arg(n));
        match n {
            Arg::Dot { .. } => return self.validate_type(dot.clone(), typ),
            Arg::Nil { .. } => {
                return match typ {
                    None => Ok(Val::invalid()),
                    Some(t) if can_be_nil(t) => Ok(Val::plain(nil_of(t))),
                    Some(t) => self.errorf(format!("cannot assign nil to {}", param_go_name(t))),
                }
            }
            Arg::Field { ident, .. } => {
                let v = self.eval_field_chain_from(
                    dot,
                    n,
                    dot.clone(),
                    ident,
                    std::slice::from_ref(n),
                    None,
                )?;
                return self.validate_type(v, typ);
            }
            Arg::Variable(v) => {
                let v = self.eval_variable_node(dot, n, v, &[], None)?;
                return self.validate_type(v, typ);
            }
            Arg::Pipe(p) => {
                let v = self.eval_pipeline(dot, p)?;
                return self.validate_type(v, typ);
            }
            Arg::Identifier(id) => {
                let v = self.eval_function(dot, n, id, NodeRef::Arg(n), &[], None)?;
                return self.validate_type(v, typ);
            }
            Arg::Chain(c) => {
                let v = self.eval_chain_node(dot, n, c, &[], None)?;
                return self.validate_type(v, typ);
            }
            _ => {}
        }
        let t = typ.unwrap_or(ParamType::Any);
        match t {
            ParamType::Bool => match n {
                Arg::Bool { val, .. } => Ok(Val::plain(Value::Bool(*val))),
                _ => self.errorf(format!("expected bool; found {n}")),
            },
            ParamType::Float64 => match n {
                Arg::Number(num) if num.is_float => Ok(Val::plain(Value::Float(num.float64))),
                _ => self.errorf(format!("expected float; found {n}")),
            },
            ParamType::Int | ParamType::Int64 => match n {
                Arg::Number(num) if num.is_int => Ok(Val::plain(Value::Int(
                    num.int64,
                    if t == ParamType::Int {
                        IntKind::Int
                    } else {
                        IntKind::Int64
                    },
                ))),
                _ => self.errorf(format!("expected integer; found {n}")),
            },
            ParamType::String | ParamType::StringBytes => match n {
                Arg::String(s) => Ok(Val::plain(Value::String(s.text.clone()))),
                _ => self.errorf(format!("expected string; found {n}")),
            },
            ParamType::Any => self.eval_empty_interface(dot, n),
            _ => self.errorf(format!(
                "can't handle {} for arg of type {}",
                n,
                param_go_name(t)
            )),
        }
    }

    fn eval_empty_interface(&mut self, dot: &Val, n: &'a Arg) -> R<Val> {
        self.at(NodeRef::Arg(n));
        match n {
            Arg::Bool { val, .. } => Ok(Val::plain(Value::Bool(*val))),
            Arg::Dot { .. } => Ok(dot.clone()),
            Arg::Number(num) => self.ideal_constant(n, num),
            Arg::String(s) => Ok(Val::plain(Value::String(s.text.clone()))),
            _ => self.errorf(format!(
                "can't handle assignment of {} to empty interface argument",
                n
            )),
        }
    }

    /// Write a pipeline's result.  Output is text: a byte string that is
    /// not UTF-8 is written as its lossy text (`format_v`), where Go would
    /// write the bytes.
    fn print_value(&mut self, node: &'a Node, v: &Val) {
        self.at(NodeRef::Node(node));
        match &v.v {
            Value::Nil => self.out.push_str("<no value>"),
            Value::String(s) => self.out.push_str(s),
            Value::Int(n, _) => {
                use std::fmt::Write;
                let _ = write!(self.out, "{n}");
            }
            Value::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            other => self.out.push_str(&crate::fmt::format_v(other)),
        }
    }
}

fn unreachable_and_or() -> Result<Val, String> {
    Err("internal error: and/or".into())
}
