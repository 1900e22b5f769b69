//! Settings shared by [`super::RedisCounters`] and [`super::RedisEvents`].

use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisOptions {
    /// The longest any request-path call waits for Redis: a reserve, a rollback, a publish.
    /// Past it the call fails with a timeout (counters) or `Unavailable` (events).
    pub deadline: Duration,
    /// The longest one connection attempt (TCP connect and handshake) may take, at start and on
    /// every reconnect. Calls never wait for it beyond their own deadline.
    pub connect_timeout: Duration,
    /// Consecutive failed counter calls after which the circuit breaker opens (calls that were in
    /// flight together count as one).
    pub breaker_failures: u32,
    /// How long an open breaker fails calls at once, without touching the network, before it lets
    /// one probe through.
    pub breaker_cool_down: Duration,
    /// How often each counters instance announces itself; a worker counts as live for three periods.
    pub heartbeat_interval: Duration,
    /// First and longest wait between attempts to re-subscribe to events after a disconnect.
    pub reconnect_min_delay: Duration,
    pub reconnect_max_delay: Duration,
    /// How often an idle event subscription is pinged, so a silently dead connection is noticed.
    pub subscription_ping_interval: Duration,
    /// Events a local subscriber may fall behind by before it gets `Lagged` (and resyncs).
    pub event_capacity: usize,
}

impl Default for RedisOptions {
    fn default() -> Self {
        Self {
            deadline: Duration::from_millis(25),
            connect_timeout: Duration::from_millis(500),
            breaker_failures: 3,
            breaker_cool_down: Duration::from_secs(1),
            heartbeat_interval: Duration::from_secs(5),
            reconnect_min_delay: Duration::from_millis(100),
            reconnect_max_delay: Duration::from_secs(2),
            subscription_ping_interval: Duration::from_secs(5),
            event_capacity: crate::memory::DEFAULT_EVENT_CAPACITY,
        }
    }
}
