"""What ideation publishes (through its outbox). What it consumes: ``ideation.consumers``.

Payloads are complete objects, not deltas: production keeps a read model of project types and workflows from them.
"""

from common.outbox import Outbox
from ideation.models import OutboxMessage

PROJECT_TYPE_CREATED = "ideation.project_type.created.v1"
PROJECT_TYPE_UPDATED = "ideation.project_type.updated.v1"
PROJECT_TYPE_DELETED = "ideation.project_type.deleted.v1"

WORKFLOW_CREATED = "ideation.workflow.created.v1"
WORKFLOW_UPDATED = "ideation.workflow.updated.v1"
WORKFLOW_DELETED = "ideation.workflow.deleted.v1"

INSPIRATION_CREATED = "ideation.inspiration.created.v1"
INSPIRATION_APPROVED = "ideation.inspiration.approved.v1"
INSPIRATION_REJECTED = "ideation.inspiration.rejected.v1"

outbox = Outbox(
    OutboxMessage,
    producer="ideation",
    publishes=[
        PROJECT_TYPE_CREATED,
        PROJECT_TYPE_UPDATED,
        PROJECT_TYPE_DELETED,
        WORKFLOW_CREATED,
        WORKFLOW_UPDATED,
        WORKFLOW_DELETED,
        INSPIRATION_CREATED,
        INSPIRATION_APPROVED,
        INSPIRATION_REJECTED,
    ],
)
