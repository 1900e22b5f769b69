"""The split deployment (ARCHITECTURE §2, §6, §7) as real processes, for the scale-out tests.

    one `toolgate control-plane` + two `toolgate gateway` workers (different ports, one TOOLGATE_SECRET_KEY)
    Postgres:  the machine's at 127.0.0.1:5432 (a FRESH database per test module, dropped afterwards)
               or a PRIVATE instance (initdb + postgres on a spare port in a temporary folder) that a test
               may stop and start again
    Redis:     the machine's at 127.0.0.1:6379 (only ever read/written through toolgate: never flushed or
               reconfigured) or a PRIVATE `redis-server --port N` child that a test may freeze, kill and
               restart on the same port

Every process's output goes to test-output/e2e-scale-out/<run>/<test module>/*.log (`latest`: the newest
run). Everything started here is stopped by the fixtures' teardown (also when a test fails), and, as a
last resort, at interpreter exit.
A missing prerequisite FAILS with the command that fixes it; nothing is skipped.
"""

from __future__ import annotations

import asyncio
import atexit
import glob
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import LOCAL, REPO_ROOT, Api, Proc, SysMgmt, find_toolgate_bin, free_port, make_sysmgmt, tail

SHARED_PG_HOST = os.environ.get("TOOLGATE_E2E_PG_HOST", LOCAL)
SHARED_PG_PORT = int(os.environ.get("TOOLGATE_E2E_PG_PORT", "5432"))
SHARED_PG_USER = os.environ.get("TOOLGATE_E2E_PG_USER", "postgres")
SHARED_REDIS_PORT = int(os.environ.get("TOOLGATE_E2E_REDIS_PORT", "6379"))
SHARED_REDIS_URL = f"redis://{LOCAL}:{SHARED_REDIS_PORT}"

PG_START_HINT = (
    "start the machine's Postgres with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start "
    "(it must accept user postgres without a password on 127.0.0.1:5432: trust)"
)
REDIS_START_HINT = (
    'start the machine\'s Redis with: redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" '
    "--appendonly no"
)
PROTOCOL = "2025-06-18"
# One folder per pytest run (several runs may share a work tree): test-output/e2e-scale-out/<time>-<pid>/,
# with `latest` pointing at the newest; older runs beyond the last few are pruned.
LOG_BASE = REPO_ROOT / "test-output" / "e2e-scale-out"
RUN_ID = f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
LOG_ROOT = LOG_BASE / RUN_ID
KEEP_RUNS = 5

# Measurements the scale-out tests report (printed in pytest's terminal summary by conftest.py, and kept
# in test-output/e2e-scale-out/measurements.json).
MEASUREMENTS: dict[str, Any] = {}


def record(key: str, value: Any) -> None:
    MEASUREMENTS[key] = value
    print(f"[scale-out] {key}: {value}")
    try:
        LOG_ROOT.mkdir(parents=True, exist_ok=True)
        (LOG_ROOT / "measurements.json").write_text(json.dumps(MEASUREMENTS, indent=2, default=str) + "\n")
    except OSError:
        pass


# ---------------------------------------------------------------------------------------------
# last-resort cleanup: nothing this module started outlives the test run
# ---------------------------------------------------------------------------------------------

_LIVE: dict[int, subprocess.Popen[bytes]] = {}


def _track(p: subprocess.Popen[bytes] | None) -> None:
    if p is not None:
        _LIVE[p.pid] = p


@atexit.register
def _kill_leftovers() -> None:
    for p in list(_LIVE.values()):
        if p.poll() is None:
            try:
                p.kill()
                p.wait(5)
            except Exception:  # noqa: BLE001 - best effort at exit
                pass


