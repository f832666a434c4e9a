"""Claims and finishes coalesced into ``POST /api/tasks/callback`` calls, one item per task.

No timer and no added latency: a report made while no call is in flight goes out at once, alone; reports made
while a call is in flight wait for it and go out together in the next one (at most ``max_items``). A worker running
several tasks at once (``prefetch`` above 1) thus makes one request for many reports when the suite is busy, which
is when it matters. The suite applies each item under its own savepoint and answers each one; a whole call that
fails (network, 5xx) is retried by the client like any report.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Any

from suite_worker.client import ReportError, SuiteClient

logger = logging.getLogger("suite_worker")

MAX_ITEMS = 100
REFUSED = frozenset({400, 403, 404, 409, 422})  # the task is not this worker's to run or report on


@dataclass
class _Report:
    item: dict[str, Any]
    answer: asyncio.Future[dict[str, Any]]


class BatchedReports:
    def __init__(self, client: SuiteClient, worker_name: str, *, max_items: int = MAX_ITEMS) -> None:
        self.client = client
        self.worker_name = worker_name
        self.max_items = max_items
        self.calls = 0  # callback requests made (a worker's figure of how well reports coalesce)
        self._waiting: list[_Report] = []
        self._wake = asyncio.Event()
        self._sender: asyncio.Task[None] | None = None

    async def claim(self, task_id: str) -> bool:
        """True when this worker now holds the task; False when it is taken or cancelled (drop the message)."""
        result = await self._report({"task_id": task_id, "status": "processing"})
        if result["ok"]:
            return True
        if result["code"] in REFUSED:
            logger.info("claim of %s refused (%s): dropped", task_id, result["msg"])
            return False
        raise ReportError(result["code"], result["msg"])

    async def complete(self, task_id: str, task_output: dict[str, Any]) -> None:
        await self._finish({"task_id": task_id, "status": "completed", "task_output": task_output})

    async def fail(self, task_id: str, error_message: str) -> None:
        await self._finish({"task_id": task_id, "status": "failed", "error_message": error_message[:4000]})

    async def close(self) -> None:
        if self._sender is not None:
            self._sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sender

    async def _finish(self, item: dict[str, Any]) -> None:
        result = await self._report(item)
        if not result["ok"]:
            raise ReportError(result["code"], result["msg"])

    async def _report(self, item: dict[str, Any]) -> dict[str, Any]:
        report = _Report(item, asyncio.get_running_loop().create_future())
        self._waiting.append(report)
        self._wake.set()
        if self._sender is None or self._sender.done():
            self._sender = asyncio.create_task(self._send_forever())
        return await report.answer

    async def _send_forever(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._waiting:
                batch, self._waiting = self._waiting[: self.max_items], self._waiting[self.max_items :]
                await self._send(batch)

    async def _send(self, batch: list[_Report]) -> None:
        self.calls += 1
        try:
            answered = await self.client.callback(self.worker_name, [report.item for report in batch])
        except Exception as exc:  # the whole call failed after the client's retries: every report in it did
            for report in batch:
                if not report.answer.done():
                    report.answer.set_exception(exc)
            return
        results = {result.get("index"): result for result in answered.get("results", [])}
        for index, report in enumerate(batch):
            if report.answer.done():  # its caller went away (cancelled)
                continue
            result = results.get(index)
            if result is None:
                report.answer.set_exception(ReportError(0, f"the suite did not answer item {index} of the callback"))
            else:
                report.answer.set_result(result)
