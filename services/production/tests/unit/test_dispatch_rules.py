"""Pure dispatch rules: which platform a task type uses, and who a worker is."""

from common.settings import SuiteSettings
from production.settings import ProductionSettings
from production.tasks.claimant import key_id, worker_caller


def settings(task_platforms: str) -> ProductionSettings:
    return ProductionSettings(database_url="postgresql+asyncpg://x/y", task_platforms=task_platforms)


def test_the_longest_matching_prefix_names_the_platform():
    mapping = settings("DREAMINA_=dreamina, DREAMINA_LIP_=lipsync ,KLING_=kling")
    assert mapping.platform_of("DREAMINA_IMAGE_GENERATION") == "dreamina"
    assert mapping.platform_of("DREAMINA_LIP_SYNC") == "lipsync"
    assert mapping.platform_of("KLING_VIDEO") == "kling"
    assert mapping.platform_of("ECHO") is None


def test_malformed_entries_are_ignored():
    assert settings("=x,DREAMINA_=,,ECHO=echo").platform_of("ECHO") == "echo"
    assert settings("").platform_of("DREAMINA_IMAGE_GENERATION") is None


def test_a_worker_is_known_by_a_hash_of_its_key_and_its_name():
    suite = SuiteSettings(api_keys="admin", worker_keys="k1,k2", auth="on")
    worker = worker_caller(suite, {"x-api-key": "k2", "x-worker-name": " w-7 "})
    assert worker is not None and worker.key_id == key_id("k2") and worker.name == "w-7"
    assert "k2" not in worker.key_id and len(worker.key_id) == 12
    bearer = worker_caller(suite, {"authorization": "Bearer k1"})
    assert bearer is not None and bearer.name is None and bearer.key_id == key_id("k1")
    assert worker_caller(suite, {"x-api-key": "admin"}) is None  # API keys are operators, not workers
    assert worker_caller(SuiteSettings(worker_keys="k1", auth="off"), {"x-api-key": "k1"}) is None
