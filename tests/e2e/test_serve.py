"""`toolgate serve` (all-in-one) as an operator sees it: health, readiness, graceful SIGTERM."""

from __future__ import annotations

import httpx
from conftest import start_toolgate


def test_health_ready_and_graceful_sigterm(toolgate_bin, tmp_path):
    tg = start_toolgate(toolgate_bin, tmp_path, name="toolgate-own")
    try:
        assert httpx.get(f"{tg.base_url}/healthz", timeout=5).status_code == 200
        assert httpx.get(f"{tg.base_url}/readyz", timeout=5).status_code == 200
        assert tg.data_dir.is_dir(), "serve creates its data folder"
    finally:
        code = tg.proc.stop(timeout=15)
    assert code == 0, f"SIGTERM is a graceful shutdown with exit code 0, got {code}"
