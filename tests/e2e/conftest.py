"""The whole suite as separate processes behind real Traefik, on free ports, with throwaway databases."""

from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from common import testing
from common.testing.tcp_proxy import free_port
from gateway.launcher import Suite
from gateway.routes import SERVICES


def _drop_databases(names: list[str]) -> None:
    import asyncio

    async def drop() -> None:
        admin = await asyncpg.connect(testing.ADMIN_DATABASE_URL)
        try:
            for name in names:
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()

    asyncio.run(drop())


@pytest.fixture(scope="session")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    names = {service: f"test_{service}_{testing.RUN_ID}_e2e" for service in SERVICES}
    env = testing.suite_env()
    for service, name in names.items():
        env[f"{service.upper()}_DATABASE_URL"] = testing.database_url_for(name)
    ports = {name: free_port() for name in ("gateway", *SERVICES)}
    traefik_port = free_port()
    env["SUITE_PUBLIC_URL"] = f"http://127.0.0.1:{traefik_port}"
    run_dir = Path(tmp_path_factory.mktemp("suite"))
    suite = Suite(run_dir=run_dir, env=env, traefik_port=traefik_port, traefik_admin_port=free_port(), ports=ports)
    suite.prepare()
    suite.start()
    try:
        suite.wait_healthy(timeout=90)
        yield suite
    finally:
        suite.stop()
        _drop_databases(list(names.values()))
