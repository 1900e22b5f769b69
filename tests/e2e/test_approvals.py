"""Human approvals and the audit trail (issue 5; ARCHITECTURE §8-§10), as an agent using the official
Python MCP client and an approver using the HTTP API see them, through a running `toolgate serve` to
the sysmgmt fixture (whose GET /calls proves what really reached the upstream)."""

from __future__ import annotations

import uuid

import anyio
import pytest
from approvals_support import (
    WAITING,
    ControlPlane,
    Progress,
    approval_policy,
    assert_waiting,
    decision_meta,
    files_containing,
    in_thread,
)
from conftest import mcp_client, text_of
from mcp import MCPError

pytestmark = pytest.mark.anyio

RUN_SHELL_RULE = "/tools/run_shell"
TRANSFER_RULE = "/tools/transfer_funds"


@pytest.fixture
def cp(api, account) -> ControlPlane:
    return ControlPlane(api, account)


# ---------------------------------------------------------------------------------------------
# 1. a held call is released by an approval made through the API while the client waits
# ---------------------------------------------------------------------------------------------


async def test_held_call_completes_after_approve(gate, sysmgmt, cp):
    g = gate(sysmgmt.url, approval_policy(wait="40s"))
    before = sysmgmt.count("run_shell")
    progress = Progress()
    result = None
    with anyio.fail_after(60):
        async with mcp_client(g.url, g.token) as client:

            async def call() -> None:
                nonlocal result
                result = await client.call_tool(
                    "run_shell", {"command": "ls /srv"}, read_timeout_seconds=55, progress_callback=progress
                )

            async with anyio.create_task_group() as tg:
                tg.start_soon(call)
                pending = await in_thread(cp.wait_pending, g, "run_shell")
                assert pending["status"] == "pending", pending
                assert pending["arguments"] == {"command": "ls /srv"}, "the approver sees the arguments"
                assert pending["grant_id"] == g.grant["id"], pending
                assert pending["expires_at"] > pending["created_at"], pending
                # The gateway keeps the client alive; with a progress token it says why.
                await progress.wait_for(1, timeout=15)
                assert result is None, "the call is still held"
                assert sysmgmt.count("run_shell") == before, "a held call has not reached the upstream"
                decided = await in_thread(cp.approve, pending["id"])
                assert decided["status"] == "approved", decided

    assert result is not None
    assert not result.is_error, result
    assert text_of(result) == "would run: ls /srv", "the upstream's real result"
    assert sysmgmt.count("run_shell") == before + 1, "forwarded exactly once"

    progress_value, _total, message = progress.seen[0]
    assert message is not None and "waiting" in message.lower() and "approv" in message.lower(), progress.seen
    assert pending["id"] in message, f"the progress message names the approval: {message!r}"
    assert [p for p, _, _ in progress.seen] == sorted({p for p, _, _ in progress.seen}), "progress increases"

    after = await in_thread(cp.approval, pending["id"])
    assert after["status"] == "used", after
    assert after["arguments"] is None, "the arguments are dropped once the approval is used"


async def test_held_call_without_progress_token_completes_after_approve(gate, sysmgmt, cp):
    """No progress callback: only SSE comment keep-alives, and still released by the approval."""
    g = gate(sysmgmt.url, approval_policy(wait="40s"))
    before = sysmgmt.count("transfer_funds")
    result = None
    with anyio.fail_after(60):
        async with mcp_client(g.url, g.token) as client:

            async def call() -> None:
                nonlocal result
                result = await client.call_tool("transfer_funds", {"amount": 12, "to": "alice"}, read_timeout_seconds=55)

            async with anyio.create_task_group() as tg:
                tg.start_soon(call)
                pending = await in_thread(cp.wait_pending, g, "transfer_funds")
                # past one keep-alive interval (5 s) before deciding
                await anyio.sleep(6)
                assert result is None
                await in_thread(cp.approve, pending["id"], "ok for alice")
    assert result is not None and not result.is_error, result
    assert text_of(result) == "would transfer 12.0 to alice"
    assert sysmgmt.count("transfer_funds") == before + 1


