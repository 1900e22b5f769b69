//! Lanes: the HTTP server runs one single-threaded runtime per core, and each connection lives on one
//! lane from accept to close. Whatever a request opens toward an upstream (the pooled connection and
//! its task) should live on the same lane, so that a call never hands over between threads: on a
//! 2-core VM every cross-thread wake-up is a futex call and an inter-processor interrupt, which cost
//! more than the gateway's own work (BENCHMARKS.md).
//!
//! The server calls [`enter`] on each lane's thread; code that keeps per-lane resources asks
//! [`current`]. Threads that are not lanes (the main runtime, tests) are lane 0.

use std::cell::Cell;
use std::sync::OnceLock;

thread_local! {
    static LANE: Cell<usize> = const { Cell::new(0) };
}

/// How many lanes the server runs: one per core the process may use.
pub fn count() -> usize {
    static COUNT: OnceLock<usize> = OnceLock::new();
    *COUNT.get_or_init(|| {
        std::thread::available_parallelism()
            .map(usize::from)
            .unwrap_or(1)
            .clamp(1, 64)
    })
}

/// Marks the calling thread as lane `index` (taken modulo [`count`]).
pub fn enter(index: usize) {
    LANE.with(|lane| lane.set(index % count()));
}

/// The calling thread's lane: `0..count()`.
pub fn current() -> usize {
    LANE.with(Cell::get)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_are_lane_zero_until_they_enter_one() {
        let seen = std::thread::spawn(|| {
            let before = current();
            enter(count() + count() - 1);
            (before, current())
        })
        .join()
        .expect("thread runs");
        assert_eq!(seen, (0, count() - 1));
        assert_eq!(current(), 0, "another thread's lane does not leak into this one");
    }
}
