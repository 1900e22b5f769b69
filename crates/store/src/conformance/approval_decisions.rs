//! Approvals after creation: decided once, consumed once, expired by time.

use time::Duration;
use toolgate_domain::UserId;
use toolgate_domain::ids::ApprovalId;

use super::fixtures::{approval, base_time, expect_conflict, expect_not_found, micros, setup};
use crate::{ApprovalStatus, Store, StoreError};

pub async fn deciding_an_approval_records_who_when_and_why(store: &dyn Store) {
    let acme = setup(store, "acme").await;
    let now = base_time();
    let to_approve = approval(store, &acme, "run_shell", now).await;
    let to_deny = approval(store, &acme, "delete_file", now).await;
    let decided_at = now + Duration::minutes(1) + Duration::nanoseconds(999);

    let approved = store
        .decide_approval(
            acme.account.id,
            to_approve.id,
            true,
            Some(acme.user.id),
            Some("ok once".to_owned()),
            decided_at,
        )
        .await
        .expect("approve");
    assert_eq!(approved.status, ApprovalStatus::Approved);
    assert_eq!(
        (approved.decided_by, approved.decided_at, approved.note.as_deref()),
        (Some(acme.user.id), Some(micros(decided_at)), Some("ok once"))
    );
    assert_eq!(
        approved.arguments_sealed, to_approve.arguments_sealed,
        "kept to forward once"
    );
    assert!(approved.is_usable(decided_at));

    let denied = store
        .decide_approval(
            acme.account.id,
            to_deny.id,
            false,
            None,
            Some("too risky".to_owned()),
            decided_at,
        )
        .await
        .expect("deny");
    assert_eq!(
        (denied.status, denied.decided_by, denied.note.as_deref()),
        (ApprovalStatus::Denied, None, Some("too risky"))
    );
    assert_eq!(denied.arguments_sealed, None, "cleared on deny");
    assert_eq!(
        store
            .get_approval(acme.account.id, to_deny.id)
            .await
            .expect("get"),
        Some(denied)
    );

    for (id, approve) in [(to_approve.id, false), (to_approve.id, true), (to_deny.id, true)] {
        expect_conflict(
            store
                .decide_approval(acme.account.id, id, approve, None, None, decided_at)
                .await,
            "the approval is no longer pending",
        );
    }
    let unchanged = store
        .get_approval(acme.account.id, to_approve.id)
        .await
        .expect("get")
        .expect("approval");
    assert_eq!(unchanged, approved, "a second decision changes nothing");
    expect_not_found(
        store
            .decide_approval(acme.account.id, ApprovalId::new(), true, None, None, decided_at)
            .await,
        "unknown approval",
    );
    let third = approval(store, &acme, "run_shell", now).await;
    expect_not_found(
        store
            .decide_approval(
                acme.account.id,
                third.id,
                true,
                Some(UserId::new()),
                None,
                decided_at,
            )
            .await,
        "unknown approver",
    );
    let still_pending = store.get_approval(acme.account.id, third.id).await.expect("get");
    assert_eq!(
        still_pending.map(|approval| approval.status),
        Some(ApprovalStatus::Pending)
    );
}

pub async fn deciding_after_expiry_marks_the_approval_expired(store: &dyn Store) {
    let acme = setup(store, "acme").await;
    let now = base_time();
    let created = approval(store, &acme, "run_shell", now).await;
    let expiry = created.expires_at;

    expect_conflict(
        store
            .decide_approval(
                acme.account.id,
                created.id,
                true,
                Some(acme.user.id),
                None,
                expiry,
            )
            .await,
        "the approval is no longer pending",
    );
    let expired = store
        .get_approval(acme.account.id, created.id)
        .await
        .expect("get")
        .expect("approval");
    assert_eq!(expired.status, ApprovalStatus::Expired);
    assert_eq!(
        (expired.arguments_sealed, expired.decided_by, expired.decided_at),
        (None, None, None)
    );
    expect_conflict(
        store
            .decide_approval(acme.account.id, created.id, false, None, None, now)
            .await,
        "no longer pending",
    );

    let just_in_time = approval(store, &acme, "run_shell", now).await;
    let decided = store
        .decide_approval(
            acme.account.id,
            just_in_time.id,
            true,
            None,
            None,
            just_in_time.expires_at - Duration::microseconds(1),
        )
        .await
        .expect("approved a microsecond before expiry");
    assert_eq!(decided.status, ApprovalStatus::Approved);
}

