"""What production publishes (through its outbox) and consumes.

Published (payloads in docs/services/production.md):
- ``production.project.created.v1``, ``production.project.deleted.v1``
- ``production.project.completed.v1``, ``production.project.failed.v1``: the project entered that status
- ``production.task.status_changed.v1``: every task status change
- ``production.task.ready.v1``: a task entered ``pending`` (created ready, its dependencies completed, or retried)
- ``production.project_creation.failed.v1``: a transform workflow reported failure on its callback (nothing created):
  ``{inspiration_id, creation_execution_id, reason}``, so ideation fails the inspiration with the workflow's reason

Consumed (``production.consumers``): ``ideation.project_type.{created,updated,deleted}.v1``,
``ideation.workflow.{created,updated,deleted}.v1``, ``ideation.inspiration.approved.v1`` (its transform run) and
``catalog.asset.registered.v1`` (a completed project's final output became an asset: its ``output_asset_id``).
"""

from common.outbox import Outbox
from production.models import OutboxMessage

PROJECT_CREATED = "production.project.created.v1"
PROJECT_DELETED = "production.project.deleted.v1"
PROJECT_COMPLETED = "production.project.completed.v1"
PROJECT_FAILED = "production.project.failed.v1"
TASK_STATUS_CHANGED = "production.task.status_changed.v1"
TASK_READY = "production.task.ready.v1"
PROJECT_CREATION_FAILED = "production.project_creation.failed.v1"

PROJECT_TYPE_EVENTS = "ideation.project_type.*.v1"
WORKFLOW_EVENTS = "ideation.workflow.*.v1"
INSPIRATION_APPROVED = "ideation.inspiration.approved.v1"
ASSET_REGISTERED = "catalog.asset.registered.v1"

outbox = Outbox(
    OutboxMessage,
    producer="production",
    publishes=[
        PROJECT_CREATED,
        PROJECT_DELETED,
        PROJECT_COMPLETED,
        PROJECT_FAILED,
        TASK_STATUS_CHANGED,
        TASK_READY,
        PROJECT_CREATION_FAILED,
    ],
)
