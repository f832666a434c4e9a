"""Dependency aliases of production's endpoints."""

from typing import Annotated

from fastapi import Depends, Request

from common.envelope import PageParams, page_params
from common.n8n import WorkflowRuns, runs_dependency
from production.credentials import CredentialsCipher
from production.models import WorkflowRun


def _cipher(request: Request) -> CredentialsCipher:
    return request.app.state.credentials_cipher


CipherDep = Annotated[CredentialsCipher, Depends(_cipher)]
WorkflowRunsDep = Annotated[WorkflowRuns, Depends(runs_dependency(WorkflowRun))]
ListPage = Annotated[PageParams, Depends(page_params(100))]