pub async fn an_approved_approval_is_consumed_once(store: &dyn Store) {
    let acme = setup(store, "acme").await;
    let now = base_time();
    let created = approval(store, &acme, "run_shell", now).await;
    let later = now + Duration::minutes(2);
    assert!(
        !store
            .consume_approval(acme.account.id, created.id, later)
            .await
            .expect("consume"),
        "pending is not usable"
    );
    store
        .decide_approval(acme.account.id, created.id, true, None, None, later)
        .await
        .expect("approve");
    assert!(
        !store
            .consume_approval(acme.account.id, created.id, created.expires_at)
            .await
            .expect("consume"),
        "expired is not usable"
    );
    let used_at = later + Duration::nanoseconds(1_500);
    assert!(
        store
            .consume_approval(acme.account.id, created.id, used_at)
            .await
            .expect("consume")
    );
    assert!(
        !store
            .consume_approval(acme.account.id, created.id, used_at)
            .await
            .expect("consume"),
        "single use"
    );
    let used = store
        .get_approval(acme.account.id, created.id)
        .await
        .expect("get")
        .expect("approval");
    assert_eq!(
        (used.status, used.used_at, used.arguments_sealed),
        (ApprovalStatus::Used, Some(micros(used_at)), None)
    );

    let denied = approval(store, &acme, "run_shell", now).await;
    store
        .decide_approval(acme.account.id, denied.id, false, None, None, later)
        .await
        .expect("deny");
    assert!(
        !store
            .consume_approval(acme.account.id, denied.id, later)
            .await
            .expect("consume")
    );
    assert!(
        !store
            .consume_approval(acme.account.id, ApprovalId::new(), later)
            .await
            .expect("consume"),
        "unknown"
    );
}

pub async fn expiring_approvals_sweeps_pending_ones_of_every_account(store: &dyn Store) {
    let acme = setup(store, "acme").await;
    let globex = setup(store, "globex").await;
    let now = base_time();
    let acme_old = approval(store, &acme, "run_shell", now).await;
    let globex_old = approval(store, &globex, "run_shell", now + Duration::seconds(1)).await;
    let acme_fresh = approval(store, &acme, "run_shell", now + Duration::minutes(5)).await;
    let acme_approved = approval(store, &acme, "delete_file", now).await;
    store
        .decide_approval(acme.account.id, acme_approved.id, true, None, None, now)
        .await
        .expect("approve");
    let sweep_at = now + Duration::minutes(10) + Duration::seconds(1);

    let expired = store.expire_approvals(sweep_at).await.expect("sweep");
    let expired_ids: Vec<_> = expired.iter().map(|approval| approval.id).collect();
    assert_eq!(
        expired_ids,
        [acme_old.id, globex_old.id],
        "oldest first, across accounts"
    );
    assert!(
        expired
            .iter()
            .all(|approval| approval.status == ApprovalStatus::Expired && approval.arguments_sealed.is_none())
    );
    assert_eq!(expired[1].account_id, globex.account.id);

    let fresh = store
        .get_approval(acme.account.id, acme_fresh.id)
        .await
        .expect("get");
    assert_eq!(
        fresh.map(|approval| (approval.status, approval.arguments_sealed.is_some())),
        Some((ApprovalStatus::Pending, true))
    );
    let approved = store
        .get_approval(acme.account.id, acme_approved.id)
        .await
        .expect("get")
        .expect("approval");
    assert_eq!(
        (approved.status, approved.arguments_sealed),
        (ApprovalStatus::Approved, None),
        "expired unused: still approved, arguments gone"
    );
    let again = store.expire_approvals(sweep_at).await.expect("sweep");
    assert!(again.is_empty(), "{again:?}");
    match store
        .decide_approval(acme.account.id, acme_old.id, true, None, None, now)
        .await
    {
        Err(StoreError::Conflict(_)) => {}
        other => panic!("an expired approval cannot be decided: {other:?}"),
    }
}
