//! Background jobs of the control plane, started by [`crate::router`] (one set per router):
//!
//! | job | every | what |
//! |---|---|---|
//! | [`sweep`] | 10 s | expires pending approvals past their expiry: `approval.expired` webhooks, and an `ApprovalDecided` event so held calls wake up |
//! | [`retention`] | 1 h | deletes each account's audit events older than its retention |
//! | [`sessions`] | 1 h | deletes expired dashboard sessions |
//! | [`deliver`] | 1 s | POSTs due webhook deliveries, with retries and backoff |
//! | [`notify`] | on events | queues `approval.requested` / `.approved` / `.denied` webhooks |
//!
//! Each job is a task holding only a weak reference to the state between runs; they all stop when the
//! state is dropped (its shutdown token is cancelled). A periodic job's first run comes after
//! `min(period, 1 min)`. In the split deployment only control-plane processes run them (the gateway
//! binary does not build this router).

pub mod deliver;
pub mod notify;
pub mod retention;
pub mod retry;
pub mod sessions;
pub mod sweep;

use std::future::Future;
use std::time::Duration;

use crate::state::AppState;

pub use retry::RetryPolicy;

const MAX_FIRST_DELAY: Duration = Duration::from_secs(60);

/// When the jobs run. [`JobsConfig::default`] is the production schedule.
#[derive(Debug, Clone)]
pub struct JobsConfig {
    /// `false` starts no job (for tests that drive the store by hand).
    pub enabled: bool,
    pub sweep_every: Duration,
    pub retention_every: Duration,
    pub sessions_every: Duration,
    pub deliver_every: Duration,
    pub webhooks: RetryPolicy,
}

impl Default for JobsConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            sweep_every: Duration::from_secs(10),
            retention_every: Duration::from_secs(60 * 60),
            sessions_every: Duration::from_secs(60 * 60),
            deliver_every: Duration::from_secs(1),
            webhooks: RetryPolicy::default(),
        }
    }
}

impl JobsConfig {
    pub fn disabled() -> Self {
        Self {
            enabled: false,
            ..Self::default()
        }
    }
}

/// Starts every job for `state`. Needs a tokio runtime; without one, logs and starts nothing.
pub fn spawn(state: &AppState, config: JobsConfig) {
    if !config.enabled {
        return;
    }
    if tokio::runtime::Handle::try_current().is_err() {
        tracing::warn!("no tokio runtime: the control plane's background jobs are not started");
        return;
    }
    notify::spawn(state);
    every(
        state,
        "approval sweeper",
        config.sweep_every,
        |state| async move {
            sweep::run(&state).await;
        },
    );
    every(
        state,
        "audit retention",
        config.retention_every,
        |state| async move {
            retention::run(&state).await;
        },
    );
    every(
        state,
        "session cleanup",
        config.sessions_every,
        |state| async move {
            sessions::run(&state).await;
        },
    );
    let deliverer = deliver::Deliverer::new(config.webhooks);
    every(state, "webhook deliverer", config.deliver_every, move |state| {
        let deliverer = deliverer.clone();
        async move { deliverer.run(&state).await }
    });
}

/// Runs `job` every `period` until the state is dropped. A run that takes longer than the period delays
/// the next one (runs never overlap).
fn every<F, Fut>(state: &AppState, name: &'static str, period: Duration, job: F)
where
    F: Fn(AppState) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let weak = state.downgrade();
    let shutdown = state.shutdown.clone();
    let period = period.max(Duration::from_millis(10));
    tokio::spawn(async move {
        let first = tokio::time::Instant::now() + period.min(MAX_FIRST_DELAY);
        let mut ticks = tokio::time::interval_at(first, period);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => break,
                _ = ticks.tick() => {}
            }
            let Some(state) = weak.upgrade() else { break };
            job(state).await;
        }
        tracing::debug!(job = name, "background job stopped");
    });
}
