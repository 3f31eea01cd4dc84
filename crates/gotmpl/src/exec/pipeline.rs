//! Parsing templates on a helper thread while others already run.
//!
//! Go parses every file of a chart before executing any.  Most files
//! define nothing (`{{define}}` lives in `_helpers.tpl` and the like), so
//! once the defining files are parsed, a file can run as soon as its own
//! tree exists: [`Template::parse_pipelined`] hands the remaining files to
//! a helper thread (in execution order) and [`Template::ensure_parsed`]
//! waits for, or parses, the one about to run.  What Go would see stays
//! the same:
//!
//! * the caller only pipelines files that define nothing but themselves,
//!   under names no other template has, so the set's definitions do not
//!   depend on when they arrive;
//! * a template that looks up a file not parsed yet (`include (print
//!   $.Template.BasePath "/secret.yaml")`) waits for that file's tree
//!   ([`Pending::late_lookup`]);
//! * parse errors win over everything: [`Template::finish_pipeline`]
//!   reports the first one in file order, and the caller asks it before
//!   reporting an execution error or any output.

use std::cell::{OnceCell, RefCell};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};

use super::{lookup_id, FuncTable, HelperParse, Template};
use crate::ast::Tree;
use crate::Error;

type Parsed = Result<Vec<Tree>, Box<Error>>;

/// State shared with the helper thread.
struct Shared {
    /// Next file to claim (either thread).
    next: AtomicUsize,
    /// The set is gone: stop claiming.
    cancel: AtomicBool,
    /// Results of the files the helper claimed (`Err`: it panicked, the
    /// caller parses that file itself).
    done: Mutex<Vec<Option<Result<HelperParse, ()>>>>,
    ready: Condvar,
}

enum Slot {
    /// Not parsed, or parsed by the helper and not collected yet.
    Todo,
    Parsed(Parsed),
    /// Handed to the set.
    Taken,
}

/// Files still being parsed, shared by a set and its `tpl` clones.
pub(super) struct Pending {
    items: Vec<(String, Rc<str>)>,
    funcs: Rc<FuncTable>,
    shared: Arc<Shared>,
    slots: RefCell<Vec<Slot>>,
    /// The first parse error seen, by file index.
    error: RefCell<Option<(usize, Error)>>,
    /// File name → index.
    index: crate::fasthash::FastMap<String, usize>,
    /// Trees fetched by lookups while templates ran (the set itself
    /// cannot take them then); each is filled at most once, so references
    /// into them stay valid as long as the set.
    late: Vec<OnceCell<Option<Rc<Tree>>>>,
}

