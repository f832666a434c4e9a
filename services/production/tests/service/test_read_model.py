"""The project-types / workflows read model: idempotent, tolerant, safe out of order; through the real broker."""

from datetime import UTC, datetime, timedelta

import aio_pika
from sqlalchemy import func, select

from common.worker import start_broker
from production.consumers import PROJECT_TYPES_QUEUE
from production.models import ProcessedMessage, ProjectType, Workflow
from suite_testing import AMQP_URL, assert_envelope_error, poll

from ..helpers import create_project, envelope, project_type_payload, workflow_payload

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def at(seconds: int) -> str:
    return (T0 + timedelta(seconds=seconds)).isoformat()


async def stored_type(sessionmaker, code: str) -> ProjectType | None:
    async with sessionmaker() as session:
        return await session.get(ProjectType, code)


class TestProjectTypeEvents:
    async def test_created_type_allows_projects(self, client, read_model):
        await read_model.project_type("promo", default_parameters={"ratio": "9:16"})
        project = await create_project(client, "promo")
        assert project["project_type_code"] == "promo"
        assert project["initial_parameters"] == {"ratio": "9:16"}

    async def test_unknown_inactive_and_deleted_types_are_422(self, client, read_model):
        body = assert_envelope_error(
            await client.post("/api/projects", json={"name": "p", "project_type_code": "x"}), 422
        )
        assert "Unknown project type 'x'" in body["msg"]
        await read_model.project_type("off", is_active=False)
        body = assert_envelope_error(
            await client.post("/api/projects", json={"name": "p", "project_type_code": "off"}), 422
        )
        assert "not active" in body["msg"]
        await read_model.project_type("gone")
        await read_model.apply(
            "ideation.project_type.deleted.v1", project_type_payload("gone", updated_at=at(0), deleted_at=at(10**9))
        )
        assert_envelope_error(await client.post("/api/projects", json={"name": "p", "project_type_code": "gone"}), 422)

    async def test_older_update_after_newer_is_ignored(self, read_model, sessionmaker):
        await read_model.apply(
            "ideation.project_type.updated.v1", project_type_payload("t", name="new", updated_at=at(20))
        )
        await read_model.apply(
            "ideation.project_type.created.v1", project_type_payload("t", name="old", updated_at=at(10))
        )
        assert (await stored_type(sessionmaker, "t")).name == "new"

    async def test_delete_before_an_older_update_stays_deleted(self, read_model, sessionmaker):
        await read_model.apply(
            "ideation.project_type.deleted.v1", project_type_payload("t", updated_at=at(10), deleted_at=at(30))
        )
        await read_model.apply("ideation.project_type.updated.v1", project_type_payload("t", updated_at=at(20)))
        assert (await stored_type(sessionmaker, "t")).deleted_at is not None

    async def test_recreated_after_delete_is_live_again(self, read_model, sessionmaker):
        await read_model.apply(
            "ideation.project_type.deleted.v1", project_type_payload("t", updated_at=at(10), deleted_at=at(10))
        )
        await read_model.apply("ideation.project_type.created.v1", project_type_payload("t", updated_at=at(40)))
        assert (await stored_type(sessionmaker, "t")).is_usable

    async def test_equal_versions_are_ordered_by_occurred_at(self, read_model, sessionmaker):
        payload = project_type_payload("t", updated_at=at(10))
        await read_model.apply(
            "ideation.project_type.updated.v1", {**payload, "name": "second"}, occurred_at=T0 + timedelta(seconds=2)
        )
        await read_model.apply(
            "ideation.project_type.updated.v1", {**payload, "name": "first"}, occurred_at=T0 + timedelta(seconds=1)
        )
        assert (await stored_type(sessionmaker, "t")).name == "second"

    async def test_unknown_fields_are_ignored_and_missing_ones_kept(self, read_model, sessionmaker):
        await read_model.apply(
            "ideation.project_type.created.v1",
            project_type_payload("t", parameter_schema={"type": "object"}, updated_at=at(1), brand_new_field={"x": 1}),
        )
        await read_model.apply(
            "ideation.project_type.updated.v1", {"code": "t", "name": "renamed", "updated_at": at(2)}
        )
        stored = await stored_type(sessionmaker, "t")
        assert stored.name == "renamed" and stored.parameter_schema == {"type": "object"}

    async def test_workflow_events_follow_the_same_rules(self, read_model, sessionmaker):
        payload = workflow_payload("wf-1", n8n_webhook_url="http://n8n/new", updated_at=at(20))
        await read_model.apply("ideation.workflow.updated.v1", payload)
        await read_model.apply(
            "ideation.workflow.created.v1", {**payload, "n8n_webhook_url": "http://n8n/old", "updated_at": at(5)}
        )
        async with sessionmaker() as session:
            workflow = await session.get(Workflow, "wf-1")
        assert workflow.n8n_webhook_url == "http://n8n/new" and workflow.is_usable
        await read_model.apply("ideation.workflow.deleted.v1", {"id": "wf-1", "deleted_at": at(30)})
        async with sessionmaker() as session:
            workflow = await session.get(Workflow, "wf-1")
        assert workflow.deleted_at is not None and workflow.n8n_webhook_url == "http://n8n/new"


