//! Counter logs spread over a fixed set of mutex-guarded maps, so calls on different keys rarely
//! contend. Locks are std mutexes held for microseconds with no await inside.
//!
//! A key is hashed once per call ([`Shards::hash_of`]): the hash picks the shard (high bits) and is
//! the map key itself (identity-hashed), with the few keys sharing a hash side by side. A call moves
//! each log out and back in place, so an existing key is never cloned, removed or rehashed.

use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher, RandomState};
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::algorithm::{Tuning, WindowLog};
use crate::counters::CounterKey;

/// The keys whose hash is the map key (almost always one).
type Shard = HashMap<u64, Vec<(CounterKey, WindowLog)>, BuildHasherDefault<KeyHash>>;

/// Passes a precomputed (already random-keyed) hash through.
#[derive(Default)]
pub(super) struct KeyHash(u64);

impl Hasher for KeyHash {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*byte);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

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
        let shards = (0..count.max(1)).map(|_| Mutex::new(Shard::default())).collect();
        Self {
            shards,
            hasher: RandomState::new(),
        }
    }

    pub(super) fn hash_of(&self, key: &CounterKey) -> u64 {
        self.hasher.hash_one(key)
    }

    fn index_of(&self, hash: u64) -> usize {
        // High bits pick the shard, so the map's buckets (low bits) stay spread within one. The
        // modulo keeps the value below the shard count, so the cast back cannot truncate.
        ((hash >> 32) % self.shards.len() as u64) as usize
    }

    fn lock(&self, index: usize) -> MutexGuard<'_, Shard> {
        // A panic while holding a shard cannot leave a log half-updated (the algorithm does not
        // panic on valid slots), so a poisoned lock is safe to keep using.
        self.shards[index].lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(super) fn lock_for(&self, hashes: &[u64]) -> LockedShards<'_> {
        let mut indexes: Vec<usize> = hashes.iter().map(|hash| self.index_of(*hash)).collect();
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
        let hash = self.hash_of(key);
        let mut shard = self.lock(self.index_of(hash));
        let Some(same_hash) = shard.get_mut(&hash) else {
            return;
        };
        let Some(position) = same_hash.iter().position(|(known, _)| known == key) else {
            return;
        };
        change(&mut same_hash[position].1);
        if same_hash[position].1.is_empty() {
            same_hash.swap_remove(position);
            if same_hash.is_empty() {
                shard.remove(&hash);
            }
        }
    }

    /// Prunes every log and drops keys left without live entries, one shard lock at a time so calls
    /// keep flowing on the other shards meanwhile.
    pub(super) fn sweep(&self, now_ms: u64, tuning: &Tuning) {
        for index in 0..self.shards.len() {
            self.lock(index).retain(|_, same_hash| {
                same_hash.retain_mut(|(key, log)| {
                    log.prune(
                        key.window_ms,
                        now_ms,
                        tuning.prune_batch,
                        tuning.buckets_per_window,
                    );
                    !log.is_empty()
                });
                !same_hash.is_empty()
            });
        }
    }

    pub(super) fn key_count(&self) -> usize {
        (0..self.shards.len())
            .map(|index| self.lock(index).values().map(Vec::len).sum::<usize>())
            .sum()
    }
}

impl LockedShards<'_> {
    fn shard_mut(&mut self, hash: u64) -> Option<&mut Shard> {
        let index = self.owner.index_of(hash);
        let position = self
            .guards
            .binary_search_by_key(&index, |(locked, _)| *locked)
            .ok()?;
        self.guards.get_mut(position).map(|(_, guard)| &mut **guard)
    }

    fn slot_mut(&mut self, key: &CounterKey, hash: u64) -> Option<&mut WindowLog> {
        let same_hash = self.shard_mut(hash)?.get_mut(&hash)?;
        same_hash
            .iter_mut()
            .find(|(known, _)| known == key)
            .map(|(_, log)| log)
    }

    /// Moves the log of `key` out (an empty one if the key is new), leaving an empty one in its
    /// place, so the algorithm can work on several logs of one shard at once. Callers put it back
    /// with [`Self::put_back`].
    pub(super) fn take(&mut self, key: &CounterKey, hash: u64) -> WindowLog {
        self.slot_mut(key, hash).map(std::mem::take).unwrap_or_default()
    }

    /// Keeps only logs with entries: a key whose entries all expired or were refused disappears.
    pub(super) fn put_back(&mut self, key: &CounterKey, hash: u64, log: WindowLog) {
        let emptied = log.is_empty();
        if let Some(slot) = self.slot_mut(key, hash) {
            *slot = log;
            if emptied {
                self.remove(key, hash);
            }
            return;
        }
        if emptied {
            return;
        }
        if let Some(shard) = self.shard_mut(hash) {
            shard.entry(hash).or_default().push((key.clone(), log));
        }
    }

    fn remove(&mut self, key: &CounterKey, hash: u64) {
        let Some(shard) = self.shard_mut(hash) else {
            return;
        };
        let Some(same_hash) = shard.get_mut(&hash) else {
            return;
        };
        same_hash.retain(|(known, _)| known != key);
        if same_hash.is_empty() {
            shard.remove(&hash);
        }
    }
}
