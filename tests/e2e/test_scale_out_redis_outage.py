"""Redis outage under two running gateway workers (issue 3 §3, ARCHITECTURE §6).

The control plane and both gateways use a PRIVATE `redis-server` on a spare port (the machine's Redis is
never touched). Three grants on one limited tool, one per `on_counter_error` mode, plus an unlimited tool.
Redis is first frozen (SIGSTOP: connections hang, the deadline must cut them), then killed (SIGKILL:
connections refused), then restarted on the same port:

    closed     -> refused (decision rate_limited) with a text saying the counters cannot be reached
    open       -> admitted
    local      -> admitted up to max / 2 per worker (two live workers), then rate_limited
    unlimited  -> unaffected
    every call -> answered within the counter deadline plus a little (asserted < 1 s; the worst is reported)
    restart    -> limited calls are counted in Redis again by themselves within a few seconds
"""

from __future__ import annotations

import asyncio
import math
import re
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from cluster import (
    CallOutcome,
    Cluster,
    FreshDatabase,
    PrivateRedis,
    Tenant,
    acall,
    ainitialize,
    assert_rate_limited,
    cluster_fixture_teardown,
    make_tenant,
    metrics_text,
    record,
    start_cluster,
)
from scale_out_fixtures import database, logdir, upstream  # noqa: F401 (pytest fixtures)
from conftest import SysMgmt

LIMITED = "create_background_task"
UNLIMITED = "list_processes"
RULE = f"/tools/{LIMITED}/limits/0"
MAX = {"closed": 4, "open": 4, "local": 10}
MODES = ("closed", "open", "local")
ROUNDS_PER_PHASE = 4
LATENCY_BOUND_S = 1.0  # TOOLGATE_COUNTER_DEADLINE_MS is 25 by default: "the deadline plus a little"
RECOVERY_BOUND_S = 20.0
# Workers count each other through heartbeats in Redis (every 5 s); the `local` share (max / live workers)
# is only right once every worker has beaten after the last one started.
HEARTBEAT_SETTLE_S = 11.0
COUNTERS_DOWN = re.compile(r"counter", re.I)
DOWN_WORDS = re.compile(r"unreachable|cannot be reached|can't be reached|not reachable|down|unavailable", re.I)

# bounded: includes starting this module's processes (the first test pays for them)
pytestmark = pytest.mark.timeout(240)


@pytest.fixture(scope="module")
def redis(logdir) -> Iterator[PrivateRedis]:
    r = PrivateRedis(logdir)
    r.start()
    yield r
    r.kill()


@pytest.fixture(scope="module")
def cluster(logdir, database: FreshDatabase, redis: PrivateRedis) -> Iterator[Cluster]:
    c = start_cluster(logdir, database_url=database.url, redis_url=redis.url)
    yield c
    cluster_fixture_teardown(c)


@pytest.fixture(scope="module")
def tenant(cluster: Cluster, upstream: SysMgmt) -> Tenant:
    return make_tenant(cluster, upstream, "redis-outage")


def policy_for(mode: str) -> dict[str, Any]:
    return {
        "version": "1",
        "default": "deny",
        "on_counter_error": mode,
        "tools": {
            LIMITED: {"limits": [{"counter": "tasks", "window": "minute", "max": MAX[mode], "scope": "grant"}]},
            UNLIMITED: {},
        },
    }


