from analysis.models.account import AccountSnapshot, TargetAccount
from analysis.models.base import Base
from analysis.models.messaging import OutboxMessage, ProcessedMessage
from analysis.models.task import MonitoringTask
from analysis.models.video import TargetVideo, VideoSnapshot

__all__ = [
    "AccountSnapshot",
    "Base",
    "MonitoringTask",
    "OutboxMessage",
    "ProcessedMessage",
    "TargetAccount",
    "TargetVideo",
    "VideoSnapshot",
]
