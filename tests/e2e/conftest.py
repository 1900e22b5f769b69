"""Fixtures for Toolgate's end-to-end suite.

Everything runs as real processes on 127.0.0.1:
  * `toolgate serve` (all-in-one) from TOOLGATE_BIN, else target/debug/toolgate;
  * the sysmgmt upstream (fixtures/sysmgmt_server.py, the Python SDK's MCPServer);
  * npm's @modelcontextprotocol/server-everything (node, from tests/e2e/node_modules).

A missing prerequisite FAILS the test with the command that fixes it; nothing is skipped.
Run the whole thing with `scripts/test` from the repository root.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

E2E_DIR = Path(__file__).resolve().parent
REPO_ROOT = E2E_DIR.parents[1]
FIXTURES_DIR = E2E_DIR / "fixtures"
VENV_HINT = (
    "run: python3 -m venv tests/e2e/.venv && tests/e2e/.venv/bin/pip install -r tests/e2e/requirements.txt "
    "(or simply scripts/test, which does it), then run pytest with tests/e2e/.venv/bin/python"
)

try:
    import anyio  # noqa: F401
    import httpx
    import httpx2
    import mcp
    import pytest
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client
except ImportError as exc:  # pragma: no cover - only on a machine that lacks the venv
    raise ImportError(f"the e2e suite's Python dependencies are missing ({exc}); {VENV_HINT}") from exc

from importlib.metadata import version as _dist_version

if _dist_version("mcp") != "2.3.0":  # pragma: no cover
    raise ImportError(f"the e2e suite is pinned to mcp==2.3.0 but found {_dist_version('mcp')}; {VENV_HINT}")

LOCAL = "127.0.0.1"
STRONG_PASSWORD = "correct-horse-battery-staple-42"
DECISION_META = "dev.toolgate/decision"


# ---------------------------------------------------------------------------------------------
# processes
# ---------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOCAL, 0))
        return s.getsockname()[1]


def tail(path: Path, lines: int = 60) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:]) or "(empty log)"


@dataclass
class Proc:
    """A child process whose stdout and stderr go to one log file."""

    name: str
    argv: list[str]
    log: Path
    env: dict[str, str] | None = None
    cwd: Path | None = None
    popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        logf = open(self.log, "ab")  # noqa: SIM115 - kept open by the child
        logf.write(f"\n===== start: {' '.join(self.argv)}\n".encode())
        logf.flush()
        self.popen = subprocess.Popen(
            self.argv,
            stdout=logf,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(self.env or {})},
            cwd=self.cwd,
        )
        logf.close()

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM, wait, SIGKILL if it will not go. Returns the exit code."""
        if self.popen is None:
            return None
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)
        code = self.popen.returncode
        self.popen = None
        return code

    def wait_http(self, url: str, timeout: float, expect: int = 200) -> None:
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if self.popen is not None and self.popen.poll() is not None:
                pytest.fail(
                    f"{self.name} exited with code {self.popen.returncode} before {url} answered.\n"
                    f"--- {self.log} ---\n{tail(self.log)}",
                    pytrace=False,
                )
            try:
                r = httpx.get(url, timeout=2.0)
                if r.status_code == expect:
                    return
                last = f"HTTP {r.status_code}: {r.text[:200]}"
            except httpx.HTTPError as e:
                last = repr(e)
            time.sleep(0.1)
        pytest.fail(
            f"{self.name} did not answer {url} with {expect} within {timeout:.0f}s (last: {last}).\n"
            f"--- {self.log} ---\n{tail(self.log)}",
            pytrace=False,
        )


def find_toolgate_bin() -> Path:
    raw = os.environ.get("TOOLGATE_BIN")
    path = Path(raw) if raw else REPO_ROOT / "target" / "debug" / "toolgate"
    if not path.is_absolute():
        path = REPO_ROOT / path
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(
            f"toolgate binary not found at {path} (set TOOLGATE_BIN or build it); run: cargo build -p toolgate-cli",
            pytrace=False,
        )
    return path


def find_node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail(
            "node is not installed: server-everything needs Node.js >= 20; "
            "run: apt-get install -y nodejs npm (or .ci/run), then (cd tests/e2e && npm ci)",
            pytrace=False,
        )
    entry = E2E_DIR / "node_modules" / "@modelcontextprotocol" / "server-everything" / "dist" / "index.js"
    if not entry.is_file():
        pytest.fail(f"{entry} is missing; run: (cd tests/e2e && npm ci)", pytrace=False)
    return node


@dataclass
class Toolgate:
    proc: Proc
    base_url: str
    data_dir: Path

    @property
    def log(self) -> Path:
        return self.proc.log