@pytest.mark.timeout(240)
def test_redis_outage_each_on_counter_error_mode_and_recovery(tenant: Tenant, redis: PrivateRedis, cluster: Cluster):
    tokens = {m: tenant.grant(tenant.policy(policy_for(m), name=f"on-error-{m}"))["token"] for m in MODES}
    urls = tenant.urls
    log: list[tuple[str, str, int, str, CallOutcome]] = []  # (phase, mode, worker, kind, outcome)
    recovery: dict[str, float] = {}

    async def scenario() -> None:
        async with httpx.AsyncClient(timeout=httpx.Timeout(30)) as c:
            sids = {(m, w): await ainitialize(c, urls[w], tokens[m]) for m in MODES for w in (0, 1)}

            async def one(phase: str, mode: str, w: int, kind: str) -> CallOutcome:
                tool = LIMITED if kind == "limited" else UNLIMITED
                out = await acall(c, urls[w], tokens[mode], sids[mode, w], tool, {"name": phase} if kind == "limited" else {})
                log.append((phase, mode, w, kind, out))
                return out

            async def rounds(phase: str, n: int) -> None:
                for _ in range(n):
                    for mode in MODES:
                        for w in (0, 1):
                            await one(phase, mode, w, "limited")
                            await one(phase, mode, w, "unlimited")

            # -- before: Redis up, every mode admits and counts in Redis
            for mode in MODES:
                out = await one("before", mode, 0, "limited")
                assert out.admitted, f"{mode}, Redis up: {out.describe()}"
            assert redis.dbsize() > 0, "limited calls are counted in (our private) Redis"
            await asyncio.sleep(max(0.0, cluster.started_at + HEARTBEAT_SETTLE_S - time.monotonic()))

            # -- frozen: connections open, nothing answers
            redis.freeze()
            await rounds("frozen", ROUNDS_PER_PHASE)
            # -- killed: connections refused
            redis.kill()
            await rounds("killed", ROUNDS_PER_PHASE)

            # -- restarted on the same port, empty: each worker must find it again by itself
            redis.start()
            t0 = time.monotonic()
            for w in (0, 1):
                while True:
                    out = await one("recovering", "closed", w, "limited")
                    if out.admitted:
                        recovery["AB"[w]] = time.monotonic() - t0
                        break
                    assert time.monotonic() - t0 < RECOVERY_BOUND_S, (
                        f"worker {'AB'[w]}: {RECOVERY_BOUND_S:.0f}s after Redis came back, limited calls under "
                        f"on_counter_error: closed are still refused: {out.describe()}"
                    )
                    await asyncio.sleep(0.1)
            # now count in the new Redis, alternating workers
            for mode, n in (("closed", MAX["closed"] - 2 + 3), ("open", MAX["open"] + 3), ("local", MAX["local"] + 3)):
                for i in range(n):
                    await one("after", mode, i % 2, "limited")
            for mode in MODES:
                for w in (0, 1):
                    await one("after", mode, w, "unlimited")

    asyncio.run(asyncio.wait_for(scenario(), timeout=200))

    outage = [e for e in log if e[0] in ("frozen", "killed")]
    worst = {p: max(e[4].elapsed for e in log if e[0] == p) for p in ("frozen", "killed", "recovering", "after")}
    worst_all = max(e[4].elapsed for e in log if e[0] != "before")
    record("worst call latency during the Redis outage (frozen / killed / recovering)",
           f"{worst['frozen'] * 1000:.0f} ms / {worst['killed'] * 1000:.0f} ms / {worst['recovering'] * 1000:.0f} ms")
    record("Redis recovery (first limited call admitted again after restart)",
           ", ".join(f"worker {k}: {v:.2f}s" for k, v in recovery.items()))

    slow = [(p, m, "AB"[w], k, f"{o.elapsed * 1000:.0f} ms") for p, m, w, k, o in log if p != "before" and o.elapsed >= LATENCY_BOUND_S]
    assert not slow, f"no call may wait longer than the counter deadline plus a little (< {LATENCY_BOUND_S}s): {slow[:10]}"
    assert worst_all < LATENCY_BOUND_S

    # unlimited calls never notice
    for p, m, w, k, o in log:
        if k == "unlimited":
            assert o.admitted, f"{p}: an unlimited call under {m} on worker {'AB'[w]} must be unaffected: {o.describe()}"

    # closed: refused, with a text that says why
    closed = [o for p, m, w, k, o in outage if m == "closed" and k == "limited"]
    assert closed and not any(o.admitted for o in closed), [o.describe() for o in closed if o.admitted][:3]
    for o in closed:
        assert o.status == 200 and o.result.get("isError") is True, o.describe()
        assert o.decision.get("decision") == "rate_limited", o.decision
        assert o.text.startswith("Refused by policy:"), o.text
        assert COUNTERS_DOWN.search(o.text) and DOWN_WORDS.search(o.text), \
            f"the refusal must say the rate-limit counters are unreachable: {o.text!r}"

    # open: admitted, beyond the max
    opened = [o for p, m, w, k, o in outage if m == "open" and k == "limited"]
    assert all(o.admitted for o in opened), [o.describe() for o in opened if not o.admitted][:3]
    assert len(opened) > MAX["open"]

    # local: counted in process at max / live workers (2)
    per_worker_cap = math.ceil(MAX["local"] / 2)
    local_admitted = Counter("AB"[w] for p, m, w, k, o in outage if m == "local" and k == "limited" and o.admitted)
    record("on_counter_error local during the outage (max 10, 2 workers)", f"admitted per worker {dict(local_admitted)}")
    for w in "AB":
        assert 1 <= local_admitted[w] <= per_worker_cap, (
            f"worker {w} admitted {local_admitted[w]} of {2 * ROUNDS_PER_PHASE} local-mode calls; "
            f"expected up to max / live workers = {per_worker_cap}"
        )
    for _p, m, _w, k, o in outage:
        if m == "local" and k == "limited" and not o.admitted:
            assert_rate_limited(o, rule=RULE)

    # recovered: counted in the (new, empty) Redis again, exactly max across both workers
    after_restart = defaultdict(list)
    for p, m, _w, k, o in log:
        if p in ("recovering", "after") and k == "limited":
            after_restart[m].append(o)
    for mode in MODES:
        admitted = [o for o in after_restart[mode] if o.admitted]
        assert len(admitted) == MAX[mode], (
            f"{mode}: after Redis returned, exactly max={MAX[mode]} calls are admitted across both workers "
            f"(counted in Redis again), got {len(admitted)}"
        )
        for o in after_restart[mode]:
            if not o.admitted and not (mode == "closed" and COUNTERS_DOWN.search(o.text) and DOWN_WORDS.search(o.text)):
                assert_rate_limited(o, rule=RULE)
        last = after_restart[mode][-1]
        assert not last.admitted and not DOWN_WORDS.search(last.text), \
            f"{mode}: after recovery the refusal is the ordinary rate limit: {last.text!r}"
    assert redis.dbsize() > 0, "counters are in the restarted Redis"

    # every process survived, and the workers counted the outage in their metrics
    for p in cluster.procs():
        assert p.alive(), f"{p.name} exited during the Redis outage"
    texts = [metrics_text(gw)[1] for gw in cluster.gw_urls]
    lines = [ln for t in texts for ln in t.splitlines() if not ln.startswith("#") and "counter" in ln
             and re.search(r"error|fallback|unavailable", ln)]
    assert lines, "the gateways' /metrics count counter-store errors / fallbacks"
