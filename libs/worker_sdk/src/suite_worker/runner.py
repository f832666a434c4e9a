"""Consume task queues and run a handler per message: claim → heartbeat while running → report. At most
``prefetch`` tasks run at once.

The suite's database row is the truth and the message only a wake-up. So the message is acknowledged as soon as the
claim is answered: a claim refused (409: taken or cancelled) drops it; a worker that dies after claiming goes silent,
and the suite re-dispatches the task after its visibility timeout. Reports are retried with backoff.

Shutdown (SIGTERM/SIGINT): stop consuming, let running tasks finish for ``shutdown_grace_seconds``, then cancel them
and hand them back (``pending``) so another worker takes them at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractQueue, AbstractRobustConnection

from suite_worker.client import ReportError, SuiteClient
from suite_worker.reports import BatchedReports
from suite_worker.settings import WorkerSettings

logger = logging.getLogger("suite_worker")

Handler = Callable[[dict[str, Any]], Awaitable[Any]]


class Worker:
    def __init__(
        self, settings: WorkerSettings, handlers: Mapping[str, Handler], *, client: SuiteClient | None = None
    ) -> None:
        if not handlers:
            raise ValueError("a worker needs at least one task type")
        self.settings = settings
        self.handlers = dict(handlers)
        self.client = client or SuiteClient(settings)
        self.reports = BatchedReports(self.client, settings.name) if settings.batch_reports else None
        self.stop = asyncio.Event()
        self._stopping = False
        self._connection: AbstractRobustConnection | None = None
        self._channel: AbstractChannel | None = None
        self._queues: dict[str, AbstractQueue] = {}
        self._tags: dict[str, str] = {}
        self._running: dict[str, asyncio.Task[Any]] = {}
        self._handed_back: set[str] = set()
        self._callbacks: set[asyncio.Task[Any]] = set()
        # Messages are acknowledged once claimed, so the broker's prefetch alone would not bound the running tasks.
        self._slots = asyncio.Semaphore(settings.prefetch)
        self.completed = 0

    # --- lifecycle -----------------------------------------------------------------------------------------------

    async def run(self, *, install_signals: bool = True) -> None:
        """Consume until ``stop`` is set (SIGTERM/SIGINT set it), then shut down gracefully."""
        if install_signals:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, self.stop.set)
        await self.start()
        watcher = asyncio.create_task(self._watch_queues())
        try:
            await self.stop.wait()
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
            await self.shutdown()

    async def start(self) -> None:
        self._connection = await aio_pika.connect_robust(
            self.settings.amqp_url, client_properties={"connection_name": f"worker {self.settings.name}"}
        )
        self._channel = await self._connection.channel()
        await self._channel.set_qos(prefetch_count=self.settings.prefetch)
        for task_type in self.handlers:
            await self._consume(task_type)
        logger.info(
            "worker %s consuming %s (prefetch %d)", self.settings.name, ", ".join(self.handlers), self.settings.prefetch
        )

    async def shutdown(self) -> None:
        self._stopping = True
        for task_type, tag in list(self._tags.items()):
            with contextlib.suppress(Exception):
                await self._queues[task_type].cancel(tag)
        if self._running:
            logger.info(
                "finishing %d running tasks (up to %.0fs)", len(self._running), self.settings.shutdown_grace_seconds
            )
            _, pending = await asyncio.wait(list(self._running.values()), timeout=self.settings.shutdown_grace_seconds)
            for task_id, work in list(self._running.items()):
                if work in pending:
                    self._handed_back.add(task_id)
                    work.cancel()
            # the message callbacks report the hand-backs; wait for them
            if self._callbacks:
                await asyncio.wait(list(self._callbacks), timeout=10)
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.close()
        if self.reports is not None:
            await self.reports.close()
        await self.client.close()
        logger.info("worker %s stopped", self.settings.name)

    # --- queues --------------------------------------------------------------------------------------------------

    async def _consume(self, task_type: str) -> None:
        assert self._channel is not None
        exchange = await self._channel.declare_exchange(
            self.settings.exchange_name, aio_pika.ExchangeType.DIRECT, durable=True
        )
        queue = await self._channel.declare_queue(
            self.settings.queue_name(task_type), durable=True, arguments=self.settings.queue_arguments(task_type)
        )
        await queue.bind(exchange, routing_key=task_type)
        self._queues[task_type] = queue
        self._tags[task_type] = await queue.consume(self._on_message)

    async def _watch_queues(self) -> None:
        """A queue deleted under the worker (``delete-all-queues``) cancels its consumer: declare and consume again."""
        while True:
            await asyncio.sleep(self.settings.watch_seconds)
            if self._stopping or self._channel is None:
                continue
            try:
                consumers = self._channel.get_underlay_channel().consumers
            except Exception:  # reconnecting: the robust channel restores its consumers
                continue
            for task_type, tag in list(self._tags.items()):
                if tag not in consumers:
                    logger.warning("consumer of %s was cancelled by the broker; consuming again", task_type)
                    try:
                        await self._consume(task_type)
                    except Exception:
                        logger.exception("re-consuming %s failed; retrying", task_type)

    # --- one message ---------------------------------------------------------------------------------------------

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        if self._stopping:
            await message.nack(requeue=True)
            return
        try:
            payload = json.loads(message.body)
            task_id = str(payload["task_id"])
            handler = self.handlers[str(payload["task_type"])]
        except (ValueError, KeyError, TypeError):
            logger.error("unreadable task message %s: dead-lettered", message.message_id)
            await message.reject(requeue=False)
            return
        report_url = str(payload.get("report_url") or f"/api/tasks/{task_id}")
        async with self._slots:
            if self._stopping:
                await message.nack(requeue=True)
                return
            try:
                claimed = await self._claim(task_id, report_url)
            except ReportError as exc:  # the suite is unreachable: let the broker redeliver later
                logger.warning("claim of %s failed (%s): requeued", task_id, exc)
                await asyncio.sleep(1)
                await message.nack(requeue=True)
                return
            await message.ack()
            if claimed:
                await self._execute(task_id, report_url, handler, payload)

    async def _execute(self, task_id: str, report_url: str, handler: Handler, payload: dict[str, Any]) -> None:
        work = asyncio.create_task(handler(payload))
        self._running[task_id] = work
        current = asyncio.current_task()
        if current is not None:
            self._callbacks.add(current)
        beat = asyncio.create_task(self._heartbeats(report_url, work))
        try:
            try:
                output = await work
            except asyncio.CancelledError:
                if task_id in self._handed_back:
                    await self._report(self.client.hand_back(report_url), task_id, "hand back")
                    return
                if work.cancelled():  # the suite said stop (cancelled, or the claim was lost)
                    return
                raise
            except Exception as exc:
                logger.warning("task %s failed: %s", task_id, exc)
                message = f"{type(exc).__name__}: {exc}"
                batched = self._batched(task_id, report_url)
                failure = batched.fail(task_id, message) if batched else self.client.fail(report_url, message)
                await self._report(failure, task_id, "failure")
                return
            if not isinstance(output, dict):
                output = {"result": output}
            batched = self._batched(task_id, report_url)
            completion = batched.complete(task_id, output) if batched else self.client.complete(report_url, output)
            await self._report(completion, task_id, "completion")
            self.completed += 1
        finally:
            beat.cancel()
            self._callbacks.discard(asyncio.current_task())  # type: ignore[arg-type]
            self._running.pop(task_id, None)
            self._handed_back.discard(task_id)

    def _batched(self, task_id: str, report_url: str) -> BatchedReports | None:
        """The batched reports, for a task reported at the suite's own task URL (the callback names tasks by id)."""
        return self.reports if self.reports is not None and report_url == f"/api/tasks/{task_id}" else None

    async def _claim(self, task_id: str, report_url: str) -> bool:
        batched = self._batched(task_id, report_url)
        return await (batched.claim(task_id) if batched else self.client.claim(report_url))

    async def _heartbeats(self, report_url: str, work: asyncio.Task[Any]) -> None:
        while not work.done():
            await asyncio.sleep(self.settings.heartbeat_seconds)
            if not work.done() and not await self.client.heartbeat(report_url):
                work.cancel()
                return

    @staticmethod
    async def _report(call: Awaitable[None], task_id: str, what: str) -> None:
        try:
            await call
        except ReportError as exc:
            logger.error("reporting the %s of task %s failed: %s", what, task_id, exc)
