"""Bad input anywhere gets a clear 4xx, never a 5xx or a panic (ARCHITECTURE §11, issue 2)."""

from __future__ import annotations

import base64
import json

import pytest
from conftest import INITIALIZE, check, mcp_post, raw_initialize

TOOLS_LIST = {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}


@pytest.fixture
def sys_gate(gate, sysmgmt):
    return gate(sysmgmt.url, {"version": "1", "default": "allow"}, sync=False)


def assert_4xx(r, what: str, allowed: tuple[int, ...] | None = None) -> None:
    assert r.status_code < 500, f"{what}: never a 5xx, got {r.status_code}"
    if allowed:
        assert r.status_code in allowed, f"{what}: expected one of {allowed}, got {r.status_code}"
    else:
        assert 400 <= r.status_code < 500, f"{what}: expected a 4xx, got {r.status_code}"


# --- MCP endpoint ------------------------------------------------------------------------------


def test_malformed_json_is_a_parse_error(sys_gate):
    r, msgs = mcp_post(sys_gate.url, content=b'{"jsonrpc": "2.0", "id": 1, "method": "initialize", ', token=sys_gate.token)
    assert_4xx(r, "malformed JSON", (400,))
    assert msgs and msgs[0].get("error", {}).get("code") == -32700, f"JSON-RPC parse error body expected: {msgs}"


def test_malformed_json_inside_a_session(sys_gate):
    sid = raw_initialize(sys_gate.url, sys_gate.token)
    r, msgs = mcp_post(sys_gate.url, content=b"not json at all", token=sys_gate.token, session_id=sid,
                       protocol_version="2025-06-18")
    assert_4xx(r, "malformed JSON in a session", (400,))
    assert msgs and msgs[0].get("error", {}).get("code") == -32700, msgs


def test_not_jsonrpc_is_refused(sys_gate):
    r, _ = mcp_post(sys_gate.url, {"hello": "world"}, token=sys_gate.token)
    assert_4xx(r, "JSON that is not JSON-RPC", (400,))


def test_batch_to_a_2025_06_18_session(sys_gate):
    sid = raw_initialize(sys_gate.url, sys_gate.token, protocol_version="2025-06-18")
    batch = [TOOLS_LIST, {"jsonrpc": "2.0", "id": 3, "method": "ping"}]
    r, _ = mcp_post(sys_gate.url, batch, token=sys_gate.token, session_id=sid, protocol_version="2025-06-18")
    assert_4xx(r, "a JSON-RPC batch to a 2025-06-18 session", (400,))


def test_oversized_body(sys_gate):
    huge = json.dumps(
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"pad": "x" * (5 * 1024 * 1024)}}
    ).encode()
    r, _ = mcp_post(sys_gate.url, content=huge, token=sys_gate.token, timeout=30)
    assert_4xx(r, "a 5 MiB body", (400, 413))


def _tamper(sid: str) -> str:
    mid = len(sid) // 2
    return sid[:mid] + ("A" if sid[mid] != "A" else "B") + sid[mid + 1 :]


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(_tamper, id="one-char-flipped"),
        pytest.param(lambda s: s[:-4], id="truncated"),
        pytest.param(lambda s: "not-a-session", id="garbage"),
        pytest.param(lambda s: base64.urlsafe_b64encode(b"\x00" * 64).decode().rstrip("="), id="zeros"),
    ],
)
def test_tampered_session_id(sys_gate, mangle):
    sid = raw_initialize(sys_gate.url, sys_gate.token)
    r, _ = mcp_post(sys_gate.url, TOOLS_LIST, token=sys_gate.token, session_id=mangle(sid), protocol_version="2025-06-18")
    assert_4xx(r, "a tampered Mcp-Session-Id", (400, 404))
    # and the genuine id still works
    r, msgs = mcp_post(sys_gate.url, TOOLS_LIST, token=sys_gate.token, session_id=sid, protocol_version="2025-06-18")
    assert r.status_code == 200 and any("result" in m for m in msgs), (r.status_code, msgs)


def test_request_without_session_after_initialize(sys_gate):
    raw_initialize(sys_gate.url, sys_gate.token)
    r, _ = mcp_post(sys_gate.url, TOOLS_LIST, token=sys_gate.token, protocol_version="2025-06-18")
    assert_4xx(r, "a non-initialize request without Mcp-Session-Id", (400,))


