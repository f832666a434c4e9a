"""make demo on a running suite: creates the starter data once, a second run creates nothing, never in production."""

import pytest

from suite_tools import demo
from suite_tools.launcher import Suite

N8N_NOWHERE = "http://127.0.0.1:9"  # the triggers fail visibly; the demo's data does not depend on n8n


def test_demo_creates_its_data_once(suite: Suite, capsys: pytest.CaptureFixture[str]):
    assert demo.run(suite.url, N8N_NOWHERE) == 0
    first = capsys.readouterr().out
    # Workflows of the same names may already be registered by another test of the session (run_n8n
    # --register-suite): reused then, never created twice.
    assert first.count("created  workflow") + first.count("exists   workflow") == 3
    assert "created  project type 'demo_short'" in first
    assert "created  inspiration" in first and f"{suite.url}/docs" in first and "curl -N" in first

    assert demo.run(suite.url, N8N_NOWHERE) == 0
    second = capsys.readouterr().out
    assert "created" not in second and "Nothing new" in second


def test_demo_refuses_production(suite: Suite, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SUITE_ENVIRONMENT", "production")
    with pytest.raises(demo.DemoError, match="SUITE_ENVIRONMENT=production"):
        demo.run(suite.url, N8N_NOWHERE)
