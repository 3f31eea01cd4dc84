//! The single dynamic value type that flows through templates.
//!
//! Go's `text/template` works on reflected Go values; Helm feeds it
//! `map[string]interface{}` trees decoded from YAML/JSON plus a few structs
//! (`*chart.Metadata`, `Capabilities`, `Files`).  Template output depends on
//! the Go *type* of a value (`typeOf`, `%T`, `%v` of `[]string` vs
//! `[]interface {}`, `int` vs `int64` vs `float64` in comparisons), so the
//! variants below carry just enough of Go's type to reproduce that.
//!
//! Maps are shared and mutable (`Rc<RefCell<…>>`) because Go maps are
//! reference types: Sprig's `set`, `unset`, `merge` mutate the map that
//! `.Values` points at and later templates see the change.  Lists are
//! immutable `Rc<Vec<…>>`: every Sprig list function returns a new slice.
//! Map keys are kept sorted (`BTreeMap` on `String` = Go's byte-wise string
//! order), which is the order Go's template `range`, `fmt` and
//! `encoding/json` all use.

use std::any::Any;
use std::cell::{Ref, RefCell, RefMut};
use std::collections::BTreeMap;
use std::fmt;
use std::rc::Rc;

/// Go integer types that templates can observe (`typeOf`, `%T`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IntKind {
    /// `int`: template integer literals, `len`, `atoi`, `int`.
    Int,
    /// `int64`: `--set` integers, Sprig's `int64`, most Sprig math results.
    Int64,
    /// `int32` (`toRunes` elements are `rune`=int32 — rare).
    Int32,
    /// `uint8` (elements of `[]byte`).
    Uint8,
    /// `uint64`
    Uint64,
}

impl IntKind {
    pub fn go_name(self) -> &'static str {
        match self {
            IntKind::Int => "int",
            IntKind::Int64 => "int64",
            IntKind::Int32 => "int32",
            IntKind::Uint8 => "uint8",
            IntKind::Uint64 => "uint64",
        }
    }
}

/// Element type of a Go slice or map value: `interface{}` or `string`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ElemKind {
    /// `[]interface {}` / `map[string]interface {}`
    Any,
    /// `[]string` / `map[string]string`
    String,
}

pub type MapInner = BTreeMap<String, Value>;

/// A Go map (`map[string]interface{}` or `map[string]string`), shared by reference.
#[derive(Clone)]
pub struct Map {
    pub(crate) inner: Rc<RefCell<MapInner>>,
    pub elem: ElemKind,
}

/// A Go slice (`[]interface{}` or `[]string`).
#[derive(Clone)]
pub struct List {
    pub(crate) items: Rc<Vec<Value>>,
    pub elem: ElemKind,
}

impl List {
    /// A new slice of element type `elem`.
    pub fn new(items: Vec<Value>, elem: ElemKind) -> List {
        List {
            items: Rc::new(items),
            elem,
        }
    }
    /// The elements.
    pub fn items(&self) -> &[Value] {
        &self.items
    }
}

/// A dynamically typed template value.
#[derive(Clone, Default)]
pub enum Value {
    /// Untyped nil (`interface{}(nil)`): missing map keys, YAML `null`.
    #[default]
    Nil,
    Bool(bool),
    Int(i64, IntKind),
    Float(f64),
    String(Rc<str>),
    /// `[]byte` (`.Files.GetBytes`, `b64dec` internals).
    Bytes(Rc<[u8]>),
    List(List),
    Map(Map),
    /// Anything with Go methods/fields that is not plain data: chart
    /// metadata, capabilities, `.Files`, semver versions, `time.Time`.
    Object(Rc<dyn Object>),
}