class TestThroughTheBroker:
    async def test_events_from_rabbitmq_are_applied_once(self, client, settings, sessionmaker):
        from production.worker import create_worker

        context = create_worker(settings)
        await start_broker(context)
        try:

            async def publish(event: dict) -> None:
                routing_key = f"{event['type']}.v{event['version']}"
                await context.broker.publish(
                    event, exchange=context.topology.events(), routing_key=routing_key, message_id=event["id"]
                )

            created = envelope(
                "ideation.project_type.created.v1", project_type_payload("broker_type", updated_at=at(1))
            )
            await publish(created)

            async def create() -> dict | None:
                response = await client.post("/api/projects", json={"name": "p", "project_type_code": "broker_type"})
                return response.json()["data"] if response.status_code == 200 else None

            assert await poll(create, timeout=15)

            # The same event id again, even carrying a newer version, changes nothing: the inbox has it.
            await publish({**created, "payload": {**created["payload"], "name": "replayed", "updated_at": at(99)}})
            await publish(envelope("ideation.workflow.created.v1", workflow_payload("wf-b", updated_at=at(1))))
            marker = envelope("ideation.project_type.created.v1", project_type_payload("marker", updated_at=at(1)))
            await publish(marker)

            async def applied() -> bool:
                async with sessionmaker() as session:
                    return (
                        await session.get(ProjectType, "marker") is not None
                        and await session.get(Workflow, "wf-b") is not None
                    )

            assert await poll(applied, timeout=15)
            stored = await stored_type(sessionmaker, "broker_type")
            assert stored.name == "Type broker_type"
            async with sessionmaker() as session:
                count = await session.scalar(select(func.count()).where(ProcessedMessage.message_id == created["id"]))
            assert count == 1

            # A malformed event (no code) is retried a bounded number of times, then dead-lettered.
            await publish(envelope("ideation.project_type.created.v1", {"name": "no code"}))
            dlq = context.topology.queue_name(PROJECT_TYPES_QUEUE) + ".dlq"

            async def dead_lettered() -> bool:
                connection = await aio_pika.connect(AMQP_URL)
                try:
                    queue = await (await connection.channel()).declare_queue(dlq, passive=True)
                    return queue.declaration_result.message_count == 1
                finally:
                    await connection.close()

            assert await poll(dead_lettered, timeout=15, interval=0.2)
        finally:
            context.stop.set()
            await context.broker.stop()
            await context.sessionmaker.kw["bind"].dispose()


class TestReadYourWrites:
    """A type ideation has just created may not have reached production yet: the request waits for its event."""

    async def test_project_of_a_type_arriving_during_the_request_is_created(self, suite_service, settings, read_model):
        import asyncio

        from common.read_model_wait import SESSION_INFO_KEY
        from suite_testing import running_app

        app = suite_service.app(settings)
        async with running_app(app) as client:
            waiter = app.state.sessionmaker.kw["info"][SESSION_INFO_KEY]
            body = {"name": "p", "project_type_code": "late"}
            request = asyncio.create_task(client.post("/api/projects", json=body))
            assert await poll(lambda: waiter.waiting("project_types", "late"))  # the request waits for the type
            await read_model.project_type("late")
            response = await request
            assert response.status_code == 200, response.text
            assert response.json()["data"]["project_type_code"] == "late"

    async def test_a_type_that_never_arrives_is_422_saying_it_waited(self, client):
        body = assert_envelope_error(
            await client.post("/api/projects", json={"name": "p", "project_type_code": "never"}), 422
        )
        assert "Unknown project type 'never': not known to production yet after waiting 2 s" in body["msg"]
