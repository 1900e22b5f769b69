"""Legacy Streamable HTTP mechanics through the gateway (issue 2 §4): GET stream, DELETE, 202s."""

from __future__ import annotations

import httpx
import pytest
from conftest import mcp_post, raw_initialize

TOOLS_LIST = {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}


@pytest.fixture
def sys_gate(gate, sysmgmt):
    return gate(sysmgmt.url, {"version": "1", "default": "allow"}, sync=False)


def test_get_stream_opens(sys_gate):
    sid = raw_initialize(sys_gate.url, sys_gate.token)
    headers = {
        "Accept": "text/event-stream",
        "Authorization": f"Bearer {sys_gate.token}",
        "Mcp-Session-Id": sid,
        "MCP-Protocol-Version": "2025-06-18",
    }
    with httpx.Client(timeout=httpx.Timeout(10, read=2)) as c:
        with c.stream("GET", sys_gate.url, headers=headers) as r:
            assert r.status_code in (200, 405), f"GET stream -> {r.status_code}"
            if r.status_code == 200:
                assert r.headers.get("content-type", "").startswith("text/event-stream")


def test_get_without_token_is_401(sys_gate):
    r = httpx.get(sys_gate.url, headers={"Accept": "text/event-stream"}, timeout=10)
    assert r.status_code == 401 and r.headers.get("www-authenticate", "").lower().startswith("bearer")


def test_delete_ends_the_session(sys_gate):
    sid = raw_initialize(sys_gate.url, sys_gate.token)
    headers = {"Authorization": f"Bearer {sys_gate.token}", "Mcp-Session-Id": sid, "MCP-Protocol-Version": "2025-06-18"}
    r = httpx.delete(sys_gate.url, headers=headers, timeout=10)
    assert r.status_code in (200, 202, 204), f"DELETE of a live session -> {r.status_code}: {r.text[:200]}"
    r, _ = mcp_post(sys_gate.url, TOOLS_LIST, token=sys_gate.token, session_id=sid, protocol_version="2025-06-18")
    assert r.status_code == 404, f"a request on a deleted session -> {r.status_code} (404 makes clients re-initialize)"


def test_notification_is_202_and_ping_answers(sys_gate):
    sid = raw_initialize(sys_gate.url, sys_gate.token)  # asserts notifications/initialized -> 202
    r, msgs = mcp_post(
        sys_gate.url, {"jsonrpc": "2.0", "id": 9, "method": "ping"}, token=sys_gate.token, session_id=sid,
        protocol_version="2025-06-18",
    )
    assert r.status_code == 200 and {"jsonrpc": "2.0", "id": 9, "result": {}} in msgs, msgs


def test_unknown_method_passes_through(sys_gate):
    sid = raw_initialize(sys_gate.url, sys_gate.token)
    r, msgs = mcp_post(
        sys_gate.url, {"jsonrpc": "2.0", "id": 10, "method": "vendor/frobnicate", "params": {}},
        token=sys_gate.token, session_id=sid, protocol_version="2025-06-18",
    )
    assert r.status_code < 500
    errors = [m for m in msgs if m.get("id") == 10 and "error" in m]
    assert errors and errors[0]["error"]["code"] == -32601, f"the upstream's own method-not-found reaches the client: {msgs}"
