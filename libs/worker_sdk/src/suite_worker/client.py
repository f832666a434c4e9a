"""The suite's worker HTTP API: claim, heartbeat, report. Network errors and 5xx are retried with exponential
backoff; a 409 means the task is no longer this worker's to run (taken, cancelled) and is never retried."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx

from suite_worker.settings import WorkerSettings

logger = logging.getLogger("suite_worker")

RETRYABLE = {429, 500, 502, 503, 504}


class ReportError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


class SuiteClient:
    def __init__(self, settings: WorkerSettings, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.settings = settings
        self.http = httpx.AsyncClient(
            base_url=settings.api_url,
            headers={"X-API-Key": settings.worker_key, "X-Worker-Name": settings.name},
            timeout=30,
            transport=transport,
            trust_env=False,
        )

    async def close(self) -> None:
        await self.http.aclose()

    async def _call(self, method: str, url: str, *, json: Any = None, attempts: int | None = None) -> Any:
        attempts = attempts or self.settings.report_attempts
        delay = 0.5
        for attempt in range(1, attempts + 1):
            try:
                response = await self.http.request(method, url, json=json)
            except httpx.TransportError as exc:
                if attempt == attempts:
                    raise ReportError(0, f"{type(exc).__name__}: {exc}") from exc
                logger.warning("%s %s failed (%s); retrying in %.1fs", method, url, exc, delay)
            else:
                body = _json(response)
                if response.status_code == 200:
                    return body.get("data")
                message = str(body.get("msg") or response.text[:300])
                if response.status_code not in RETRYABLE or attempt == attempts:
                    raise ReportError(response.status_code, message)
                logger.warning(
                    "%s %s answered %s (%s); retrying in %.1fs", method, url, response.status_code, message, delay
                )
            await asyncio.sleep(delay)
            delay = min(delay * 2, 15.0)
        raise AssertionError("unreachable")

    async def claim(self, report_url: str) -> bool:
        """True when this worker now holds the task; False when it is taken or cancelled (drop the message)."""
        try:
            await self._call("PATCH", report_url, json={"status": "processing"})
        except ReportError as exc:
            if exc.status in (400, 404, 409):
                logger.info("claim of %s refused (%s): dropped", report_url, exc.message)
                return False
            raise
        return True

    async def heartbeat(self, report_url: str) -> bool:
        """False when the suite says stop (cancelled, or no longer this worker's)."""
        try:
            await self._call("POST", f"{report_url}/heartbeat", attempts=2)
        except ReportError as exc:
            if exc.status in (404, 409):
                logger.info("heartbeat of %s refused (%s): stopping", report_url, exc.message)
                return False
            logger.warning("heartbeat of %s failed: %s", report_url, exc)
        return True

    async def complete(self, report_url: str, task_output: dict[str, Any], **fields: Any) -> None:
        await self._call("PATCH", report_url, json={"status": "completed", "task_output": task_output, **fields})

    async def fail(self, report_url: str, error_message: str) -> None:
        await self._call("PATCH", report_url, json={"status": "failed", "error_message": error_message[:4000]})

    async def callback(self, worker_name: str, items: list[dict[str, Any]]) -> dict[str, Any]:
        """Several task reports in one ``POST /api/tasks/callback``; the suite answers each item (``results``)."""
        body = {"report_type": "task_status", "worker": worker_name, "data": items}
        return await self._call("POST", "/api/tasks/callback", json=body) or {}

    async def hand_back(self, report_url: str) -> None:
        """Give a claimed task back (shutdown before it finished): the suite dispatches it again."""
        await self._call("PATCH", report_url, json={"status": "pending"}, attempts=2)


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
