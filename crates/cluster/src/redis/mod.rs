//! The shared stores of a multi-worker deployment, in Redis: [`RedisCounters`] and [`RedisEvents`].
//!
//! **Counters.** One Lua script call (EVALSHA) per reserve and per rollback, for all of the call's
//! limits, at the Redis `TIME` (never the worker's clock). The script mirrors [`crate::algorithm`]
//! step by step (prune, sum demand per key, check in request order, all or nothing, retry wait,
//! charge) and a randomized test holds both to identical answers. The reserve script replies
//! `[1, now_ms]` (admitted; every entry is stamped `now_ms`) or `[0, now_ms, index, retry_after_ms]`.
//! After a `SCRIPT FLUSH` or a Redis restart one call takes two round trips (EVALSHA answered
//! NOSCRIPT, then EVAL), counted in [`RedisStats::script_reloads`].
//!
//! **Keys** (all built in `keys.rs`): `tg:{<account uuid>}:l:<rule>` is a counter's log, a sorted
//! set of `<reservation hex>:<entry index>:<amount>` scored by `at_ms`; `tg:{<account uuid>}:s:<rule>`
//! a hash of the rest of its state: the log's running sum and a lower bound of its oldest score, the
//! sub-window buckets (for limits above `Tuning::bucketed_above_max`) with their running sum and
//! lowest index, and the hash's own expiry, so one HMGET reads a counter; `tg:{<account uuid>}:r:<reservation>`
//! marks a reservation whose bucket charges were rolled back. `<rule>` = first 16 hex digits of
//! SHA-256 over (scope, scope id, counter, window). The braces are a Redis Cluster hash tag: one
//! account, one slot. Counter keys expire one to two windows (plus 1 s) after the last charge.
//! `tg:workers` is the heartbeat set, `tg:events` the pub/sub channel.
//!
//! **Failure.** Every request-path call has a deadline (default 25 ms, then
//! `CounterError::Timeout`); connection and server errors are `CounterError::Unavailable`. A
//! circuit breaker opens after 3 consecutive failures (calls in flight together count once, so one
//! stall past the deadline does not open it): for 1 s calls fail at once without touching
//! the network, then one probe call goes through (half-open); its success closes the breaker, its
//! failure opens it for another second. Connections use TCP_NODELAY, a TCP user timeout, and one
//! connect attempt (bounded by `connect_timeout`) per reconnect, so no call waits past its deadline
//! even when Redis is dead, frozen or unreachable, and everything recovers by itself when it returns.
//!
//! **Live workers.** Each counters instance beats every 5 s into `tg:workers` (Redis time) and
//! counts the members seen in the last 15 s; `live_workers()` returns that last count, offline.

mod breaker;
#[cfg(test)]
mod bucket_state_tests;
mod connection;
mod counters;
mod events;
mod heartbeat;
mod keys;
#[cfg(test)]
mod long_prune_tests;
mod options;
mod scripts;
mod stats;

pub use breaker::BreakerState;
pub use counters::RedisCounters;
pub use events::RedisEvents;
pub use options::RedisOptions;
pub use stats::RedisStats;
