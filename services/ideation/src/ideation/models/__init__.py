from ideation.models.base import Base
from ideation.models.messaging import OutboxMessage, ProcessedMessage

__all__ = ["Base", "OutboxMessage", "ProcessedMessage"]
