//! Work started on files while the directory walk is still going.
//!
//! The walk of a tree is mostly system calls on one core, and the files can be taken in path
//! order only once it has ended, so the other cores would wait for it. With [`EarlyWork`], free
//! workers take the files found while the walk goes on, the first in path order first; when the
//! files are then taken in path order, a result worked out early is used instead of working the
//! file out again. Only work that starts while the walk lasts is done early, and at most
//! [`MOST_HELD`] files: afterwards files are taken in path order, so that their results are
//! printed as they come and memory holds the files in flight, not the tree.
//!
//! A result is used only for the very file it was made for (the same [`Discovered`], field for
//! field), and it may be thrown away (a file found under two names keeps one), so the work
//! must not write anything.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use crate::discover::Discovered;

/// At most this many files are worked out early, and as many wait: their results are held
/// until the walk ends, however long it takes, so memory holds a bounded number of results and
/// not a share of the tree.
pub const MOST_HELD: usize = 256;

/// Results of files worked out while the walk lasts, by display path.
pub struct EarlyWork<R> {
    state: Mutex<State<R>>,
    /// The threads of the pool that works files out.
    threads: usize,
}

struct State<R> {
    walking: bool,
    /// Found and not yet started, by display path: the first in path order is started first,
    /// so that its result is taken, and its memory freed, soon after the walk.
    waiting: BTreeMap<String, Discovered>,
    /// Started, by display path, until taken.
    started: HashMap<String, Arc<Slot<R>>>,
    /// Workers taking files from `waiting`.
    workers: usize,
}

struct Slot<R> {
    file: Discovered,
    /// Set once by whoever works the file out first: the early worker or the taker.
    result: OnceLock<Mutex<Option<R>>>,
}

impl<R: Send> EarlyWork<R> {
    /// For files worked out on a pool of `threads` threads.
    pub fn new(threads: usize) -> Self {
        EarlyWork {
            state: Mutex::new(State {
                walking: true,
                waiting: BTreeMap::new(),
                started: HashMap::new(),
                workers: 0,
            }),
            threads: threads.max(1),
        }
    }

