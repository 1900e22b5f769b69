"""The official Python client through `toolgate serve` to the sysmgmt fixture: policy decisions
(ARCHITECTURE §4 "Decisions on tools/call", §5) as an agent sees them."""

from __future__ import annotations

import json

import anyio
import pytest
from conftest import decision_of, mcp_client, text_of
from mcp import MCPError

pytestmark = pytest.mark.anyio

REFUSED = "Refused by policy:"

POLICY = {
    "version": "1",
    "default": "deny",
    "hide": ["kill_*"],
    "tools": {
        "run_shell": {
            "require": [
                {
                    "conditions": [{"path": "args.command", "op": "regex", "value": "^(ls|pwd|git status)( .*)?$"}],
                    "on_deny": "Command not on the allowlist.",
                }
            ],
            "deny_if": [
                {
                    "conditions": [{"path": "args.command", "op": "regex", "value": "[;&|`]"}],
                    "on_deny": "Shell metacharacters are not allowed.",
                }
            ],
        },
        "delete_path": {"action": "deny", "reason": "Deleting files is not allowed for agents."},
        "create_background_task": {"limits": [{"counter": "tasks", "window": "minute", "max": 3, "scope": "grant"}]},
        "cancel_background_task": {"limits": [{"counter": "tasks", "window": "minute", "max": 3, "scope": "grant"}]},
        "transfer_funds": {
            "require": [
                {
                    "conditions": [{"path": "args.amount", "op": "lte", "value": 100}],
                    "on_deny": "Transfers above 100 need a human.",
                }
            ]
        },
        "list_processes": {},
        "whoami": {},
    },
}


@pytest.fixture
def sys_gate(gate, sysmgmt):
    return gate(sysmgmt.url, POLICY)


def assert_refused(result, *, rule: str, decision: str = "denied", contains: str | None = None) -> dict:
    assert result.is_error is True, f"a refusal is an isError result: {result}"
    text = text_of(result)
    assert text.startswith(REFUSED), f"refusal text must start with {REFUSED!r}: {text!r}"
    if contains is not None:
        assert contains in text, f"refusal text must carry {contains!r}: {text!r}"
    d = decision_of(result)
    assert d.get("decision") == decision, d
    assert d.get("rule") == rule, d
    return d


async def test_list_filtering(sys_gate, sysmgmt):
    async with mcp_client(sysmgmt.url, None) as direct:
        upstream_order = [t.name for t in (await direct.list_tools()).tools]
    async with mcp_client(sys_gate.url, sys_gate.token) as client:
        names = [t.name for t in (await client.list_tools()).tools]
    assert "kill_process" not in names, "hidden tools are not listed"
    assert "write_file" not in names, "tools denied by default (no rule under default: deny) are not listed"
    assert "delete_path" in names, "a tool with an explicit action: deny stays listed"
    expected = [n for n in upstream_order if n not in ("kill_process", "write_file")]
    assert names == expected, "the upstream's order, minus hidden and default-denied tools"


async def test_allow_forwards_once(sys_gate, sysmgmt):
    before = sysmgmt.calls()
    async with mcp_client(sys_gate.url, sys_gate.token) as client:
        result = await client.call_tool("list_processes", {})
        assert not result.is_error, result
        assert json.loads(text_of(result))[0] == {"pid": 1, "name": "init"}
        result = await client.call_tool("run_shell", {"command": "ls -la /tmp"})
        assert not result.is_error, result
        assert text_of(result) == "would run: ls -la /tmp"
    after = sysmgmt.calls()
    assert after.get("list_processes", 0) - before.get("list_processes", 0) == 1
    assert after.get("run_shell", 0) - before.get("run_shell", 0) == 1


async def test_deny_with_reason(sys_gate, sysmgmt):
    before = sysmgmt.count("delete_path")
    async with mcp_client(sys_gate.url, sys_gate.token) as client:
        result = await client.call_tool("delete_path", {"path": "/etc"})
    assert_refused(result, rule="/tools/delete_path", contains="Deleting files is not allowed for agents.")
    assert sysmgmt.count("delete_path") == before, "a refused call never reaches the upstream"


