//! What gateway workers share: rate-limit counters and change events.
//!
//! `memory` serves a single process (all-in-one); `redis` serves many workers. Both
//! implement the same traits and pass the same behaviour suite (`testing`, feature `testing`). The
//! counting itself is the pure [`algorithm`], which the Redis Lua script mirrors.

pub mod algorithm;
pub mod clock;
pub mod counters;
pub mod events;
pub mod lanes;
pub mod memory;
pub mod redis;
#[cfg(feature = "testing")]
pub mod testing;

pub use clock::{Clock, ManualClock, SystemClock};
pub use counters::{
    CounterError, CounterKey, Counters, LimitRequest, Reservation, ReserveOutcome, ReservedEntry, Scope,
};
pub use events::{ChangeEvent, Events, EventsError, LocalDelivery};
pub use memory::{MemoryCounters, MemoryEvents};