# ---------------------------------------------------------------------------------------------
# 2. a deny returns the approver's note; the upstream was not called
# ---------------------------------------------------------------------------------------------


async def test_deny_returns_the_note(gate, sysmgmt, cp):
    g = gate(sysmgmt.url, approval_policy(wait="40s"))
    before = sysmgmt.count("run_shell")
    note = f"Not during the freeze (ticket {uuid.uuid4().hex[:6]})"
    result = None
    with anyio.fail_after(60):
        async with mcp_client(g.url, g.token) as client:

            async def call() -> None:
                nonlocal result
                result = await client.call_tool("run_shell", {"command": "rm -rf /var"}, read_timeout_seconds=55)

            async with anyio.create_task_group() as tg:
                tg.start_soon(call)
                pending = await in_thread(cp.wait_pending, g, "run_shell")
                decided = await in_thread(cp.deny, pending["id"], note)
                assert decided["status"] == "denied" and decided["note"] == note, decided
                assert decided["arguments"] is None, "a denied approval's arguments are dropped"

        assert result is not None
        assert result.is_error is True, result
        assert note in text_of(result), f"the approver's note reaches the agent: {text_of(result)!r}"
        d = decision_meta(result)
        assert d.get("decision") == "approval_denied", d
        assert d.get("rule") == RUN_SHELL_RULE, d
        assert d.get("approval_id") == pending["id"], d
        assert sysmgmt.count("run_shell") == before, "a denied call never reaches the upstream"

        # A decided approval cannot be decided again.
        await in_thread(cp.decide, pending["id"], True, None, 409)
    # A denial made after the hold returned reaches the agent on its retry: the same call is refused
    # with the note (the denial stands for the approval's lifetime), and it is never forwarded.
    g2 = gate(sysmgmt.url, approval_policy(wait="1s"))
    async with mcp_client(g2.url, g2.token) as client:
        first = assert_waiting(await client.call_tool("run_shell", {"command": "rm -rf /var"}), RUN_SHELL_RULE)
        await in_thread(cp.deny, first)
        again = await client.call_tool("run_shell", {"command": "rm -rf /var"})
        assert again.is_error is True
        d = decision_meta(again)
        assert d.get("decision") == "approval_denied", d
        assert d.get("approval_id") == first, d
        # Other arguments are another call: a new approval.
        other = assert_waiting(await client.call_tool("run_shell", {"command": "rm -rf /tmp/x"}), RUN_SHELL_RULE)
        assert other != first
    assert sysmgmt.count("run_shell") == before


# ---------------------------------------------------------------------------------------------
# 3. short wait: the approval id, the retry forwarded exactly once, single use, bound to arguments
# ---------------------------------------------------------------------------------------------


async def test_timeout_then_retry_is_forwarded_exactly_once(gate, sysmgmt, cp):
    g = gate(sysmgmt.url, approval_policy(wait="1s"))
    args = {"command": "ls /a"}
    before = sysmgmt.count("run_shell")
    with anyio.fail_after(60):
        async with mcp_client(g.url, g.token) as client:
            first = await client.call_tool("run_shell", args)
            a = assert_waiting(first, RUN_SHELL_RULE)
            assert text_of(first).startswith(WAITING), text_of(first)

            # Still undecided: the same call finds the same approval (it stays pending until expiry).
            assert assert_waiting(await client.call_tool("run_shell", args), RUN_SHELL_RULE) == a
            pending = await in_thread(cp.pending_for, g, "run_shell")
            assert [p["id"] for p in pending] == [a], pending
            assert sysmgmt.count("run_shell") == before

            await in_thread(cp.approve, a)
            retried = await client.call_tool("run_shell", args)
            assert not retried.is_error, retried
            assert text_of(retried) == "would run: ls /a"
            assert sysmgmt.count("run_shell") == before + 1, "the retry after approval is forwarded"
            assert (await in_thread(cp.approval, a))["status"] == "used"

            # Single use: the next identical call needs a new approval.
            again = await client.call_tool("run_shell", args)
            b = assert_waiting(again, RUN_SHELL_RULE)
            assert b != a, "a used approval is never reused"
            assert sysmgmt.count("run_shell") == before + 1, "a second retry is not forwarded"

            # Changed arguments need their own approval, even while an approval for the old ones is open.
            await in_thread(cp.approve, b)
            changed = await client.call_tool("run_shell", {"command": "ls /b"})
            c = assert_waiting(changed, RUN_SHELL_RULE)
            assert c not in (a, b), "different arguments, different approval"
            assert sysmgmt.count("run_shell") == before + 1, "changed arguments are not forwarded"
            # ...and the approved one is still there for the original arguments.
            ok = await client.call_tool("run_shell", args)
            assert not ok.is_error and text_of(ok) == "would run: ls /a", ok
            assert sysmgmt.count("run_shell") == before + 2
            await in_thread(cp.deny, c)