impl Drop for Pending {
    fn drop(&mut self) {
        self.shared.cancel.store(true, Ordering::Relaxed);
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Pending {
    fn note_error(&self, i: usize, e: Error) {
        let mut err = self.error.borrow_mut();
        if err.as_ref().is_none_or(|(j, _)| i < *j) {
            *err = Some((i, e));
        }
    }

    /// Parse file `i` on this thread.
    fn parse_here(&self, i: usize) {
        let (name, text) = &self.items[i];
        let funcs = &self.funcs;
        let r = crate::parse::parse_shared(name, text.clone(), &|n: &str| funcs.lookup(n));
        self.slots.borrow_mut()[i] = Slot::Parsed(r);
    }

    /// Make file `i`'s parse available in `slots` (parsing other files
    /// meanwhile rather than idling).
    fn complete(&self, i: usize) {
        loop {
            if !matches!(self.slots.borrow()[i], Slot::Todo) {
                return;
            }
            match lock(&self.shared.done)[i].take() {
                Some(Ok(r)) => {
                    self.slots.borrow_mut()[i] = Slot::Parsed(r.into_result());
                    return;
                }
                Some(Err(())) => {
                    self.parse_here(i);
                    return;
                }
                None => {}
            }
            let j = self.shared.next.fetch_add(1, Ordering::Relaxed);
            if j < self.items.len() {
                self.parse_here(j);
                continue;
            }
            // The helper has it: wait.
            let mut done = lock(&self.shared.done);
            while done[i].is_none() {
                done = self
                    .shared
                    .ready
                    .wait(done)
                    .unwrap_or_else(|e| e.into_inner());
            }
        }
    }

    /// File `i`'s trees, once (`None` after an error or when taken).
    fn take(&self, i: usize) -> Option<Vec<Tree>> {
        self.complete(i);
        match std::mem::replace(&mut self.slots.borrow_mut()[i], Slot::Taken) {
            Slot::Parsed(Ok(trees)) => Some(trees),
            Slot::Parsed(Err(e)) => {
                self.note_error(i, *e);
                None
            }
            _ => None,
        }
    }

    pub(super) fn late_if_filled(&self, name: &str) -> Option<&Rc<Tree>> {
        self.late[*self.index.get(name)?].get()?.as_ref()
    }

    /// A lookup missed while templates run: if `name` is a file still
    /// pending, wait for its tree.
    pub(super) fn late_lookup(&self, name: &str) -> Option<&Rc<Tree>> {
        let i = *self.index.get(name)?;
        self.late[i]
            .get_or_init(|| {
                let trees = self.take(i)?;
                trees.into_iter().find(|t| t.name == name).map(Rc::new)
            })
            .as_ref()
    }
}

impl Template {
    /// Start parsing `items` (name, text), in this order, on a helper
    /// thread.  The first `prefix` items may define anything: the caller
    /// adds them to the set with [`Template::finish_prefix`] before running
    /// any template.  The others must define no other template, under
    /// names no other template has (see the module docs);
    /// [`Template::ensure_parsed`] and [`Template::finish_pipeline`]
    /// collect them.
    ///
    /// The parsing runs on `worker` when given, else on a thread of its
    /// own when the machine has a spare core.
    pub fn parse_pipelined(
        &mut self,
        items: Vec<(String, Rc<str>)>,
        prefix: usize,
        worker: Option<&crate::worker::Worker>,
    ) {
        let n = items.len();
        let shared = Arc::new(Shared {
            next: AtomicUsize::new(0),
            cancel: AtomicBool::new(false),
            done: Mutex::new((0..n).map(|_| None).collect()),
            ready: Condvar::new(),
        });
        // Small sets parse faster here than a helper thread starts.
        let bytes: usize = items.iter().map(|(_, t)| t.len()).sum();
        if crate::has_spare_core() && n > 1 && bytes >= super::PARALLEL_PARSE_MIN_BYTES {
            // Own copies: the helper outlives nothing it borrows.
            let work: Vec<(String, Box<str>)> = items
                .iter()
                .map(|(n, t)| (n.clone(), Box::from(&**t)))
                .collect();
            let ids = self.funcs.ids.clone();
            let sh = shared.clone();
            let job = move || loop {
                if sh.cancel.load(Ordering::Relaxed) {
                    break;
                }
                let i = sh.next.fetch_add(1, Ordering::Relaxed);
                let Some((name, text)) = work.get(i) else {
                    break;
                };
                let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    HelperParse::new(crate::parse::parse(name, text, &|n: &str| {
                        lookup_id(&ids, n)
                    }))
                }));
                lock(&sh.done)[i] = Some(r.map_err(|_| ()));
                sh.ready.notify_all();
            };
            match worker {
                Some(w) => {
                    w.run(job);
                }
                None => {
                    let _ = std::thread::Builder::new().name("parse".into()).spawn(job);
                }
            }
        }
        let index = items
            .iter()
            .enumerate()
            .skip(prefix)
            .map(|(i, (n, _))| (n.clone(), i))
            .collect();
        self.pending = Some(Rc::new(Pending {
            index,
            late: (0..n).map(|_| OnceCell::new()).collect(),
            items,
            funcs: self.funcs.clone(),
            shared,
            slots: RefCell::new((0..n).map(|_| Slot::Todo).collect()),
            error: RefCell::new(None),
        }));
    }

    /// Add the first `prefix` items (see [`Template::parse_pipelined`]) to
    /// the set, in order, as [`Template::parse_batch`] would; the first
    /// failing one is the error, with its index.
    pub fn finish_prefix(&mut self, prefix: usize) -> Result<(), (usize, Error)> {
        let Some(p) = self.pending.clone() else {
            return Ok(());
        };
        for i in 0..prefix {
            p.complete(i);
            let slot = std::mem::replace(&mut p.slots.borrow_mut()[i], Slot::Taken);
            if let Slot::Parsed(r) = slot {
                let trees = r.map_err(|e| (i, *e))?;
                let name = p.items[i].0.clone();
                self.add_trees(&name, trees, false).map_err(|e| (i, *e))?;
            }
        }
        Ok(())
    }

    /// Make sure the pipelined file `name` is in the set (no-op for other
    /// names).  A parse error of that file is returned with its index in
    /// the pipelined list; the caller should then ask
    /// [`Template::finish_pipeline`] for the first error.
    pub fn ensure_parsed(&mut self, name: &str) -> Result<(), (usize, Error)> {
        let Some(p) = self.pending.clone() else {
            return Ok(());
        };
        let Some(&i) = p.index.get(name) else {
            return Ok(());
        };
        if p.late[i].get().is_some() {
            return Ok(());
        }
        if let Some(trees) = p.take(i) {
            self.add_trees(name, trees, false).map_err(|e| (i, *e))?;
        }
        let r = match p.error.borrow().as_ref() {
            Some((j, e)) if *j == i => Err((i, e.clone())),
            _ => Ok(()),
        };
        r
    }

    /// Parse whatever is left and add it to the set; the first parse error
    /// of the pipelined files (by index), if any.
    pub fn finish_pipeline(&mut self) -> Result<(), (usize, Error)> {
        let Some(p) = self.pending.clone() else {
            return Ok(());
        };
        for i in 0..p.items.len() {
            if p.late[i].get().is_some() || matches!(p.slots.borrow()[i], Slot::Taken) {
                continue;
            }
            if let Some(trees) = p.take(i) {
                let name = p.items[i].0.clone();
                self.add_trees(&name, trees, false).map_err(|e| (i, *e))?;
            }
        }
        let r = match p.error.borrow().as_ref() {
            Some((i, e)) => Err((*i, e.clone())),
            None => Ok(()),
        };
        r
    }
}
