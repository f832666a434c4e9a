from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert

from catalog.models import Asset
from common.envelope import PageParams
from common.repository import Repository


class AssetRepository(Repository[Asset]):
    model = Asset

    async def insert_unless_hash_exists(self, values: dict[str, Any]) -> Asset | None:
        """Insert the asset, or nothing when a live asset already has its hash (the unique index decides)."""
        statement = (
            insert(Asset)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["file_hash"], index_where=text("deleted_at IS NULL"))
            .returning(Asset)
        )
        return (await self.session.scalars(statement)).one_or_none()

    async def get_by_hash(self, file_hash: str) -> Asset | None:
        return (await self.session.scalars(self.select_live().where(Asset.file_hash == file_hash))).one_or_none()

    async def list_page(
        self, page: PageParams, *, asset_type: str | None = None, status: str | None = None
    ) -> tuple[Sequence[Asset], int]:
        statement = self.select_live()
        if asset_type is not None:
            statement = statement.where(Asset.asset_type == asset_type)
        if status is not None:
            statement = statement.where(Asset.status == status)
        return await self.paginate(statement.order_by(Asset.created_at.desc(), Asset.id.desc()), page)