/// A Go struct or pointer exposed to templates (`.Chart`, `.Files`, …).
///
/// `text/template` resolves `.Name` on a struct to a field or a method; a
/// method may take arguments (`.Files.Get "x"`).  Implementors answer both
/// through [`Object::call`].
pub trait Object: fmt::Debug {
    /// Go's `%T` name, e.g. `*chart.Metadata`, `time.Time`, `*semver.Version`.
    fn type_name(&self) -> String;
    /// Go's `reflect.Kind` name for `kindOf` (`ptr`, `struct`, `map`, …).
    fn kind_name(&self) -> &'static str {
        "ptr"
    }
    /// Resolve field or method `name` called with `args`.
    /// `None`: no such field/method (the executor produces Go's
    /// "can't evaluate field" error).  `Some(Err(msg))`: the method failed;
    /// `msg` is the text Go would print after "error calling NAME: ".
    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>>;
    /// `fmt`'s `%v` of the object (e.g. `1.2.3` for a semver, a date for time.Time).
    fn format_v(&self) -> String;
    /// The value Go's `encoding/json` would produce for this object,
    /// as plain data (maps/lists/scalars); `Nil` when it marshals to `null`/`{}`.
    fn to_data(&self) -> Value {
        Value::Nil
    }
    /// Truthiness for `if`/`with`/`and`/`or`/`default` (non-nil pointers are true).
    fn truthy(&self) -> bool {
        true
    }
    fn as_any(&self) -> &dyn Any;
    /// The Go signature of method `name` (fixed parameters, variadic
    /// tail), if `name` is a method.  When declared, the executor checks
    /// arity and argument types exactly as Go does before calling
    /// [`Object::call`]; when `None` (the default), arguments are passed
    /// through unchecked and `call` decides.
    fn method_sig(
        &self,
        _name: &str,
    ) -> Option<(Vec<crate::func::ParamType>, Option<crate::func::ParamType>)> {
        None
    }
    /// For objects whose Go kind is a map or slice (Helm's `engine.files`,
    /// `common.VersionSet`): the elements as plain data, so `range`, `len`
    /// and `index` see what Go's reflection would.
    fn as_collection(&self) -> Option<Value> {
        None
    }
}

