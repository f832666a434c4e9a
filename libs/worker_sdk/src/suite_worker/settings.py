"""A worker's settings, from the same environment variables as the suite (``SUITE_*``) plus a few of its own."""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass, field


def _default_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:4]}"


def _first_key(env: dict[str, str]) -> str:
    key = env.get("SUITE_WORKER_KEY") or env.get("SUITE_WORKER_KEYS", "").split(",")[0]
    return key.strip()


@dataclass
class WorkerSettings:
    api_url: str = "http://127.0.0.1:8000"  # SUITE_PUBLIC_URL: the gateway
    worker_key: str = ""  # SUITE_WORKER_KEY (or the first of SUITE_WORKER_KEYS)
    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    tasks_exchange: str = "suite.tasks"
    events_exchange: str = "suite.events"  # its ``.dlx`` dead-letters rejected task messages
    broker_prefix: str = ""
    name: str = field(default_factory=_default_name)  # SUITE_WORKER_NAME; unique per process
    # SUITE_WORKER_PREFETCH: tasks run at once (and as many messages held, unclaimed, ready for the next).
    prefetch: int = 1
    # SUITE_WORKER_BATCH_REPORTS: claims and finishes made while another is in flight share one callback request.
    batch_reports: bool = True
    heartbeat_seconds: float = 10.0  # SUITE_WORKER_HEARTBEAT_SECONDS: well under the suite's visibility timeout
    shutdown_grace_seconds: float = 20.0  # SUITE_WORKER_SHUTDOWN_GRACE_SECONDS: finish, else hand the task back
    report_attempts: int = 6  # a report is retried with exponential backoff on network errors and 5xx
    # SUITE_WORKER_WATCH_SECONDS: how often a deleted queue is re-declared and consumed again.
    watch_seconds: float = 5.0

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: object) -> WorkerSettings:
        env = dict(os.environ if env is None else env)
        values: dict[str, object] = {
            "api_url": env.get("SUITE_PUBLIC_URL", cls.api_url).rstrip("/"),
            "worker_key": _first_key(env),
            "amqp_url": env.get("SUITE_AMQP_URL", cls.amqp_url),
            "tasks_exchange": env.get("SUITE_TASKS_EXCHANGE", cls.tasks_exchange),
            "events_exchange": env.get("SUITE_EVENTS_EXCHANGE", cls.events_exchange),
            "broker_prefix": env.get("SUITE_BROKER_PREFIX", cls.broker_prefix),
            "prefetch": int(env.get("SUITE_WORKER_PREFETCH", cls.prefetch)),
            "batch_reports": env.get("SUITE_WORKER_BATCH_REPORTS", "true").strip().lower() not in ("0", "false", "no"),
            "heartbeat_seconds": float(env.get("SUITE_WORKER_HEARTBEAT_SECONDS", cls.heartbeat_seconds)),
            "shutdown_grace_seconds": float(env.get("SUITE_WORKER_SHUTDOWN_GRACE_SECONDS", cls.shutdown_grace_seconds)),
            "watch_seconds": float(env.get("SUITE_WORKER_WATCH_SECONDS", cls.watch_seconds)),
        }
        if env.get("SUITE_WORKER_NAME"):
            values["name"] = env["SUITE_WORKER_NAME"]
        values.update({key: value for key, value in overrides.items() if value is not None})
        return cls(**values)  # type: ignore[arg-type]

    def queue_name(self, task_type: str) -> str:
        return f"{self.broker_prefix}tasks.{task_type}"

    @property
    def exchange_name(self) -> str:
        return self.broker_prefix + self.tasks_exchange

    def queue_arguments(self, task_type: str) -> dict[str, object]:
        """Exactly the suite's declaration (``common.broker.Topology.task_queue``): a differing argument would make
        RabbitMQ refuse the declare."""
        name = self.queue_name(task_type)
        return {
            "x-queue-type": "classic",
            "x-max-priority": 10,
            "x-dead-letter-exchange": f"{self.broker_prefix}{self.events_exchange}.dlx",
            "x-dead-letter-routing-key": name,
        }
