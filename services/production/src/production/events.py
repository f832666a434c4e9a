"""What production publishes (through its outbox) and consumes."""

from common.outbox import Outbox

from production.models import OutboxMessage

outbox = Outbox(OutboxMessage, producer="production")
