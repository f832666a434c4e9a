from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from catalog.assets.repository import AssetRepository
from catalog.assets.schemas import AssetCreate, AssetUpdate, ProjectCompleted, VideoDownloaded
from catalog.assets.views import asset_deleted_payload, asset_registered_payload, asset_view
from catalog.events import ASSET_CREATED, ASSET_DELETED, ASSET_REGISTERED, ASSET_UPDATED, outbox
from catalog.models import Asset
from common.envelope import PageParams
from common.errors import Conflict, NotFound
from common.ids import new_id


class AssetService:
    async def create(self, session: AsyncSession, data: AssetCreate) -> tuple[Asset, bool]:
        """The new asset and True, or the live asset with the same ``file_hash`` and False."""
        repository = AssetRepository.from_session(session)
        created = await repository.insert_unless_hash_exists({"id": new_id(), **data.model_dump()})
        if created is not None:
            await outbox.add(session, ASSET_CREATED, asset_view(created))
            return created, True
        existing = await repository.get_by_hash(data.file_hash)
        if existing is None:  # the conflicting asset was deleted between the insert and this read
            raise Conflict("An asset with this file_hash was being changed concurrently; retry the request")
        return existing, False

    async def register_download(self, session: AsyncSession, download: VideoDownloaded) -> tuple[Asset, bool]:
        """A file downloaded for a video becomes an asset, or is the existing live asset with its hash; either way
        ``catalog.asset.registered.v1`` tells the video's owner which asset holds it."""
        asset, created = await self.create(session, download.as_asset())
        await outbox.add(
            session, ASSET_REGISTERED, asset_registered_payload(asset, video_id=download.video_id, created=created)
        )
        return asset, created

    async def register_project_output(self, session: AsyncSession, completed: ProjectCompleted) -> Asset | None:
        """A completed project's final output becomes an asset (or is the existing one for that output), and
        ``catalog.asset.registered.v1`` tells production which asset is the project's output."""
        data = completed.as_asset()
        if data is None:
            return None
        asset, created = await self.create(session, data)
        await outbox.add(
            session,
            ASSET_REGISTERED,
            asset_registered_payload(asset, project_id=completed.project_id, created=created),
        )
        return asset

    async def get(self, session: AsyncSession, asset_id: str) -> Asset:
        asset = await AssetRepository.from_session(session).get(asset_id)
        if asset is None:
            raise NotFound.of("Asset", asset_id)
        return asset

    async def get_by_hash(self, session: AsyncSession, file_hash: str) -> Asset:
        asset = await AssetRepository.from_session(session).get_by_hash(file_hash)
        if asset is None:
            raise NotFound(f"No asset with file_hash {file_hash}")
        return asset

    async def list(
        self, session: AsyncSession, page: PageParams, *, asset_type: str | None = None, status: str | None = None
    ) -> tuple[Sequence[Asset], int]:
        return await AssetRepository.from_session(session).list_page(page, asset_type=asset_type, status=status)

    async def update(self, session: AsyncSession, asset_id: str, data: AssetUpdate) -> Asset:
        repository = AssetRepository.from_session(session)
        asset = await repository.get(asset_id, for_update=True)
        if asset is None:
            raise NotFound.of("Asset", asset_id)
        changes = data.model_dump(exclude_unset=True)
        for field, value in changes.items():
            if value is None and field in ("name", "asset_type", "file_hash", "visibility", "status"):
                continue  # required columns keep their value when a client sends null
            setattr(asset, field, {} if field == "asset_metadata" and value is None else value)
        try:
            async with session.begin_nested():
                await session.flush()
        except IntegrityError as exc:
            raise Conflict(f"Another asset already has file_hash {changes.get('file_hash')}") from exc
        await outbox.add(session, ASSET_UPDATED, asset_view(asset))
        return asset

    async def delete(self, session: AsyncSession, asset_id: str) -> None:
        repository = AssetRepository.from_session(session)
        asset = await repository.get(asset_id, for_update=True)
        if asset is None:
            raise NotFound.of("Asset", asset_id)
        await repository.soft_delete(asset)
        await outbox.add(session, ASSET_DELETED, asset_deleted_payload(asset))


asset_service = AssetService()