def start_toolgate(binary: Path, workdir: Path, name: str = "toolgate") -> Toolgate:
    port = free_port()
    data_dir = workdir / f"{name}-data"
    proc = Proc(
        name=f"toolgate serve ({name})",
        argv=[str(binary), "serve", "--listen", f"{LOCAL}:{port}", "--data-dir", str(data_dir)],
        log=workdir / f"{name}.log",
        env={
            "TOOLGATE_ALLOW_PRIVATE_UPSTREAMS": "true",
            "RUST_LOG": os.environ.get("RUST_LOG", "info"),
            "RUST_BACKTRACE": "1",
            "NO_COLOR": "1",
        },
        cwd=workdir,
    )
    proc.start()
    base = f"http://{LOCAL}:{port}"
    proc.wait_http(f"{base}/healthz", timeout=30)
    return Toolgate(proc=proc, base_url=base, data_dir=data_dir)


@dataclass
class SysMgmt:
    """The sysmgmt upstream fixture; stoppable and restartable on the same port."""

    proc: Proc
    port: int

    @property
    def base(self) -> str:
        return f"http://{LOCAL}:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.base}/mcp"

    def start(self) -> None:
        self.proc.start()
        self.proc.wait_http(f"{self.base}/healthz", timeout=20)

    def stop(self) -> None:
        self.proc.stop()
        # the port must be free again before a restart on it
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex((LOCAL, self.port)) != 0:
                    return
            time.sleep(0.05)

    def calls(self) -> dict[str, int]:
        r = httpx.get(f"{self.base}/calls", timeout=5)
        r.raise_for_status()
        return r.json()

    def count(self, tool: str) -> int:
        return self.calls().get(tool, 0)


def make_sysmgmt(workdir: Path, name: str = "sysmgmt") -> SysMgmt:
    port = free_port()
    proc = Proc(
        name=f"sysmgmt fixture ({name})",
        argv=[sys.executable, str(FIXTURES_DIR / "sysmgmt_server.py"), str(port)],
        log=workdir / f"{name}.log",
    )
    s = SysMgmt(proc=proc, port=port)
    s.start()
    return s


# ---------------------------------------------------------------------------------------------
# session-wide processes
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("e2e")


@pytest.fixture(scope="session")
def toolgate_bin() -> Path:
    return find_toolgate_bin()


@pytest.fixture(scope="session")
def toolgate(toolgate_bin: Path, workdir: Path) -> Iterator[Toolgate]:
    tg = start_toolgate(toolgate_bin, workdir)
    yield tg
    tg.proc.stop(timeout=15)
    if "panicked at" in tg.log.read_text(errors="replace"):
        pytest.fail(f"toolgate panicked during the e2e run:\n{tail(tg.log, 80)}", pytrace=False)


@pytest.fixture(scope="session")
def sysmgmt(workdir: Path) -> Iterator[SysMgmt]:
    s = make_sysmgmt(workdir)
    yield s
    s.stop()


@pytest.fixture
def sysmgmt_private(workdir: Path) -> Iterator[SysMgmt]:
    """A sysmgmt upstream of the test's own, which the test may stop and restart."""
    s = make_sysmgmt(workdir, name=f"sysmgmt-{uuid.uuid4().hex[:6]}")
    yield s
    s.stop()


@pytest.fixture(scope="session")
def everything(workdir: Path) -> Iterator[str]:
    """URL of a running @modelcontextprotocol/server-everything (legacy Streamable HTTP)."""
    node = find_node()
    port = free_port()
    pkg = E2E_DIR / "node_modules" / "@modelcontextprotocol" / "server-everything"
    proc = Proc(
        name="server-everything",
        argv=[node, "dist/index.js", "streamableHttp"],
        log=workdir / "server-everything.log",
        env={"PORT": str(port)},
        cwd=pkg,
    )
    proc.start()
    base = f"http://{LOCAL}:{port}"
    # GET /mcp without a session answers 400: that is how we know express is listening.
    proc.wait_http(f"{base}/mcp", timeout=30, expect=400)
    yield f"{base}/mcp"
    proc.stop()


# ---------------------------------------------------------------------------------------------
# the HTTP API
# ---------------------------------------------------------------------------------------------


def check(r: httpx.Response, *expected: int) -> httpx.Response:
    assert r.status_code < 500, f"{r.request.method} {r.request.url} -> {r.status_code} (never a 5xx): {r.text[:500]}"
    assert r.status_code in expected, (
        f"{r.request.method} {r.request.url} -> {r.status_code}, expected {expected}: {r.text[:800]}"
    )
    return r


@dataclass
class Account:
    id: str
    slug: str
    name: str
    email: str
    api_token: str


