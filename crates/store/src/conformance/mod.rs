//! The behaviour every [`Store`](crate::Store) implementation must have, as async test functions taking
//! `&dyn Store` on a fresh, empty database. A backend runs them all with [`conformance_tests!`](crate::conformance_tests):
//!
//! ```ignore
//! async fn fresh_store() -> (SqliteStore, tempfile::TempDir) { /* a store on a new file */ }
//! toolgate_store::conformance_tests!(fresh_store);
//! ```
//!
//! Timestamps are compared at microsecond precision (what both SQLite and Postgres keep).

mod accounts;
mod admin_events;
mod approval_decisions;
mod approvals;
mod audit;
mod concurrency;
mod documents;
mod fixtures;
mod grants;
mod isolation;
mod isolation_events;
mod policies;
mod servers;
mod sessions;
mod settings;
mod tools;
mod webhooks;

pub use accounts::*;
pub use admin_events::*;
pub use approval_decisions::*;
pub use approvals::*;
pub use audit::*;
pub use concurrency::*;
pub use documents::*;
pub use grants::*;
pub use isolation::*;
pub use isolation_events::*;
pub use policies::*;
pub use servers::*;
pub use sessions::*;
pub use settings::*;
pub use tools::*;
pub use webhooks::*;

/// Defines one `#[tokio::test]` per conformance test. `$fresh_store` is an async function returning
/// `(store, guard)`: a store on a fresh, empty database, and whatever must live as long as the test (a
/// temporary folder, a database to drop). The caller needs `tokio` (macros, rt) as a dev-dependency.
#[macro_export]
macro_rules! conformance_tests {
    ($fresh_store:path) => {
        $crate::conformance_tests!(@each $fresh_store;
            ping_answers,
            signup_creates_user_account_and_owner_membership,
            signup_with_a_taken_email_conflicts_and_creates_nothing,
            signup_with_a_taken_account_slug_conflicts_and_creates_nothing,
            api_tokens_find_their_user,
            memberships_are_found_by_slug_or_id,
            servers_are_created_and_found_by_slug_or_id,
            server_slugs_are_unique_per_account,
            servers_are_listed_in_creation_order,
            server_patches_change_only_what_they_name,
            updating_an_unknown_server_is_not_found,
            replace_tools_keeps_the_upstream_order,
            changed_definitions_are_detected_until_accepted,
            a_removed_tool_comes_back_as_new,
            duplicate_tool_names_keep_the_first,
            tools_of_unknown_servers_and_names_are_not_found,
            a_new_policy_is_version_one,
            saving_a_policy_adds_versions_newest_first,
            policy_names_are_unique_per_server,
            policies_of_unknown_servers_or_ids_are_not_found,
            grants_are_listed_newest_first_and_found_by_token,
            revoking_a_grant_is_idempotent,
            rotating_a_grant_replaces_its_token,
            grant_expiry_decides_is_active,
            touching_a_grant_records_the_latest_use,
            grants_reject_unknown_servers_policies_and_taken_tokens,
            tenants_cannot_see_or_change_each_others_servers_and_tools,
            tenants_cannot_see_or_change_each_others_policies,
            tenants_cannot_see_or_change_each_others_grants,
            members_see_only_their_accounts,
            users_are_found_by_id,
            sessions_find_their_user_until_they_expire,
            deleting_a_session_logs_out_and_is_idempotent,
            expired_sessions_are_removed,
            sessions_reject_unknown_users_and_taken_hashes,
            concurrent_saves_of_a_policy_get_distinct_versions,
            concurrent_syncs_of_a_catalog_all_succeed,
            json_documents_keep_their_key_order,
            approvals_are_created_pending_and_found_by_id,
            approvals_need_a_server_grant_and_policy_of_their_own,
            a_retry_finds_its_reusable_approval,
            approvals_are_listed_newest_first_by_status_with_paging,
            deciding_an_approval_records_who_when_and_why,
            deciding_after_expiry_marks_the_approval_expired,
            an_approved_approval_is_consumed_once,
            expiring_approvals_sweeps_pending_ones_of_every_account,
            concurrent_consumes_of_an_approval_let_exactly_one_through,
            concurrent_decisions_of_an_approval_let_exactly_one_win,
            audit_events_are_stored_whole_and_listed_newest_first,
            a_large_audit_batch_is_written_in_one_go_or_not_at_all,
            audit_filters_and_paging_narrow_the_list,
            audit_aggregates_count_by_decision_time_tool_and_rule,
            purging_audit_removes_only_older_events_of_the_account,
            audit_time_bounds_are_exact_within_a_millisecond,
            admin_events_are_listed_newest_first_with_their_actor,
            account_settings_are_the_defaults_until_changed,
            webhook_deliveries_are_retried_until_delivered_or_given_up,
            webhook_deliveries_are_listed_newest_first,
            tenants_cannot_see_or_change_each_others_approvals,
            tenants_cannot_see_or_purge_each_others_audit_and_admin_events,
            tenants_cannot_see_or_change_each_others_settings_and_deliveries,
        );
    };
    (@each $fresh_store:path; $($test:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $test() {
                let (store, _guard) = $fresh_store().await;
                $crate::conformance::$test(&store).await;
            }
        )*
    };
}
