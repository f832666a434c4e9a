"""/docs in a real browser without the internet: Swagger UI comes from the gateway's own assets and lists the
operations of the merged OpenAPI document."""

import shutil
import subprocess
from pathlib import Path

import pytest

from suite_tools.launcher import Suite

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    # Everything but loopback goes to a closed port: a page that needs a CDN stays blank.
    "--proxy-server=http://127.0.0.1:9",
    "--virtual-time-budget=15000",
    "--dump-dom",
]


def test_docs_render_the_operations_offline(suite: Suite, tmp_path: Path):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium is not installed and could not be (deploy/ci/prepare.sh installs it with apt as root)")
    result = subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path}", f"{suite.url}/docs"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    dom = result.stdout
    assert "swagger-ui" in dom, result.stderr[-2000:]
    # Operations rendered by Swagger UI's JavaScript (absent from the page's HTML as served).
    assert 'class="opblock-summary-path"' in dom or "opblock-summary-path" in dom, dom[:2000]
    for path in ("/api/assets", "/api/projects", "/api/events/stream"):
        assert path in dom
