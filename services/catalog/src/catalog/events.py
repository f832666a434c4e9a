"""What catalog publishes (through its outbox). What it consumes: ``catalog.consumers``."""

from catalog.models import OutboxMessage
from common.outbox import Outbox

ASSET_CREATED = "catalog.asset.created.v1"
ASSET_UPDATED = "catalog.asset.updated.v1"
ASSET_DELETED = "catalog.asset.deleted.v1"
# A downloaded file was registered for a video (a new asset, or the existing one with its hash): the video's owner
# (analysis) links the video to the asset.
ASSET_REGISTERED = "catalog.asset.registered.v1"

outbox = Outbox(
    OutboxMessage, producer="catalog", publishes=[ASSET_CREATED, ASSET_UPDATED, ASSET_DELETED, ASSET_REGISTERED]
)
