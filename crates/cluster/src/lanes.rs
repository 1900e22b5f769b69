//! Lanes: the HTTP server runs one single-threaded runtime per core, and each connection lives on one
//! lane from accept to close. Whatever a request opens toward a peer (an upstream's pooled
//! connection, a Redis connection) and the task that drives it should live on the same lane, so that a
//! call never hands over between threads: on a 2-core VM every cross-thread wake-up is a futex call and
//! an inter-processor interrupt, which cost more than the gateway's own work (BENCHMARKS.md).
//!
//! The server calls [`enter`] on each lane's thread; code that keeps per-lane resources asks
//! [`entered`] (or [`current`], which counts every other thread as lane 0).

use std::cell::Cell;
use std::sync::OnceLock;

thread_local! {
    static LANE: Cell<Option<usize>> = const { Cell::new(None) };
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
    LANE.with(|lane| lane.set(Some(index % count())));
}

/// The calling thread's lane, if it is one: `0..count()`.
pub fn entered() -> Option<usize> {
    LANE.with(Cell::get)
}

/// The calling thread's lane, other threads (the main runtime, tests) counting as lane 0.
pub fn current() -> usize {
    entered().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_are_no_lane_until_they_enter_one() {
        let seen = std::thread::spawn(|| {
            let before = (entered(), current());
            enter(count() + count() - 1);
            (before, entered(), current())
        })
        .join()
        .expect("thread runs");
        assert_eq!(seen, ((None, 0), Some(count() - 1), count() - 1));
        assert_eq!(
            entered(),
            None,
            "another thread's lane does not leak into this one"
        );
    }
}
