//! One helper thread for the work a render shares out.
//!
//! Starting a thread costs some tens of µs here, as much as parsing a
//! small chart's templates, and a thread that ends makes the allocator
//! hand its memory back to the OS, to be faulted in (and zeroed) again by
//! the next.  So the process has one helper, started by the first job
//! given to it (callers share only work big enough to pay for that), and
//! each piece of shareable work goes to it in turn: reading a chart's
//! files, then parsing templates.  Jobs own their data
//! (`'static`); results come back through shared slots.  Callers never
//! depend on the helper getting to a job: whatever it has not claimed,
//! they do themselves.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Condvar, Mutex};

type Job = Box<dyn FnOnce() + Send + 'static>;

/// A handle on the helper thread (cheap to clone).
#[derive(Clone)]
pub struct Worker {
    _private: (),
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Worker")
    }
}

/// The helper's queue, once the first job has started it (`None`: no
/// thread could be started).
static JOBS: std::sync::OnceLock<Option<Sender<Job>>> = std::sync::OnceLock::new();

impl Worker {
    /// The process's helper; `None` when the machine has no spare core:
    /// callers then do all the work themselves. The thread starts with the
    /// first job, so a run too small to share any work never pays for it
    /// (a clone, the runtime's per-thread set-up, a futex wake).
    pub fn shared() -> Option<Worker> {
        crate::has_spare_core().then_some(Worker { _private: () })
    }

    fn start() -> Option<Sender<Job>> {
        let (tx, rx) = channel::<Job>();
        std::thread::Builder::new()
            .name("helper".into())
            .spawn(move || {
                while let Ok(job) = rx.recv() {
                    // A failing job must not take later ones down with it
                    // (their callers then just do the work themselves).
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                }
            })
            .ok()?;
        Some(tx)
    }

    /// Run `job` on the helper (after the jobs before it); `false` when
    /// there is no helper to run it.
    pub fn run(&self, job: impl FnOnce() + Send + 'static) -> bool {
        match JOBS.get_or_init(Worker::start) {
            Some(tx) => tx.send(Box::new(job)).is_ok(),
            None => false,
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// `f` over every item, shared between the calling thread and `worker`
/// (each item done once, by whichever thread claims it first); results in
/// item order.  Without a worker, all on the calling thread.
pub fn share_work<T, R>(worker: Option<&Worker>, items: Arc<Vec<T>>, f: fn(&T) -> R) -> Vec<R>
where
    T: Send + Sync + 'static,
    R: Send + 'static,
{
    let n = items.len();
    let Some(worker) = worker.filter(|_| n > 1) else {
        return items.iter().map(f).collect();
    };
    enum Slot<R> {
        Empty,
        Done(R),
        /// `f` panicked on the helper: the caller redoes the item.
        Failed,
    }
    struct Shared<R> {
        next: AtomicUsize,
        done: Mutex<Vec<Slot<R>>>,
        ready: Condvar,
    }
    let shared = Arc::new(Shared {
        next: AtomicUsize::new(0),
        done: Mutex::new((0..n).map(|_| Slot::Empty).collect()),
        ready: Condvar::new(),
    });
    {
        let (shared, items) = (shared.clone(), items.clone());
        worker.run(move || loop {
            let i = shared.next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else { break };
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(item)));
            lock(&shared.done)[i] = match r {
                Ok(r) => Slot::Done(r),
                Err(_) => Slot::Failed,
            };
            shared.ready.notify_all();
        });
    }
    let mut mine: Vec<Option<R>> = (0..n).map(|_| None).collect();
    loop {
        let i = shared.next.fetch_add(1, Ordering::Relaxed);
        let Some(item) = items.get(i) else { break };
        mine[i] = Some(f(item));
    }
    // Whatever the helper claimed, it finishes.
    let mut done = lock(&shared.done);
    let mut out = Vec::with_capacity(n);
    for (i, m) in mine.into_iter().enumerate() {
        let r = match m {
            Some(r) => r,
            None => loop {
                match std::mem::replace(&mut done[i], Slot::Empty) {
                    Slot::Done(r) => break r,
                    Slot::Failed => break f(&items[i]),
                    Slot::Empty => {
                        done = shared.ready.wait(done).unwrap_or_else(|e| e.into_inner())
                    }
                }
            },
        };
        out.push(r);
    }
    out
}
