from analysis.models.base import Base
from analysis.models.messaging import OutboxMessage, ProcessedMessage

__all__ = ["Base", "OutboxMessage", "ProcessedMessage"]
