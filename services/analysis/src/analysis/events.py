"""What analysis publishes (through its outbox) and consumes."""

from analysis.models import OutboxMessage
from common.outbox import Outbox

outbox = Outbox(OutboxMessage, producer="analysis", publishes=[])
