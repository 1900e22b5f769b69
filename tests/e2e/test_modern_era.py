"""The modern era (2026-07-28) is refused for now in a way dual-era clients take as "fall back to
initialize" (issue 2 §4; MCP-NOTES "Revisions").

What mcp 2.3.0's client does (mcp/client/_probe.py `negotiate_auto`, mcp/client/streamable_http.py
`StreamableHTTPTransport._handle_post_request`): any HTTP status >= 400 on the `server/discover` POST
becomes an MCPError (the JSON-RPC error in an application/json body, else a stand-in: 404 -> -32601,
other -> -32603), and every MCPError falls back to `initialize` EXCEPT -32022 whose `data.supported`
lists no handshake-era version. A 200 with a DiscoverResult naming 2026-07-28 is adopted (no fallback).
"""

from __future__ import annotations

import pytest
from conftest import mcp_client, mcp_post, text_of
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS

MODERN = "2026-07-28"
DISCOVER = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "server/discover",
    "params": {
        "_meta": {
            "io.modelcontextprotocol/protocolVersion": MODERN,
            "io.modelcontextprotocol/clientInfo": {"name": "toolgate-e2e-raw", "version": "0"},
            "io.modelcontextprotocol/clientCapabilities": {},
        }
    },
}


@pytest.fixture
def sys_gate(gate, sysmgmt):
    return gate(sysmgmt.url, {"version": "1", "default": "allow"}, sync=False)


def sdk_would_fall_back(status: int, msgs: list[dict]) -> bool:
    """mcp 2.3.0's decision, restated: see the module docstring."""
    if status < 400:
        return False
    errors = [m["error"] for m in msgs if isinstance(m, dict) and isinstance(m.get("error"), dict)]
    if not errors:
        return True
    err = errors[0]
    if err.get("code") != -32022:
        return True
    supported = (err.get("data") or {}).get("supported")
    return not isinstance(supported, list) or any(v in HANDSHAKE_PROTOCOL_VERSIONS for v in supported)


def test_discover_is_refused_with_a_fallback_4xx(sys_gate):
    r, msgs = mcp_post(
        sys_gate.url,
        DISCOVER,
        token=sys_gate.token,
        protocol_version=MODERN,
        headers={"Mcp-Method": "server/discover"},
    )
    assert 400 <= r.status_code < 500, f"server/discover at {MODERN} must get a 4xx for now, got {r.status_code}"
    assert r.status_code != 401, "the token is valid: this refusal is about the era, not the credentials"
    assert sdk_would_fall_back(r.status_code, msgs), f"mcp 2.3.0 would not fall back on: {r.status_code} {msgs}"


def test_discover_without_token_is_still_401(sys_gate):
    r, _ = mcp_post(sys_gate.url, DISCOVER, protocol_version=MODERN, headers={"Mcp-Method": "server/discover"})
    assert r.status_code == 401


@pytest.mark.anyio
async def test_sdk_auto_mode_falls_back_to_legacy(sys_gate, sysmgmt):
    before = sysmgmt.count("list_processes")
    async with mcp_client(sys_gate.url, sys_gate.token, mode="auto") as client:
        assert client.protocol_version in HANDSHAKE_PROTOCOL_VERSIONS, client.protocol_version
        names = [t.name for t in (await client.list_tools()).tools]
        assert "list_processes" in names
        result = await client.call_tool("list_processes", {})
        assert not result.is_error and "init" in text_of(result)
    assert sysmgmt.count("list_processes") == before + 1


@pytest.mark.anyio
async def test_sdk_auto_mode_against_server_everything(gate, everything):
    g = gate(everything, {"version": "1", "default": "allow"})
    async with mcp_client(g.url, g.token, mode="auto") as client:
        assert client.protocol_version in HANDSHAKE_PROTOCOL_VERSIONS
        assert text_of(await client.call_tool("echo", {"message": "auto"})) == "Echo: auto"
