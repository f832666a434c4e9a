from typing import Annotated, Any

from fastapi import APIRouter, Query

from catalog.assets.schemas import Asset, AssetCreate, AssetUpdate
from catalog.assets.service import asset_service
from catalog.assets.views import asset_page_view, asset_view
from catalog.deps import ListPage
from common.db import SessionDep
from common.envelope import Envelope, Page, ok

router = APIRouter(prefix="/api/assets", tags=["Assets"])


@router.get("/by-hash/{file_hash}", response_model=Envelope[Asset], summary="Get asset by file hash (dedup check)")
async def get_asset_by_hash(file_hash: str, session: SessionDep) -> dict[str, Any]:
    return ok(asset_view(await asset_service.get_by_hash(session, file_hash)))


@router.post(
    "",
    response_model=Envelope[Asset],
    summary="Create an asset; an existing live asset with the same file_hash is returned instead",
)
async def create_asset(body: AssetCreate, session: SessionDep) -> dict[str, Any]:
    asset, created = await asset_service.create(session, body)
    return ok(asset_view(asset), "success" if created else "Asset with this file_hash already exists")


@router.get("", response_model=Envelope[Page[Asset]], summary="List assets, filtered by type and status")
async def list_assets(
    session: SessionDep,
    page: ListPage,
    asset_type: Annotated[str | None, Query()] = None,
    status: Annotated[str | None, Query()] = None,
) -> dict[str, Any]:
    rows, total = await asset_service.list(session, page, asset_type=asset_type, status=status)
    return ok(asset_page_view(rows, total=total, page=page))


@router.get("/by-type/{asset_type}", response_model=Envelope[Page[Asset]], summary="List assets of one type")
async def list_assets_by_type(asset_type: str, session: SessionDep, page: ListPage) -> dict[str, Any]:
    rows, total = await asset_service.list(session, page, asset_type=asset_type)
    return ok(asset_page_view(rows, total=total, page=page))


@router.get("/{asset_id}", response_model=Envelope[Asset], summary="Get an asset")
async def get_asset(asset_id: str, session: SessionDep) -> dict[str, Any]:
    return ok(asset_view(await asset_service.get(session, asset_id)))


@router.put("/{asset_id}", response_model=Envelope[Asset], summary="Update an asset")
async def update_asset(asset_id: str, body: AssetUpdate, session: SessionDep) -> dict[str, Any]:
    return ok(asset_view(await asset_service.update(session, asset_id, body)))


@router.delete("/{asset_id}", response_model=Envelope[dict[str, str]], summary="Delete an asset (soft delete)")
async def delete_asset(asset_id: str, session: SessionDep) -> dict[str, Any]:
    await asset_service.delete(session, asset_id)
    return ok({"message": "Asset deleted successfully"})