def test_unsupported_protocol_version_header(sys_gate):
    sid = raw_initialize(sys_gate.url, sys_gate.token)
    r, _ = mcp_post(sys_gate.url, TOOLS_LIST, token=sys_gate.token, session_id=sid, protocol_version="1999-01-01")
    assert_4xx(r, "an unsupported MCP-Protocol-Version", (400,))


def test_wrong_content_type(sys_gate):
    r, _ = mcp_post(sys_gate.url, INITIALIZE, token=sys_gate.token, headers={"Content-Type": "text/plain"})
    assert_4xx(r, "Content-Type: text/plain", (400, 415))


# --- HTTP API ----------------------------------------------------------------------------------


def assert_error_body(r, status: int) -> dict:
    check(r, status)
    body = r.json()
    assert isinstance(body.get("error"), dict), f"errors are {{'error': {{code, message}}}}: {body}"
    assert body["error"].get("code") and body["error"].get("message"), body
    return body["error"]


def test_unknown_fields_in_api_bodies(api, account, sysmgmt):
    acct = account.slug
    r = api.raw("POST", f"/api/v1/accounts/{acct}/servers", account,
                json={"name": "x", "url": sysmgmt.url, "colour": "blue"})
    assert_error_body(r, 422)

    server = api.create_server(account, sysmgmt.url)
    r = api.raw("POST", f"/api/v1/accounts/{acct}/servers/{server['slug']}/policies", account,
                json={"name": "p", "document": {"version": "1", "default": "allow"}, "extra": True})
    assert_error_body(r, 422)

    policy = api.create_policy(account, server["slug"], {"version": "1", "default": "allow"})
    r = api.raw("PUT", f"/api/v1/accounts/{acct}/servers/{server['slug']}/policies/{policy['name']}", account,
                json={"document": {"version": "1", "default": "deny"}, "surprise": 1})
    assert_error_body(r, 422)

    r = api.raw("POST", f"/api/v1/accounts/{acct}/grants", account,
                json={"name": "g", "server": server["slug"], "policy": policy["name"], "admin": True})
    assert_error_body(r, 422)


def test_unknown_field_in_signup(api):
    r = api.raw("POST", "/api/v1/signup",
                json={"email": "x@e2e.example.com", "password": "correct-horse-battery-staple-42",
                      "account_name": "X", "is_admin": True})
    assert_error_body(r, 422)


def test_malformed_json_in_api_body(api, account):
    r = api.raw("POST", f"/api/v1/accounts/{account.slug}/servers", account,
                content=b'{"name": ', headers={"Content-Type": "application/json"})
    assert_error_body(r, 400)


def test_invalid_policy_reports_json_pointers(api, account, sysmgmt):
    server = api.create_server(account, sysmgmt.url)
    bad = {
        "version": "1",
        "default": "deny",
        "tools": {
            "run_shell": {
                "require": [{"conditions": [{"path": "args.command", "op": "regex", "value": "("}], "on_deny": "x"}]
            },
            "delete_path": {"action": "explode"},
        },
    }
    r = api.raw("POST", f"/api/v1/accounts/{account.slug}/servers/{server['slug']}/policies", account,
                json={"name": "bad", "document": bad})
    err = assert_error_body(r, 422)
    paths = [f.get("path", "") for f in err.get("fields") or []]
    assert any(p.startswith("/tools/run_shell/require/0") for p in paths), paths
    assert any(p.startswith("/tools/delete_path") for p in paths), paths


def test_other_tenant_gets_404(api, account, other_account, sysmgmt):
    server = api.create_server(account, sysmgmt.url)
    r = api.raw("GET", f"/api/v1/accounts/{account.slug}/servers/{server['slug']}", other_account)
    assert r.status_code == 404, f"another account's token must get 404, got {r.status_code}"


def test_server_shows_header_names_never_values(api, account, sysmgmt):
    server = api.create_server(account, sysmgmt.url, headers={"X-Upstream-Key": "very-secret-value"})
    r = check(api.raw("GET", f"/api/v1/accounts/{account.slug}/servers/{server['slug']}", account), 200)
    assert "very-secret-value" not in r.text
    assert [h.lower() for h in r.json().get("header_names", [])] == ["x-upstream-key"], r.json()


def test_gateway_url_in_api(api, account, sysmgmt, toolgate):
    server = api.create_server(account, sysmgmt.url)
    assert server["gateway_url"] == f"{toolgate.base_url}/mcp/{account.slug}/{server['slug']}", server