@dataclass
class Api:
    base_url: str
    http: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.http = httpx.Client(base_url=self.base_url, timeout=30)

    def _auth(self, acct: Account) -> dict[str, str]:
        return {"Authorization": f"Bearer {acct.api_token}"}

    def signup(self, label: str) -> Account:
        email = f"{label}-{uuid.uuid4().hex[:10]}@e2e.example.com"
        name = f"E2E {label} {uuid.uuid4().hex[:6]}"
        r = check(
            self.http.post("/api/v1/signup", json={"email": email, "password": STRONG_PASSWORD, "account_name": name}),
            201,
        )
        body = r.json()
        acct = body["account"]
        assert body["api_token"].startswith("tgk_"), body
        return Account(id=acct["id"], slug=acct["slug"], name=acct["name"], email=email, api_token=body["api_token"])

    def create_server(self, acct: Account, url: str, headers: dict[str, str] | None = None, slug: str | None = None) -> dict[str, Any]:
        slug = slug or f"srv-{uuid.uuid4().hex[:8]}"
        body: dict[str, Any] = {"name": f"Server {slug}", "slug": slug, "url": url}
        if headers is not None:
            body["headers"] = headers
        r = check(self.http.post(f"/api/v1/accounts/{acct.slug}/servers", json=body, headers=self._auth(acct)), 201)
        return r.json()

    def sync(self, acct: Account, server: str) -> dict[str, Any]:
        r = check(
            self.http.post(f"/api/v1/accounts/{acct.slug}/servers/{server}/sync", headers=self._auth(acct)), 200
        )
        return r.json()

    def create_policy(self, acct: Account, server: str, document: dict[str, Any], name: str | None = None) -> dict[str, Any]:
        name = name or f"policy-{uuid.uuid4().hex[:6]}"
        r = check(
            self.http.post(
                f"/api/v1/accounts/{acct.slug}/servers/{server}/policies",
                json={"name": name, "document": document},
                headers=self._auth(acct),
            ),
            201,
        )
        return r.json()

    def update_policy(self, acct: Account, server: str, policy: str, document: dict[str, Any]) -> dict[str, Any]:
        r = check(
            self.http.put(
                f"/api/v1/accounts/{acct.slug}/servers/{server}/policies/{policy}",
                json={"document": document},
                headers=self._auth(acct),
            ),
            200,
        )
        return r.json()

    def create_grant(self, acct: Account, server: str, policy: str | None) -> dict[str, Any]:
        body: dict[str, Any] = {"name": f"agent-{uuid.uuid4().hex[:6]}", "server": server}
        if policy is not None:
            body["policy"] = policy
        r = check(self.http.post(f"/api/v1/accounts/{acct.slug}/grants", json=body, headers=self._auth(acct)), 201)
        grant = r.json()
        assert grant["token"].startswith("tg_"), grant
        return grant

    def revoke_grant(self, acct: Account, grant_id: str) -> None:
        check(self.http.delete(f"/api/v1/accounts/{acct.slug}/grants/{grant_id}", headers=self._auth(acct)), 204)

    def raw(self, method: str, path: str, acct: Account | None = None, **kw: Any) -> httpx.Response:
        headers = kw.pop("headers", {})
        if acct is not None:
            headers = {**self._auth(acct), **headers}
        return self.http.request(method, path, headers=headers, **kw)


@pytest.fixture(scope="session")
def api(toolgate: Toolgate) -> Iterator[Api]:
    a = Api(toolgate.base_url)
    yield a
    a.http.close()


# Signup is rate limited (10/minute per IP): the suite signs up exactly two accounts.
@pytest.fixture(scope="session")
def account(api: Api) -> Account:
    return api.signup("main")


@pytest.fixture(scope="session")
def other_account(api: Api) -> Account:
    return api.signup("other")


@dataclass
class Gate:
    """One server + policy + grant: what an agent needs to reach an upstream through Toolgate."""

    url: str
    token: str
    server: dict[str, Any]
    policy: dict[str, Any] | None
    grant: dict[str, Any]
    account: Account


@pytest.fixture
def gate(api: Api, account: Account, toolgate: Toolgate):
    """gate(upstream_url, policy_document, headers=None, sync=True) -> Gate"""

    def make(upstream_url: str, document: dict[str, Any] | None, *, headers: dict[str, str] | None = None,
             sync: bool = True, acct: Account | None = None) -> Gate:
        acct = acct or account
        server = api.create_server(acct, upstream_url, headers=headers)
        if sync:
            api.sync(acct, server["slug"])
        policy = api.create_policy(acct, server["slug"], document) if document is not None else None
        grant = api.create_grant(acct, server["slug"], policy["name"] if policy else None)
        url = f"{toolgate.base_url}/mcp/{acct.slug}/{server['slug']}"
        return Gate(url=url, token=grant["token"], server=server, policy=policy, grant=grant, account=acct)

    return make


