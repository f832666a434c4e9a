"""docs/n8n.md, "Your own workflow", followed as written: its two bash blocks run unchanged against the e2e suite.

The first block starts a real n8n with the shipped workflows and the example (deploy/n8n/examples/my-inspiration.json,
no Code node), sets up n8n's owner and an API key headlessly, and registers everything with the suite
(``--register-suite``); the second tests the example through the suite's test endpoint and drafts an inspiration with
it. Only the variables the docs name are given: SUITE_URL, KEY, N8N_PORT, N8N_BROKER_PORT and WORKFLOW_ID (the id the
first block printed).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from suite_testing import TEST_API_KEY, free_port
from suite_tools.launcher import Suite

REPO = Path(__file__).resolve().parents[3]
DOC = REPO / "docs" / "n8n.md"
STARTUP_SECONDS = 240.0
DRAFT_SECONDS = 60.0


def doc_block(tag: str) -> str:
    """The bash block right after ``<!-- test: <tag> -->`` in docs/n8n.md."""
    match = re.search(rf"<!-- test: {tag} -->\s*```bash\n(.*?)```", DOC.read_text(), re.S)
    assert match, f"docs/n8n.md has no bash block tagged {tag}"
    return match.group(1)


def json_values(text: str) -> list[Any]:
    """The JSON documents curl printed one after the other."""
    decoder, values, index = json.JSONDecoder(), [], 0
    while index < len(text):
        if text[index].isspace():
            index += 1
            continue
        value, index = decoder.raw_decode(text, index)
        values.append(value)
    return values


class Output:
    """A process's stdout, collected by a thread; ``wait_for`` waits for a line with a deadline."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self._cond = threading.Condition()
        self._process = process
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            with self._cond:
                self.lines.append(line.rstrip("\n"))
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def wait_for(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not any(line.strip() == text for line in self.lines):
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._process.poll() is not None:
                    raise AssertionError(f"no line {text!r}; output so far:\n" + "\n".join(self.lines[-60:]))
                self._cond.wait(timeout=min(remaining, 1.0))


def test_your_own_workflow_as_documented(suite: Suite, n8n_bin: Path, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "SUITE_URL": suite.url,
        "KEY": TEST_API_KEY,
        "N8N_PORT": str(free_port()),
        "N8N_BROKER_PORT": str(free_port()),
    }
    n8n = subprocess.Popen(
        ["bash", "-ec", doc_block("n8n")],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its process group is stopped at the end as Ctrl-C would
    )
    output = Output(n8n)
    try:
        output.wait_for("registered.", STARTUP_SECONDS)
        text = "\n".join(output.lines)
        for name in ("N8N_USER_FOLDER", "N8N_ENCRYPTION_KEY", "N8N_BIN"):
            assert f"export {name}=" in text, text  # the environment for n8n's CLI, to copy-paste
        found = re.search(
            r"registered inspiration workflow 'my: inspiration \(no Code node\)': id (\S+) \((\S+)\)", text
        )
        assert found, text
        workflow_id, webhook_url = found.groups()
        assert webhook_url == f"http://127.0.0.1:{env['N8N_PORT']}/webhook/my-inspiration"
        assert "project type 'my_starter': " in text

        # The headless owner and API key: n8n's public API answers with it.
        key = re.search(r"n8n API key \(X-N8N-API-KEY\) in \S+:\n\s+(\S+)", text)
        assert key, text
        listed = httpx.get(
            f"http://127.0.0.1:{env['N8N_PORT']}/api/v1/workflows",
            headers={"X-N8N-API-KEY": key.group(1)},
            timeout=10,
            trust_env=False,
        )
        assert listed.status_code == 200, listed.text
        assert "myInspiration001" in {workflow["id"] for workflow in listed.json()["data"]}

        client = subprocess.run(
            ["bash", "-ec", doc_block("client")],
            cwd=REPO,
            env={**env, "WORKFLOW_ID": workflow_id},
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        tested, created = json_values(client.stdout)
        assert tested["code"] == 0 and tested["data"]["ok"] is True, tested
        assert tested["data"]["callback"]["body"]["data"]["title"].startswith("Idea: ")
        assert created["code"] == 0 and created["data"]["status"] == "generating", created

        with httpx.Client(base_url=suite.url, headers={"X-API-Key": TEST_API_KEY}, trust_env=False) as api:
            deadline = time.monotonic() + DRAFT_SECONDS
            while True:
                inspiration = api.get(f"/api/inspirations/{created['data']['id']}").json()["data"]
                if inspiration["status"] != "generating" or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
        assert inspiration["status"] == "pending", inspiration
        assert inspiration["title"] == "Idea: Rainy night detective"
    finally:
        if n8n.poll() is None:
            os.killpg(n8n.pid, signal.SIGTERM)  # run_n8n.py stops n8n on SIGTERM like on Ctrl-C
            try:
                n8n.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(n8n.pid, signal.SIGKILL)
                n8n.wait()