def start_proc(proc: Proc) -> Proc:
    proc.start()
    _track(proc.popen)
    return proc


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _prune_old_runs() -> None:
    runs = sorted((d for d in LOG_BASE.iterdir() if d.is_dir() and not d.is_symlink()
                   and re.fullmatch(r"\d{8}-\d{6}-\d+", d.name)), key=lambda d: d.name)
    for d in runs[:-KEEP_RUNS]:
        if not _pid_alive(int(d.name.rsplit("-", 1)[1])):
            shutil.rmtree(d, ignore_errors=True)


def module_logdir(request: pytest.FixtureRequest) -> Path:
    """test-output/e2e-scale-out/<run>/<module>/."""
    d = LOG_ROOT / request.module.__name__
    d.mkdir(parents=True, exist_ok=True)
    latest = LOG_BASE / "latest"
    try:
        newest = max(x.name for x in LOG_BASE.iterdir() if re.fullmatch(r"\d{8}-\d{6}-\d+", x.name))
        if latest.is_symlink() or not latest.exists():
            tmp = LOG_BASE / f".latest-{os.getpid()}"
            tmp.unlink(missing_ok=True)
            tmp.symlink_to(newest)
            tmp.replace(latest)
        _prune_old_runs()
    except OSError:
        pass
    return d


