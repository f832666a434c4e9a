from common.outbox import InboxMixin, OutboxMixin
from ideation.models.base import Base


class OutboxMessage(OutboxMixin, Base):
    pass


class ProcessedMessage(InboxMixin, Base):
    pass
