//! Counter logs spread over a fixed set of mutex-guarded maps, so calls on different keys rarely
//! contend. Locks are std mutexes held for microseconds with no await inside.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::algorithm::{Tuning, WindowLog};
use crate::counters::CounterKey;

type Shard = HashMap<CounterKey, WindowLog>;

pub(super) struct Shards {
    shards: Box<[Mutex<Shard>]>,
    hasher: RandomState,
}

/// Locks every shard that one call's keys live in, taken in ascending shard order so two calls that
/// touch the same shards can never wait on each other crosswise (no deadlock).
pub(super) struct LockedShards<'a> {
    owner: &'a Shards,
    /// Sorted by shard index, no duplicates.
    guards: Vec<(usize, MutexGuard<'a, Shard>)>,
}

impl Shards {
    pub(super) fn new(count: usize) -> Self {
        let shards = (0..count.max(1)).map(|_| Mutex::new(Shard::new())).collect();
        Self {
            shards,
            hasher: RandomState::new(),
        }
    }

    fn index_of(&self, key: &CounterKey) -> usize {
        // The modulo keeps the value below the shard count, so the cast back cannot truncate.
        (self.hasher.hash_one(key) % self.shards.len() as u64) as usize
    }

    fn lock(&self, index: usize) -> MutexGuard<'_, Shard> {
        // A panic while holding a shard cannot leave a log half-updated (the algorithm does not
        // panic on valid slots), so a poisoned lock is safe to keep using.
        self.shards[index].lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(super) fn lock_for(&self, keys: &[&CounterKey]) -> LockedShards<'_> {
        let mut indexes: Vec<usize> = keys.iter().map(|key| self.index_of(key)).collect();
        indexes.sort_unstable();
        indexes.dedup();
        let guards = indexes
            .into_iter()
            .map(|index| (index, self.lock(index)))
            .collect();
        LockedShards { owner: self, guards }
    }

    /// Applies `change` to the log of `key` if it exists, dropping the log if that empties it.
    pub(super) fn update(&self, key: &CounterKey, change: impl FnOnce(&mut WindowLog)) {
        let mut shard = self.lock(self.index_of(key));
        if let Some(log) = shard.get_mut(key) {
            change(log);
            if log.is_empty() {
                shard.remove(key);
            }
        }
    }

    /// Prunes every log and drops keys left without live entries, one shard lock at a time so calls
    /// keep flowing on the other shards meanwhile.
    pub(super) fn sweep(&self, now_ms: u64, tuning: &Tuning) {
        for index in 0..self.shards.len() {
            self.lock(index).retain(|key, log| {
                log.prune(
                    key.window_ms,
                    now_ms,
                    tuning.prune_batch,
                    tuning.buckets_per_window,
                );
                !log.is_empty()
            });
        }
    }

    pub(super) fn key_count(&self) -> usize {
        (0..self.shards.len()).map(|index| self.lock(index).len()).sum()
    }
}

impl LockedShards<'_> {
    fn shard_mut(&mut self, key: &CounterKey) -> Option<&mut Shard> {
        let index = self.owner.index_of(key);
        let position = self
            .guards
            .binary_search_by_key(&index, |(locked, _)| *locked)
            .ok()?;
        self.guards.get_mut(position).map(|(_, guard)| &mut **guard)
    }

    /// Moves the log of `key` out (an empty one if the key is new), so the algorithm can work on
    /// several logs of one shard at once. Callers put it back with [`Self::put_back`].
    pub(super) fn take(&mut self, key: &CounterKey) -> (CounterKey, WindowLog) {
        match self.shard_mut(key).and_then(|shard| shard.remove_entry(key)) {
            Some(entry) => entry,
            None => (key.clone(), WindowLog::default()),
        }
    }

    /// Keeps only logs with entries: a key whose entries all expired or were refused disappears.
    pub(super) fn put_back(&mut self, key: CounterKey, log: WindowLog) {
        if log.is_empty() {
            return;
        }
        if let Some(shard) = self.shard_mut(&key) {
            shard.insert(key, log);
        }
    }
}
