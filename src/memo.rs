//! A map that many threads read and seldom write: answers remembered for a run (which
//! configuration file applies to a directory, what a directory holds, a matcher per
//! configuration). Reads share the lock, so the walk's threads do not queue behind each other
//! for answers that are already known; keys are hashed with foldhash, which is fast for the
//! short paths used as keys (they come from the file system, not from an adversary who could
//! pick colliding ones to slow the run down).

use std::borrow::Borrow;
use std::hash::Hash;
use std::path::Path;
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use foldhash::HashMap;

/// A directory's key in a memo: its path's bytes. `Path` hashes and compares component by
/// component, which costs several times more; for the normalised absolute paths kept here
/// (no `.`, `..`, repeated or trailing separators) equal bytes and equal paths are the same.
pub type PathKey = Box<[u8]>;

/// The bytes of `path`, to look up a [`PathKey`].
pub fn path_key(path: &Path) -> &[u8] {
    path.as_os_str().as_encoded_bytes()
}

#[derive(Debug)]
pub struct Memo<K, V> {
    map: RwLock<HashMap<K, V>>,
}

impl<K: Eq + Hash, V: Clone> Memo<K, V> {
    pub fn new() -> Memo<K, V> {
        Memo {
            map: RwLock::new(HashMap::default()),
        }
    }

    /// The remembered answer for `key`, if any.
    pub fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        self.read().get(key).cloned()
    }

    /// Remembers `value` for `key` unless another thread did first; returns what is remembered.
    pub fn insert(&self, key: K, value: V) -> V {
        self.write().entry(key).or_insert(value).clone()
    }

    /// Remembers `value` for every key of `keys` (replacing nothing already there).
    pub fn insert_all(&self, keys: impl IntoIterator<Item = K>, value: &V) {
        let mut map = self.write();
        for key in keys {
            map.entry(key).or_insert_with(|| value.clone());
        }
    }

    fn read(&self) -> RwLockReadGuard<'_, HashMap<K, V>> {
        self.map
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, HashMap<K, V>> {
        self.map
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl<K: Eq + Hash, V: Clone> Default for Memo<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::Memo;

    #[test]
    fn the_first_answer_stays() {
        let memo: Memo<String, u32> = Memo::new();
        assert_eq!(memo.get("a"), None);
        assert_eq!(memo.insert("a".into(), 1), 1);
        assert_eq!(
            memo.insert("a".into(), 2),
            1,
            "a second thread's answer is not taken"
        );
        memo.insert_all(["a".to_string(), "b".to_string()], &3);
        assert_eq!((memo.get("a"), memo.get("b")), (Some(1), Some(3)));
    }
}