impl Value {
    pub fn str(s: &str) -> Value {
        Value::String(Rc::from(s))
    }
    pub fn string(s: String) -> Value {
        Value::String(Rc::from(s))
    }
    pub fn int(n: i64) -> Value {
        Value::Int(n, IntKind::Int)
    }
    pub fn int64(n: i64) -> Value {
        Value::Int(n, IntKind::Int64)
    }
    /// A new `[]interface{}`.
    pub fn list(items: Vec<Value>) -> Value {
        Value::List(List {
            items: Rc::new(items),
            elem: ElemKind::Any,
        })
    }
    /// A new `[]string`.
    pub fn string_list(items: Vec<String>) -> Value {
        Value::List(List {
            items: Rc::new(items.into_iter().map(Value::string).collect()),
            elem: ElemKind::String,
        })
    }
    /// A new `map[string]interface{}`.
    pub fn map(m: MapInner) -> Value {
        Value::Map(Map {
            inner: Rc::new(RefCell::new(m)),
            elem: ElemKind::Any,
        })
    }
    pub fn empty_map() -> Value {
        Value::map(MapInner::new())
    }

    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }

    /// The text of a Go string: a [`ByteString`] gives its lossy text.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            Value::Object(o) => o.as_any().downcast_ref::<ByteString>().map(|b| &*b.text),
            _ => None,
        }
    }

    /// A Go `string` holding `bytes`: `Value::String` when they are UTF-8
    /// (the usual case), else a [`ByteString`].
    pub fn from_go_bytes(bytes: &[u8]) -> Value {
        match std::str::from_utf8(bytes) {
            Ok(s) => Value::str(s),
            Err(_) => ByteString::value(Rc::from(bytes)),
        }
    }

    /// [`Value::from_go_bytes`] taking ownership.
    pub fn from_go_vec(bytes: Vec<u8>) -> Value {
        match String::from_utf8(bytes) {
            Ok(s) => Value::string(s),
            Err(e) => ByteString::value(Rc::from(e.into_bytes())),
        }
    }

    /// The bytes of a Go string (`Value::String` or [`ByteString`]).
    pub fn go_str_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::String(s) => Some(s.as_bytes()),
            Value::Object(o) => o.as_any().downcast_ref::<ByteString>().map(|b| &*b.bytes),
            _ => None,
        }
    }

    /// The [`ByteString`] this value is, if it is one.
    pub fn as_byte_string(&self) -> Option<&ByteString> {
        match self {
            Value::Object(o) => o.as_any().downcast_ref::<ByteString>(),
            _ => None,
        }
    }

    /// Go's `%T` of the value (`<nil>` for untyped nil).
    pub fn type_name(&self) -> String {
        match self {
            Value::Nil => "<nil>".into(),
            Value::Bool(_) => "bool".into(),
            Value::Int(_, k) => k.go_name().into(),
            Value::Float(_) => "float64".into(),
            Value::String(_) => "string".into(),
            Value::Bytes(_) => "[]uint8".into(),
            Value::List(l) => match l.elem {
                ElemKind::Any => "[]interface {}".into(),
                ElemKind::String => "[]string".into(),
            },
            Value::Map(m) => match m.elem {
                ElemKind::Any => "map[string]interface {}".into(),
                ElemKind::String => "map[string]string".into(),
            },
            Value::Object(o) => o.type_name(),
        }
    }

    /// Go's `reflect.Kind` name (`invalid` for untyped nil).
    pub fn kind_name(&self) -> &'static str {
        match self {
            Value::Nil => "invalid",
            Value::Bool(_) => "bool",
            Value::Int(_, k) => k.go_name(),
            Value::Float(_) => "float64",
            Value::String(_) => "string",
            Value::Bytes(_) | Value::List(_) => "slice",
            Value::Map(_) => "map",
            Value::Object(o) => o.kind_name(),
        }
    }

    /// Go's template truth: false, 0, nil, empty string/slice/map are false.
    pub fn truthy(&self) -> bool {
        match self {
            Value::Nil => false,
            Value::Bool(b) => *b,
            Value::Int(n, _) => *n != 0,
            Value::Float(f) => *f != 0.0,
            Value::String(s) => !s.is_empty(),
            Value::Bytes(b) => !b.is_empty(),
            Value::List(l) => !l.items.is_empty(),
            Value::Map(m) => !m.inner.borrow().is_empty(),
            Value::Object(o) => o.truthy(),
        }
    }

    /// A deep copy: maps and lists are duplicated so mutation of the copy
    /// is not seen through the original (Sprig's `deepCopy`, values coalescing).
    pub fn deep_copy(&self) -> Value {
        match self {
            Value::List(l) => Value::List(List {
                items: Rc::new(l.items.iter().map(Value::deep_copy).collect()),
                elem: l.elem,
            }),
            Value::Map(m) => Value::Map(Map {
                inner: Rc::new(RefCell::new(
                    m.inner
                        .borrow()
                        .iter()
                        .map(|(k, v)| (k.clone(), v.deep_copy()))
                        .collect(),
                )),
                elem: m.elem,
            }),
            other => other.clone(),
        }
    }
}

/// A Go `string` whose bytes are not valid UTF-8 (a binary file read with
/// `.Files.Get`, `b64dec` of binary data, a string cut inside a
/// character).  Go strings are byte strings; `Value::String` holds UTF-8
/// only, so such strings travel as this object, which templates see as a
/// `string` (`typeOf`, `kindOf`, `%T`).
///
/// Functions that read a string's bytes (`b64enc`, the `sha*sum`s, `len`,
/// `printf "%x"`, …) take them from here unchanged, as Go does; functions
/// with plain `string` parameters receive [`ByteString::text`], the bytes
/// with every invalid byte replaced by U+FFFD (what Go's `strings.Map`,
/// `for range` and `encoding/json` make of them).  Template output is
/// text, so printing one into a template writes that lossy text where Go
/// would write the raw bytes.
#[derive(Debug)]
pub struct ByteString {
    bytes: Rc<[u8]>,
    text: Rc<str>,
}

