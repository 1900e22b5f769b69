//! The rate-limit algorithm, pure and clock-explicit: no locks, no IO, the time is an argument.
//!
//! The Redis Lua script mirrors [`reserve`] and [`rollback`] step by step: its KEYS are the distinct
//! counter keys of one call (the "slots" here, see [`Plan`]); each key has a sorted set scored by
//! `at_ms` and a hash of buckets (together a [`WindowLog`] here). A randomized test holds both to the
//! same answers.
//!
//! Model: a charge made at `t` is live while `now < t + window_ms`. A call is admitted when, on every
//! key it charges, what counts plus everything this call adds to that key stays within the `max` of
//! every limit on that key. Two ways to count, chosen per key per call ([`Tuning`]):
//!
//! - **Exact log** while every limit on the key has `max <= bucketed_above_max`: one entry per
//!   charge, so answers (`retry_after_ms`) are exact, and the log holds at most `max` live entries.
//! - **Sub-window buckets** above that: a window is cut in `buckets_per_window` fixed buckets and a
//!   bucket counts until its *last* millisecond's charge would expire, so it may refuse a little early
//!   (at most one bucket's worth) but never admits more than `max` in any span of `window_ms`, with
//!   constant memory and work per key however busy it is (ARCHITECTURE §5 allows this).
//!
//! Both structures always count, so limits with different maxima on one counter stay safe.
//!
//! Work per call is bounded: pruning removes at most `prune_batch` log entries (plus the rest of the
//! last timestamp) and leaves the rest for later calls; until then each expired entry still in the
//! log is counted out as 1 ([`WindowLog::live_used`]), exact for amounts of 1 and never an undercount.

mod plan;
mod window_log;

#[cfg(test)]
mod model_tests;
#[cfg(test)]
mod tests;

pub use plan::{Plan, SlotRequest, charged_entries};
pub use window_log::{Bucket, Entry, WindowLog, bucket_expiry, bucket_width};

/// How the counters trade exactness for bounded work. The defaults are for production; tests use
/// tiny values to reach every path with a few calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tuning {
    /// A key is counted in buckets by a call where any of its limits has a larger max.
    pub bucketed_above_max: u64,
    pub buckets_per_window: u64,
    /// At most this many log entries pruned per key per call (rounded up to a whole timestamp).
    pub prune_batch: usize,
}

impl Default for Tuning {
    fn default() -> Self {
        Self {
            bucketed_above_max: 10_000,
            buckets_per_window: 60,
            prune_batch: 256,
        }
    }
}

/// Reservation ids mark, in their low bits, which entries were charged to buckets (bit `e` for
/// entry `e`), so a rollback knows where to give back. Entries past this many are never rolled
/// back from buckets (they stay counted: safe).
const FLAGGED_ENTRIES: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Every limit had room; each request with a non-zero amount was charged.
    Admitted,
    /// The request at `index` had no room; nothing was charged (expired charges may be pruned).
    Exhausted { index: usize, retry_after_ms: u64 },
}

/// Whether this call counts `slot` in buckets.
pub fn is_bucketed(requests: &[SlotRequest], slot: usize, tuning: &Tuning) -> bool {
    requests
        .iter()
        .any(|request| request.slot == slot && request.max > tuning.bucketed_above_max)
}

/// `random` with its low bits set to say which charged entries of this call go to buckets.
pub fn reservation_id(random: u128, requests: &[SlotRequest], tuning: &Tuning) -> u128 {
    let mut id = random & !((1_u128 << FLAGGED_ENTRIES) - 1);
    let charged = requests.iter().filter(|request| request.amount > 0);
    for (entry, request) in charged.enumerate().take(FLAGGED_ENTRIES) {
        if is_bucketed(requests, request.slot, tuning) {
            id |= 1 << entry;
        }
    }
    id
}

/// Whether entry `entry` of `reservation` was charged to buckets.
pub fn entry_is_bucketed(reservation: u128, entry: usize) -> bool {
    entry < FLAGGED_ENTRIES && reservation & (1 << entry) != 0
}

