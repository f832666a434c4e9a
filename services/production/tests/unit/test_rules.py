"""State machines, graph checks, quota arithmetic, merging and settings: no I/O."""

from datetime import UTC, date, datetime, timedelta

import pytest
from cryptography.fernet import Fernet

from common.errors import BadRequest, Conflict
from common.read_model import SourceEvent
from production.credentials import CredentialsCipher
from production.models import PlatformAccount
from production.platform_accounts import quota
from production.projects import states as project_states
from production.projects.states import TaskCounts, derived_status
from production.settings import DEVELOPMENT_CREDENTIALS_KEY, ProductionSettings
from production.tasks import states as task_states
from production.worker_configs.service import deep_merge


class TestProjectTransitions:
    @pytest.mark.parametrize(
        ("old", "new"),
        [
            ("pending", "processing"),
            ("pending", "failed"),
            ("processing", "completed"),
            ("processing", "failed"),
            ("completed", "processing"),
            ("failed", "pending"),
            ("failed", "processing"),
            ("processing", "processing"),
        ],
    )
    def test_allowed(self, old, new):
        project_states.check_transition(old, new)

    @pytest.mark.parametrize(
        ("old", "new"),
        [
            ("pending", "completed"),
            ("processing", "pending"),
            ("completed", "failed"),
            ("completed", "pending"),
            ("failed", "completed"),
        ],
    )
    def test_refused_with_the_contract_message(self, old, new):
        with pytest.raises(BadRequest, match=f"Invalid status transition from {old} to {new}"):
            project_states.check_transition(old, new)


class TestDerivedProjectStatus:
    def test_failure_wins(self):
        assert derived_status("processing", TaskCounts(total=3, completed=2, failed=1)) == "failed"

    def test_all_completed(self):
        assert derived_status("processing", TaskCounts(total=2, completed=2)) == "completed"
        assert derived_status("pending", TaskCounts(total=1, completed=1)) == "completed"

    def test_started_moves_pending_to_processing(self):
        assert derived_status("pending", TaskCounts(total=2, processing=1)) == "processing"
        assert derived_status("pending", TaskCounts(total=2)) == "pending"

    def test_failed_project_resumes_only_after_a_retry(self):
        counts = TaskCounts(total=2, completed=1)
        assert derived_status("failed", counts) == "failed"
        assert derived_status("failed", counts, retried_failure=True) == "processing"
        assert derived_status("failed", TaskCounts(total=2), retried_failure=True) == "pending"

    def test_completed_project_reopens_when_a_task_is_added(self):
        assert derived_status("completed", TaskCounts(total=3, completed=2)) == "processing"

    def test_empty_project_keeps_its_status(self):
        assert derived_status("pending", TaskCounts()) == "pending"


class TestTaskTransitions:
    def test_claim_of_a_taken_or_finished_task_is_409(self):
        for old in ("processing", "completed", "failed", "cancelled"):
            with pytest.raises(Conflict):
                task_states.check_transition("t", old, "processing")

    def test_claim_of_a_waiting_task_is_400(self):
        with pytest.raises(BadRequest, match="from waiting to processing"):
            task_states.check_transition("t", "waiting", "processing")

    def test_completed_is_terminal(self):
        for new in task_states.TaskStatus:
            if new not in ("completed", "processing"):
                with pytest.raises(BadRequest):
                    task_states.check_transition("t", "completed", new)

    def test_sources_guard_the_conditional_update(self):
        assert set(task_states.sources_of("processing")) == {"pending", "queued"}
        assert set(task_states.sources_of("pending")) == {"queued", "processing", "failed", "cancelled"}

    def test_cycle_detection(self):
        assert task_states.has_cycle({"a": [], "b": ["a"], "c": ["a", "b"]}) is None
        cycle = task_states.has_cycle({"a": ["c"], "b": ["a"], "c": ["b"]})
        assert cycle is not None and cycle[0] == cycle[-1] and set(cycle) == {"a", "b", "c"}
        assert task_states.has_cycle({"a": ["a"]}) == ["a", "a"]
        assert task_states.has_cycle({"a": ["outside"]}) is None


class TestQuota:
    def account(self, **fields) -> PlatformAccount:
        values = {"status": "active", "daily_limit": 10, "used_today": 4, "usage_day": date(2026, 1, 2)}
        values.update(fields)
        return PlatformAccount(**values)

    def test_usage_counts_only_on_its_day(self):
        account = self.account()
        assert quota.effective_used(account, date(2026, 1, 2)) == 4
        assert quota.effective_used(account, date(2026, 1, 3)) == 0
        assert quota.remaining_quota(account, date(2026, 1, 3)) == 10

    def test_remaining_and_availability(self):
        today = date(2026, 1, 2)
        assert quota.remaining_quota(self.account(), today) == 6
        assert quota.remaining_quota(self.account(daily_limit=None), today) is None
        assert quota.is_available(self.account(daily_limit=None), today)
        assert not quota.is_available(self.account(used_today=10), today)
        assert quota.remaining_quota(self.account(used_today=12), today) == 0
        assert not quota.is_available(self.account(status="suspended"), today)
        assert not quota.is_available(self.account(deleted_at=datetime.now(UTC)), today)

    def test_utc_day_boundary(self):
        late = datetime(2026, 1, 2, 23, 59, tzinfo=UTC)
        assert quota.utc_today(late) == date(2026, 1, 2)
        assert quota.utc_today(late + timedelta(minutes=2)) == date(2026, 1, 3)
        east = late.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai"))
        assert quota.utc_today(east) == date(2026, 1, 2)