    /// Has a worker of `scope` work `file` out, if the walk is still going when one is free.
    /// At most one worker per thread of the pool takes files, so that a file found does not
    /// cost a task of its own.
    pub fn start<'s, W>(&'s self, scope: &rayon::Scope<'s>, file: &Discovered, work: &'s W)
    where
        W: Fn(&Discovered) -> R + Sync,
        R: 's,
    {
        let mut state = self.lock();
        if !state.walking
            || state.started.len() >= MOST_HELD
            || state.started.contains_key(&file.display)
            || state.waiting.contains_key(&file.display)
        {
            return;
        }
        state.waiting.insert(file.display.clone(), file.clone());
        // Only the first files in path order of those found can still be started.
        if state.waiting.len() + state.started.len() > MOST_HELD {
            state.waiting.pop_last();
        }
        if state.workers < self.threads && !state.waiting.is_empty() {
            state.workers += 1;
            scope.spawn(move |_| self.work_while_walking(work));
        }
    }

    /// Works out waiting files, first in path order first, until none waits or the walk ends.
    fn work_while_walking<W>(&self, work: &W)
    where
        W: Fn(&Discovered) -> R,
    {
        loop {
            let slot = {
                let mut state = self.lock();
                let next = match state.walking && state.started.len() < MOST_HELD {
                    true => state.waiting.pop_first(),
                    false => None,
                };
                let Some((display, file)) = next else {
                    state.workers -= 1;
                    return;
                };
                let slot = Arc::new(Slot {
                    file,
                    result: OnceLock::new(),
                });
                state.started.insert(display, Arc::clone(&slot));
                slot
            };
            slot.result
                .get_or_init(|| Mutex::new(Some(work(&slot.file))));
        }
    }

    /// The walk has ended: files not started by now are left to [`EarlyWork::take_or_work`].
    pub fn walk_ended(&self) {
        let mut state = self.lock();
        state.walking = false;
        state.waiting = BTreeMap::new();
    }

    /// `file`'s result: the one worked out early for this very file (waiting for it if it is
    /// being worked out now), else `work(file)`.
    pub fn take_or_work<W>(&self, file: &Discovered, work: &W) -> R
    where
        W: Fn(&Discovered) -> R,
    {
        let slot = self.lock().started.remove(&file.display);
        if let Some(slot) = slot.filter(|slot| slot.file == *file) {
            let cell = slot.result.get_or_init(|| Mutex::new(Some(work(file))));
            if let Some(result) = cell.lock().unwrap_or_else(|p| p.into_inner()).take() {
                return result;
            }
        }
        work(file)
    }

    fn lock(&self) -> MutexGuard<'_, State<R>> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::FileKind;
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn pool(threads: usize) -> rayon::ThreadPool {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
    }

    fn file(name: &str) -> Discovered {
        Discovered {
            path: PathBuf::from(name),
            display: name.to_string(),
            kind: FileKind::Workflow,
            explicit: false,
            symlink: false,
            listed_regular: true,
        }
    }

    /// Each file is worked out once, early or when taken, and taking gives its own result.
    #[test]
    fn every_file_is_worked_out_once() {
        let pool = pool(2);
        let files: Vec<Discovered> = (0..300).map(|i| file(&format!("f{i}.yml"))).collect();
        let calls = AtomicUsize::new(0);
        let work = |f: &Discovered| {
            calls.fetch_add(1, Ordering::Relaxed);
            format!("report of {}", f.display)
        };
        let early = EarlyWork::new(2);
        let results: Vec<String> = pool.in_place_scope(|scope| {
            for f in &files[..200] {
                early.start(scope, f, &work);
            }
            // Let some of them be worked out early.
            while calls.load(Ordering::Relaxed) < 50 {
                std::thread::yield_now();
            }
            early.walk_ended();
            // Started after the walk: left to the taker.
            for f in &files[200..] {
                early.start(scope, f, &work);
            }
            files.iter().map(|f| early.take_or_work(f, &work)).collect()
        });
        for (f, r) in files.iter().zip(&results) {
            assert_eq!(*r, format!("report of {}", f.display));
        }
        // The early results were used, not worked out again.
        assert_eq!(calls.load(Ordering::Relaxed), files.len());
    }

    /// Waiting files are started first in path order, however they were found.
    #[test]
    fn the_first_in_path_order_starts_first() {
        let pool = pool(1);
        let released = std::sync::atomic::AtomicBool::new(false);
        let order = Mutex::new(Vec::new());
        let work = |f: &Discovered| {
            while !released.load(Ordering::Relaxed) {
                std::thread::yield_now();
            }
            order.lock().unwrap().push(f.display.clone());
        };
        let early = EarlyWork::new(1);
        let files: Vec<Discovered> = (0..40)
            .rev()
            .map(|i| file(&format!("f{i:02}.yml")))
            .collect();
        pool.in_place_scope(|scope| {
            for f in &files {
                early.start(scope, f, &work);
            }
            released.store(true, Ordering::Relaxed);
            while order.lock().unwrap().len() < files.len() {
                std::thread::yield_now();
            }
            early.walk_ended();
        });
        let order = order.into_inner().unwrap();
        // The first may have started before the others were found.
        let rest = &order[1..];
        assert!(rest.windows(2).all(|w| w[0] < w[1]), "{order:?}");
        assert_eq!(order.len(), files.len());
    }

    /// However many files the walk finds, at most `MOST_HELD` are worked out early, and the
    /// rest are worked out when taken.
    #[test]
    fn at_most_so_many_results_are_held() {
        let pool = pool(2);
        let calls = AtomicUsize::new(0);
        let work = |f: &Discovered| {
            calls.fetch_add(1, Ordering::Relaxed);
            f.display.clone()
        };
        let early = EarlyWork::new(2);
        let files: Vec<Discovered> = (0..MOST_HELD * 3)
            .map(|i| file(&format!("f{i:04}.yml")))
            .collect();
        let results: Vec<String> = pool.in_place_scope(|scope| {
            for f in &files {
                early.start(scope, f, &work);
            }
            // Give the workers time to take everything they may.
            while calls.load(Ordering::Relaxed) < MOST_HELD {
                std::thread::yield_now();
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
            assert_eq!(calls.load(Ordering::Relaxed), MOST_HELD);
            assert!(early.lock().waiting.is_empty());
            early.walk_ended();
            files.iter().map(|f| early.take_or_work(f, &work)).collect()
        });
        assert_eq!(calls.load(Ordering::Relaxed), files.len());
        assert!(results.iter().zip(&files).all(|(r, f)| *r == f.display));
    }

    /// A result made for a file is not used for another file of the same display path (a file
    /// named on the command line as well as found, say).
    #[test]
    fn a_result_is_used_only_for_its_own_file() {
        let pool = pool(1);
        let calls = AtomicUsize::new(0);
        let work = |f: &Discovered| {
            calls.fetch_add(1, Ordering::Relaxed);
            (f.display.clone(), f.explicit)
        };
        let early = EarlyWork::new(1);
        let found = file("a.yml");
        let named = Discovered {
            explicit: true,
            ..found.clone()
        };
        let taken = pool.in_place_scope(|scope| {
            early.start(scope, &found, &work);
            while calls.load(Ordering::Relaxed) < 1 {
                std::thread::yield_now();
            }
            early.walk_ended();
            early.take_or_work(&named, &work)
        });
        assert_eq!(taken, ("a.yml".to_string(), true));
        assert_eq!(calls.load(Ordering::Relaxed), 2);
    }
}
