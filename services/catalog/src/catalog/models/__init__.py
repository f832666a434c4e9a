from catalog.models.asset import Asset
from catalog.models.base import Base
from catalog.models.messaging import OutboxMessage, ProcessedMessage

__all__ = ["Asset", "Base", "OutboxMessage", "ProcessedMessage"]
