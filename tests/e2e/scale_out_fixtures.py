"""Module-scoped fixtures every scale-out test module shares; a module imports the ones it uses:

    from scale_out_fixtures import database, logdir, upstream  # noqa: F401 (pytest fixtures)
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cluster import FreshDatabase, module_logdir, new_upstream
from conftest import SysMgmt


@pytest.fixture(scope="module")
def logdir(request: pytest.FixtureRequest):
    """test-output/e2e-scale-out/<run>/<module>/: every process log of the module."""
    return module_logdir(request)


@pytest.fixture(scope="module")
def database() -> Iterator[FreshDatabase]:
    """A fresh database on the machine's Postgres for the module, dropped afterwards."""
    db = FreshDatabase.create()
    yield db
    db.drop()


@pytest.fixture(scope="module")
def upstream(logdir) -> Iterator[SysMgmt]:
    """The sysmgmt MCP server fixture, one per module."""
    yield from new_upstream(logdir, "sysmgmt")
