"""Approvals across workers (issue 5, ARCHITECTURE §2, §8): one `toolgate control-plane` and two
`toolgate gateway` workers on a fresh Postgres database and the machine's Redis. The agent is the
official Python MCP client talking to one worker; the approver uses the control plane's API. A decision
made on the control plane reaches the worker that holds the call, and an approval is used once across
workers. The sysmgmt upstream's GET /calls proves what really reached it."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import anyio
import pytest
from approvals_support import WAITING, ControlPlane, Progress, assert_waiting, decision_meta, in_thread
from cluster import (
    SHARED_REDIS_URL,
    Cluster,
    FreshDatabase,
    Tenant,
    cluster_fixture_teardown,
    make_tenant,
    record,
    require_shared_redis,
    start_cluster,
)
from scale_out_fixtures import database, logdir, upstream  # noqa: F401 (pytest fixtures)
from conftest import SysMgmt, mcp_client, text_of

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(180)]

TOOL = "run_shell"
RULE = f"/tools/{TOOL}"
# A hold long enough that only a decision (never the wait running out) can end it within a test.
LONG_WAIT = "60s"
HELD_READ_TIMEOUT = 75


# ---------------------------------------------------------------------------------------------
# module fixtures: fresh database, the machine's Redis, control plane + 2 gateways, one upstream
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cluster(logdir, database: FreshDatabase) -> Iterator[Cluster]:
    require_shared_redis()
    c = start_cluster(logdir, database_url=database.url, redis_url=SHARED_REDIS_URL)
    yield c
    cluster_fixture_teardown(c)


@pytest.fixture(scope="module")
def tenant(cluster: Cluster, upstream: SysMgmt) -> Tenant:
    return make_tenant(cluster, upstream, "approvals")


@pytest.fixture
def cp(tenant: Tenant) -> ControlPlane:
    """The approver: the control plane's approvals API (never a gateway worker)."""
    return ControlPlane(tenant.api, tenant.account)


def approval_policy(wait: str) -> dict[str, Any]:
    return {
        "version": "1",
        "default": "deny",
        "tools": {
            TOOL: {"action": "require_approval", "approval": {"wait": wait, "timeout": "10m"}},
            "whoami": {},
        },
    }


def new_grant(tenant: Tenant, wait: str) -> dict[str, Any]:
    """A policy and a grant of its own per test: approvals are bound to the grant, so tests never share one."""
    return tenant.grant(tenant.policy(approval_policy(wait)))


def wait_pending(cp: ControlPlane, grant: dict[str, Any], *, exclude: frozenset[str] = frozenset(),
                 timeout: float = 20.0) -> dict[str, Any]:
    """Polls the control plane's GET …/approvals?status=pending until this grant's approval shows up."""
    deadline = time.monotonic() + timeout
    while True:
        found = [a for a in cp.approvals("pending")
                 if a.get("grant_id") == grant["id"] and a.get("tool") == TOOL and a["id"] not in exclude]
        if found:
            assert len(found) == 1, f"one held call makes one approval: {found}"
            return found[0]
        if time.monotonic() > deadline:
            raise AssertionError(f"no pending approval for {TOOL} on grant {grant['id']} within {timeout}s")
        time.sleep(0.1)


def pending_of(cp: ControlPlane, grant: dict[str, Any]) -> list[dict[str, Any]]:
    return [a for a in cp.approvals("pending") if a.get("grant_id") == grant["id"]]


# ---------------------------------------------------------------------------------------------
# 1. held on worker A, approved on the control plane: forwarded once, the upstream's result
# ---------------------------------------------------------------------------------------------