/// Reserves every request of one call at `now_ms`, all or nothing.
///
/// `logs[request.slot]` is the state of that request's counter key; requests on one key share one
/// slot (and so one window). Panics only if a slot is out of range, which is a bug in the caller.
pub fn reserve(
    logs: &mut [WindowLog],
    requests: &[SlotRequest],
    reservation: u128,
    now_ms: u64,
    tuning: &Tuning,
) -> Decision {
    // Step 1: forget charges that have left their window, a bounded number per key.
    // Once per key, however many of its limits the call has (the script prunes each key once).
    for (position, request) in requests.iter().enumerate() {
        if requests[..position]
            .iter()
            .any(|earlier| earlier.slot == request.slot)
        {
            continue;
        }
        let log = &mut logs[request.slot];
        log.prune(
            request.window_ms,
            now_ms,
            tuning.prune_batch,
            tuning.buckets_per_window,
        );
    }

    // Step 2 and 3: check every limit, in request order, before charging any, against the sum this
    // call adds to its key (two limits may name one key). A key this call adds nothing to is not
    // checked: an amount of 0 is admitted without charging, even on a full counter.
    for (index, request) in requests.iter().enumerate() {
        let demand = slot_demand(requests, request.slot);
        if demand == 0 {
            continue;
        }
        let log = &logs[request.slot];
        if log.live_used(request.window_ms, now_ms).saturating_add(demand) > request.max {
            let retry_after_ms = retry_after_ms(log, request.max, demand, request.window_ms, now_ms, tuning);
            return Decision::Exhausted {
                index,
                retry_after_ms,
            };
        }
    }

    // Step 4: charge every request at `now_ms`: one log entry each, or its key's bucket.
    for request in requests {
        if request.amount == 0 {
            continue;
        }
        let log = &mut logs[request.slot];
        if is_bucketed(requests, request.slot, tuning) {
            log.add_to_bucket(
                now_ms,
                request.amount,
                request.window_ms,
                tuning.buckets_per_window,
            );
        } else {
            log.insert(Entry {
                at_ms: now_ms,
                amount: request.amount,
                reservation,
            });
        }
    }
    Decision::Admitted
}

/// Everything this call adds to `slot`.
fn slot_demand(requests: &[SlotRequest], slot: usize) -> u64 {
    requests
        .iter()
        .filter(|request| request.slot == slot)
        .fold(0_u64, |sum, request| sum.saturating_add(request.amount))
}

/// The shortest wait after which `demand` fits under `max` on this (pruned) key, counting only the
/// expiry of what is already in it: walk live log entries and buckets in expiry order until enough
/// would have expired.
///
/// A demand above `max` can never fit; the answer is then one full window (a finite, honest "not
/// soon"; a caller that wants to tell "never" apart compares the amount with the max itself).
pub fn retry_after_ms(
    log: &WindowLog,
    max: u64,
    demand: u64,
    window_ms: u64,
    now_ms: u64,
    tuning: &Tuning,
) -> u64 {
    if demand > max {
        return window_ms;
    }
    let must_free = log
        .live_used(window_ms, now_ms)
        .saturating_add(demand)
        .saturating_sub(max);
    let width = bucket_width(window_ms, tuning.buckets_per_window);
    let mut entries = log.live_entries(window_ms, now_ms).peekable();
    let mut buckets = log.buckets().peekable();
    let mut freed: u64 = 0;
    loop {
        let entry_expiry = entries.peek().map(|entry| entry.at_ms.saturating_add(window_ms));
        let bucket_expiry = buckets
            .peek()
            .map(|bucket| window_log::bucket_expiry(bucket.index, width, window_ms));
        let (expiry, amount) = match (entry_expiry, bucket_expiry) {
            (Some(entry_at), Some(bucket_at)) if bucket_at < entry_at => {
                (bucket_at, buckets.next().map_or(0, |bucket| bucket.amount))
            }
            (Some(entry_at), _) => (entry_at, entries.next().map_or(0, |entry| entry.amount)),
            (None, Some(bucket_at)) => (bucket_at, buckets.next().map_or(0, |bucket| bucket.amount)),
            // Unreachable when demand <= max (freeing everything frees what counts); a window is safe.
            (None, None) => return window_ms,
        };
        freed = freed.saturating_add(amount);
        if freed >= must_free {
            // Live charges expire after `now_ms`, so this wait is at least 1 ms.
            return expiry.saturating_sub(now_ms);
        }
    }
}

/// One charged entry of a reservation on the key being rolled back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RollbackEntry {
    /// Its index in `Reservation::entries`.
    pub index: usize,
    pub at_ms: u64,
    pub amount: u64,
}

/// Gives back what `reservation` charged to one key: its log entries, and (once, however often
/// called) its bucket charges still counted. `entries` are all of the reservation's entries on this
/// key. Idempotent; a reservation this key never saw removes no log entry.
pub fn rollback(
    log: &mut WindowLog,
    reservation: u128,
    window_ms: u64,
    entries: &[RollbackEntry],
    tuning: &Tuning,
) {
    log.remove_reservation(reservation);
    let width = bucket_width(window_ms, tuning.buckets_per_window);
    let bucketed = || {
        entries
            .iter()
            .filter(|entry| entry_is_bucketed(reservation, entry.index))
    };
    // The mark lasts while any of these buckets could still count.
    let Some(until_ms) = bucketed()
        .map(|entry| bucket_expiry(entry.at_ms / width, width, window_ms))
        .max()
    else {
        return;
    };
    if !log.mark_rolled_back(reservation, until_ms) {
        return;
    }
    for entry in bucketed() {
        log.remove_from_bucket(entry.at_ms, entry.amount, window_ms, tuning.buckets_per_window);
    }
}
