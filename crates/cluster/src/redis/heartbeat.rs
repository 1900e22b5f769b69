//! Counting live workers: every counters instance records itself in `tg:workers` at the Redis
//! `TIME` every interval, and reads how many did so within three intervals. The request path only
//! ever reads the last count (never the network), so the `local` fallback keeps working, with the
//! count from before the outage, while Redis is down.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use ::redis::aio::ConnectionManager;
use tokio::time::MissedTickBehavior;

use super::connection::AbortOnDrop;
use super::keys;
use super::scripts::{self, HEARTBEAT};
use super::stats::{Stats, bump};

/// How many intervals a worker stays counted without a beat.
const LIVE_INTERVALS: u32 = 3;

pub(super) struct Heartbeat {
    pub(super) worker_id: String,
    pub(super) interval: Duration,
    /// How long one beat may take; it runs in the background, so the connect timeout, not the
    /// request deadline.
    pub(super) timeout: Duration,
    pub(super) connection: ConnectionManager,
    pub(super) live_workers: Arc<AtomicU32>,
    pub(super) stats: Arc<Stats>,
}

impl Heartbeat {
    /// One beat now; updates the live count when Redis answers.
    pub(super) async fn beat(&mut self) {
        let live_ms = self.interval.saturating_mul(LIVE_INTERVALS).as_millis();
        let args = [self.worker_id.clone(), live_ms.max(1).to_string()];
        let keys = [keys::WORKERS.to_owned()];
        let beat = scripts::eval::<u32, String, String>(
            &mut self.connection,
            &HEARTBEAT,
            &keys,
            &args,
            &self.stats.script_reloads,
        );
        match tokio::time::timeout(self.timeout, beat).await {
            Ok(Ok(live)) => {
                self.live_workers.store(live.max(1), Ordering::Relaxed);
                bump(&self.stats.heartbeats);
            }
            Ok(Err(error)) => {
                tracing::debug!(%error, "heartbeat failed; keeping the last live worker count");
                bump(&self.stats.heartbeat_failures);
            }
            Err(_) => {
                tracing::debug!("heartbeat timed out; keeping the last live worker count");
                bump(&self.stats.heartbeat_failures);
            }
        }
    }

    /// Beats every interval (the first after one interval) until the returned guard is dropped.
    pub(super) fn spawn(mut self) -> AbortOnDrop {
        let period = self.interval.max(Duration::from_millis(1));
        AbortOnDrop(tokio::spawn(async move {
            let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
            ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                self.beat().await;
            }
        }))
    }
}
