#!/usr/bin/env python3
"""HTTP load benchmark of the asset endpoints: straight to the catalog service vs through Traefik, same run.

Usage: uv run python bench/http_load.py [--duration 5] [--concurrency 1,10,50] [--json out.json]

Starts its own copy of the suite (throwaway databases, free ports, real Traefik), then runs wrk (Debian package
`wrk`; installed with apt-get when missing) for GET /api/assets/{id} and POST /api/assets (a fresh file_hash per
request, so every POST inserts a row and writes an outbox event) at each concurrency, alternating direct and
Traefik runs so machine noise hits both alike, --rounds times per cell. Reports the medians of throughput, p50 and
p99 latency and the Traefik/direct throughput ratio, which is the figure to compare between machines.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import asyncpg
import httpx

import suite_testing as testing
from gateway.registry import SERVICES
from suite_testing import free_port
from suite_tools.launcher import Suite

POST_SCRIPT = """
counter = 0
request = function()
  counter = counter + 1
  local body = string.format('{"name":"bench.mp4","asset_type":"video","file_hash":"%s-%d-%d"}',
                             wrk.thread:get("id"), counter, math.random(1, 1000000000))
  return wrk.format("POST", nil, {["Content-Type"]="application/json", ["X-API-Key"]="%KEY%"}, body)
end
setup = function(thread) thread:set("id", tostring(math.random(1, 1000000000))) end
"""


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, capture_output=True)
    if not shutil.which("wrk"):
        subprocess.run(["apt-get", "update", "-qq"], check=False, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, capture_output=True)
    return shutil.which("wrk") or sys.exit("wrk is required (apt-get install wrk)")


def to_ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(wrk: str, url: str, *, connections: int, duration: int, script: str | None, headers: list[str]) -> dict:
    command = [wrk, "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s"]
    for header in headers:
        command += ["-H", header]
    if script:
        command += ["-s", script]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", output, re.M))
    if "99" not in latency:
        raise RuntimeError(f"unexpected wrk output for {url}:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),  # type: ignore[union-attr]
        "p50_ms": to_ms(latency["50"]),
        "p99_ms": to_ms(latency["99"]),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": errors.group(1) if errors else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--concurrency", default="1,10,50")
    parser.add_argument("--rounds", type=int, default=3, help="alternating direct/Traefik pairs per cell; medians")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--operations", default="get,post")
    parser.add_argument(
        "--no-workers", action="store_true", help="without the workers (outbox relay): isolates its cost"
    )
    args = parser.parse_args()
    wrk = ensure_wrk()
    levels = [int(level) for level in args.concurrency.split(",")]
    operations = args.operations.split(",")

    names = {service: f"bench_{service}_{testing.RUN_ID}" for service in SERVICES}
    env = testing.suite_env(SUITE_LOG_JSON="true")  # the default log configuration, access lines included
    for service, name in names.items():
        env[f"{service.upper()}_DATABASE_URL"] = testing.database_url_for(name)
    ports = {name: free_port() for name in ("gateway", *SERVICES)}
    traefik_port = free_port()
    run_dir = Path(tempfile.mkdtemp(prefix="bench-suite-"))
    suite = Suite(
        run_dir=run_dir,
        env=env,
        traefik_port=traefik_port,
        traefik_admin_port=free_port(),
        ports=ports,
        workers=not args.no_workers,
    )
    suite.prepare()
    suite.start()
    results: list[dict] = []
    try:
        suite.wait_healthy()
        targets = {"direct": f"http://127.0.0.1:{ports['catalog']}", "traefik": suite.url}
        key = testing.TEST_API_KEY
        created = httpx.post(
            f"{targets['direct']}/api/assets",
            json={"name": "bench", "asset_type": "video", "file_hash": "bench-get"},
            headers={"X-API-Key": key},
        ).json()["data"]
        script = run_dir / "post.lua"
        script.write_text(POST_SCRIPT.replace("%KEY%", key))
        for operation in operations:
            for connections in levels:
                for target in ("direct", "traefik") * args.rounds:
                    base = targets[target]
                    if operation == "get":
                        url, lua, headers = f"{base}/api/assets/{created['id']}", None, [f"X-API-Key: {key}"]
                    else:
                        url, lua, headers = f"{base}/api/assets", str(script), []
                    figures = run_wrk(wrk, url, connections=connections, duration=args.duration, script=lua,
                                      headers=headers)  # fmt: skip
                    row = {"operation": operation, "concurrency": connections, "target": target, **figures}
                    results.append(row)
                    print(json.dumps(row), flush=True)
    finally:
        suite.stop()
        asyncio.run(_drop(list(names.values())))
        shutil.rmtree(run_dir, ignore_errors=True)

    print(f"\nmachine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print("| operation | concurrency | direct req/s | Traefik req/s | ratio | direct p50/p99 ms | Traefik p50/p99 ms |")
    print("|---|---|---|---|---|---|---|")
    for operation in operations:
        for connections in levels:
            direct, via = (
                next(
                    r for r in results if (r["operation"], r["concurrency"], r["target"]) == (operation, connections, t)
                )
                for t in ("direct", "traefik")
            )
            print(
                f"| {operation.upper()} | {connections} | {direct['rps']:.0f} | {via['rps']:.0f} | "
                f"{via['rps'] / direct['rps']:.2f} | {direct['p50_ms']:.2f} / {direct['p99_ms']:.2f} | "
                f"{via['p50_ms']:.2f} / {via['p99_ms']:.2f} |"
            )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


def _median(rows: list[dict]) -> dict[str, float]:
    """Per figure, the median over the rounds (robust to one disturbed run on a shared machine)."""
    return {key: statistics.median(row[key] for row in rows) for key in ("rps", "p50_ms", "p99_ms")}


async def _drop(names: list[str]) -> None:
    admin = await asyncpg.connect(testing.ADMIN_DATABASE_URL)
    try:
        for name in names:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


if __name__ == "__main__":
    sys.exit(main())
