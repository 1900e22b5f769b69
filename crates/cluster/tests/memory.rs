//! The behaviour suites against the in-process store: once with a manual clock (exact times, no
//! waiting) and once with the wall clock, as the Redis store will be run (proves the suite works with
//! a clock it cannot move).

use std::sync::Arc;

use toolgate_cluster::testing::{CounterHarness, EventHarness, RealTime};
use toolgate_cluster::{ManualClock, MemoryCounters, MemoryEvents};

mod manual_clock {
    use super::*;

    fn harness() -> CounterHarness {
        let clock = ManualClock::new(1_700_000_000_000);
        CounterHarness::new(
            Arc::new(MemoryCounters::with_clock(Arc::new(clock.clone()))),
            Arc::new(clock),
        )
    }

    toolgate_cluster::counters_behaviour_suite!(harness());
}

mod wall_clock {
    use super::*;

    fn harness() -> CounterHarness {
        CounterHarness::new(Arc::new(MemoryCounters::new()), Arc::new(RealTime::default()))
    }

    toolgate_cluster::counters_behaviour_suite!(harness());
}

mod events {
    use super::*;

    toolgate_cluster::events_behaviour_suite!(EventHarness::new(Arc::new(MemoryEvents::new())));
}