async def test_call_held_on_worker_a_is_released_by_an_approve_on_the_control_plane(
    tenant: Tenant, upstream: SysMgmt, cp: ControlPlane
):
    grant = new_grant(tenant, LONG_WAIT)
    worker_a = tenant.urls[0]
    args = {"command": f"systemctl restart web-{uuid.uuid4().hex[:6]}"}
    before = upstream.count(TOOL)
    progress = Progress()
    result = None
    released_after: float | None = None
    with anyio.fail_after(90):
        async with mcp_client(worker_a, grant["token"]) as client:

            async def held() -> None:
                nonlocal result
                result = await client.call_tool(TOOL, args, read_timeout_seconds=HELD_READ_TIMEOUT,
                                                progress_callback=progress)

            async with anyio.create_task_group() as tg:
                tg.start_soon(held)
                # Worker A wrote the approval to the shared database: the control plane lists it.
                pending = await in_thread(wait_pending, cp, grant)
                assert pending["arguments"] == args, "the approver sees the arguments on the control plane"
                assert pending["server"] == tenant.server["slug"], pending
                # Worker A keeps the client alive and says why (the client sent a progress token).
                await progress.wait_for(1, timeout=15)
                assert pending["id"] in (progress.seen[0][2] or ""), progress.seen
                assert result is None, "the call is still held on worker A"
                assert upstream.count(TOOL) == before, "a held call has not reached the upstream"

                decided = await in_thread(cp.approve, pending["id"], "go ahead")
                assert decided["status"] == "approved", decided
                t0 = time.monotonic()
                while result is None:
                    await anyio.sleep(0.01)
                released_after = time.monotonic() - t0

    assert result is not None
    assert not result.is_error, f"the approved call is forwarded, not refused: {result}"
    assert text_of(result) == f"would run: {args['command']}", "the upstream's real result"
    assert upstream.count(TOOL) == before + 1, "forwarded exactly once"
    record("approval on the control plane -> held call on worker A released (s)", round(released_after, 3))
    # Released by the decision, long before the 60 s wait could have run out.
    assert released_after < 10, f"the decision took {released_after:.1f}s to reach worker A"
    used = await in_thread(cp.approval, pending["id"])
    assert used["status"] == "used", used
    assert used["arguments"] is None, "the arguments are dropped once the approval is used"


# ---------------------------------------------------------------------------------------------
# 2. held on worker A, denied on the control plane: the note, nothing forwarded
# ---------------------------------------------------------------------------------------------


async def test_deny_on_the_control_plane_gives_the_note_on_worker_a(
    tenant: Tenant, upstream: SysMgmt, cp: ControlPlane
):
    grant = new_grant(tenant, LONG_WAIT)
    worker_a = tenant.urls[0]
    note = f"Not during the change freeze (ticket {uuid.uuid4().hex[:6]})"
    before = upstream.count(TOOL)
    result = None
    with anyio.fail_after(90):
        async with mcp_client(worker_a, grant["token"]) as client:

            async def held() -> None:
                nonlocal result
                result = await client.call_tool(TOOL, {"command": "rm -rf /var/lib"},
                                                read_timeout_seconds=HELD_READ_TIMEOUT)

            async with anyio.create_task_group() as tg:
                tg.start_soon(held)
                pending = await in_thread(wait_pending, cp, grant)
                await anyio.sleep(1)
                assert result is None, "the call is still held on worker A"
                decided = await in_thread(cp.deny, pending["id"], note)
                assert decided["status"] == "denied" and decided["note"] == note, decided

    assert result is not None
    assert result.is_error is True, f"a denied call is an isError result: {result}"
    assert note in text_of(result), f"the approver's note reaches the agent on worker A: {text_of(result)!r}"
    d = decision_meta(result)
    assert d.get("decision") == "approval_denied", d
    assert d.get("rule") == RULE, d
    assert d.get("approval_id") == pending["id"], d
    assert upstream.count(TOOL) == before, "a denied call never reaches the upstream"


# ---------------------------------------------------------------------------------------------
# 3. timed out on worker A, approved on the control plane, retried on worker B: forwarded once
# ---------------------------------------------------------------------------------------------


async def test_timed_out_on_a_approved_on_the_control_plane_is_forwarded_once_when_retried_on_b(
    tenant: Tenant, upstream: SysMgmt, cp: ControlPlane
):
    grant = new_grant(tenant, "1s")
    worker_a, worker_b = tenant.urls
    args = {"command": f"ls /srv/{uuid.uuid4().hex[:6]}"}
    before = upstream.count(TOOL)
    with anyio.fail_after(90):
        async with mcp_client(worker_a, grant["token"]) as on_a:
            first = await on_a.call_tool(TOOL, args)
        a = assert_waiting(first, RULE)
        assert text_of(first).startswith(WAITING), text_of(first)
        assert [p["id"] for p in await in_thread(pending_of, cp, grant)] == [a]
        assert upstream.count(TOOL) == before

        await in_thread(cp.approve, a)

        async with mcp_client(worker_b, grant["token"]) as on_b:
            retried = await on_b.call_tool(TOOL, args)
            assert not retried.is_error, f"the retry on worker B uses the approval: {retried}"
            assert text_of(retried) == f"would run: {args['command']}"
            assert upstream.count(TOOL) == before + 1, "the retry on B is forwarded"
            assert (await in_thread(cp.approval, a))["status"] == "used"

            # Single use across workers: the next identical call, on B or on A, needs a new approval.
            again_b = assert_waiting(await on_b.call_tool(TOOL, args), RULE)
            assert again_b != a, "a used approval is never reused"
        async with mcp_client(worker_a, grant["token"]) as on_a:
            again_a = assert_waiting(await on_a.call_tool(TOOL, args), RULE)
        assert again_a == again_b, "the new approval is still pending: A finds the one B asked for"
    assert upstream.count(TOOL) == before + 1, "only the one approved retry reached the upstream"
    await in_thread(cp.deny, again_b)


