from common.outbox import InboxMixin, OutboxMixin
from production.models.base import Base


class OutboxMessage(OutboxMixin, Base):
    pass


class ProcessedMessage(InboxMixin, Base):
    pass
