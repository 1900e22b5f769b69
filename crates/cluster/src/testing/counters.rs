//! The counters behaviour suite. Each function is one behaviour; the list the macro runs is in
//! [`crate::counters_behaviour_suite`].

mod amounts;
mod concurrency;
mod keys;
mod rollback;
mod support;
mod windows;

pub use amounts::{
    all_or_nothing_across_limits, amounts_count_toward_the_max, denied_calls_consume_nothing,
    reservation_reports_what_it_charged,
};
pub use concurrency::{
    concurrent_calls_admit_exactly_max, concurrent_calls_with_two_limits_admit_exactly_max,
};
pub use keys::{
    one_key_twice_in_a_call_counts_the_sum, scopes_and_keys_are_independent,
    tools_naming_one_counter_share_its_count,
};
pub use rollback::rollback_frees_exactly_its_reservation;
pub use windows::{
    admits_exactly_max_then_refuses, retry_after_counts_only_what_must_expire,
    window_rolls_instead_of_resetting,
};