async def test_default_deny(sys_gate, sysmgmt):
    before = sysmgmt.count("write_file")
    async with mcp_client(sys_gate.url, sys_gate.token) as client:
        result = await client.call_tool("write_file", {"path": "/tmp/x", "content": "y"})
    assert_refused(result, rule="(default deny)")
    assert sysmgmt.count("write_file") == before


async def test_hidden_tool_is_unknown(sys_gate, sysmgmt):
    before = sysmgmt.count("kill_process")
    async with mcp_client(sys_gate.url, sys_gate.token) as client:
        with pytest.raises(MCPError) as err:
            await client.call_tool("kill_process", {"pid": 1})
    assert err.value.code == -32602, err.value.error
    assert "Unknown tool: kill_process" in err.value.message, err.value.error
    assert sysmgmt.count("kill_process") == before


async def test_require_and_deny_if(sys_gate, sysmgmt):
    before = sysmgmt.count("run_shell")
    async with mcp_client(sys_gate.url, sys_gate.token) as client:
        # not on the allowlist: the require rule refuses
        r = await client.call_tool("run_shell", {"command": "rm -rf /"})
        assert_refused(r, rule="/tools/run_shell/require/0", contains="Command not on the allowlist.")
        # on the allowlist but with a metacharacter: deny_if is checked first and wins
        r = await client.call_tool("run_shell", {"command": "ls /tmp && rm -rf /"})
        assert_refused(r, rule="/tools/run_shell/deny_if/0", contains="Shell metacharacters are not allowed.")
        # numeric require
        r = await client.call_tool("transfer_funds", {"amount": 5000, "to": "mallory"})
        assert_refused(r, rule="/tools/transfer_funds/require/0", contains="Transfers above 100 need a human.")
        ok = await client.call_tool("transfer_funds", {"amount": 50, "to": "alice"})
        assert not ok.is_error, ok
    assert sysmgmt.count("run_shell") == before, "refused run_shell calls never reach the upstream"


async def test_shared_counter_admits_exactly_max_across_two_tools(sys_gate, sysmgmt):
    before = sysmgmt.calls()
    admitted, refused = [], []
    async with mcp_client(sys_gate.url, sys_gate.token) as client:
        calls = [
            ("create_background_task", {"name": "a"}),
            ("cancel_background_task", {"task_id": "t1"}),
            ("create_background_task", {"name": "b"}),
            ("cancel_background_task", {"task_id": "t2"}),
            ("create_background_task", {"name": "c"}),
        ]
        for tool, args in calls:
            r = await client.call_tool(tool, args)
            (refused if r.is_error else admitted).append((tool, r))
    assert len(admitted) == 3, f"counter 'tasks' max 3 shared by two tools: admitted {[t for t, _ in admitted]}"
    assert [t for t, _ in refused] == ["cancel_background_task", "create_background_task"]
    d = assert_refused(refused[0][1], rule="/tools/cancel_background_task/limits/0", decision="rate_limited")
    assert isinstance(d.get("retry_after_ms"), int) and d["retry_after_ms"] > 0, d
    assert d["retry_after_ms"] <= 60_000, f"a 1-minute window never asks to wait longer than a minute: {d}"
    assert "retry" in text_of(refused[0][1]).lower(), "a rate-limit refusal tells the model when retrying helps"
    assert_refused(refused[1][1], rule="/tools/create_background_task/limits/0", decision="rate_limited")
    after = sysmgmt.calls()
    forwarded = sum(after.get(t, 0) - before.get(t, 0) for t in ("create_background_task", "cancel_background_task"))
    assert forwarded == 3, "exactly the admitted calls reached the upstream"


