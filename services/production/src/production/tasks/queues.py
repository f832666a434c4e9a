"""The API process's view of the worker queues over AMQP (the management API is not enabled): a passive
``queue.declare`` gives a queue's ready messages and consumers; purge and delete for ``delete-all-queues``.

The connection opens lazily on first use and is re-opened after a failure; a broker that cannot be reached is a
503 in the envelope. Each operation uses its own channel: a passive declare of a missing queue closes its channel.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import aio_pika
from aio_pika.abc import AbstractRobustConnection
from aio_pika.exceptions import ChannelClosed
from aiormq.exceptions import AMQPError

from common.broker import Topology
from common.errors import ServiceUnavailable

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT_SECONDS = 5.0
BROKER_DOWN = "The message broker is unreachable; queue operations are unavailable, try again shortly"


@dataclass(frozen=True)
class QueueState:
    name: str
    task_type: str
    exists: bool
    messages: int
    consumers: int

    def view(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "task_type": self.task_type,
            "exists": self.exists,
            "messages": self.messages,
            "consumers": self.consumers,
        }


class TaskQueues:
    def __init__(self, amqp_url: str, topology: Topology) -> None:
        self.amqp_url = amqp_url
        self.topology = topology
        self._connection: AbstractRobustConnection | None = None
        self._lock = asyncio.Lock()

    def queue_name(self, task_type: str) -> str:
        return self.topology.task_queue(task_type).name

    async def _connect(self) -> AbstractRobustConnection:
        async with self._lock:
            if self._connection is None or self._connection.is_closed:
                try:
                    self._connection = await asyncio.wait_for(
                        aio_pika.connect_robust(self.amqp_url, client_properties={"connection_name": "production-api"}),
                        CONNECT_TIMEOUT_SECONDS,
                    )
                except (OSError, TimeoutError, AMQPError) as exc:
                    self._connection = None
                    logger.warning("broker unreachable: %s", exc)
                    raise ServiceUnavailable(BROKER_DOWN) from exc
            return self._connection

    async def _channel(self) -> aio_pika.abc.AbstractChannel:
        connection = await self._connect()
        try:
            return await asyncio.wait_for(connection.channel(), CONNECT_TIMEOUT_SECONDS)
        except (OSError, TimeoutError, AMQPError, RuntimeError) as exc:
            raise ServiceUnavailable(BROKER_DOWN) from exc

    async def state(self, task_type: str) -> QueueState:
        name = self.queue_name(task_type)
        channel = await self._channel()
        try:
            queue = await channel.declare_queue(name, passive=True)
        except ChannelClosed:  # 404: the queue does not exist (yet, or any more)
            return QueueState(name, task_type, exists=False, messages=0, consumers=0)
        except (OSError, TimeoutError, AMQPError) as exc:
            raise ServiceUnavailable(BROKER_DOWN) from exc
        try:
            result = queue.declaration_result
            return QueueState(
                name, task_type, exists=True, messages=result.message_count, consumers=result.consumer_count
            )
        finally:
            await _close(channel)

    async def states(self, task_types: list[str]) -> list[QueueState]:
        return [await self.state(task_type) for task_type in task_types]

    async def declare(self, task_type: str) -> None:
        """Declare ``tasks.<task_type>`` exactly as the relay and the workers do, bound to the tasks exchange (so a
        re-sent task has a queue even right after ``delete-all-queues``)."""
        spec = self.topology.task_queue(task_type)
        channel = await self._channel()
        try:
            exchange = await channel.declare_exchange(
                self.topology.tasks_exchange, aio_pika.ExchangeType.DIRECT, durable=True
            )
            queue = await channel.declare_queue(spec.name, durable=True, arguments=spec.arguments)
            await queue.bind(exchange, routing_key=task_type)
        except (OSError, TimeoutError, AMQPError) as exc:
            raise ServiceUnavailable(BROKER_DOWN) from exc
        finally:
            await _close(channel)

    async def delete(self, task_type: str) -> QueueState | None:
        """Purge and delete the queue of ``task_type``; what it held, or None when it did not exist."""
        name = self.queue_name(task_type)
        channel = await self._channel()
        try:
            queue = await channel.declare_queue(name, passive=True)
            consumers = queue.declaration_result.consumer_count
            purged = await queue.purge()
            await queue.delete(if_unused=False, if_empty=False)
            return QueueState(name, task_type, exists=False, messages=purged.message_count or 0, consumers=consumers)
        except ChannelClosed:  # it does not exist (or was deleted concurrently)
            return None
        except (OSError, TimeoutError, AMQPError) as exc:
            raise ServiceUnavailable(BROKER_DOWN) from exc
        finally:
            await _close(channel)

    async def close(self) -> None:
        if self._connection is not None and not self._connection.is_closed:
            await self._connection.close()
        self._connection = None


async def _close(channel: aio_pika.abc.AbstractChannel) -> None:
    if not channel.is_closed:
        try:
            await channel.close()
        except Exception:  # already closing with its connection
            logger.debug("channel close failed", exc_info=True)