async def test_approval_binds_the_canonical_arguments_and_the_grant(gate, sysmgmt, api, account, cp):
    g = gate(sysmgmt.url, approval_policy(wait="1s"))
    before = sysmgmt.count("transfer_funds")
    with anyio.fail_after(60):
        async with mcp_client(g.url, g.token) as client:
            a = assert_waiting(await client.call_tool("transfer_funds", {"amount": 5, "to": "bob"}), TRANSFER_RULE)
            await in_thread(cp.approve, a)

        # Another grant on the same server and policy does not get this grant's approval.
        other = api.create_grant(account, g.server["slug"], g.policy["name"])
        async with mcp_client(g.url, other["token"]) as client:
            o = assert_waiting(await client.call_tool("transfer_funds", {"amount": 5, "to": "bob"}), TRANSFER_RULE)
            assert o != a, "an approval is bound to its grant"
            await in_thread(cp.deny, o)
        assert sysmgmt.count("transfer_funds") == before

        # The same arguments in another key order are the same call (canonical arguments hash).
        async with mcp_client(g.url, g.token) as client:
            ok = await client.call_tool("transfer_funds", {"to": "bob", "amount": 5})
            assert not ok.is_error, ok
        assert sysmgmt.count("transfer_funds") == before + 1


async def test_concurrent_retries_use_an_approval_once(gate, sysmgmt, cp):
    g = gate(sysmgmt.url, approval_policy(wait="1s"))
    args = {"command": "pwd"}
    before = sysmgmt.count("run_shell")
    with anyio.fail_after(60):
        async with mcp_client(g.url, g.token) as client:
            a = assert_waiting(await client.call_tool("run_shell", args), RUN_SHELL_RULE)
        await in_thread(cp.approve, a)

        results: list = []

        async def retry() -> None:
            async with mcp_client(g.url, g.token) as c:
                results.append(await c.call_tool("run_shell", args))

        async with anyio.create_task_group() as tg:
            for _ in range(4):
                tg.start_soon(retry)
    forwarded = [r for r in results if not r.is_error]
    waiting = [r for r in results if r.is_error]
    assert len(forwarded) == 1, f"exactly one of 4 concurrent retries uses the approval: {results}"
    assert text_of(forwarded[0]) == "would run: pwd"
    for r in waiting:
        assert assert_waiting(r, RUN_SHELL_RULE) != a
    assert sysmgmt.count("run_shell") == before + 1


async def test_expired_approval_is_not_used(gate, sysmgmt, cp):
    """An approval given but not used before its expiry is not used afterwards; the agent is told."""
    g = gate(sysmgmt.url, approval_policy(wait="1s", timeout="3s"))
    args = {"command": "git status"}
    before = sysmgmt.count("run_shell")
    with anyio.fail_after(60):
        async with mcp_client(g.url, g.token) as client:
            a = assert_waiting(await client.call_tool("run_shell", args), RUN_SHELL_RULE)
            await in_thread(cp.approve, a)
            await anyio.sleep(3.5)
            late = await client.call_tool("run_shell", args)
    assert late.is_error is True, f"an expired approval is not used: {late}"
    assert sysmgmt.count("run_shell") == before
    d = decision_meta(late)
    assert d.get("decision") == "approval_expired", (
        f"an expired approval is refused with a clear text (issue 5): got {d} / {text_of(late)!r}"
    )
    assert "expired" in text_of(late), text_of(late)


