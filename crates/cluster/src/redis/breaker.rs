//! A circuit breaker in front of the counter calls, so a dead Redis costs callers nothing.
//!
//! - **Closed**: calls go to Redis. `failures` consecutive failures (errors or timeouts) open it.
//!   Calls that were in flight together fail together: a failure counts only if its call was
//!   admitted after the last failure that counted. So one stall longer than the deadline (a VM
//!   pause, a slow fork in Redis) counts once however many calls it catches, instead of opening the
//!   breaker and refusing a cool-down's worth of calls; a Redis that stays down still opens it after
//!   `failures` rounds of calls (three deadlines when it hangs, at once when it refuses).
//! - **Open**: for `cool_down`, calls fail at once ("circuit breaker open") without touching the
//!   network, so a request never waits on a Redis that is known to be down.
//! - **Half-open**: after the cool-down the next call is let through as the only probe (others still
//!   fail at once). Its success closes the breaker; its failure opens it for another cool-down. A
//!   probe whose caller gave up (dropped the future) lets the next call probe instead.
//!
//! Late results of calls admitted before the breaker opened do not move it: only the probe decides.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

/// What the breaker currently does with calls; for metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    Closed,
    Open,
    HalfOpen,
}

#[derive(Debug, Clone, Copy)]
enum State {
    /// `last_failure`: when the last failure that counted was reported.
    Closed {
        failures: u32,
        last_failure: Option<Instant>,
    },
    Open {
        until: Instant,
    },
    HalfOpen {
        probing: bool,
    },
}

const CLOSED: State = State::Closed {
    failures: 0,
    last_failure: None,
};

#[derive(Debug)]
pub(super) struct Breaker {
    failures_to_open: u32,
    cool_down: Duration,
    state: Mutex<State>,
}

/// Leave to make one call. Report how it went with [`Permit::succeeded`] or [`Permit::failed`].
#[must_use]
pub(super) struct Permit<'a> {
    breaker: &'a Breaker,
    probe: bool,
    settled: bool,
    admitted_at: Instant,
}

impl Breaker {
    pub(super) fn new(failures_to_open: u32, cool_down: Duration) -> Self {
        Self {
            failures_to_open: failures_to_open.max(1),
            cool_down,
            state: Mutex::new(CLOSED),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every transition is a single assignment, so a poisoned lock still holds a valid state.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A permit to call Redis, or `None` when the breaker is open (fail without calling).
    pub(super) fn admit(&self) -> Option<Permit<'_>> {
        let mut state = self.lock();
        let probe = match *state {
            State::Closed { .. } => false,
            State::Open { until } if Instant::now() < until => return None,
            State::Open { .. } | State::HalfOpen { probing: false } => {
                *state = State::HalfOpen { probing: true };
                true
            }
            State::HalfOpen { probing: true } => return None,
        };
        Some(Permit {
            breaker: self,
            probe,
            settled: false,
            admitted_at: Instant::now(),
        })
    }

    pub(super) fn state(&self) -> BreakerState {
        match *self.lock() {
            State::Closed { .. } => BreakerState::Closed,
            State::Open { until } if Instant::now() < until => BreakerState::Open,
            State::Open { .. } | State::HalfOpen { .. } => BreakerState::HalfOpen,
        }
    }
}

impl Permit<'_> {
    /// Returns true when this was the probe, so the breaker just closed again (for logs).
    pub(super) fn succeeded(mut self) -> bool {
        self.settled = true;
        let mut state = self.breaker.lock();
        match *state {
            _ if self.probe => {
                *state = CLOSED;
                true
            }
            State::Closed { .. } => {
                *state = CLOSED;
                false
            }
            State::Open { .. } | State::HalfOpen { .. } => false,
        }
    }

