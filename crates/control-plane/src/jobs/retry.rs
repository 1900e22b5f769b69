//! How webhook deliveries are retried.

use std::time::Duration;

#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// The wait after the first failed attempt; doubled after each further one.
    pub base: Duration,
    /// The longest wait between attempts.
    pub cap: Duration,
    /// Attempts in all, the first included; after the last failed one the delivery is `failed`.
    pub max_attempts: u32,
    /// For one attempt, connecting included.
    pub timeout: Duration,
    /// Deliveries sent per run at most.
    pub batch: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            base: Duration::from_secs(1),
            cap: Duration::from_secs(5 * 60),
            max_attempts: 8,
            timeout: Duration::from_secs(10),
            batch: 50,
        }
    }
}

impl RetryPolicy {
    /// The wait before the next attempt after `attempts` failed ones (at least 1), or `None` to give up:
    /// `base`, `2·base`, `4·base`, … capped at `cap`.
    pub fn next_wait(&self, attempts: u32) -> Option<Duration> {
        if attempts >= self.max_attempts {
            return None;
        }
        let doublings = attempts.saturating_sub(1).min(30);
        Some(self.base.saturating_mul(1 << doublings).min(self.cap))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_the_cap_and_gives_up_after_the_last_attempt() {
        let policy = RetryPolicy::default();
        let waits: Vec<_> = (1..=8).map(|attempts| policy.next_wait(attempts)).collect();
        let secs = |s| Some(Duration::from_secs(s));
        assert_eq!(
            waits,
            vec![
                secs(1),
                secs(2),
                secs(4),
                secs(8),
                secs(16),
                secs(32),
                secs(64),
                None
            ]
        );
        let capped = RetryPolicy {
            max_attempts: 100,
            ..RetryPolicy::default()
        };
        assert_eq!(capped.next_wait(9), secs(256));
        assert_eq!(capped.next_wait(10), secs(300));
        assert_eq!(capped.next_wait(99), secs(300));
    }
}
