"""`.run/webhook-token` always holds the webhook token in force (n8n set-ups and scripts read it)."""

from suite_tools.launcher import _secret_in_force


def test_the_token_file_holds_the_environments_token_when_it_is_set(tmp_path, monkeypatch):
    monkeypatch.delenv("SUITE_WEBHOOK_TOKEN", raising=False)
    generated = _secret_in_force(tmp_path, "webhook-token", "SUITE_WEBHOOK_TOKEN")
    assert (tmp_path / "webhook-token").read_text().strip() == generated

    monkeypatch.setenv("SUITE_WEBHOOK_TOKEN", "from-the-environment")
    assert _secret_in_force(tmp_path, "webhook-token", "SUITE_WEBHOOK_TOKEN") == "from-the-environment"
    assert (tmp_path / "webhook-token").read_text() == "from-the-environment"
    assert (tmp_path / "webhook-token").stat().st_mode & 0o777 == 0o600
