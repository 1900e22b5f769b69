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

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from cluster import (
    SHARED_REDIS_URL,
    CallOutcome,
    Cluster,
    PrivatePostgres,
    Tenant,
    assert_rate_limited,
    call,
    cluster_fixture_teardown,
    initialize,
    make_tenant,
    module_logdir,
    new_upstream,
    probe,
    record,
    require_shared_redis,
    start_cluster,
    wait_status,
)
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
def logdir(request: pytest.FixtureRequest):
    return module_logdir(request)


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
def upstream(logdir) -> Iterator[SysMgmt]:
    yield from new_upstream(logdir, "sysmgmt")


@pytest.fixture(scope="module")
def tenant(cluster: Cluster, upstream: SysMgmt) -> Tenant:
    return make_tenant(cluster, upstream, "db-outage")


def _timed(fn, *args, **kw) -> tuple[Any, float]:
    t0 = time.monotonic()
    value = fn(*args, **kw)
    return value, time.monotonic() - t0


@pytest.mark.timeout(240)
def test_gateways_enforce_from_their_snapshot_while_the_database_is_down(
    tenant: Tenant, postgres: PrivatePostgres, cluster: Cluster, upstream: SysMgmt
):
    policy = tenant.policy(POLICY)
    token = tenant.grant(policy)["token"]
    urls = tenant.urls
    sessions = [initialize(u, token) for u in urls]

    def enforced(phase: str, w: int, sid: str) -> list[CallOutcome]:
        u = urls[w]
        ok = call(u, token, sid, "list_processes")
        assert ok.admitted, f"{phase}, worker {'AB'[w]}: an allowed call stays allowed: {ok.describe()}"
        no = call(u, token, sid, "delete_path", {"path": "/etc"})
        assert not no.admitted and no.decision.get("decision") == "denied" \
            and "Deleting files is not allowed" in no.text, \
            f"{phase}, worker {'AB'[w]}: a denied call stays denied: {no.describe()}"
        return [ok, no]

    # warm both workers' snapshots
    for w, sid in enumerate(sessions):
        enforced("database up", w, sid)

    postgres.stop()
    t_down = time.monotonic()
    outage_calls: list[CallOutcome] = []
    not_ready_after: dict[str, float] = {}
    deleted_before = upstream.count("delete_path")
    # keep calling until both gateways say not ready, and then past a few more snapshot TTLs
    while len(not_ready_after) < 2 or time.monotonic() - t_down < max(not_ready_after.values()) + 3 * SNAPSHOT_TTL_SECS:
        assert time.monotonic() - t_down < READY_TIMEOUT_S + 3 * SNAPSHOT_TTL_SECS, (
            f"/readyz did not answer 503 on both gateways within {READY_TIMEOUT_S:.0f}s of the database stopping "
            f"(turned 503: {not_ready_after}; now: {[probe(g + '/readyz') for g in cluster.gw_urls]})"
        )
        for w, sid in enumerate(sessions):
            outage_calls += enforced("database down", w, sid)
        for w, gw in enumerate(cluster.gw_urls):
            if "AB"[w] not in not_ready_after and probe(f"{gw}/readyz") == 503:
                not_ready_after["AB"[w]] = time.monotonic() - t_down
        time.sleep(0.2)
    for gw in cluster.gw_urls:
        assert probe(f"{gw}/healthz") == 200, "alive (healthz) while not ready"

    # limits are still enforced (Redis is up), across both workers
    limited = [call(urls[i % 2], token, sessions[i % 2], LIMITED, {"name": f"t{i}"}) for i in range(MAX + 2)]
    assert [o.admitted for o in limited] == [True] * MAX + [False, False], [o.describe() for o in limited]
    assert_rate_limited(limited[-1], rule=f"/tools/{LIMITED}/limits/0")
    outage_calls += limited

    # a new session for a grant the worker knows still starts
    fresh, took = _timed(initialize, urls[1], token)
    assert call(urls[1], token, fresh, "list_processes").admitted
    assert upstream.count("delete_path") == deleted_before, "denied calls never reached the upstream"

    worst = max(max(o.elapsed for o in outage_calls), took)
    record("database outage", f"{len(outage_calls)} calls enforced from the snapshot, worst latency "
           f"{worst * 1000:.0f} ms; /readyz 503 after " + ", ".join(f"{k}: {v:.1f}s" for k, v in not_ready_after.items()))
    assert worst < CALL_BOUND_S, f"calls must not wait for the unreachable database (worst {worst:.2f}s)"

    # database back: ready again by itself, and config changes flow again
    postgres.start()
    back = [wait_status(f"{gw}/readyz", 200, RECOVERY_TIMEOUT_S) for gw in cluster.gw_urls]
    record("database recovery (/readyz 200 again after restart)", ", ".join(f"{'AB'[i]}: {t:.1f}s" for i, t in enumerate(back)))
    wait_status(f"{cluster.cp_url}/readyz", 200, RECOVERY_TIMEOUT_S)
    for w, sid in enumerate(sessions):
        enforced("database back", w, sid)
    relaxed = json.loads(json.dumps(POLICY))
    relaxed["tools"]["delete_path"] = {}
    tenant.update_policy(policy, relaxed)
    for w, sid in enumerate(sessions):
        deadline = time.monotonic() + 10
        while True:
            out = call(urls[w], token, sid, "delete_path", {"path": "/tmp/x"})
            if out.admitted:
                break
            assert time.monotonic() < deadline, \
                f"worker {'AB'[w]}: a policy edit after the database returned is not applied: {out.describe()}"
            time.sleep(0.2)
    for p in cluster.procs():
        assert p.alive(), f"{p.name} exited during the database outage"