# ---------------------------------------------------------------------------------------------
# 4. argument values: shown to the approver while pending, stored nowhere afterwards (keys only)
# ---------------------------------------------------------------------------------------------


async def test_argument_values_are_stored_nowhere(gate, sysmgmt, toolgate, cp):
    g = gate(sysmgmt.url, approval_policy(wait="1s"))
    secret = f"sekrit{uuid.uuid4().hex}"
    with anyio.fail_after(80):
        async with mcp_client(g.url, g.token) as client:
            # approved and used
            a = assert_waiting(await client.call_tool("transfer_funds", {"amount": 42, "to": secret}), TRANSFER_RULE)
            # The approver sees the values while the approval is pending (listing and one by one).
            listed = {p["id"]: p for p in await in_thread(cp.pending_for, g, "transfer_funds")}
            assert listed[a]["arguments"] == {"amount": 42, "to": secret}, listed
            assert (await in_thread(cp.approval, a))["arguments"] == {"amount": 42, "to": secret}
            await in_thread(cp.approve, a)
            ok = await client.call_tool("transfer_funds", {"amount": 42, "to": secret})
            assert not ok.is_error, ok
            # denied
            b = assert_waiting(await client.call_tool("transfer_funds", {"amount": 43, "to": secret}), TRANSFER_RULE)
            await in_thread(cp.deny, b, "no")
            # allowed, refused by policy, by default, hidden, rate limited
            assert not (await client.call_tool("list_processes", {})).is_error
            assert (await client.call_tool("delete_path", {"path": f"/home/{secret}"})).is_error
            assert (await client.call_tool("write_file", {"path": "/tmp/x", "content": secret})).is_error
            with pytest.raises(MCPError):
                await client.call_tool("kill_process", {"pid": 1, "reason": secret})
            await client.call_tool("create_background_task", {"name": secret})
            limited = await client.call_tool("create_background_task", {"name": secret})
            assert decision_meta(limited)["decision"] == "rate_limited", limited

        # the audit has every decision, keys only
        kinds = {"approval_requested", "approved", "allowed", "denied", "hidden", "rate_limited"}
        events = await in_thread(
            cp.wait_audit, g, lambda evs: kinds <= {e["decision"] for e in evs} and len(evs) >= 9
        )
        for e in events:
            assert e.get("arguments") is None, f"values are not stored by default: {e}"
        by_tool = {e["tool"]: sorted(e["argument_keys"]) for e in events}
        assert by_tool["transfer_funds"] == ["amount", "to"], by_tool
        assert by_tool["delete_path"] == ["path"], by_tool
        assert by_tool["write_file"] == ["content", "path"], by_tool
        assert by_tool["kill_process"] == ["pid", "reason"], by_tool
        assert by_tool["create_background_task"] == ["name"], by_tool

        # nor the data folder (SQLite database, WAL, anything) nor toolgate's log
        assert files_containing(toolgate.data_dir, secret.encode()) == [], "the secret is in the data folder"
        assert secret not in toolgate.log.read_text(errors="replace"), "the secret is in toolgate's log"

        # no API answer holds the value any more
        answers = await in_thread(cp.everything_readable, g)
        leaking = [t[:300] for t in answers if secret in t]
        assert not leaking, f"the secret argument value appears in API answers after use: {leaking}"