# ---------------------------------------------------------------------------------------------
# MCP clients
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@asynccontextmanager
async def mcp_client(url: str, token: str | None, mode: str = "legacy", **kw: Any) -> AsyncIterator[Client]:
    """The official Python SDK client, sending `Authorization: Bearer TOKEN`."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30, read=60)) as hc:
        async with Client(
            streamable_http_client(url, http_client=hc), mode=mode, cache=None, read_timeout_seconds=30, **kw
        ) as client:
            yield client


INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "toolgate-e2e-raw", "version": "0"},
    },
}


def _sse_messages(lines: Iterator[str], want_id: Any) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    data: list[str] = []
    for line in lines:
        if line.startswith("data:"):
            data.append(line[5:].lstrip(" "))
        elif line == "":
            if data:
                payload = "\n".join(data)
                data = []
                try:
                    msg = json.loads(payload)
                except json.JSONDecodeError:
                    continue
                messages.append(msg)
                if isinstance(msg, dict) and msg.get("id") == want_id and ("result" in msg or "error" in msg):
                    break
    return messages


def mcp_post(
    url: str,
    body: Any = None,
    *,
    token: str | None = None,
    session_id: str | None = None,
    protocol_version: str | None = None,
    content: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 20,
) -> tuple[httpx.Response, list[dict[str, Any]]]:
    """POST one raw MCP message; returns the response and the JSON-RPC messages it carried
    (parsed from application/json or from an SSE stream, read up to the answer to `body['id']`)."""
    h = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
    if token:
        h["Authorization"] = f"Bearer {token}"
    if session_id:
        h["Mcp-Session-Id"] = session_id
    if protocol_version:
        h["MCP-Protocol-Version"] = protocol_version
    h.update(headers or {})
    payload = content if content is not None else json.dumps(body).encode()
    want_id = body.get("id") if isinstance(body, dict) else None
    with httpx.Client(timeout=timeout) as c:
        with c.stream("POST", url, content=payload, headers=h) as r:
            ctype = r.headers.get("content-type", "")
            if ctype.startswith("text/event-stream"):
                msgs = _sse_messages(r.iter_lines(), want_id)
            else:
                r.read()
                msgs = []
                if ctype.startswith("application/json") and r.content:
                    parsed = json.loads(r.content)
                    msgs = parsed if isinstance(parsed, list) else [parsed]
    return r, msgs


def raw_initialize(url: str, token: str, protocol_version: str = "2025-06-18") -> str:
    """Initialize a legacy session with raw HTTP; returns the Mcp-Session-Id."""
    body = json.loads(json.dumps(INITIALIZE))
    body["params"]["protocolVersion"] = protocol_version
    r, msgs = mcp_post(url, body, token=token)
    assert r.status_code == 200, f"initialize through the gateway -> {r.status_code}: {msgs}"
    assert any("result" in m for m in msgs), msgs
    sid = r.headers.get("mcp-session-id")
    assert sid, "the gateway must give the client an Mcp-Session-Id (the upstream is stateful)"
    r2, _ = mcp_post(
        url,
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        token=token,
        session_id=sid,
        protocol_version=protocol_version,
    )
    assert r2.status_code == 202, f"notifications/initialized -> {r2.status_code}"
    return sid


def decision_of(result: Any) -> dict[str, Any]:
    meta = result.meta or {}
    assert DECISION_META in meta, f'refusal lacks _meta["{DECISION_META}"]: {result}'
    return meta[DECISION_META]


def text_of(result: Any) -> str:
    return "\n".join(getattr(c, "text", "") for c in result.content)


def random_token() -> str:
    return "tg_" + secrets.token_urlsafe(32).replace("-", "a").replace("_", "b")


# ---------------------------------------------------------------------------------------------
# reporting: show the gateway's log next to a failed test
# ---------------------------------------------------------------------------------------------


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    outcome = yield
    report = outcome.get_result()
    if report.failed and call.when in ("setup", "call"):
        tg = item.funcargs.get("toolgate") if hasattr(item, "funcargs") else None
        if isinstance(tg, Toolgate):
            report.sections.append(("toolgate log (tail)", tail(tg.log, 40)))
        # the scale-out suite's processes (cluster.Cluster and friends) say what to show themselves
        for value in (getattr(item, "funcargs", None) or {}).values():
            sections = getattr(value, "failure_sections", None)
            if callable(sections):
                report.sections.extend(sections())


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Numbers the scale-out tests measured (over-admit count, worst latency during outages...)."""
    measured = getattr(sys.modules.get("cluster"), "MEASUREMENTS", None)
    if measured:
        terminalreporter.section("scale-out measurements")
        for key, value in measured.items():
            terminalreporter.write_line(f"{key}: {value}")
