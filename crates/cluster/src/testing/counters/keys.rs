//! Which limits share a count: equal keys do, anything else in the key separates them.

use toolgate_domain::AccountId;

use super::support::{Keys, admit, admit_times, limit, refuse};
use crate::counters::{CounterKey, Scope};
use crate::testing::CounterHarness;

/// Changing any part of the key (account, scope, scope id, counter, window) gives a separate count.
pub async fn scopes_and_keys_are_independent(harness: &CounterHarness) {
    let keys = Keys::fresh();
    let base = keys.key("calls", 1_000);
    admit(harness, &[limit(&base, 1, 1)]).await;
    refuse(harness, &[limit(&base, 1, 1)], 0).await;

    let variants = [
        CounterKey {
            account: AccountId::new(),
            ..base.clone()
        },
        CounterKey {
            scope: Scope::Server,
            ..base.clone()
        },
        CounterKey {
            scope: Scope::Account,
            ..base.clone()
        },
        CounterKey {
            scope_id: "grant-2".to_owned(),
            ..base.clone()
        },
        CounterKey {
            counter: "other_calls".to_owned(),
            ..base.clone()
        },
        CounterKey {
            window_ms: 1_001,
            ..base.clone()
        },
    ];
    for variant in &variants {
        admit(harness, &[limit(variant, 1, 1)]).await;
        refuse(harness, &[limit(variant, 1, 1)], 0).await;
    }
    // And none of them touched the base count.
    refuse(harness, &[limit(&base, 2, 2)], 0).await;
    admit(harness, &[limit(&base, 2, 1)]).await;
}

/// Two tools naming one counter share its count, each checked against its own max.
pub async fn tools_naming_one_counter_share_its_count(harness: &CounterHarness) {
    let keys = Keys::fresh();
    let budget = keys.key("budget", 1_000);
    let tool_a = [limit(&budget, 3, 1)];
    let tool_b = [limit(&budget, 5, 1)];

    admit_times(harness, &tool_a, 2).await;
    admit(harness, &tool_b).await;
    // 3 in the count: tool A (max 3) is out, tool B (max 5) has two more.
    refuse(harness, &tool_a, 0).await;
    admit_times(harness, &tool_b, 2).await;
    refuse(harness, &tool_b, 0).await;
}

/// An all-tools limit and a tool limit on one counter, in one call, need room for both amounts.
pub async fn one_key_twice_in_a_call_counts_the_sum(harness: &CounterHarness) {
    let keys = Keys::fresh();
    let small = keys.key("small", 1_000);
    let wait = refuse(harness, &[limit(&small, 5, 3), limit(&small, 5, 3)], 0).await;
    assert_eq!(wait, 1_000, "6 can never fit under 5");
    admit(harness, &[limit(&small, 5, 3)]).await; // the refusal charged nothing

    let shared = keys.key("shared", 1_000);
    admit(harness, &[limit(&shared, 10, 3), limit(&shared, 10, 3)]).await;
    refuse(harness, &[limit(&shared, 10, 5)], 0).await; // 6 + 5 > 10
    admit(harness, &[limit(&shared, 10, 4)]).await;

    // Different maxima on one key: each is checked against the key's total.
    let mixed = keys.key("mixed", 1_000);
    let call = [limit(&mixed, 100, 1), limit(&mixed, 2, 1)];
    admit(harness, &call).await;
    refuse(harness, &call, 1).await;
}
