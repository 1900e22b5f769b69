//! The rate-limit algorithm, pure and clock-explicit: no locks, no IO, the time is an argument.
//!
//! The Redis Lua script mirrors [`reserve`] and [`rollback`] step by step: its KEYS are the distinct
//! counter keys of one call (the "slots" here, see [`Plan`]) and each key holds a sorted set scored by
//! `at_ms` (a [`WindowLog`] here). A randomized test holds both to the same answers.
//!
//! Model: every counter key keeps a log of charges `(at_ms, amount, reservation)`. A charge made at `t`
//! is live while `now < t + window_ms`. A call is admitted when, on every key it charges, the live sum
//! plus everything this call adds to that key stays within the `max` of every limit on that key.
//!
//! Why an exact sliding log and not sub-window buckets: it can never admit more than `max` in any span
//! of `window_ms`, its answers (`retry_after_ms`) are exact, and its size is bounded by the charges still
//! inside the window (one entry per admitted call per limit), which is small for per-call limits.

mod plan;
mod window_log;

#[cfg(test)]
mod model_tests;
#[cfg(test)]
mod tests;

pub use plan::{Plan, SlotRequest, charged_entries};
pub use window_log::{Entry, WindowLog};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Every limit had room; one entry per request with a non-zero amount was added.
    Admitted,
    /// The request at `index` had no room; no log was changed beyond pruning expired entries.
    Exhausted { index: usize, retry_after_ms: u64 },
}

/// Reserves every request of one call at `now_ms`, all or nothing.
///
/// `logs[request.slot]` is the log of that request's counter key; requests on one key share one slot
/// (and so one window). Panics only if a slot is out of range, which is a bug in the caller ([`Plan`]
/// builds the slots).
pub fn reserve(logs: &mut [WindowLog], requests: &[SlotRequest], reservation: u128, now_ms: u64) -> Decision {
    // Step 1: forget charges that have left their window.
    for request in requests {
        logs[request.slot].prune(request.window_ms, now_ms);
    }

    // Step 2: what this call adds to each key. Two limits may name one key (an all-tools limit and a
    // tool limit on the same counter), so a key must have room for the sum, not for each amount alone.
    let mut demand = vec![0_u64; logs.len()];
    for request in requests {
        demand[request.slot] = demand[request.slot].saturating_add(request.amount);
    }

    // Step 3: check every limit, in request order, before charging any. A key this call adds nothing
    // to is not checked: an amount of 0 is admitted without charging, even on a full (or over-full,
    // after a lowered max) counter.
    for (index, request) in requests.iter().enumerate() {
        let key_demand = demand[request.slot];
        if key_demand == 0 {
            continue;
        }
        let log = &logs[request.slot];
        if log.used().saturating_add(key_demand) > request.max {
            let retry_after_ms = retry_after_ms(log, request.max, key_demand, request.window_ms, now_ms);
            return Decision::Exhausted {
                index,
                retry_after_ms,
            };
        }
    }

    // Step 4: charge every request, one entry each, all stamped `now_ms` with this reservation's id.
    for request in requests {
        if request.amount > 0 {
            logs[request.slot].insert(Entry {
                at_ms: now_ms,
                amount: request.amount,
                reservation,
            });
        }
    }
    Decision::Admitted
}

/// The shortest wait after which `demand` fits under `max` on this (pruned) log, counting only the
/// expiry of charges already in it: walk the charges oldest first until enough would have expired.
///
/// A demand above `max` can never fit; the answer is then one full window (a finite, honest "not
/// soon"; a caller that wants to tell "never" apart compares the amount with the max itself).
pub fn retry_after_ms(log: &WindowLog, max: u64, demand: u64, window_ms: u64, now_ms: u64) -> u64 {
    if demand > max {
        return window_ms;
    }
    let must_free = log.used().saturating_add(demand).saturating_sub(max);
    let mut freed: u64 = 0;
    for entry in log.entries() {
        freed = freed.saturating_add(entry.amount);
        if freed >= must_free {
            // Live entries satisfy at_ms + window_ms > now_ms, so this wait is at least 1 ms.
            return entry.at_ms.saturating_add(window_ms).saturating_sub(now_ms);
        }
    }
    // Unreachable when demand <= max (freeing everything frees `used` >= must_free); a window is safe.
    window_ms
}

/// Removes exactly the entries of `reservation` from one key's log. Idempotent: a second call, or a
/// reservation this key never saw, removes nothing.
pub fn rollback(log: &mut WindowLog, reservation: u128) {
    log.remove_reservation(reservation);
}
