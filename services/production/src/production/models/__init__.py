from production.models.base import Base
from production.models.messaging import OutboxMessage, ProcessedMessage
from production.models.platform_account import PlatformAccount
from production.models.project import Project
from production.models.project_type import ProjectType
from production.models.task import Task
from production.models.transform_run import TransformRun
from production.models.worker_config import TaskConfig, WorkerConfig
from production.models.workflow import Workflow
from production.models.workflow_run import WorkflowRun

__all__ = [
    "Base",
    "OutboxMessage",
    "PlatformAccount",
    "ProcessedMessage",
    "Project",
    "ProjectType",
    "Task",
    "TaskConfig",
    "TransformRun",
    "WorkerConfig",
    "Workflow",
    "WorkflowRun",
]
