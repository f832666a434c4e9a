"""What analysis publishes (through its outbox) and consumes."""

from common.outbox import Outbox

from analysis.models import OutboxMessage

outbox = Outbox(OutboxMessage, producer="analysis")
