"""Generated documents stay in step with the code that defines them."""

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_asyncapi_documents_match_the_code():
    # The documents describe the default deployment: no test prefixes or local overrides.
    env = {key: value for key, value in os.environ.items() if not key.startswith(("SUITE_", "TEST_"))}
    result = subprocess.run(
        [sys.executable, "-m", "suite_tools.asyncapi", "--check"], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
