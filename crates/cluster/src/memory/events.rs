//! [`Events`] in one process: a tokio broadcast channel.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use async_trait::async_trait;
use tokio::sync::broadcast;

use crate::events::{ChangeEvent, Events, EventsError, LocalDelivery};

/// Events a subscriber may fall behind by before it gets `Lagged` (and resyncs). Change events are
/// rare (an edit in the dashboard), so this is generous.
pub const DEFAULT_EVENT_CAPACITY: usize = 1024;

#[derive(Debug, Clone)]
pub struct MemoryEvents {
    local: LocalDelivery,
}

impl MemoryEvents {
    pub fn new() -> Self {
        Self::with_capacity(DEFAULT_EVENT_CAPACITY)
    }

    /// A capacity of 0 is raised to 1 (tokio refuses 0).
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            local: LocalDelivery::new(capacity),
        }
    }
}

impl Default for MemoryEvents {
    fn default() -> Self {
        Self::new()
    }
}

#[async_trait]
impl Events for MemoryEvents {
    async fn publish(&self, event: ChangeEvent) -> Result<(), EventsError> {
        self.local.send(event);
        Ok(())
    }

    fn subscribe(&self) -> broadcast::Receiver<ChangeEvent> {
        self.local.subscribe()
    }

    fn delivered(&self) -> Arc<AtomicU64> {
        self.local.delivered()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::broadcast::error::RecvError;

    #[tokio::test]
    async fn a_subscriber_that_falls_behind_is_told_it_lagged() {
        let events = MemoryEvents::with_capacity(2);
        let mut receiver = events.subscribe();
        for _ in 0..3 {
            events.publish(ChangeEvent::Resync).await.expect("publish");
        }
        assert!(matches!(receiver.recv().await, Err(RecvError::Lagged(1))));
        assert_eq!(receiver.recv().await.expect("after lag"), ChangeEvent::Resync);
    }

    #[tokio::test]
    async fn zero_capacity_is_raised_to_one() {
        let events = MemoryEvents::with_capacity(0);
        let mut receiver = events.subscribe();
        events.publish(ChangeEvent::Resync).await.expect("publish");
        assert_eq!(receiver.recv().await.expect("event"), ChangeEvent::Resync);
    }
}
