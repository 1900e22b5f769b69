//! One counter key's log of live charges, oldest first, with their running sum.

use std::collections::VecDeque;

/// One charge: `amount` counted from `at_ms`, for the reservation with id `reservation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub at_ms: u64,
    pub amount: u64,
    pub reservation: u128,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WindowLog {
    /// Sorted by `at_ms` (ties in insertion order), so expiry only ever pops from the front.
    entries: VecDeque<Entry>,
    /// Sum of `entries[..].amount`, kept so a check is O(1) rather than a walk of the log.
    used: u64,
}

impl WindowLog {
    /// The sum of the amounts in the log (live ones, once pruned).
    pub fn used(&self) -> u64 {
        self.used
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Oldest first.
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter()
    }

    /// Drops the charges that are no longer live: a charge at `t` counts while `now_ms < t + window_ms`
    /// (the Lua mirror: `ZREMRANGEBYSCORE key -inf <now - window>`, bound included).
    pub fn prune(&mut self, window_ms: u64, now_ms: u64) {
        while let Some(oldest) = self.entries.front() {
            if oldest.at_ms.saturating_add(window_ms) > now_ms {
                break;
            }
            self.used = self.used.saturating_sub(oldest.amount);
            self.entries.pop_front();
        }
    }

    /// Adds a charge in time order. It lands at the back unless the clock stepped back, in which case
    /// it goes where its time puts it, as a sorted set scored by time would place it.
    pub fn insert(&mut self, entry: Entry) {
        let position = self
            .entries
            .partition_point(|existing| existing.at_ms <= entry.at_ms);
        self.used = self.used.saturating_add(entry.amount);
        self.entries.insert(position, entry);
    }

    /// Removes every charge of `reservation`; returns how much was freed.
    pub fn remove_reservation(&mut self, reservation: u128) -> u64 {
        let before = self.used;
        self.entries.retain(|entry| entry.reservation != reservation);
        self.used = self
            .entries
            .iter()
            .fold(0_u64, |sum, entry| sum.saturating_add(entry.amount));
        before.saturating_sub(self.used)
    }
}
