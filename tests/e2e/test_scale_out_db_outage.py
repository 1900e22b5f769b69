"""Database stopped under running gateways (issue 3 §5, ARCHITECTURE §7: fail-static).

The control plane and both gateways use a PRIVATE Postgres (initdb + postgres on a spare port in a
temporary folder; the machine's Postgres is never stopped). The gateways re-validate their snapshots every
TOOLGATE_SNAPSHOT_TTL_SECS=2 s, so they notice the outage quickly. While the database is down:

    allowed stays allowed, denied stays denied, limits stay enforced (Redis is up), on both workers
    a new session with a known grant still starts (the grant is in the worker's memory)
    /readyz on each gateway answers 503 (and /healthz still 200)
After the database is back: /readyz 200 again by itself, and a policy edit applies again on both workers.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from cluster import (
    SHARED_REDIS_URL,
    CallOutcome,
    Cluster,
    PrivatePostgres,
    Tenant,
    acall,
    ainitialize,
    assert_rate_limited,
    call,
    cluster_fixture_teardown,
    initialize,
    make_tenant,
    probe,
    record,
    require_shared_redis,
    start_cluster,
    wait_status,
)
from scale_out_fixtures import logdir, upstream  # noqa: F401 (pytest fixtures)
from conftest import SysMgmt

SNAPSHOT_TTL_SECS = 2
LIMITED = "create_background_task"
MAX = 3
CALL_BOUND_S = 2.0
READY_TIMEOUT_S = 30.0
RECOVERY_TIMEOUT_S = 60.0

POLICY: dict[str, Any] = {
    "version": "1",
    "default": "deny",
    "tools": {
        "list_processes": {},
        "delete_path": {"action": "deny", "reason": "Deleting files is not allowed for agents."},
        LIMITED: {"limits": [{"counter": "tasks", "window": "minute", "max": MAX, "scope": "grant"}]},
    },
}

# bounded: includes starting this module's processes (the first test pays for them)
pytestmark = pytest.mark.timeout(240)


@pytest.fixture(scope="module")
def postgres(logdir) -> Iterator[PrivatePostgres]:
    pg = PrivatePostgres(logdir)
    try:
        pg.start()
        pg.create_database("toolgate")
        yield pg
    finally:
        pg.destroy()


@pytest.fixture(scope="module")
def cluster(logdir, postgres: PrivatePostgres) -> Iterator[Cluster]:
    require_shared_redis()
    c = start_cluster(logdir, database_url=postgres.url("toolgate"), redis_url=SHARED_REDIS_URL,
                      extra_env={"TOOLGATE_SNAPSHOT_TTL_SECS": str(SNAPSHOT_TTL_SECS)})
    yield c
    cluster_fixture_teardown(c)


@pytest.fixture(scope="module")
def tenant(cluster: Cluster, upstream: SysMgmt) -> Tenant:
    return make_tenant(cluster, upstream, "db-outage")


def _readyz(base: str) -> tuple[int, float]:
    """(status, seconds to answer) of GET /readyz; 0 when nothing answered within 10 s."""
    t0 = time.monotonic()
    try:
        status = httpx.get(f"{base}/readyz", timeout=10).status_code
    except httpx.HTTPError:
        status = 0
    return status, time.monotonic() - t0


@pytest.mark.timeout(240)
def test_gateways_enforce_from_their_snapshot_while_the_database_is_down(
    tenant: Tenant, postgres: PrivatePostgres, cluster: Cluster, upstream: SysMgmt
):
    policy = tenant.policy(POLICY)
    token = tenant.grant(policy)["token"]
    urls = tenant.urls
    sessions = [initialize(u, token) for u in urls]

    def check_allowed(phase: str, w: int, out: CallOutcome) -> None:
        assert out.admitted, f"{phase}, worker {'AB'[w]}: an allowed call stays allowed: {out.describe()}"

    def check_denied(phase: str, w: int, out: CallOutcome) -> None:
        assert not out.admitted and out.decision.get("decision") == "denied" \
            and "Deleting files is not allowed" in out.text, \
            f"{phase}, worker {'AB'[w]}: a denied call stays denied: {out.describe()}"

    def enforced(phase: str) -> None:
        for w, sid in enumerate(sessions):
            check_allowed(phase, w, call(urls[w], token, sid, "list_processes"))
            check_denied(phase, w, call(urls[w], token, sid, "delete_path", {"path": "/etc"}))

    enforced("database up")  # warms both workers' snapshots

    postgres.stop()
    t_down = time.monotonic()
    deleted_before = upstream.count("delete_path")
    enforced("database just stopped")

    # /readyz turns 503 on both workers
    not_ready_after: dict[str, float] = {}
    readyz_latency: list[float] = []
    while len(not_ready_after) < 2:
        assert time.monotonic() - t_down < READY_TIMEOUT_S, (
            f"/readyz did not answer 503 on both gateways within {READY_TIMEOUT_S:.0f}s of the database stopping "
            f"(turned 503: {not_ready_after}; now: {[_readyz(g) for g in cluster.gw_urls]})"
        )
        for w, gw in enumerate(cluster.gw_urls):
            if "AB"[w] not in not_ready_after:
                status, took = _readyz(gw)
                readyz_latency.append(took)
                if status == 503:
                    not_ready_after["AB"[w]] = time.monotonic() - t_down
        time.sleep(0.2)
    for gw in cluster.gw_urls:
        assert probe(f"{gw}/healthz") == 200, "alive (healthz) while not ready"

    # past several snapshot TTLs: every kind of call, on both workers, all at once
    time.sleep(2 * SNAPSHOT_TTL_SECS)

    async def outage_calls() -> dict[str, Any]:
        async with httpx.AsyncClient(timeout=httpx.Timeout(60)) as c:
            async def fresh_session() -> tuple[CallOutcome, float]:
                t0 = time.monotonic()
                sid = await ainitialize(c, urls[1], token)
                took = time.monotonic() - t0
                return await acall(c, urls[1], token, sid, "list_processes"), took
            jobs = {
                **{f"allowed {'AB'[w]}": acall(c, urls[w], token, sessions[w], "list_processes") for w in (0, 1)},
                **{f"denied {'AB'[w]}": acall(c, urls[w], token, sessions[w], "delete_path", {"path": "/etc"})
                   for w in (0, 1)},
                **{f"limited {i}": acall(c, urls[i % 2], token, sessions[i % 2], LIMITED, {"name": f"t{i}"})
                   for i in range(MAX + 2)},
                "new session": fresh_session(),
            }
            values = await asyncio.gather(*jobs.values())
            return dict(zip(jobs, values, strict=True))

    results = asyncio.run(outage_calls())
    fresh, init_took = results.pop("new session")
    for w in (0, 1):
        check_allowed("database down", w, results[f"allowed {'AB'[w]}"])
        check_denied("database down", w, results[f"denied {'AB'[w]}"])
    limited = [results[f"limited {i}"] for i in range(MAX + 2)]
    assert sum(o.admitted for o in limited) == MAX, \
        f"limits still hold (Redis is up), max {MAX} across both workers: {[o.describe() for o in limited]}"
    for o in limited:
        if not o.admitted:
            assert_rate_limited(o, rule=f"/tools/{LIMITED}/limits/0")
    assert fresh.admitted, f"a new session for a known grant works from the snapshot: {fresh.describe()}"
    assert upstream.count("delete_path") == deleted_before, "denied calls never reached the upstream"
    latencies = [o.elapsed for o in results.values()] + [fresh.elapsed, init_took]
    worst = max(latencies)
    record("database outage", f"decisions enforced from the snapshot on both workers; worst call latency "
           f"{worst * 1000:.0f} ms (after the snapshot TTL expired); /readyz 503 after "
           + ", ".join(f"{k}: {v:.1f}s" for k, v in not_ready_after.items())
           + f", /readyz answered in up to {max(readyz_latency):.1f}s")

    # database back: ready again by itself, and config changes flow again
    postgres.start()
    back = [wait_status(f"{gw}/readyz", 200, RECOVERY_TIMEOUT_S) for gw in cluster.gw_urls]
    record("database recovery (/readyz 200 again after restart)",
           ", ".join(f"{'AB'[i]}: {t:.1f}s" for i, t in enumerate(back)))
    wait_status(f"{cluster.cp_url}/readyz", 200, RECOVERY_TIMEOUT_S)
    enforced("database back")
    relaxed = json.loads(json.dumps(POLICY))
    relaxed["tools"]["delete_path"] = {}
    tenant.update_policy(policy, relaxed)
    for w, sid in enumerate(sessions):
        out = call(urls[w], token, sid, "delete_path", {"path": "/tmp/x"})
        assert out.admitted, f"worker {'AB'[w]}: a policy edit after the database returned applies: {out.describe()}"
    for p in cluster.procs():
        assert p.alive(), f"{p.name} exited during the database outage"

    # last, so that everything above is known when it fails: fail-static must not make agents wait
    slow = {k: f"{(v[0] if isinstance(v, tuple) else v).elapsed:.1f}s" for k, v in results.items()
            if (v[0] if isinstance(v, tuple) else v).elapsed >= CALL_BOUND_S}
    assert worst < CALL_BOUND_S, (
        f"with the database down, calls must be answered from the snapshot without waiting for the database "
        f"(< {CALL_BOUND_S}s); worst {worst:.1f}s, slow: {slow}, new session initialize {init_took:.1f}s"
    )
