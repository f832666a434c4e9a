from analysis.models.base import Base
from common.outbox import InboxMixin, OutboxMixin


class OutboxMessage(OutboxMixin, Base):
    pass


class ProcessedMessage(InboxMixin, Base):
    pass
