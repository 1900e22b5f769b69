//! In-process implementations for the all-in-one mode (and the "local" fallback when Redis is down).

mod counters;
mod events;
mod shards;

pub use counters::MemoryCounters;
pub use events::{DEFAULT_EVENT_CAPACITY, MemoryEvents};
