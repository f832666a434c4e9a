from production.models.base import Base
from production.models.messaging import OutboxMessage, ProcessedMessage

__all__ = ["Base", "OutboxMessage", "ProcessedMessage"]
