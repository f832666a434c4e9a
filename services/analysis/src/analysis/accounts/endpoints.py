from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query

from analysis.accounts.schemas import (
    AccountCrawlRequest,
    AccountSnapshot,
    BatchAccountCrawlRequest,
    BatchCrawlResponse,
    DeleteAccountRequest,
    QuickAddAccountRequest,
    TargetAccount,
    TargetAccountUpdate,
)
from analysis.accounts.service import account_service
from analysis.tasks.schemas import MonitoringTask
from analysis.videos.schemas import TargetVideo, VideoSort
from analysis.videos.service import video_service
from common.db import SessionDep
from common.envelope import Envelope, Page, PageParams, dump, ok, page_params

router = APIRouter(prefix="/api/analysis/accounts", tags=["Target Account Analysis"])

ListPage = Annotated[PageParams, Depends(page_params(10))]
SnapshotPage = Annotated[PageParams, Depends(page_params(100))]


@router.post(
    "/quick-add",
    response_model=Envelope[TargetAccount],
    summary="Add a YouTube channel and queue its first crawl; returns at once (409 when the channel is present)",
)
async def quick_add_account(body: QuickAddAccountRequest, session: SessionDep) -> dict[str, Any]:
    account, task = await account_service.quick_add(session, body)
    return ok(await account_service.view(session, account), f"Account added; crawl task {task.id} queued")


@router.post(
    "/batch-trigger-crawl",
    response_model=Envelope[BatchCrawlResponse],
    summary="Queue a crawl for several accounts (an account with an active crawl keeps that one)",
)
async def batch_trigger_crawl(body: BatchAccountCrawlRequest, session: SessionDep) -> dict[str, Any]:
    return ok(await account_service.batch_trigger_crawl(session, body))


@router.get("", response_model=Envelope[Page[TargetAccount]], summary="List accounts with their latest snapshots")
async def list_accounts(
    session: SessionDep,
    page: ListPage,
    category: Annotated[str | None, Query(max_length=100)] = None,
    is_active: Annotated[bool | None, Query()] = None,
    q: Annotated[str | None, Query(max_length=200, description="Search name, handle, channel id, URL")] = None,
) -> dict[str, Any]:
    rows, total = await account_service.list(session, page, category=category, is_active=is_active, q=q)
    items = await account_service.views(session, rows)
    return ok(Page.of(items, total=total, page=page.page, size=page.size).model_dump())


@router.get("/{account_id}", response_model=Envelope[TargetAccount], summary="Get an account with its snapshots")
async def get_account(account_id: str, session: SessionDep) -> dict[str, Any]:
    return ok(await account_service.view(session, await account_service.get(session, account_id)))


@router.put("/{account_id}", response_model=Envelope[TargetAccount], summary="Update an account")
async def update_account(account_id: str, body: TargetAccountUpdate, session: SessionDep) -> dict[str, Any]:
    account = await account_service.update(session, account_id, body)
    return ok(await account_service.view(session, account))


@router.delete(
    "/{account_id}",
    response_model=Envelope[dict[str, Any]],
    summary="Delete an account and its videos (soft delete); with running tasks only with force=true",
)
async def delete_account(
    account_id: str,
    session: SessionDep,
    body: Annotated[DeleteAccountRequest | None, Body()] = None,
    force: Annotated[bool | None, Query(description="Same as the body's force")] = None,
) -> dict[str, Any]:
    forced = bool(force) or (body.force if body is not None else False)
    cancelled = await account_service.delete(session, account_id, force=forced)
    return ok({"message": "Account deleted successfully", "cancelled_tasks": cancelled})


@router.post(
    "/{account_id}/trigger-crawl",
    response_model=Envelope[MonitoringTask],
    summary="Queue a crawl of the account (the active one when a crawl is already queued or running)",
)
async def trigger_crawl(
    account_id: str, session: SessionDep, body: Annotated[AccountCrawlRequest | None, Body()] = None
) -> dict[str, Any]:
    task, created = await account_service.trigger_crawl(session, account_id, body or AccountCrawlRequest())
    return ok(dump(MonitoringTask, task), "success" if created else "A crawl of this account is already active")


@router.get(
    "/{account_id}/videos",
    response_model=Envelope[Page[TargetVideo]],
    summary="List the account's videos with their snapshots",
)
async def list_account_videos(
    account_id: str,
    session: SessionDep,
    page: ListPage,
    sort_by: Annotated[VideoSort | None, Query(description="Also accepted as sortBy")] = None,
    sort_by_camel: Annotated[VideoSort | None, Query(alias="sortBy", include_in_schema=False)] = None,
) -> dict[str, Any]:
    await account_service.get(session, account_id)
    sort = sort_by or sort_by_camel or "published_at"
    return ok(await video_service.page(session, page, account_id=account_id, sort_by=sort))


@router.get(
    "/{account_id}/snapshots",
    response_model=Envelope[list[AccountSnapshot]],
    summary="The account's snapshot history, newest first",
)
async def list_account_snapshots(account_id: str, session: SessionDep, page: SnapshotPage) -> dict[str, Any]:
    rows = await account_service.snapshots(session, account_id, page)
    return ok([dump(AccountSnapshot, row) for row in rows])