async def test_expired_approval_drops_the_values(gate, sysmgmt, toolgate, cp):
    """An approval nobody decided expires; its arguments are no longer shown to anyone."""
    g = gate(sysmgmt.url, approval_policy(wait="1s", timeout="2s"))
    secret = f"expiring{uuid.uuid4().hex}"
    with anyio.fail_after(60):
        async with mcp_client(g.url, g.token) as client:
            c = assert_waiting(await client.call_tool("run_shell", {"command": f"echo {secret}"}), RUN_SHELL_RULE)
        assert (await in_thread(cp.approval, c))["arguments"] == {"command": f"echo {secret}"}
        await anyio.sleep(3)
        expired = await in_thread(cp.approval, c)
    assert expired["status"] == "expired", expired
    problems = []
    if expired["arguments"] is not None:
        problems.append(f"GET approvals/{c} still shows the arguments of the expired approval: {expired['arguments']}")
    if c in [a["id"] for a in await in_thread(cp.approvals, "pending")]:
        problems.append("?status=pending still lists the expired approval")
    if c not in [a["id"] for a in await in_thread(cp.approvals, "expired")]:
        problems.append("?status=expired does not list the expired approval")
    answers = await in_thread(cp.everything_readable, g)
    if [t for t in answers if secret in t]:
        problems.append("the expired approval's argument value is in API answers")
    assert secret not in toolgate.log.read_text(errors="replace")
    assert not problems, "; ".join(problems)


async def test_log_argument_values_stores_the_values(gate, sysmgmt, toolgate, cp):
    g = gate(sysmgmt.url, approval_policy(wait="1s"))
    before = f"before{uuid.uuid4().hex}"
    logged = f"logged{uuid.uuid4().hex}"
    with anyio.fail_after(60):
        async with mcp_client(g.url, g.token) as client:
            assert (await client.call_tool("delete_path", {"path": before})).is_error
        await in_thread(cp.wait_audit, g, lambda evs: len(evs) >= 1)

        patched = await in_thread(cp.patch_server, g, {"log_argument_values": True})
        assert patched.get("log_argument_values") is True, patched
        async with mcp_client(g.url, g.token) as client:
            d = assert_waiting(await client.call_tool("transfer_funds", {"amount": 7, "to": logged}), TRANSFER_RULE)
            await in_thread(cp.approve, d)
            ok = await client.call_tool("transfer_funds", {"amount": 7, "to": logged})
            assert not ok.is_error, ok
            assert (await client.call_tool("delete_path", {"path": logged})).is_error

        def logged_events(evs):
            return [e for e in evs if logged in repr(e.get("arguments"))]

        events = await in_thread(cp.wait_audit, g, lambda evs: len(logged_events(evs)) >= 3)
    decisions = sorted(e["decision"] for e in logged_events(events))
    assert decisions == ["approval_requested", "approved", "denied"], decisions
    for e in logged_events(events):
        if e["tool"] == "transfer_funds":
            assert e["arguments"] == {"amount": 7, "to": logged}, e
        else:
            assert e["arguments"] == {"path": logged}, e
    # The event from before the switch still holds keys only.
    old = [e for e in events if e["tool"] == "delete_path" and not logged_events([e])]
    assert old and all(e.get("arguments") is None for e in old), old
    # The data-folder scan finds a value that is stored: this one is in the database now.
    assert files_containing(toolgate.data_dir, logged.encode()), "log_argument_values stores the values"
    assert files_containing(toolgate.data_dir, before.encode()) == []


# ---------------------------------------------------------------------------------------------
# 5. the audit: one event per decision, with keys, rule pointers and latency
# ---------------------------------------------------------------------------------------------


