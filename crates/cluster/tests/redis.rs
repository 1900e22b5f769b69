//! The behaviour suites against the shared Redis (real clock: Redis keeps its own `TIME`). Every
//! behaviour works under a fresh account, so this runs beside other tests on the same Redis.
//! Deadlines are generous here: these tests are about answers; tests/redis_failures.rs is about time.

use std::sync::Arc;
use std::time::Duration;

use toolgate_cluster::redis::{RedisCounters, RedisEvents, RedisOptions};
use toolgate_cluster::testing::redis_server::{shared_redis_unreachable, shared_redis_url};
use toolgate_cluster::testing::{CounterHarness, EventHarness, RealTime};

fn options() -> RedisOptions {
    RedisOptions {
        deadline: Duration::from_secs(2),
        ..RedisOptions::default()
    }
}

async fn counters() -> CounterHarness {
    let url = shared_redis_url();
    match RedisCounters::connect(&url, options()).await {
        Ok(counters) => CounterHarness::new(Arc::new(counters), Arc::new(RealTime::default())),
        Err(error) => panic!("{}", shared_redis_unreachable(&url, &error)),
    }
}

async fn events() -> EventHarness {
    let url = shared_redis_url();
    match RedisEvents::connect(&url, options()).await {
        Ok(events) => EventHarness::new(Arc::new(events)),
        Err(error) => panic!("{}", shared_redis_unreachable(&url, &error)),
    }
}

mod counters {
    use super::*;

    toolgate_cluster::counters_behaviour_suite!(counters().await);
}

mod events {
    use super::*;

    toolgate_cluster::events_behaviour_suite!(events().await);

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_relayed_event_is_counted_once_it_can_be_received() {
        let (publishing, receiving) = (events().await, events().await);
        toolgate_cluster::testing::events::a_relayed_event_is_counted_once_it_can_be_received(
            &publishing,
            &receiving,
        )
        .await;
    }
}