def _need_binary(name: str, install: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed; run: {install}", pytrace=False)
    return path


def wait_port_free(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex((LOCAL, port)) != 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"port {port} still answers {timeout}s after its process stopped")


# ---------------------------------------------------------------------------------------------
# Postgres
# ---------------------------------------------------------------------------------------------


def psql(sql: str, *, host: str = SHARED_PG_HOST, port: int = SHARED_PG_PORT, db: str = "postgres",
         timeout: float = 30) -> subprocess.CompletedProcess[str]:
    exe = _need_binary("psql", "apt-get install -y postgresql-client")
    return subprocess.run(
        [exe, "-h", host, "-p", str(port), "-U", SHARED_PG_USER, "-d", db, "-v", "ON_ERROR_STOP=1", "-X", "-A",
         "-t", "-c", sql],
        capture_output=True, text=True, timeout=timeout, env={**os.environ, "PGCONNECT_TIMEOUT": "5"},
    )


def require_shared_postgres() -> None:
    try:
        r = psql("select 1", timeout=15)
    except subprocess.TimeoutExpired:
        pytest.fail(f"Postgres at {SHARED_PG_HOST}:{SHARED_PG_PORT} does not answer; {PG_START_HINT}", pytrace=False)
    if r.returncode != 0 or r.stdout.strip() != "1":
        pytest.fail(
            f"cannot use Postgres at {SHARED_PG_HOST}:{SHARED_PG_PORT} as user {SHARED_PG_USER} "
            f"({r.stderr.strip() or r.stdout.strip()}); {PG_START_HINT}",
            pytrace=False,
        )


@dataclass
class FreshDatabase:
    """A database of its own on the machine's Postgres: CREATE DATABASE toolgate_e2e_<random> ... DROP."""

    name: str

    @property
    def url(self) -> str:
        return f"postgres://{SHARED_PG_USER}@{SHARED_PG_HOST}:{SHARED_PG_PORT}/{self.name}"

    @classmethod
    def create(cls) -> FreshDatabase:
        require_shared_postgres()
        name = f"toolgate_e2e_{uuid.uuid4().hex[:12]}"
        r = psql(f'CREATE DATABASE "{name}"')
        assert r.returncode == 0, f"CREATE DATABASE {name} failed: {r.stderr}"
        return cls(name)

    def query(self, sql: str) -> str:
        r = psql(sql, db=self.name)
        assert r.returncode == 0, f"psql on {self.name}: {r.stderr}"
        return r.stdout.strip()

    def drop(self) -> None:
        r = psql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        if r.returncode != 0:
            print(f"warning: DROP DATABASE {self.name} failed: {r.stderr}")


def _pg_bindir() -> Path:
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(re.sub(r"\D", "", p.split("/")[4]) or 0)
    )
    if candidates:
        return Path(candidates[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(os.path.realpath(initdb)).parent
    pytest.fail("initdb/postgres not found (a private Postgres is needed); run: apt-get install -y postgresql",
                pytrace=False)


def _as_postgres_user() -> list[str]:
    """Postgres refuses to run as root: drop to the `postgres` user when we are root."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.fail("setpriv not found (util-linux); run: apt-get install -y util-linux", pytrace=False)
    # setpriv execs (no fork), so the pid we hold is the postmaster itself and signals reach it.
    return [setpriv, "--reuid=postgres", "--regid=postgres", "--init-groups", "--"]


class PrivatePostgres:
    """initdb + postgres on a spare port in a temporary folder. Only this instance is ever stopped."""

    def __init__(self, logdir: Path) -> None:
        self.bindir = _pg_bindir()
        self.port = free_port()
        self.datadir = Path(tempfile.mkdtemp(prefix="toolgate-e2e-pg-"))
        self.logdir = logdir
        self.proc: Proc | None = None
        if os.geteuid() == 0:
            shutil.chown(self.datadir, "postgres", "postgres")
        os.chmod(self.datadir, 0o700)
        r = subprocess.run(
            [*_as_postgres_user(), str(self.bindir / "initdb"), "-D", str(self.datadir), "-U", "postgres",
             "--auth=trust", "-E", "UTF8", "--no-sync"],
            capture_output=True, text=True, timeout=120, cwd="/",
        )
        (logdir / "private-postgres-initdb.log").write_text(r.stdout + r.stderr)
        if r.returncode != 0:
            shutil.rmtree(self.datadir, ignore_errors=True)
            pytest.fail(f"initdb failed ({r.returncode}): {r.stderr[-2000:]}", pytrace=False)

    @property
    def url_base(self) -> str:
        return f"postgres://postgres@{LOCAL}:{self.port}"

    def url(self, db: str = "toolgate") -> str:
        return f"{self.url_base}/{db}"

    def start(self, timeout: float = 60) -> None:
        self.proc = start_proc(Proc(
            name="private postgres",
            argv=[*_as_postgres_user(), str(self.bindir / "postgres"), "-D", str(self.datadir), "-p", str(self.port),
                  "-k", str(self.datadir), "-c", f"listen_addresses={LOCAL}", "-c", "fsync=off",
                  "-c", "synchronous_commit=off", "-c", "full_page_writes=off"],
            log=self.logdir / "private-postgres.log",
            cwd=Path("/"),
        ))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.proc.alive():
                pytest.fail(f"private postgres exited:\n{tail(self.proc.log)}", pytrace=False)
            r = psql("select 1", port=self.port, timeout=10)
            if r.returncode == 0:
                return
            time.sleep(0.2)
        pytest.fail(f"private postgres did not accept connections within {timeout}s:\n{tail(self.proc.log)}",
                    pytrace=False)

    def stop(self, timeout: float = 30) -> None:
        """Fast shutdown (SIGINT: disconnect clients, stop) and wait for the port to close."""
        if self.proc is None or self.proc.popen is None:
            return
        p = self.proc.popen
        if p.poll() is None:
            p.send_signal(signal.SIGINT)
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                p.send_signal(signal.SIGQUIT)  # immediate shutdown
                p.wait(10)
        self.proc.popen = None
        wait_port_free(self.port)

    def create_database(self, name: str) -> None:
        r = psql(f'CREATE DATABASE "{name}"', port=self.port)
        assert r.returncode == 0, r.stderr

    def destroy(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.datadir, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# Redis
# ---------------------------------------------------------------------------------------------


def redis_command(port: int, *args: str, timeout: float = 2.0) -> str:
    """One command over RESP (no client library needed); returns the raw first reply line(s)."""
    payload = f"*{len(args)}\r\n" + "".join(f"${len(a.encode())}\r\n{a}\r\n" for a in args)
    with socket.create_connection((LOCAL, port), timeout=timeout) as s:
        s.sendall(payload.encode())
        return s.recv(65536).decode(errors="replace")


def require_shared_redis() -> None:
    try:
        reply = redis_command(SHARED_REDIS_PORT, "PING")
    except OSError as e:
        pytest.fail(f"Redis at {LOCAL}:{SHARED_REDIS_PORT} does not answer ({e}); {REDIS_START_HINT}", pytrace=False)
    if "PONG" not in reply:
        pytest.fail(f"Redis at {LOCAL}:{SHARED_REDIS_PORT} answered PING with {reply!r}; {REDIS_START_HINT}",
                    pytrace=False)


class PrivateRedis:
    """`redis-server --port N --save '' --appendonly no` of our own: frozen, killed and restarted by tests."""

    def __init__(self, logdir: Path) -> None:
        self.exe = _need_binary("redis-server", "apt-get install -y redis-server")
        self.port = free_port()
        self.logdir = logdir
        self.proc: Proc | None = None

    @property
    def url(self) -> str:
        return f"redis://{LOCAL}:{self.port}"

    def start(self, timeout: float = 15) -> None:
        self.proc = start_proc(Proc(
            name="private redis",
            argv=[self.exe, "--port", str(self.port), "--bind", LOCAL, "--save", "", "--appendonly", "no",
                  "--daemonize", "no"],
            log=self.logdir / "private-redis.log",
        ))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.proc.alive():
                pytest.fail(f"private redis-server exited:\n{tail(self.proc.log)}", pytrace=False)
            try:
                if "PONG" in redis_command(self.port, "PING", timeout=0.5):
                    return
            except OSError:
                pass
            time.sleep(0.05)
        pytest.fail(f"private redis-server did not answer within {timeout}s", pytrace=False)

    def freeze(self) -> None:
        """SIGSTOP: connections stay open but nothing answers (what a hung Redis looks like)."""
        assert self.proc is not None and self.proc.popen is not None
        self.proc.popen.send_signal(signal.SIGSTOP)

    def kill(self) -> None:
        """SIGKILL (works on a frozen process too); the port is free again afterwards."""
        if self.proc is None or self.proc.popen is None:
            return
        self.proc.popen.kill()
        self.proc.popen.wait(10)
        self.proc.popen = None
        wait_port_free(self.port)

    def dbsize(self) -> int:
        reply = redis_command(self.port, "DBSIZE")
        m = re.match(r":(\d+)", reply)
        assert m, f"DBSIZE answered {reply!r}"
        return int(m.group(1))


# ---------------------------------------------------------------------------------------------
# the toolgate processes
# ---------------------------------------------------------------------------------------------


def require_subcommands(binary: Path, *names: str) -> None:
    for name in names:
        r = subprocess.run([str(binary), name, "--help"], capture_output=True, text=True, timeout=30)
        if r.returncode != 0:
            pytest.fail(
                f"{binary} has no working `toolgate {name}` command (exit {r.returncode}: "
                f"{(r.stderr or r.stdout).strip()[:300]}); rebuild it: cargo build -p toolgate-cli",
                pytrace=False,
            )


@dataclass
class Cluster:
    control_plane: Proc
    gateways: list[Proc]
    cp_url: str
    gw_urls: list[str]
    env: dict[str, str]
    logdir: Path
    started_at: float = field(default_factory=time.monotonic)  # when every process was ready
    api: Api = field(init=False)

    def __post_init__(self) -> None:
        self.api = Api(self.cp_url)

    @property
    def gateway_url(self) -> str:
        """TOOLGATE_GATEWAY_URL: what the API shows (a load balancer would stand there)."""
        return self.env["TOOLGATE_GATEWAY_URL"]

    def mcp_urls(self, account_slug: str, server_slug: str) -> list[str]:
        return [f"{gw}/mcp/{account_slug}/{server_slug}" for gw in self.gw_urls]

    def procs(self) -> list[Proc]:
        return [self.control_plane, *self.gateways]

    def logs_tail(self, lines: int = 30) -> list[tuple[str, str]]:
        return [(f"{p.name} log (tail) {p.log}", tail(p.log, lines)) for p in self.procs()]

    def failure_sections(self) -> list[tuple[str, str]]:
        return self.logs_tail()

    def stop(self) -> list[str]:
        problems = []
        for p in [*self.gateways, self.control_plane]:
            p.stop(timeout=15)
            text = p.log.read_text(errors="replace") if p.log.exists() else ""
            if "panicked at" in text:
                problems.append(f"{p.name} panicked:\n{tail(p.log, 60)}")
        self.api.http.close()
        return problems


def start_cluster(
    logdir: Path,
    *,
    database_url: str,
    redis_url: str,
    extra_env: dict[str, str] | None = None,
    workers: int = 2,
) -> Cluster:
    binary = find_toolgate_bin()
    require_subcommands(binary, "control-plane", "gateway")
    cp_port = free_port()
    gw_ports = [free_port() for _ in range(workers)]
    cp_url = f"http://{LOCAL}:{cp_port}"
    gw_urls = [f"http://{LOCAL}:{p}" for p in gw_ports]
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "TOOLGATE_SECRET_KEY": secrets.token_hex(32),
        "TOOLGATE_PUBLIC_URL": cp_url,
        "TOOLGATE_GATEWAY_URL": gw_urls[0],
        "TOOLGATE_ALLOW_PRIVATE_UPSTREAMS": "true",
        "RUST_LOG": os.environ.get("RUST_LOG", "info"),
        "RUST_BACKTRACE": "1",
        "NO_COLOR": "1",
        **(extra_env or {}),
    }
    started: list[Proc] = []
    try:
        cp = start_proc(Proc(
            name="toolgate control-plane",
            argv=[str(binary), "control-plane", "--listen", f"{LOCAL}:{cp_port}"],
            log=logdir / "control-plane.log", env=env, cwd=logdir,
        ))
        started.append(cp)
        cp.wait_http(f"{cp_url}/readyz", timeout=90)  # it migrates at start
        gws = []
        for i, port in enumerate(gw_ports):
            gw = start_proc(Proc(
                name=f"toolgate gateway {'AB'[i] if i < 2 else i}",
                argv=[str(binary), "gateway", "--listen", f"{LOCAL}:{port}"],
                log=logdir / f"gateway-{'ab'[i] if i < 2 else i}.log", env=env, cwd=logdir,
            ))
            started.append(gw)
            gws.append(gw)
        for gw, url in zip(gws, gw_urls, strict=True):
            gw.wait_http(f"{url}/readyz", timeout=60)
    except BaseException:
        for p in started:
            p.stop(timeout=5)
        raise
    return Cluster(control_plane=cp, gateways=gws, cp_url=cp_url, gw_urls=gw_urls, env=env, logdir=logdir)


@dataclass
class Tenant:
    """One signed-up account with a sysmgmt server registered (and synced) through the control plane."""

    cluster: Cluster
    account: Any  # conftest.Account
    server: dict[str, Any]

    @property
    def api(self) -> Api:
        return self.cluster.api

    @property
    def urls(self) -> list[str]:
        """The server's MCP endpoint on each gateway worker (A, B)."""
        return self.cluster.mcp_urls(self.account.slug, self.server["slug"])

    def policy(self, document: dict[str, Any], name: str | None = None) -> dict[str, Any]:
        return self.api.create_policy(self.account, self.server["slug"], document, name=name)

    def update_policy(self, policy: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
        return self.api.update_policy(self.account, self.server["slug"], policy["name"], document)

    def grant(self, policy: dict[str, Any] | None) -> dict[str, Any]:
        return self.api.create_grant(self.account, self.server["slug"], policy["name"] if policy else None)

    def revoke(self, grant: dict[str, Any]) -> None:
        self.api.revoke_grant(self.account, grant["id"])


def make_tenant(cluster: Cluster, upstream: SysMgmt, label: str) -> Tenant:
    # Signup is rate limited per IP (10/minute): each scale-out module signs up exactly one account.
    account = cluster.api.signup(label)
    server = cluster.api.create_server(account, upstream.url)
    cluster.api.sync(account, server["slug"])
    return Tenant(cluster=cluster, account=account, server=server)


def cluster_fixture_teardown(cluster: Cluster) -> None:
    problems = cluster.stop()
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)


# ---------------------------------------------------------------------------------------------
# raw MCP over HTTP, async (for many concurrent calls) and sync
# ---------------------------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    headers: httpx.Headers
    messages: list[dict[str, Any]]
    elapsed: float  # seconds, request sent to answer read

    def answer(self, rpc_id: Any) -> dict[str, Any] | None:
        for m in self.messages:
            if isinstance(m, dict) and m.get("id") == rpc_id and ("result" in m or "error" in m):
                return m
        return None


def _headers(token: str | None, session_id: str | None, protocol: str | None) -> dict[str, str]:
    h = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
    if token:
        h["Authorization"] = f"Bearer {token}"
    if session_id:
        h["Mcp-Session-Id"] = session_id
    if protocol:
        h["MCP-Protocol-Version"] = protocol
    return h


async def apost(client: httpx.AsyncClient, url: str, body: dict[str, Any], *, token: str | None,
                session_id: str | None = None, protocol: str | None = PROTOCOL) -> Reply:
    want = body.get("id")
    t0 = time.monotonic()
    async with client.stream("POST", url, content=json.dumps(body).encode(),
                             headers=_headers(token, session_id, protocol)) as r:
        ctype = r.headers.get("content-type", "")
        messages: list[dict[str, Any]] = []
        if ctype.startswith("text/event-stream"):
            data: list[str] = []
            async for line in r.aiter_lines():
                if line.startswith("data:"):
                    data.append(line[5:].lstrip(" "))
                elif line == "" and data:
                    try:
                        msg = json.loads("\n".join(data))
                    except json.JSONDecodeError:
                        msg = None
                    data = []
                    if msg is not None:
                        messages.append(msg)
                        if isinstance(msg, dict) and msg.get("id") == want and ("result" in msg or "error" in msg):
                            break
        else:
            raw = await r.aread()
            if ctype.startswith("application/json") and raw:
                parsed = json.loads(raw)
                messages = parsed if isinstance(parsed, list) else [parsed]
        return Reply(status=r.status_code, headers=r.headers, messages=messages, elapsed=time.monotonic() - t0)


async def ainitialize(client: httpx.AsyncClient, url: str, token: str) -> str:
    body = {
        "jsonrpc": "2.0", "id": 0, "method": "initialize",
        "params": {"protocolVersion": PROTOCOL, "capabilities": {},
                   "clientInfo": {"name": "toolgate-e2e-scale-out", "version": "0"}},
    }
    r = await apost(client, url, body, token=token, protocol=None)
    assert r.status == 200 and r.answer(0) and "result" in r.answer(0), f"initialize on {url} -> {r.status}: {r.messages}"
    sid = r.headers.get("mcp-session-id")
    assert sid, f"initialize on {url} gave no Mcp-Session-Id"
    n = await apost(client, url, {"jsonrpc": "2.0", "method": "notifications/initialized"}, token=token,
                    session_id=sid)
    assert n.status == 202, f"notifications/initialized on {url} -> {n.status}"
    return sid


_ids = iter(range(1, 1 << 62))


@dataclass
class CallOutcome:
    """What one tools/call came to, as an agent would judge it."""

    status: int
    elapsed: float
    message: dict[str, Any] | None

    @property
    def result(self) -> dict[str, Any]:
        assert self.message is not None and "result" in self.message, f"no result (HTTP {self.status}): {self.message}"
        return self.message["result"]

    @property
    def admitted(self) -> bool:
        return self.status == 200 and self.message is not None and "result" in self.message \
            and not self.message["result"].get("isError", False)

    @property
    def decision(self) -> dict[str, Any]:
        meta = (self.result.get("_meta") or {}).get("dev.toolgate/decision")
        assert isinstance(meta, dict), f'a refusal carries _meta["dev.toolgate/decision"]: {self.result}'
        return meta

    @property
    def text(self) -> str:
        if self.message is None or "result" not in self.message:
            return json.dumps(self.message)
        return "\n".join(c.get("text", "") for c in self.result.get("content", []) if isinstance(c, dict))

    def describe(self) -> str:
        return f"HTTP {self.status} in {self.elapsed * 1000:.0f} ms: {json.dumps(self.message)[:400]}"


async def acall(client: httpx.AsyncClient, url: str, token: str, session_id: str, tool: str,
                arguments: dict[str, Any] | None = None) -> CallOutcome:
    rpc_id = next(_ids)
    body = {"jsonrpc": "2.0", "id": rpc_id, "method": "tools/call",
            "params": {"name": tool, "arguments": arguments or {}}}
    r = await apost(client, url, body, token=token, session_id=session_id)
    return CallOutcome(status=r.status, elapsed=r.elapsed, message=r.answer(rpc_id))


async def alist(client: httpx.AsyncClient, url: str, token: str, session_id: str) -> Reply:
    return await apost(client, url, {"jsonrpc": "2.0", "id": next(_ids), "method": "tools/list"}, token=token,
                       session_id=session_id)


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def call(url: str, token: str, session_id: str, tool: str, arguments: dict[str, Any] | None = None,
         timeout: float = 30) -> CallOutcome:
    async def go() -> CallOutcome:
        async with httpx.AsyncClient(timeout=timeout) as c:
            return await acall(c, url, token, session_id, tool, arguments)
    return run(go())


def initialize(url: str, token: str) -> str:
    async def go() -> str:
        async with httpx.AsyncClient(timeout=30) as c:
            return await ainitialize(c, url, token)
    return run(go())


def probe(url: str, timeout: float = 2.0) -> int:
    """Status of GET url, or 0 when nothing answers."""
    try:
        return httpx.get(url, timeout=timeout).status_code
    except httpx.HTTPError:
        return 0


def wait_status(url: str, expect: int, timeout: float) -> float:
    """Poll GET url until it answers `expect`; returns how long that took (AssertionError on timeout)."""
    t0 = time.monotonic()
    last = None
    while time.monotonic() - t0 < timeout:
        last = probe(url)
        if last == expect:
            return time.monotonic() - t0
        time.sleep(0.1)
    raise AssertionError(f"GET {url} did not answer {expect} within {timeout:.0f}s (last: {last})")


def assert_rate_limited(out: CallOutcome, *, rule: str | None = None) -> dict[str, Any]:
    assert out.status == 200, f"a refusal is an HTTP 200 CallToolResult: {out.describe()}"
    assert out.result.get("isError") is True, f"expected a refusal: {out.describe()}"
    d = out.decision
    assert d.get("decision") == "rate_limited", d
    if rule is not None:
        assert d.get("rule") == rule, d
    ra = d.get("retry_after_ms")
    assert isinstance(ra, int) and ra > 0, f"rate_limited refusals carry retry_after_ms > 0: {d}"
    return d


def metrics_text(base_url: str) -> tuple[httpx.Response, str]:
    r = httpx.get(f"{base_url}/metrics", timeout=10)
    return r, r.text


def new_upstream(logdir: Path, name: str) -> Iterator[SysMgmt]:
    s = make_sysmgmt(logdir, name=name)
    _track(s.proc.popen)
    try:
        yield s
    finally:
        s.stop()