async def test_audit_records_every_decision_kind(gate, sysmgmt_private, cp):
    g = gate(sysmgmt_private.url, approval_policy(wait="40s"))
    with anyio.fail_after(80):
        async with mcp_client(g.url, g.token) as client:
            assert not (await client.call_tool("list_processes", {})).is_error
            assert (await client.call_tool("delete_path", {"path": "/etc"})).is_error
            assert (await client.call_tool("write_file", {"path": "/x", "content": "y"})).is_error
            with pytest.raises(MCPError):
                await client.call_tool("kill_process", {"pid": 1})
            assert not (await client.call_tool("create_background_task", {"name": "a"})).is_error
            limited = await client.call_tool("create_background_task", {"name": "b"})
            assert limited.is_error and decision_meta(limited)["decision"] == "rate_limited", limited

            for approve, args in ((True, {"command": "ls /ok"}), (False, {"command": "ls /no"})):
                result = None

                async def call(args=args) -> None:
                    nonlocal result
                    result = await client.call_tool("run_shell", args, read_timeout_seconds=55)

                async with anyio.create_task_group() as tg:
                    tg.start_soon(call)
                    pending = await in_thread(cp.wait_pending, g, "run_shell")
                    await in_thread(cp.decide, pending["id"], approve, "reviewed" if approve else "too risky")
                assert result is not None and result.is_error is (not approve), result

            # the upstream goes away: upstream_error
            sysmgmt_private.stop()
            try:
                await client.call_tool("whoami", {})
            except MCPError:
                pass

        # (tool, decision, rule pointer or None when the decision names no rule)
        expected = [
            ("list_processes", "allowed", None),
            ("create_background_task", "allowed", None),
            ("delete_path", "denied", "/tools/delete_path"),
            ("write_file", "denied", "(default deny)"),
            ("kill_process", "hidden", "(hidden)"),
            ("create_background_task", "rate_limited", "/tools/create_background_task/limits/0"),
            ("run_shell", "approval_requested", RUN_SHELL_RULE),
            ("run_shell", "approved", RUN_SHELL_RULE),
            ("run_shell", "approval_requested", RUN_SHELL_RULE),
            ("run_shell", "approval_denied", RUN_SHELL_RULE),
            ("whoami", "upstream_error", None),
        ]
        events = await in_thread(
            cp.wait_audit, g, lambda evs: {d for _, d, _ in expected} <= {e["decision"] for e in evs}
        )

    fields = {"id", "time", "server", "grant", "session", "method", "tool", "decision", "rule", "reason",
              "argument_keys", "upstream_status", "latency_ms"}
    for e in events:
        assert fields <= set(e), f"audit event lacks {fields - set(e)}: {e}"
        assert e["server"] == g.server["slug"] and e["grant_id"] == g.grant["id"], e
        assert e["method"] == "tools/call", e
        assert isinstance(e["latency_ms"], (int, float)) and e["latency_ms"] >= 0, e
        assert isinstance(e["argument_keys"], list), e
    seen = sorted((e["tool"], e["decision"]) for e in events)
    assert seen == sorted((t, d) for t, d, _ in expected), f"one audit event per decision: {seen}"
    problems = []
    for tool, decision, rule in expected:
        for e in events:
            if (e["tool"], e["decision"]) == (tool, decision) and rule is not None and e["rule"] != rule:
                problems.append(f"{decision} on {tool}: rule {e['rule']!r}, expected {rule!r}")
    by_kind: dict[str, list[dict]] = {}
    for e in events:
        by_kind.setdefault(e["decision"], []).append(e)
    assert len(by_kind["approval_requested"]) == 2, by_kind["approval_requested"]
    assert sorted(by_kind["approval_requested"][0]["argument_keys"]) == ["command"]
    listed = [e for e in by_kind["allowed"] if e["tool"] == "list_processes"]
    assert listed and listed[0]["upstream_status"] == 200 and listed[0]["argument_keys"] == [], by_kind["allowed"]
    assert by_kind["approved"][0]["upstream_status"] == 200, by_kind["approved"]
    assert "too risky" in (by_kind["approval_denied"][0]["reason"] or ""), by_kind["approval_denied"]
    # filters
    only = await in_thread(cp.audit, server=g.server["slug"], decision="approved")
    assert [e["decision"] for e in only] == ["approved"], only
    shell = await in_thread(cp.audit, server=g.server["slug"], tool="run_shell")
    assert {e["tool"] for e in shell} == {"run_shell"} and len(shell) == 4, shell
    times = [e["time"] for e in events]
    assert times == sorted(times, reverse=True), "newest first"
    assert not problems, "audit rule pointers: " + "; ".join(problems)
