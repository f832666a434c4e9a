"""``suite-worker run module:handler --task-type T [--task-type T2 ...]``: run a handler as a worker process."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import sys
from collections.abc import Sequence

from suite_worker.runner import Handler, Worker
from suite_worker.settings import WorkerSettings


def load_handler(spec: str) -> Handler:
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise SystemExit(f"handler must be module:function, got {spec!r}")
    handler = getattr(importlib.import_module(module_name), attribute, None)
    if handler is None or not callable(handler):
        raise SystemExit(f"{spec}: no such function")
    return handler


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="suite-worker", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="consume task types and run the handler for each message")
    run.add_argument("handler", help="module:function, an async function from the payload to task_output")
    run.add_argument("--task-type", action="append", required=True, dest="task_types", help="repeat for several")
    run.add_argument("--prefetch", type=int, help="tasks run at once (SUITE_WORKER_PREFETCH, default 1)")
    run.add_argument("--name", help="worker name reported to the suite (SUITE_WORKER_NAME, default host-pid)")
    run.add_argument("--heartbeat-seconds", type=float, help="SUITE_WORKER_HEARTBEAT_SECONDS, default 10")
    run.add_argument("--log-level", default="INFO")
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(name)s %(levelname)s %(message)s")
    handler = load_handler(args.handler)
    settings = WorkerSettings.from_env(name=args.name, prefetch=args.prefetch, heartbeat_seconds=args.heartbeat_seconds)
    if not settings.worker_key:
        print("suite-worker: set SUITE_WORKER_KEY (a key from the suite's SUITE_WORKER_KEYS)", file=sys.stderr)
        return 2
    worker = Worker(settings, dict.fromkeys(args.task_types, handler))
    asyncio.run(worker.run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
