from ideation.models.base import Base
from ideation.models.inspiration import Inspiration
from ideation.models.messaging import OutboxMessage, ProcessedMessage
from ideation.models.project_type import ProjectType
from ideation.models.workflow import Workflow, WorkflowType
from ideation.models.workflow_run import WorkflowRun
from ideation.models.workflow_test_record import WorkflowTest

__all__ = [
    "Base",
    "Inspiration",
    "OutboxMessage",
    "ProcessedMessage",
    "ProjectType",
    "Workflow",
    "WorkflowRun",
    "WorkflowTest",
    "WorkflowType",
]
