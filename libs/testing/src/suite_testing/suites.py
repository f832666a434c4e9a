"""A whole suite of its own, as ``make run`` runs it (every service and worker, Traefik), on free ports with
throwaway databases: for end-to-end tests and the benchmarks."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg

from gateway.registry import SERVICES
from suite_testing import ADMIN_DATABASE_URL, database_url_for, free_port
from suite_tools.launcher import Suite


def drop_databases(names: Iterable[str]) -> None:
    async def drop() -> None:
        admin = await asyncpg.connect(ADMIN_DATABASE_URL)
        try:
            for name in names:
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()

    asyncio.run(drop())


@contextmanager
def throwaway_suite(
    run_dir: Path, database_name: str, env: dict[str, str], *, healthy_timeout: float = 90, **options: Any
) -> Iterator[Suite]:
    """Start the suite with ``env`` (e.g. ``suite_env(...)``) and a database per service named by ``database_name``
    (``"bench_{service}_<run id>"``), wait until it is healthy, and at the end stop it and drop its databases.
    ``options`` go to ``Suite`` (e.g. ``task_workers=False``)."""
    names = {service: database_name.format(service=service) for service in SERVICES}
    env = dict(env)
    for service, name in names.items():
        env[f"{service.upper()}_DATABASE_URL"] = database_url_for(name)
    traefik_port = free_port()
    env["SUITE_PUBLIC_URL"] = f"http://127.0.0.1:{traefik_port}"
    suite = Suite(
        run_dir=run_dir,
        env=env,
        traefik_port=traefik_port,
        traefik_admin_port=free_port(),
        ports={name: free_port() for name in ("gateway", *SERVICES)},
        **options,
    )
    suite.prepare()
    suite.start()
    try:
        suite.wait_healthy(timeout=healthy_timeout)
        yield suite
    finally:
        suite.stop()
        drop_databases(names.values())
