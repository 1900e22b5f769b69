//! In-memory sliding-window limiter for signup and login attempts (per client IP, per email).
//!
//! This is the control plane's own brute-force brake, kept in process: it is not the gateway's
//! shared counters. With several control-plane replicas each one counts on its own.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Forget idle keys once the map holds this many (then again at twice what is left, so that a flood of
/// live keys does not make every hit scan the whole map).
const PRUNE_AT: usize = 10_000;
/// Keys are cut to this many characters, so that huge emails cannot make huge keys.
const MAX_KEY_CHARS: usize = 320;

pub struct RateLimiter {
    max: usize,
    window: Duration,
    state: Mutex<Attempts>,
}

struct Attempts {
    by_key: HashMap<String, VecDeque<Instant>>,
    prune_at: usize,
}

impl RateLimiter {
    pub fn new(max: usize, window: Duration) -> Self {
        let state = Attempts {
            by_key: HashMap::new(),
            prune_at: PRUNE_AT,
        };
        Self {
            max,
            window,
            state: Mutex::new(state),
        }
    }

    /// Records one attempt under every key, all or nothing. When any key already had `max` attempts in
    /// the last window, records nothing and returns how long until that key has room again.
    pub fn hit(&self, keys: &[String]) -> Result<(), Duration> {
        self.hit_at(keys, Instant::now())
    }

    fn hit_at(&self, keys: &[String], now: Instant) -> Result<(), Duration> {
        let window = self.window;
        let keys: Vec<String> = keys
            .iter()
            .map(|key| key.chars().take(MAX_KEY_CHARS).collect())
            .collect();
        let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if state.by_key.len() >= state.prune_at {
            state.by_key.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|last| now.duration_since(*last) < window)
            });
            state.prune_at = PRUNE_AT.max(state.by_key.len() * 2);
        }
        let attempts = &mut state.by_key;
        let mut wait = Duration::ZERO;
        for key in &keys {
            let Some(times) = attempts.get_mut(key) else {
                continue;
            };
            while times
                .front()
                .is_some_and(|first| now.duration_since(*first) >= window)
            {
                times.pop_front();
            }
            if times.len() >= self.max
                && let Some(first) = times.front()
            {
                let until_free = window.saturating_sub(now.duration_since(*first));
                wait = wait.max(until_free.max(Duration::from_secs(1)));
            }
        }
        if wait > Duration::ZERO {
            return Err(wait);
        }
        for key in keys {
            attempts.entry(key).or_default().push_back(now);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admits_max_then_refuses_until_the_window_rolls() {
        let limiter = RateLimiter::new(3, Duration::from_secs(60));
        let start = Instant::now();
        let keys = ["ip:1".to_owned(), "email:a".to_owned()];
        for _ in 0..3 {
            assert!(limiter.hit_at(&keys, start).is_ok());
        }
        let wait = limiter
            .hit_at(&keys, start + Duration::from_secs(10))
            .expect_err("limited");
        assert_eq!(wait, Duration::from_secs(50));
        // Another email from the same IP is refused too, and charges nothing.
        assert!(
            limiter
                .hit_at(&["ip:1".to_owned(), "email:b".to_owned()], start)
                .is_err()
        );
        assert!(
            limiter
                .hit_at(&["ip:2".to_owned(), "email:b".to_owned()], start)
                .is_ok()
        );
        assert!(limiter.hit_at(&keys, start + Duration::from_secs(60)).is_ok());
    }

    #[test]
    fn forgets_idle_keys_and_bounds_key_length() {
        let limiter = RateLimiter::new(1, Duration::from_secs(60));
        let start = Instant::now();
        for index in 0..PRUNE_AT {
            assert!(limiter.hit_at(&[format!("k{index}")], start).is_ok());
        }
        assert!(
            limiter
                .hit_at(&["late".to_owned()], start + Duration::from_secs(61))
                .is_ok()
        );
        let state = limiter.state.lock().expect("lock");
        assert_eq!(state.by_key.len(), 1);
        drop(state);
        let huge = "x".repeat(10_000);
        assert!(limiter.hit_at(std::slice::from_ref(&huge), start).is_ok());
        assert!(
            limiter.hit_at(&[format!("{huge}y")], start).is_err(),
            "cut to the same key"
        );
    }
}