async def test_shared_counter_under_concurrency(sys_gate, sysmgmt):
    results = []
    async with mcp_client(sys_gate.url, sys_gate.token) as client:

        async def one(i: int) -> None:
            tool, args = (
                ("create_background_task", {"name": f"n{i}"}) if i % 2 else ("cancel_background_task", {"task_id": f"t{i}"})
            )
            results.append(await client.call_tool(tool, args))

        async with anyio.create_task_group() as tg:
            for i in range(8):
                tg.start_soon(one, i)
    assert sum(1 for r in results if not r.is_error) == 3, "8 concurrent calls on one shared limit admit exactly 3"


async def test_upstream_headers_injected_and_client_token_never_forwarded(gate, sysmgmt):
    g = gate(sysmgmt.url, POLICY, headers={"X-Upstream-Key": "upstream-key-123"})
    async with mcp_client(g.url, g.token) as client:
        result = await client.call_tool("whoami", {})
    assert not result.is_error, result
    seen = json.loads(text_of(result))
    assert seen["x_upstream_key"] == "upstream-key-123", seen
    assert seen["authorization"] == "absent", f"the agent's Authorization must never reach the upstream: {seen}"
    assert g.token not in json.dumps(seen)


async def test_configured_upstream_authorization_replaces_the_clients(gate, sysmgmt):
    g = gate(sysmgmt.url, POLICY, headers={"Authorization": "Bearer upstream-secret"})
    async with mcp_client(g.url, g.token) as client:
        result = await client.call_tool("whoami", {})
    seen = json.loads(text_of(result))
    assert seen["authorization"] == "Bearer upstream-secret", seen
    assert g.token not in json.dumps(seen)


async def test_policy_update_applies_to_the_next_call_without_reconnecting(api, gate, sysmgmt):
    g = gate(sysmgmt.url, POLICY)
    before = sysmgmt.count("delete_path")
    async with mcp_client(g.url, g.token) as client:
        r = await client.call_tool("delete_path", {"path": "/tmp/a"})
        assert_refused(r, rule="/tools/delete_path")
        relaxed = json.loads(json.dumps(POLICY))
        relaxed["tools"]["delete_path"] = {}
        updated = api.update_policy(g.account, g.server["slug"], g.policy["name"], relaxed)
        assert updated["version"] != g.policy["version"], "every save is a new version"
        r = await client.call_tool("delete_path", {"path": "/tmp/a"})
        assert not r.is_error, f"the updated policy applies to the next call on the same session: {r}"
        assert text_of(r) == "would delete: /tmp/a"
    assert sysmgmt.count("delete_path") == before + 1


async def test_grant_without_policy_denies_every_call(gate, sysmgmt):
    g = gate(sysmgmt.url, None)
    async with mcp_client(g.url, g.token) as client:
        r = await client.call_tool("list_processes", {})
    assert_refused(r, rule="(no policy)")


async def test_upstream_down_is_a_clear_error_and_the_reservation_is_rolled_back(gate, sysmgmt_private):
    upstream = sysmgmt_private
    policy = {
        "version": "1",
        "default": "allow",
        "tools": {"create_background_task": {"limits": [{"counter": "bg", "window": "minute", "max": 1}]}},
    }
    g = gate(upstream.url, policy)
    async with mcp_client(g.url, g.token) as client:
        upstream.stop()
        message = ""
        try:
            with anyio.fail_after(30):
                r = await client.call_tool("create_background_task", {"name": "while-down"})
            assert r.is_error, f"a call to a stopped upstream cannot succeed: {r}"
            message = text_of(r)
        except MCPError as e:
            message = e.message + " " + json.dumps(e.data)
        assert "upstream" in message.lower(), f"the error must say the upstream failed: {message!r}"
    upstream.start()  # same port
    async with mcp_client(g.url, g.token) as client:
        r = await client.call_tool("create_background_task", {"name": "after-restart"})
        assert not r.is_error, f"the failed call must not have consumed the limit (max 1): {r}"
        again = await client.call_tool("create_background_task", {"name": "second"})
        assert_refused(again, rule="/tools/create_background_task/limits/0", decision="rate_limited")
    assert upstream.count("create_background_task") == 1, "the admitted call was forwarded exactly once"
