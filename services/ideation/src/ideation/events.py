"""What ideation publishes (through its outbox) and consumes."""

from common.outbox import Outbox

from ideation.models import OutboxMessage

outbox = Outbox(OutboxMessage, producer="ideation")
