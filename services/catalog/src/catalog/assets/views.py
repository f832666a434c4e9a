"""How an asset is shown: by the API (object, page) and in its events' payloads."""

from collections.abc import Sequence
from typing import Any

from catalog.assets.schemas import Asset as AssetOut
from catalog.models import Asset
from common.envelope import PageParams, dump, dump_page


def asset_view(asset: Asset) -> dict[str, Any]:
    return dump(AssetOut, asset)


def asset_page_view(assets: Sequence[Asset], *, total: int, page: PageParams) -> dict[str, Any]:
    return dump_page(AssetOut, assets, total=total, page=page)


def asset_deleted_payload(asset: Asset) -> dict[str, Any]:
    """The payload of ``catalog.asset.deleted.v1``: the identity of what is gone."""
    return {"id": asset.id, "file_hash": asset.file_hash}


def asset_registered_payload(
    asset: Asset, *, created: bool, video_id: str | None = None, project_id: str | None = None
) -> dict[str, Any]:
    """The payload of ``catalog.asset.registered.v1``: which asset now holds the file downloaded for a video
    (``video_id``) or a project's final output (``project_id``)."""
    reference = {"video_id": video_id} if video_id else {"project_id": project_id}
    return {
        "asset_id": asset.id,
        "file_hash": asset.file_hash,
        "storage_path": asset.storage_path,
        **reference,
        "created": created,
    }