class TestReadModelVersions:
    def test_version_is_the_latest_payload_stamp(self):
        event = {
            "id": "e",
            "type": "ideation.project_type.deleted",
            "occurred_at": "2026-01-01T00:00:05Z",
            "payload": {"code": "x", "updated_at": "2026-01-01T00:00:01Z", "deleted_at": "2026-01-01T00:00:03Z"},
        }
        source = SourceEvent.parse(event)
        assert source.is_delete
        assert source.version_at == datetime(2026, 1, 1, 0, 0, 3, tzinfo=UTC)
        assert source.event_at == datetime(2026, 1, 1, 0, 0, 5, tzinfo=UTC)

    def test_without_stamps_the_event_time_is_the_version_and_naive_times_are_utc(self):
        source = SourceEvent.parse(
            {"type": "ideation.workflow.updated", "occurred_at": "2026-01-01T00:00:05", "payload": {"id": "w"}}
        )
        assert source.version_at == datetime(2026, 1, 1, 0, 0, 5, tzinfo=UTC)
        assert source.deleted_at() is None

    def test_an_event_without_payload_is_rejected(self):
        with pytest.raises(ValueError):
            SourceEvent.parse({"id": "e", "type": "ideation.workflow.created"})


class TestMerge:
    def test_deep_merge(self):
        base = {"model": "a", "limits": {"rpm": 10, "burst": 2}, "tags": [1]}
        assert deep_merge(base, {"limits": {"rpm": 20}, "tags": [2]}) == {
            "model": "a",
            "limits": {"rpm": 20, "burst": 2},
            "tags": [2],
        }
        assert base["limits"] == {"rpm": 10, "burst": 2}


class TestCredentials:
    def test_round_trip_and_rotation(self):
        old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
        token = CredentialsCipher([old]).encrypt({"email": "a@b.c", "password": "secret"})
        assert "secret" not in token
        assert CredentialsCipher([new, old]).decrypt(token) == {"email": "a@b.c", "password": "secret"}

    def test_a_token_no_key_opens_decrypts_to_empty_and_logs_no_secret(self, caplog):
        token = CredentialsCipher([Fernet.generate_key().decode()]).encrypt({"password": "secret"})
        assert CredentialsCipher([DEVELOPMENT_CREDENTIALS_KEY]).decrypt(token, account_id="acc-1") == {}
        assert "acc-1" in caplog.text and "secret" not in caplog.text and token not in caplog.text


class TestSettings:
    def test_development_and_test_fall_back_to_the_development_key(self, monkeypatch):
        monkeypatch.delenv("PRODUCTION_CREDENTIALS_KEY", raising=False)
        monkeypatch.setenv("SUITE_ENVIRONMENT", "test")
        assert ProductionSettings().credentials_keys == [DEVELOPMENT_CREDENTIALS_KEY]

    def test_production_without_a_key_is_a_startup_error(self, monkeypatch):
        monkeypatch.delenv("PRODUCTION_CREDENTIALS_KEY", raising=False)
        monkeypatch.setenv("SUITE_ENVIRONMENT", "production")
        monkeypatch.setenv("SUITE_API_KEYS", "k" * 32)
        monkeypatch.setenv("SUITE_WORKER_KEYS", "w" * 32)
        monkeypatch.setenv("SUITE_WEBHOOK_TOKEN", "real-token-" + "t" * 32)
        with pytest.raises(ValueError, match="PRODUCTION_CREDENTIALS_KEY must be set"):
            ProductionSettings()
        monkeypatch.setenv("PRODUCTION_CREDENTIALS_KEY", DEVELOPMENT_CREDENTIALS_KEY)
        with pytest.raises(ValueError, match="development key"):
            ProductionSettings()
        key = Fernet.generate_key().decode()
        monkeypatch.setenv("PRODUCTION_CREDENTIALS_KEY", key)
        assert ProductionSettings().credentials_keys == [key]

    def test_an_invalid_key_is_refused_without_echoing_it(self, monkeypatch):
        monkeypatch.setenv("PRODUCTION_CREDENTIALS_KEY", "not-a-key-but-a-secret")
        with pytest.raises(ValueError) as error:
            ProductionSettings()
        assert "not a valid Fernet key" in str(error.value)
        assert "not-a-key-but-a-secret" not in str(error.value)