    /// Returns true when this failure tripped a closed breaker open (for metrics and logs).
    pub(super) fn failed(mut self) -> bool {
        self.settled = true;
        let breaker = self.breaker;
        let mut state = breaker.lock();
        let now = Instant::now();
        let reopen = State::Open {
            until: now + breaker.cool_down,
        };
        match *state {
            _ if self.probe => {
                *state = reopen;
                false
            }
            // In flight when a failure was counted: the same incident.
            State::Closed {
                last_failure: Some(counted),
                ..
            } if self.admitted_at < counted => false,
            State::Closed { failures, .. } if failures + 1 >= breaker.failures_to_open => {
                *state = reopen;
                true
            }
            State::Closed { failures, .. } => {
                *state = State::Closed {
                    failures: failures + 1,
                    last_failure: Some(now),
                };
                false
            }
            State::Open { .. } | State::HalfOpen { .. } => false,
        }
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if self.probe && !self.settled {
            let mut state = self.breaker.lock();
            if matches!(*state, State::HalfOpen { probing: true }) {
                *state = State::HalfOpen { probing: false };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COOL_DOWN: Duration = Duration::from_secs(1);

    fn fail(breaker: &Breaker) -> bool {
        breaker.admit().expect("admitted").failed()
    }

    #[tokio::test(start_paused = true)]
    async fn opens_after_consecutive_failures_only() {
        let breaker = Breaker::new(3, COOL_DOWN);
        assert!(!fail(&breaker));
        assert!(!fail(&breaker));
        assert!(!breaker.admit().expect("admitted").succeeded()); // resets the streak
        assert!(!fail(&breaker));
        assert!(!fail(&breaker));
        assert!(fail(&breaker), "the third consecutive failure opens it");
        assert_eq!(breaker.state(), BreakerState::Open);
        assert!(breaker.admit().is_none());
    }

    #[tokio::test(start_paused = true)]
    async fn calls_in_flight_together_fail_as_one() {
        let breaker = Breaker::new(3, COOL_DOWN);
        // Sixteen calls in flight when a stall passes their deadline: one failure, not sixteen.
        let caught: Vec<_> = (0..16).map(|_| breaker.admit().expect("admitted")).collect();
        tokio::time::advance(Duration::from_millis(25)).await;
        for permit in caught {
            assert!(!permit.failed(), "calls of one stall never open the breaker");
        }
        assert_eq!(breaker.state(), BreakerState::Closed);
        // Calls admitted after that failure count anew: Redis still down, two more rounds open it.
        tokio::time::advance(Duration::from_millis(1)).await;
        assert!(!fail(&breaker));
        tokio::time::advance(Duration::from_millis(1)).await;
        assert!(fail(&breaker), "the third round opens it");
        assert_eq!(breaker.state(), BreakerState::Open);
    }

    #[tokio::test(start_paused = true)]
    async fn a_call_admitted_before_a_counted_failure_does_not_count_after_it() {
        let breaker = Breaker::new(2, COOL_DOWN);
        let slow = breaker.admit().expect("admitted");
        tokio::time::advance(Duration::from_millis(1)).await;
        assert!(!fail(&breaker), "one failure counted");
        tokio::time::advance(Duration::from_millis(1)).await;
        assert!(!slow.failed(), "in flight when it was counted: the same incident");
        assert_eq!(breaker.state(), BreakerState::Closed);
        tokio::time::advance(Duration::from_millis(1)).await;
        assert!(fail(&breaker), "a call admitted afterwards is the second");
    }

    #[tokio::test(start_paused = true)]
    async fn half_open_lets_exactly_one_probe_through() {
        let breaker = Breaker::new(1, COOL_DOWN);
        assert!(fail(&breaker));
        tokio::time::advance(COOL_DOWN - Duration::from_millis(1)).await;
        assert!(breaker.admit().is_none(), "still cooling down");
        tokio::time::advance(Duration::from_millis(1)).await;
        assert_eq!(breaker.state(), BreakerState::HalfOpen);

        let probe = breaker.admit().expect("the probe");
        assert!(breaker.admit().is_none(), "one probe at a time");
        assert!(probe.succeeded(), "the probe closes it");
        assert_eq!(breaker.state(), BreakerState::Closed);
        assert!(!breaker.admit().expect("closed again").succeeded());
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_probe_opens_for_another_cool_down() {
        let breaker = Breaker::new(1, COOL_DOWN);
        assert!(fail(&breaker));
        tokio::time::advance(COOL_DOWN).await;
        assert!(!fail(&breaker), "a failed probe re-opens, it does not trip anew");
        assert!(breaker.admit().is_none());
        tokio::time::advance(COOL_DOWN).await;
        assert!(breaker.admit().is_some());
    }

    #[tokio::test(start_paused = true)]
    async fn an_abandoned_probe_lets_the_next_call_probe() {
        let breaker = Breaker::new(1, COOL_DOWN);
        assert!(fail(&breaker));
        tokio::time::advance(COOL_DOWN).await;
        drop(breaker.admit().expect("the probe"));
        assert!(breaker.admit().expect("another probe").succeeded());
        assert_eq!(breaker.state(), BreakerState::Closed);
    }

    #[tokio::test(start_paused = true)]
    async fn late_results_of_earlier_calls_do_not_move_an_open_breaker() {
        let breaker = Breaker::new(1, COOL_DOWN);
        let early = breaker.admit().expect("admitted");
        assert!(fail(&breaker));
        assert!(!early.succeeded());
        assert_eq!(breaker.state(), BreakerState::Open);
    }
}
