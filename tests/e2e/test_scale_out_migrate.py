"""`toolgate migrate` against Postgres is safe from several processes at once (issue 3 §1)."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator

import pytest
from cluster import FreshDatabase, record, require_subcommands
from scale_out_fixtures import logdir  # noqa: F401 (pytest fixtures)
from conftest import find_toolgate_bin, tail

# every test here is bounded
pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def database() -> Iterator[FreshDatabase]:
    db = FreshDatabase.create()
    yield db
    db.drop()


def _start_migrate(binary, database: FreshDatabase, log) -> subprocess.Popen[bytes]:
    f = open(log, "wb")  # noqa: SIM115 - handed to the child
    try:
        return subprocess.Popen([str(binary), "migrate"], stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env={**os.environ, "DATABASE_URL": database.url, "NO_COLOR": "1"},
                                cwd=log.parent)
    finally:
        f.close()


@pytest.mark.timeout(180)
def test_three_concurrent_migrates_on_a_fresh_database(logdir, database: FreshDatabase):
    binary = find_toolgate_bin()
    require_subcommands(binary, "migrate")
    logs = [logdir / f"migrate-{i}.log" for i in range(3)]
    t0 = time.monotonic()
    procs = [_start_migrate(binary, database, log) for log in logs]
    codes = []
    try:
        for p in procs:
            codes.append(p.wait(120))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait(5)
    record("3 concurrent `toolgate migrate`", f"exit codes {codes} in {time.monotonic() - t0:.1f}s")
    for code, log in zip(codes, logs, strict=True):
        assert code == 0, f"`toolgate migrate` exited {code} while two others ran:\n{tail(log)}"
        assert "panicked at" not in log.read_text(errors="replace"), tail(log)

    tables = database.query(
        "select count(*) from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'"
    )
    assert int(tables) >= 5, f"the schema exists after migrating ({tables} tables in public)"
    schema = database.query(
        "select string_agg(table_name || '.' || column_name || ':' || data_type, ',' order by table_name, column_name)"
        " from information_schema.columns where table_schema = 'public'"
    )

    # a fourth run is a no-op that succeeds and changes nothing
    again = subprocess.run([str(binary), "migrate"], capture_output=True, text=True, timeout=120,
                           env={**os.environ, "DATABASE_URL": database.url, "NO_COLOR": "1"})
    assert again.returncode == 0, f"a repeated migrate fails: {again.stdout}{again.stderr}"
    assert database.query(
        "select string_agg(table_name || '.' || column_name || ':' || data_type, ',' order by table_name, column_name)"
        " from information_schema.columns where table_schema = 'public'"
    ) == schema