# ---------------------------------------------------------------------------------------------
# 4. one approval, used once across workers
# ---------------------------------------------------------------------------------------------


async def test_the_same_call_held_on_both_workers_is_forwarded_once(
    tenant: Tenant, upstream: SysMgmt, cp: ControlPlane
):
    """Two agents of one grant make the identical call, one through each worker; both wait on the one
    approval. One approve on the control plane releases one forward, never two."""
    grant = new_grant(tenant, LONG_WAIT)
    worker_a, worker_b = tenant.urls
    args = {"command": f"reboot host-{uuid.uuid4().hex[:6]}"}
    before = upstream.count(TOOL)
    results: dict[str, Any] = {}
    progress = {"A": Progress(), "B": Progress()}
    with anyio.fail_after(90):
        async with mcp_client(worker_a, grant["token"]) as on_a, mcp_client(worker_b, grant["token"]) as on_b:

            async def held(name: str, client: Any) -> None:
                results[name] = await client.call_tool(TOOL, args, read_timeout_seconds=HELD_READ_TIMEOUT,
                                                       progress_callback=progress[name])

            async with anyio.create_task_group() as tg:
                tg.start_soon(held, "A", on_a)
                pending = await in_thread(wait_pending, cp, grant)
                tg.start_soon(held, "B", on_b)
                # Both workers hold the call, waiting on the same approval (their progress names it).
                await progress["A"].wait_for(1, timeout=15)
                await progress["B"].wait_for(1, timeout=15)
                for name in "AB":
                    assert pending["id"] in (progress[name].seen[0][2] or ""), (name, progress[name].seen)
                assert [p["id"] for p in await in_thread(pending_of, cp, grant)] == [pending["id"]]
                assert results == {}, "both calls are still held"
                assert upstream.count(TOOL) == before
                await in_thread(cp.approve, pending["id"])

    forwarded = {name: r for name, r in results.items() if not r.is_error}
    refused = {name: r for name, r in results.items() if r.is_error}
    assert len(results) == 2
    assert len(forwarded) == 1, f"exactly one of the two held calls uses the approval: {results}"
    assert text_of(next(iter(forwarded.values()))) == f"would run: {args['command']}"
    (loser,) = refused.values()
    assert decision_meta(loser).get("approval_id") == pending["id"], decision_meta(loser)
    assert upstream.count(TOOL) == before + 1, "one approval, one forwarded call"


async def test_concurrent_retries_on_both_workers_use_an_approval_once(
    tenant: Tenant, upstream: SysMgmt, cp: ControlPlane
):
    grant = new_grant(tenant, "1s")
    urls = tenant.urls
    args = {"command": f"pwd #{uuid.uuid4().hex[:6]}"}
    before = upstream.count(TOOL)
    with anyio.fail_after(90):
        async with mcp_client(urls[0], grant["token"]) as client:
            a = assert_waiting(await client.call_tool(TOOL, args), RULE)
        await in_thread(cp.approve, a)

        results: list[Any] = []

        async def retry(url: str) -> None:
            async with mcp_client(url, grant["token"]) as c:
                results.append(await c.call_tool(TOOL, args))

        async with anyio.create_task_group() as tg:
            for i in range(4):
                tg.start_soon(retry, urls[i % 2])
    forwarded = [r for r in results if not r.is_error]
    assert len(results) == 4
    assert len(forwarded) == 1, f"exactly one of 4 concurrent retries over both workers uses the approval: {results}"
    assert text_of(forwarded[0]) == f"would run: {args['command']}"
    for r in results:
        if r.is_error:
            assert assert_waiting(r, RULE) != a, "the others need a new approval"
    assert upstream.count(TOOL) == before + 1
