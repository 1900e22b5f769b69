//! One counter key's state: an exact log of charges (oldest first) and sub-window buckets, each with
//! its running sum. A call counts a key in one of the two ([`super::Tuning`]); both always count.

use std::collections::VecDeque;

/// One charge: `amount` counted from `at_ms`, for the reservation with id `reservation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub at_ms: u64,
    pub amount: u64,
    pub reservation: u128,
}

/// The sum charged in one sub-window `[index * width, (index + 1) * width)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bucket {
    pub index: u64,
    pub amount: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WindowLog {
    /// Sorted by `at_ms` (ties in insertion order), so expiry only ever pops from the front.
    entries: VecDeque<Entry>,
    /// Sum of `entries[..].amount`, expired ones not yet pruned included.
    used: u64,
    /// Sorted by index; an index's expiry grows with it, so expiry pops from the front too.
    buckets: VecDeque<Bucket>,
    bucket_used: u64,
    /// Reservations whose bucket charges were given back, with when that stops mattering.
    rolled_back: Vec<(u128, u64)>,
}

/// How wide one bucket of a window is: `window / per_window`, rounded up, at least 1 ms.
pub fn bucket_width(window_ms: u64, per_window: u64) -> u64 {
    window_ms.div_ceil(per_window.max(1)).max(1)
}

/// When a bucket stops counting: when its latest possible charge would (so it never undercounts).
pub fn bucket_expiry(index: u64, width: u64, window_ms: u64) -> u64 {
    index
        .saturating_add(1)
        .saturating_mul(width)
        .saturating_sub(1)
        .saturating_add(window_ms)
}

impl WindowLog {
    /// The sum of the log's amounts (expired entries not yet pruned included), without buckets.
    pub fn used(&self) -> u64 {
        self.used
    }

    /// The sum of the buckets (live ones, once pruned).
    pub fn bucket_used(&self) -> u64 {
        self.bucket_used
    }

    /// What counts against a max at `now_ms`: the log minus one per expired entry still in it (each
    /// has an amount of at least 1, so this never undercounts and is exact for amounts of 1), plus
    /// every bucket.
    pub fn live_used(&self, window_ms: u64, now_ms: u64) -> u64 {
        let expired = self.expired_count(window_ms, now_ms) as u64;
        self.used.saturating_sub(expired).saturating_add(self.bucket_used)
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty() && self.buckets.is_empty()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Oldest first.
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter()
    }

    /// Oldest first.
    pub fn buckets(&self) -> impl Iterator<Item = &Bucket> {
        self.buckets.iter()
    }

    /// Entries with `at_ms + window_ms <= now_ms` (a prefix of the log).
    fn expired_count(&self, window_ms: u64, now_ms: u64) -> usize {
        self.entries
            .partition_point(|entry| entry.at_ms.saturating_add(window_ms) <= now_ms)
    }

    /// Live entries, oldest first.
    pub fn live_entries(&self, window_ms: u64, now_ms: u64) -> impl Iterator<Item = &Entry> {
        self.entries.iter().skip(self.expired_count(window_ms, now_ms))
    }

    /// Drops charges that are no longer live, at most `batch` log entries (rounded up to the end of
    /// the last timestamp, so ties go together) and every expired bucket. The Lua mirror:
    /// `ZRANGEBYSCORE key -inf <now - window> LIMIT 0 <batch>`, then the rest of the last score.
    /// Buckets are checked at the front only (the hash's `o`) and scanned out only once the front
    /// one has expired; `bucket_used` is the hash's running `t`, so neither side walks the buckets
    /// on a call where none expired.
    pub fn prune(&mut self, window_ms: u64, now_ms: u64, batch: usize, per_window: u64) {
        let mut removed = 0_usize;
        let mut last_at_ms = None;
        while let Some(oldest) = self.entries.front() {
            if oldest.at_ms.saturating_add(window_ms) > now_ms {
                break;
            }
            if removed >= batch && last_at_ms != Some(oldest.at_ms) {
                break;
            }
            last_at_ms = Some(oldest.at_ms);
            removed += 1;
            self.used = self.used.saturating_sub(oldest.amount);
            self.entries.pop_front();
        }
        if !self.buckets.is_empty() {
            let width = bucket_width(window_ms, per_window);
            while let Some(oldest) = self.buckets.front() {
                if bucket_expiry(oldest.index, width, window_ms) > now_ms {
                    break;
                }
                self.bucket_used = self.bucket_used.saturating_sub(oldest.amount);
                self.buckets.pop_front();
            }
        }
        if !self.rolled_back.is_empty() {
            self.rolled_back.retain(|(_, until_ms)| *until_ms > now_ms);
        }
    }

    /// Adds a charge in time order. It lands at the back unless the clock stepped back, in which case
    /// it goes where its time puts it, as a sorted set scored by time would place it.
    pub fn insert(&mut self, entry: Entry) {
        self.used = self.used.saturating_add(entry.amount);
        if self.entries.back().is_none_or(|last| last.at_ms <= entry.at_ms) {
            self.entries.push_back(entry);
            return;
        }
        let position = self
            .entries
            .partition_point(|existing| existing.at_ms <= entry.at_ms);
        self.entries.insert(position, entry);
    }

    /// Adds `amount` to the bucket of `at_ms`.
    pub fn add_to_bucket(&mut self, at_ms: u64, amount: u64, window_ms: u64, per_window: u64) {
        let index = at_ms / bucket_width(window_ms, per_window);
        self.bucket_used = self.bucket_used.saturating_add(amount);
        if let Some(last) = self.buckets.back_mut()
            && last.index == index
        {
            last.amount = last.amount.saturating_add(amount);
            return;
        }
        let position = self.buckets.partition_point(|bucket| bucket.index < index);
        match self.buckets.get_mut(position) {
            Some(bucket) if bucket.index == index => bucket.amount = bucket.amount.saturating_add(amount),
            _ => self.buckets.insert(position, Bucket { index, amount }),
        }
    }

    /// Removes every log charge of `reservation`; returns how much was freed.
    pub fn remove_reservation(&mut self, reservation: u128) -> u64 {
        let before = self.used;
        self.entries.retain(|entry| entry.reservation != reservation);
        self.used = self
            .entries
            .iter()
            .fold(0_u64, |sum, entry| sum.saturating_add(entry.amount));
        before.saturating_sub(self.used)
    }

    /// Takes `amount` out of the bucket of `at_ms` if it is still there, once per reservation (the
    /// first call marks it until `until_ms`; the caller gives every bucket entry in that call).
    pub(super) fn mark_rolled_back(&mut self, reservation: u128, until_ms: u64) -> bool {
        if self.rolled_back.iter().any(|(id, _)| *id == reservation) {
            return false;
        }
        self.rolled_back.push((reservation, until_ms));
        true
    }

    pub(super) fn remove_from_bucket(&mut self, at_ms: u64, amount: u64, window_ms: u64, per_window: u64) {
        let index = at_ms / bucket_width(window_ms, per_window);
        let Ok(position) = self.buckets.binary_search_by_key(&index, |bucket| bucket.index) else {
            return;
        };
        let bucket = &mut self.buckets[position];
        let taken = bucket.amount.min(amount);
        bucket.amount -= taken;
        self.bucket_used = self.bucket_used.saturating_sub(taken);
        if bucket.amount == 0 {
            self.buckets.remove(position);
        }
    }
}
