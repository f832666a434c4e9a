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


def asset_registered_payload(asset: Asset, *, video_id: str, created: bool) -> dict[str, Any]:
    """The payload of ``catalog.asset.registered.v1``: which asset now holds the file downloaded for which video."""
    return {
        "asset_id": asset.id,
        "file_hash": asset.file_hash,
        "storage_path": asset.storage_path,
        "video_id": video_id,
        "created": created,
    }
