//! Turns the limits of one call into slots: one per distinct counter key, in first-appearance order.
//! The memory store locks and loads one log per slot; the Redis script receives the slots as KEYS and
//! the requests as ARGV, so both feed [`super::reserve`] the same shape.

use crate::counters::{CounterKey, LimitRequest, ReservedEntry};

/// One limit of a call, with its counter key replaced by the index of that key's log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotRequest {
    pub slot: usize,
    pub window_ms: u64,
    pub max: u64,
    pub amount: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan<'a> {
    /// Distinct keys; `keys[slot]`.
    pub keys: Vec<&'a CounterKey>,
    /// One per limit, in request order (so `Exhausted.index` indexes the caller's slice).
    pub requests: Vec<SlotRequest>,
}

impl<'a> Plan<'a> {
    pub fn new(limits: &'a [LimitRequest]) -> Self {
        let mut keys: Vec<&'a CounterKey> = Vec::with_capacity(limits.len());
        let mut requests = Vec::with_capacity(limits.len());
        for limit in limits {
            // A call has a handful of limits; a linear search beats hashing here.
            let slot = match keys.iter().position(|known| *known == &limit.key) {
                Some(slot) => slot,
                None => {
                    keys.push(&limit.key);
                    keys.len() - 1
                }
            };
            requests.push(SlotRequest {
                slot,
                window_ms: limit.key.window_ms,
                max: limit.max,
                amount: limit.amount,
            });
        }
        Self { keys, requests }
    }
}

/// What an admitted call charged: one entry per limit with a non-zero amount, in request order.
pub fn charged_entries(limits: &[LimitRequest], at_ms: u64) -> Vec<ReservedEntry> {
    limits
        .iter()
        .filter(|limit| limit.amount > 0)
        .map(|limit| ReservedEntry {
            key: limit.key.clone(),
            amount: limit.amount,
            at_ms,
        })
        .collect()
}
