from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from common.db import SessionDep
from common.envelope import Envelope, Page, ok
from common.errors import Forbidden
from production.deps import AccountPage, CallerDep, CipherDep
from production.platform_accounts.schemas import (
    AccountStatus,
    PlatformAccount,
    PlatformAccountCreate,
    PlatformAccountList,
    PlatformAccountUpdate,
    PlatformAccountUsageReset,
)
from production.platform_accounts.service import account_view, platform_account_service
from production.tasks.service import task_service


def _not_a_worker(caller: CallerDep) -> None:
    """Accounts (and their credentials) are the operators': a worker gets an account's credentials only with the
    task it claimed (the dispatch message, GET /api/tasks/{id})."""
    if caller is not None:
        raise Forbidden("Worker keys may not read platform accounts; a claimed task carries its account")


router = APIRouter(prefix="/api/platform-accounts", tags=["Platform Accounts"], dependencies=[Depends(_not_a_worker)])


@router.post("", response_model=Envelope[PlatformAccount], summary="Create a platform account")
async def create_platform_account(
    body: PlatformAccountCreate, session: SessionDep, cipher: CipherDep
) -> dict[str, Any]:
    return ok(account_view(await platform_account_service.create(session, body, cipher=cipher), cipher))


@router.get(
    "", response_model=Envelope[Page[PlatformAccountList]], summary="List platform accounts by platform and status"
)
async def list_platform_accounts(
    session: SessionDep,
    cipher: CipherDep,
    page: AccountPage,
    platform: Annotated[str | None, Query()] = None,
    status: Annotated[AccountStatus | None, Query()] = None,
) -> dict[str, Any]:
    rows, total = await platform_account_service.list(session, page, platform=platform, status=status)
    items = [account_view(row, cipher, full=False) for row in rows]
    return ok(Page.of(items, total=total, page=page.page, size=page.size).model_dump())


@router.get("/platforms/list", response_model=Envelope[list[str]], summary="The distinct platforms of the accounts")
async def list_platforms(session: SessionDep) -> dict[str, Any]:
    return ok(await platform_account_service.platforms(session))


@router.get(
    "/available/{platform}",
    response_model=Envelope[list[PlatformAccountList]],
    summary="Accounts of a platform that are active and under their daily limit, least used first",
)
async def get_available_accounts(platform: str, session: SessionDep, cipher: CipherDep) -> dict[str, Any]:
    rows = await platform_account_service.available(session, platform)
    return ok([account_view(row, cipher, full=False) for row in rows])


@router.get("/{account_id}", response_model=Envelope[PlatformAccount], summary="Get a platform account")
async def get_platform_account(account_id: str, session: SessionDep, cipher: CipherDep) -> dict[str, Any]:
    return ok(account_view(await platform_account_service.get(session, account_id), cipher))


@router.put("/{account_id}", response_model=Envelope[PlatformAccount], summary="Update a platform account")
async def update_platform_account(
    account_id: str, body: PlatformAccountUpdate, session: SessionDep, cipher: CipherDep
) -> dict[str, Any]:
    account = await platform_account_service.update(session, account_id, body, cipher=cipher)
    await task_service.dispatch_held_tasks(session)  # a raised limit or a reactivated account frees quota
    return ok(account_view(account, cipher))


@router.delete(
    "/{account_id}", response_model=Envelope[dict[str, str]], summary="Delete a platform account (soft delete)"
)
async def delete_platform_account(account_id: str, session: SessionDep) -> dict[str, Any]:
    await platform_account_service.delete(session, account_id)
    return ok({"message": "Platform account deleted successfully"})


@router.post(
    "/{account_id}/reset-usage",
    response_model=Envelope[PlatformAccount],
    summary="Set today's usage count; tasks held for want of quota are dispatched",
)
async def reset_usage(
    account_id: str, body: PlatformAccountUsageReset, session: SessionDep, cipher: CipherDep
) -> dict[str, Any]:
    account = await platform_account_service.reset_usage(session, account_id, used_today=body.used_today)
    await task_service.dispatch_held_tasks(session)  # tasks held for want of quota go out now
    return ok(account_view(account, cipher))
