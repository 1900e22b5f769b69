"""Helpers for the approval and audit tests (test_approvals.py): policy documents with
`action: require_approval`, the approvals and audit API (ARCHITECTURE §8-§10), and a held
`tools/call` run in a task while the test decides it through the API.

Only the fixtures of conftest.py are used; nothing here starts processes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
from conftest import DECISION_META, Account, Api, Gate, check, text_of

# How long a test waits for something the gateway does in the background (an approval to show up,
# the audit writer to flush its batch).
SETTLE_SECONDS = 15.0

REFUSED = "Refused by policy:"
WAITING = "Waiting for approval:"


def approval_policy(
    *,
    wait: str = "25s",
    timeout: str = "10m",
    extra_tools: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """run_shell and transfer_funds need a person; list_processes / whoami are allowed; delete_path is
    denied; kill_* is hidden; create_background_task is limited to 1 a minute; anything else is
    denied by default."""
    approval = {"action": "require_approval", "approval": {"timeout": timeout, "wait": wait}}
    tools: dict[str, Any] = {
        "run_shell": approval,
        "transfer_funds": approval,
        "list_processes": {},
        "whoami": {},
        "delete_path": {"action": "deny", "reason": "Deleting files is not allowed for agents."},
        "create_background_task": {
            "limits": [{"counter": "tasks", "window": "minute", "max": 1, "scope": "grant"}]
        },
    }
    tools.update(extra_tools or {})
    return {"version": "1", "default": "deny", "hide": ["kill_*"], "tools": tools}


# ---------------------------------------------------------------------------------------------
# results
# ---------------------------------------------------------------------------------------------


def decision_meta(result: Any) -> dict[str, Any]:
    meta = result.meta or {}
    assert DECISION_META in meta, f'an approval answer lacks _meta["{DECISION_META}"]: {result}'
    return meta[DECISION_META]


def assert_waiting(result: Any, rule: str) -> str:
    """An undecided hold: an isError result naming the approval id. Returns that id."""
    assert result.is_error is True, f"an undecided approval is an isError result: {result}"
    d = decision_meta(result)
    assert d.get("decision") == "approval_requested", d
    assert d.get("rule") == rule, d
    approval_id = d.get("approval_id")
    assert isinstance(approval_id, str) and approval_id, f"the decision must carry approval_id: {d}"
    text = text_of(result)
    assert approval_id in text, f"the text must name the approval id {approval_id}: {text!r}"
    assert "retry" in text.lower(), f"the text must tell the agent to retry the same call later: {text!r}"
    return approval_id


# ---------------------------------------------------------------------------------------------
# the approvals and audit API
# ---------------------------------------------------------------------------------------------


@dataclass
class ControlPlane:
    """The approvals / audit / servers endpoints of one account, as an approver uses them."""

    api: Api
    account: Account
    answers: list[str] = field(default_factory=list)  # every API answer's text, for leak checks

    def _get(self, path: str, **params: Any) -> dict[str, Any]:
        r = check(self.api.raw("GET", path, self.account, params=params), 200)
        self.answers.append(r.text)
        return r.json()

    @property
    def prefix(self) -> str:
        return f"/api/v1/accounts/{self.account.slug}"

    def approvals(self, status: str | None = None) -> list[dict[str, Any]]:
        params = {"limit": 200}
        if status is not None:
            params["status"] = status
        return self._get(f"{self.prefix}/approvals", **params)["items"]

    def approval(self, approval_id: str) -> dict[str, Any]:
        return self._get(f"{self.prefix}/approvals/{approval_id}")

    def pending_for(self, gate: Gate, tool: str | None = None) -> list[dict[str, Any]]:
        return [
            a
            for a in self.approvals("pending")
            if a.get("server") == gate.server["slug"] and (tool is None or a.get("tool") == tool)
        ]

    def wait_pending(self, gate: Gate, tool: str, exclude: set[str] = frozenset(), timeout: float = SETTLE_SECONDS) -> dict[str, Any]:
        """Polls GET …/approvals?status=pending until an approval for this gate's server and `tool`
        (and not in `exclude`) shows up."""
        deadline = time.monotonic() + timeout
        while True:
            found = [a for a in self.pending_for(gate, tool) if a["id"] not in exclude]
            if found:
                assert len(found) == 1, f"one held call makes one approval: {found}"
                return found[0]
            if time.monotonic() > deadline:
                raise AssertionError(f"no pending approval for {tool} on {gate.server['slug']} within {timeout}s")
            time.sleep(0.1)

    def decide(self, approval_id: str, approve: bool, note: str | None = None, expect: int = 200) -> dict[str, Any]:
        verb = "approve" if approve else "deny"
        kw: dict[str, Any] = {}
        if note is not None:
            kw["json"] = {"note": note}
        r = check(self.api.raw("POST", f"{self.prefix}/approvals/{approval_id}/{verb}", self.account, **kw), expect)
        self.answers.append(r.text)
        return r.json()

    def approve(self, approval_id: str, note: str | None = None) -> dict[str, Any]:
        return self.decide(approval_id, True, note)

    def deny(self, approval_id: str, note: str | None = None) -> dict[str, Any]:
        return self.decide(approval_id, False, note)

    def audit(self, **filters: Any) -> list[dict[str, Any]]:
        params = {"limit": 200, **{k: v for k, v in filters.items() if v is not None}}
        return self._get(f"{self.prefix}/audit", **params)["items"]

    def wait_audit(
        self,
        gate: Gate,
        done: Callable[[list[dict[str, Any]]], bool],
        timeout: float = SETTLE_SECONDS,
        **filters: Any,
    ) -> list[dict[str, Any]]:
        """Polls the audit of this gate's server until `done(events)` (events are written in batches,
        off the request path)."""
        deadline = time.monotonic() + timeout
        while True:
            events = self.audit(server=gate.server["slug"], **filters)
            if done(events):
                return events
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"the audit of {gate.server['slug']} did not reach the expected state within {timeout}s: "
                    + "; ".join(f"{e.get('tool')}:{e.get('decision')}" for e in events)
                )
            time.sleep(0.2)

    def patch_server(self, gate: Gate, body: dict[str, Any]) -> dict[str, Any]:
        r = check(
            self.api.raw("PATCH", f"{self.prefix}/servers/{gate.server['slug']}", self.account, json=body), 200
        )
        self.answers.append(r.text)
        return r.json()

    def everything_readable(self, gate: Gate) -> list[str]:
        """Every API answer an account member can read about this gate (approvals in every state,
        each approval one by one, the whole audit, the server, its policy)."""
        texts = []
        every = self.approvals()
        texts.append(repr(every))
        for a in every:
            texts.append(repr(self.approval(a["id"])))
        for status in ("pending", "approved", "denied", "expired", "used"):
            texts.append(repr(self.approvals(status)))
        texts.append(repr(self.audit()))
        texts.append(repr(self.audit(server=gate.server["slug"])))
        for path in (
            f"{self.prefix}/servers/{gate.server['slug']}",
            f"{self.prefix}/servers/{gate.server['slug']}/tools",
            f"{self.prefix}/grants",
        ):
            texts.append(repr(self._get(path)))
        return texts


# ---------------------------------------------------------------------------------------------
# a held call run in a task
# ---------------------------------------------------------------------------------------------


@dataclass
class Progress:
    """A progress callback for call_tool that records what reached the client."""

    seen: list[tuple[float, float | None, str | None]] = field(default_factory=list)

    async def __call__(self, progress: float, total: float | None, message: str | None) -> None:
        self.seen.append((progress, total, message))

    async def wait_for(self, count: int, timeout: float) -> None:
        with anyio.fail_after(timeout):
            while len(self.seen) < count:
                await anyio.sleep(0.05)


def files_containing(folder: Path, needle: bytes) -> list[str]:
    """Every file under `folder` whose raw bytes contain `needle` (SQLite db, -wal, -shm, anything)."""
    hits = []
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            try:
                if needle in path.read_bytes():
                    hits.append(str(path))
            except OSError:
                continue
    return hits


async def in_thread(fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
    """Runs a blocking API call without stalling the event loop that reads the held call's stream."""
    return await anyio.to_thread.run_sync(lambda: fn(*args, **kw))
