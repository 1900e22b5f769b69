//! Where counters read the time. Milliseconds since the UNIX epoch, so values from this process and from
//! Redis `TIME` are comparable (a reservation's `at_ms` means the same thing in both stores).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

pub trait Clock: Send + Sync + 'static {
    fn now_ms(&self) -> u64;
}

/// Wall-clock time. A clock set before 1970 reads 0, and one past year 584 million reads `u64::MAX`,
/// rather than panicking on the request path.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|since_epoch| u64::try_from(since_epoch.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or(0)
    }
}

/// A clock that moves only when told to, for deterministic tests. Clones share one time.
#[derive(Debug, Clone, Default)]
pub struct ManualClock {
    now_ms: Arc<AtomicU64>,
}

impl ManualClock {
    pub fn new(start_ms: u64) -> Self {
        Self {
            now_ms: Arc::new(AtomicU64::new(start_ms)),
        }
    }

    pub fn advance(&self, by_ms: u64) {
        // fetch_update cannot fail with a closure that always returns Some.
        let _ = self
            .now_ms
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |now| {
                Some(now.saturating_add(by_ms))
            });
    }

    /// Moves the clock to `now_ms`, backwards too (wall clocks do step back).
    pub fn set(&self, now_ms: u64) {
        self.now_ms.store(now_ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> u64 {
        self.now_ms.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_clock_reads_epoch_milliseconds() {
        // 2020-01-01 in ms: a sanity bound that catches seconds or microseconds by mistake.
        let now = SystemClock.now_ms();
        assert!(now > 1_577_836_800_000 && now < 32_503_680_000_000, "{now}");
    }

    #[test]
    fn manual_clock_clones_share_time() {
        let clock = ManualClock::new(1_000);
        let other = clock.clone();
        clock.advance(250);
        assert_eq!(other.now_ms(), 1_250);
        other.set(10);
        assert_eq!(clock.now_ms(), 10);
    }
}
