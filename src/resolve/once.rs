//! A map of once-cells: each key's value is computed at most once, and concurrent askers of the
//! same key wait for the first one's answer instead of computing it again.
//!
//! Why not one lock around the map: computing a value runs git over the network, which takes
//! seconds; the map lock is held only to find or create a key's cell, never while computing.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex, OnceLock};

pub(crate) struct OnceMap<K, V> {
    cells: Mutex<HashMap<K, Arc<OnceLock<V>>>>,
}

impl<K: Eq + Hash + Clone, V: Clone> OnceMap<K, V> {
    pub(crate) fn new() -> Self {
        OnceMap {
            cells: Mutex::new(HashMap::new()),
        }
    }

    /// The value for `key`, computed by `init` if no one has computed it yet. `init` runs
    /// without the map lock; other keys proceed meanwhile.
    pub(crate) fn get_or_init(&self, key: &K, init: impl FnOnce() -> V) -> V {
        let cell = {
            let mut cells = self.cells.lock().unwrap_or_else(|p| p.into_inner());
            Arc::clone(cells.entry(key.clone()).or_default())
        };
        cell.get_or_init(init).clone()
    }

    /// The value for `key` if it has been computed.
    #[cfg(test)]
    pub(crate) fn get(&self, key: &K) -> Option<V> {
        let cells = self.cells.lock().unwrap_or_else(|p| p.into_inner());
        cells.get(key).and_then(|c| c.get().cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::thread;
    use std::time::Duration;

    #[test]
    fn concurrent_askers_share_one_computation() {
        let map: OnceMap<u32, u32> = OnceMap::new();
        let calls = AtomicUsize::new(0);
        thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    let v = map.get_or_init(&7, || {
                        calls.fetch_add(1, Ordering::SeqCst);
                        thread::sleep(Duration::from_millis(50));
                        49
                    });
                    assert_eq!(v, 49);
                });
            }
        });
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(map.get(&7), Some(49));
        assert_eq!(map.get(&8), None);
    }

    #[test]
    fn a_slow_key_does_not_block_another() {
        let map: OnceMap<u32, u32> = OnceMap::new();
        thread::scope(|s| {
            s.spawn(|| {
                map.get_or_init(&1, || {
                    thread::sleep(Duration::from_millis(300));
                    1
                })
            });
            thread::sleep(Duration::from_millis(20));
            let start = std::time::Instant::now();
            assert_eq!(map.get_or_init(&2, || 2), 2);
            assert!(start.elapsed() < Duration::from_millis(200));
        });
    }
}
