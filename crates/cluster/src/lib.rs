//! What gateway workers share: rate-limit counters and change events.
//!
//! `memory` serves a single process (all-in-one); `redis` (a later step) serves many workers. Both
//! implement the same traits and pass the same behaviour suite.

pub mod counters;
pub mod events;
pub mod memory;

pub use counters::{CounterError, CounterKey, Counters, LimitRequest, Reservation, ReserveOutcome, Scope};
pub use events::{ChangeEvent, Events, EventsError};
