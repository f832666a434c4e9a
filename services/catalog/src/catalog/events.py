"""What catalog publishes (through its outbox). It consumes nothing yet."""

from catalog.models import OutboxMessage
from common.outbox import Outbox

ASSET_CREATED = "catalog.asset.created.v1"
ASSET_UPDATED = "catalog.asset.updated.v1"
ASSET_DELETED = "catalog.asset.deleted.v1"

outbox = Outbox(OutboxMessage, producer="catalog", publishes=[ASSET_CREATED, ASSET_UPDATED, ASSET_DELETED])
