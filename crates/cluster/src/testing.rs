//! The behaviour suites every store must pass (feature `testing`): the in-process store now, the Redis
//! store later. Each behaviour is a plain async function over a [`CounterHarness`] or an
//! [`EventHarness`]; the macros [`counters_behaviour_suite!`](crate::counters_behaviour_suite) and
//! [`events_behaviour_suite!`](crate::events_behaviour_suite) turn the whole list into one
//! `#[tokio::test]` each, so a new backend runs every behaviour with one line.
//!
//! Every behaviour uses a fresh random account, so the suites can share one Redis with tests running in
//! parallel. Time is moved through [`TestTime`]: a [`crate::ManualClock`] jumps instantly and makes
//! time assertions exact; [`RealTime`] sleeps (a store with its own clock, like Redis) and then the
//! assertions allow its [`TestTime::tolerance_ms`]. Windows are short (≤ 1.5 s) so a real-time run of
//! the whole suite stays within a few seconds.

pub mod counters;
pub mod events;
mod harness;
pub mod redis_server;

pub use harness::{CounterHarness, EventHarness, RealTime, TestTime};

/// Expands to one `#[tokio::test]` per counters behaviour. `$harness` is an expression giving a
/// [`CounterHarness`]; it is evaluated afresh in every test.
#[macro_export]
macro_rules! counters_behaviour_suite {
    ($harness:expr) => {
        $crate::counters_behaviour_suite!(@each $harness;
            admits_exactly_max_then_refuses,
            retry_after_counts_only_what_must_expire,
            window_rolls_instead_of_resetting,
            scopes_and_keys_are_independent,
            tools_naming_one_counter_share_its_count,
            amounts_count_toward_the_max,
            all_or_nothing_across_limits,
            denied_calls_consume_nothing,
            one_key_twice_in_a_call_counts_the_sum,
            reservation_reports_what_it_charged,
            rollback_frees_exactly_its_reservation,
            concurrent_calls_admit_exactly_max,
            concurrent_calls_with_two_limits_admit_exactly_max,
        );
    };
    (@each $harness:expr; $($behaviour:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $behaviour() {
                let harness: $crate::testing::CounterHarness = $harness;
                $crate::testing::counters::$behaviour(&harness).await;
            }
        )+
    };
}

/// Expands to one `#[tokio::test]` per events behaviour. `$harness` gives an [`EventHarness`].
#[macro_export]
macro_rules! events_behaviour_suite {
    ($harness:expr) => {
        $crate::events_behaviour_suite!(@each $harness;
            every_subscriber_receives_each_event_in_order,
            a_subscriber_sees_only_later_events,
            publishing_without_subscribers_is_ok,
            the_delivered_count_grows_once_an_event_can_be_received,
        );
    };
    (@each $harness:expr; $($behaviour:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $behaviour() {
                let harness: $crate::testing::EventHarness = $harness;
                $crate::testing::events::$behaviour(&harness).await;
            }
        )+
    };
}
