"""The one-shot topology step declares analysis's task queues, so wake-ups wait for a worker that is not up yet."""

import aio_pika

import suite_testing as testing
from analysis.tasks.states import TASK_TYPES
from analysis.tasks.wakeup import routing_key
from common.worker import declare_topology


async def test_declare_topology_declares_every_monitoring_task_queue(settings):
    from analysis.worker import create_worker

    context = create_worker(settings)
    await declare_topology(context)
    connection = await aio_pika.connect(testing.AMQP_URL)
    try:
        channel = await connection.channel()
        for task_type in TASK_TYPES:
            # A passive declare fails when the queue does not exist.
            queue = await channel.declare_queue(context.topology.task_queue(routing_key(task_type)).name, passive=True)
            assert queue.declaration_result.consumer_count == 0
    finally:
        await connection.close()
