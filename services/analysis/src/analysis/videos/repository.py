from collections.abc import Iterable, Sequence

from sqlalchemy import or_, select

from analysis.models import TargetVideo, VideoSnapshot
from common.envelope import PageParams
from common.repository import Repository

SNAPSHOTS_IN_VIEW = 30

SORTS = {
    "published_at": (TargetVideo.published_at.desc().nulls_last(), TargetVideo.id.desc()),
    "date_desc": (TargetVideo.published_at.desc().nulls_last(), TargetVideo.id.desc()),
    "views_count": (TargetVideo.latest_views_count.desc().nulls_last(), TargetVideo.id.desc()),
    "views_desc": (TargetVideo.latest_views_count.desc().nulls_last(), TargetVideo.id.desc()),
    "created": (TargetVideo.created_at.desc(), TargetVideo.id.desc()),
}


class VideoRepository(Repository[TargetVideo]):
    model = TargetVideo

    async def get_by_any_id(self, identifier: str) -> TargetVideo | None:
        """By the suite's id or by the platform's video id."""
        statement = self.select_live().where(or_(TargetVideo.id == identifier, TargetVideo.video_id == identifier))
        return (await self.session.scalars(statement.limit(1))).first()

    async def list_page(
        self, page: PageParams, *, account_id: str | None, sort_by: str
    ) -> tuple[Sequence[TargetVideo], int]:
        statement = self.select_live()
        if account_id is not None:
            statement = statement.where(TargetVideo.target_account_id == account_id)
        return await self.paginate(statement.order_by(*SORTS[sort_by]), page)


class VideoSnapshotRepository(Repository[VideoSnapshot]):
    model = VideoSnapshot

    async def latest_for(
        self, video_ids: Iterable[str], *, per_video: int = SNAPSHOTS_IN_VIEW
    ) -> dict[str, list[VideoSnapshot]]:
        """Each video's newest ``per_video`` snapshots, newest first (one query for a whole page)."""
        return await self.first_per(
            VideoSnapshot.video_id,
            video_ids,
            per_parent=per_video,
            order_by=(VideoSnapshot.collected_at.desc(), VideoSnapshot.id.desc()),
        )

    async def history_page(self, video_id: str, page: PageParams) -> tuple[Sequence[VideoSnapshot], int]:
        statement = (
            select(VideoSnapshot)
            .where(VideoSnapshot.video_id == video_id)
            .order_by(VideoSnapshot.collected_at.desc(), VideoSnapshot.id.desc())
        )
        return await self.paginate(statement, page)
