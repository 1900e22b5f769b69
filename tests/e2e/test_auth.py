"""Connection credentials at the gateway (ARCHITECTURE §4): a grant must belong to the account and the
server of the URL, else 401 with `WWW-Authenticate: Bearer`. Raw HTTP, one initialize message each."""

from __future__ import annotations

import httpx
import pytest
from conftest import INITIALIZE, mcp_post, random_token, raw_initialize


def assert_401(r: httpx.Response, what: str) -> None:
    assert r.status_code == 401, f"{what}: expected 401, got {r.status_code}"
    challenge = r.headers.get("www-authenticate", "")
    assert challenge.lower().startswith("bearer"), f"{what}: 401 must carry WWW-Authenticate: Bearer, got {challenge!r}"


@pytest.fixture
def sys_gate(gate, sysmgmt):
    return gate(sysmgmt.url, {"version": "1", "default": "allow"}, sync=False)


def test_no_token(sys_gate):
    r, _ = mcp_post(sys_gate.url, INITIALIZE)
    assert_401(r, "no Authorization header")


def test_bad_token(sys_gate):
    r, _ = mcp_post(sys_gate.url, INITIALIZE, token=random_token())
    assert_401(r, "unknown tg_ token")
    r, _ = mcp_post(sys_gate.url, INITIALIZE, headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert_401(r, "non-Bearer Authorization")
    r, _ = mcp_post(sys_gate.url, INITIALIZE, token=sys_gate.token[:-2])
    assert_401(r, "truncated token")


def test_api_token_is_not_a_grant(sys_gate, account):
    r, _ = mcp_post(sys_gate.url, INITIALIZE, token=account.api_token)
    assert_401(r, "an API token (tgk_) on the MCP endpoint")


def test_valid_grant_connects(sys_gate):
    raw_initialize(sys_gate.url, sys_gate.token)


def test_revoked_grant(api, account, sys_gate):
    sid = raw_initialize(sys_gate.url, sys_gate.token)
    api.revoke_grant(account, sys_gate.grant["id"])
    r, _ = mcp_post(sys_gate.url, INITIALIZE, token=sys_gate.token)
    assert_401(r, "revoked grant, new session")
    r, _ = mcp_post(
        sys_gate.url,
        {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
        token=sys_gate.token,
        session_id=sid,
        protocol_version="2025-06-18",
    )
    assert_401(r, "revoked grant, existing session")


def test_grant_of_another_account(gate, sysmgmt, other_account, sys_gate):
    foreign = gate(sysmgmt.url, {"version": "1", "default": "allow"}, sync=False, acct=other_account)
    raw_initialize(foreign.url, foreign.token)  # it works where it belongs
    r, _ = mcp_post(sys_gate.url, INITIALIZE, token=foreign.token)
    assert_401(r, "a grant of another account")


def test_grant_of_another_server_in_the_same_account(gate, sysmgmt, sys_gate):
    sibling = gate(sysmgmt.url, {"version": "1", "default": "allow"}, sync=False)
    r, _ = mcp_post(sys_gate.url, INITIALIZE, token=sibling.token)
    assert_401(r, "a grant of another server")


def test_session_id_is_bound_to_its_grant(api, account, sys_gate):
    """A session id minted for one grant is refused with another grant's token (same server)."""
    sid = raw_initialize(sys_gate.url, sys_gate.token)
    second = api.create_grant(account, sys_gate.server["slug"], sys_gate.policy["name"])
    r, _ = mcp_post(
        sys_gate.url,
        {"jsonrpc": "2.0", "id": 3, "method": "tools/list"},
        token=second["token"],
        session_id=sid,
        protocol_version="2025-06-18",
    )
    assert 400 <= r.status_code < 500, f"a session used with another grant's token -> {r.status_code}"