impl ByteString {
    /// A string value of `bytes` (which should not be valid UTF-8: use
    /// [`Value::from_go_bytes`] when they may be).
    pub fn value(bytes: Rc<[u8]>) -> Value {
        let text = Rc::from(go_lossy(&bytes));
        Value::Object(Rc::new(ByteString { bytes, text }))
    }
    /// The raw bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
    /// The bytes as text, each invalid byte replaced by U+FFFD.
    pub fn text(&self) -> &Rc<str> {
        &self.text
    }
}

impl Object for ByteString {
    fn type_name(&self) -> String {
        "string".into()
    }
    fn kind_name(&self) -> &'static str {
        "string"
    }
    fn call(&self, _name: &str, _args: &[Value]) -> Option<Result<Value, String>> {
        None
    }
    fn format_v(&self) -> String {
        self.text.to_string()
    }
    /// `encoding/json` replaces each invalid byte with U+FFFD.
    fn to_data(&self) -> Value {
        Value::String(self.text.clone())
    }
    fn truthy(&self) -> bool {
        !self.bytes.is_empty()
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The runes Go sees in `bytes` (`for range`, `utf8.DecodeRune`): each
/// with its length in bytes; every byte that does not start a valid UTF-8
/// sequence is one U+FFFD of length 1.
pub fn go_runes(bytes: &[u8]) -> impl Iterator<Item = (char, usize)> + '_ {
    bytes.utf8_chunks().flat_map(|chunk| {
        chunk
            .valid()
            .chars()
            .map(|c| (c, c.len_utf8()))
            .chain(chunk.invalid().iter().map(|_| ('\u{FFFD}', 1)))
    })
}

/// `bytes` as text the way Go converts byte strings rune by rune: every
/// invalid byte becomes one U+FFFD (Rust's `from_utf8_lossy` would
/// replace a truncated sequence with a single one).
pub fn go_lossy(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + bytes.len() / 2);
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for _ in chunk.invalid() {
            out.push('\u{FFFD}');
        }
    }
    out
}

impl Map {
    /// A new `map[string]interface{}`.
    pub fn new(m: MapInner) -> Map {
        Map::with_elem(m, ElemKind::Any)
    }
    /// A new map of element type `elem`.
    pub fn with_elem(m: MapInner, elem: ElemKind) -> Map {
        Map {
            inner: Rc::new(RefCell::new(m)),
            elem,
        }
    }
    /// The entries, shared with every copy of this map (`RefCell::borrow`:
    /// panics while they are borrowed mutably).
    pub fn borrow(&self) -> Ref<'_, MapInner> {
        self.inner.borrow()
    }
    /// The entries, for changing in place (Go maps are references: every
    /// copy of this map sees the change).  `RefCell::borrow_mut`: panics
    /// while they are borrowed.
    pub fn borrow_mut(&self) -> RefMut<'_, MapInner> {
        self.inner.borrow_mut()
    }
    pub fn get(&self, k: &str) -> Option<Value> {
        self.inner.borrow().get(k).cloned()
    }
    pub fn insert(&self, k: impl Into<String>, v: Value) {
        self.inner.borrow_mut().insert(k.into(), v);
    }
    pub fn len(&self) -> usize {
        self.inner.borrow().len()
    }
    pub fn is_empty(&self) -> bool {
        self.inner.borrow().is_empty()
    }
    /// Same underlying Go map (pointer equality).
    pub fn ptr_eq(&self, other: &Map) -> bool {
        Rc::ptr_eq(&self.inner, &other.inner)
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Nil => write!(f, "nil"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(n, k) => write!(f, "{n}:{}", k.go_name()),
            Value::Float(x) => write!(f, "{x:?}"),
            Value::String(s) => write!(f, "{s:?}"),
            Value::Bytes(b) => write!(f, "bytes{:?}", &b[..]),
            Value::List(l) => f.debug_list().entries(l.items.iter()).finish(),
            Value::Map(m) => f.debug_map().entries(m.inner.borrow().iter()).finish(),
            Value::Object(o) => write!(f, "{o:?}"),
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::str(s)
    }
}
impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::string(s)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}
impl From<f64> for Value {
    fn from(x: f64) -> Value {
        Value::Float(x)
    }
}
