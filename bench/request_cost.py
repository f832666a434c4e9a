#!/usr/bin/env python3
"""In-process cost of one request: the catalog's GET and POST against a bare FastAPI route, same run.

Usage: uv run python bench/request_cost.py [--requests 3000]

Drives the ASGI apps directly (no sockets, no HTTP client) so the figure is the service's own work per request:
routing, middlewares, dependencies, the database round trips and serialisation. The bare FastAPI route that returns
a constant is the baseline; the ratio says what the suite's plumbing and the database add on top of the framework.
Uses a throwaway catalog database on the local PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

from asgi_lifespan import LifespanManager
from fastapi import FastAPI

import suite_testing as testing

CATALOG_DIR = Path(__file__).resolve().parents[1] / "services" / "catalog"


def scope(method: str, path: str, body: bytes = b"") -> dict[str, Any]:
    headers = [(b"x-api-key", testing.TEST_API_KEY.encode()), (b"host", b"bench")]
    if body:
        headers += [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    return {"type": "http", "http_version": "1.1", "method": method, "path": path, "raw_path": path.encode(),
            "query_string": b"", "headers": headers, "client": ("127.0.0.1", 1), "server": ("bench", 80),
            "scheme": "http", "root_path": "", "state": {}}  # fmt: skip


async def call(app: Any, method: str, path: str, body: bytes = b"") -> int:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope(method, path, body), receive, send)
    return sent[0]["status"]


async def measure(name: str, requests: int, one: Any) -> dict[str, float]:
    for _ in range(min(300, requests // 5)):
        await one()
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(requests):
        await one()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"name": name, "wall_us": 1e6 * wall / requests, "cpu_us": 1e6 * cpu / requests}


async def main(requests: int) -> None:
    testing.apply_suite_env(SUITE_LOG_LEVEL="WARNING")
    bare = FastAPI()

    @bare.get("/ping")
    async def ping() -> dict[str, str]:
        return {"pong": "ok"}

    results = [await measure("bare FastAPI GET (baseline)", requests, lambda: call(bare, "GET", "/ping"))]
    async with testing.migrated_database("catalog_bench", CATALOG_DIR) as url:
        from catalog.main import create_app
        from catalog.settings import CatalogSettings

        async with LifespanManager(create_app(CatalogSettings(database_url=url))) as manager:
            app = manager.app
            body = json.dumps({"name": "bench", "asset_type": "video", "file_hash": "bench-get"}).encode()
            assert await call(app, "POST", "/api/assets", body) == 200
            asset_id = await _first_id(url)

            async def get() -> None:
                assert await call(app, "GET", f"/api/assets/{asset_id}") == 200

            async def post() -> None:
                fresh = json.dumps({"name": "b", "asset_type": "video", "file_hash": uuid.uuid4().hex}).encode()
                assert await call(app, "POST", "/api/assets", fresh) == 200

            results.append(await measure("catalog GET /api/assets/{id}", requests, get))
            results.append(await measure("catalog POST /api/assets", requests // 2, post))
    baseline = results[0]["wall_us"]
    print(f"{os.cpu_count()} cores; {requests} requests each (POST: {requests // 2})")
    print("| request | wall µs | CPU µs | x baseline (wall) |\n|---|---|---|---|")
    for row in results:
        print(f"| {row['name']} | {row['wall_us']:.0f} | {row['cpu_us']:.0f} | {row['wall_us'] / baseline:.1f} |")


async def _first_id(url: str) -> str:
    import asyncpg

    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        return await connection.fetchval("SELECT id FROM assets LIMIT 1")
    finally:
        await connection.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=3000)
    asyncio.run(main(parser.parse_args().requests))
