"""Dependency aliases of production's endpoints."""

from typing import Annotated

from fastapi import Depends, Request

from common.n8n import WorkflowRuns
from production.credentials import CredentialsCipher
from production.models import WorkflowRun


def _cipher(request: Request) -> CredentialsCipher:
    return request.app.state.credentials_cipher


def _workflow_runs(request: Request) -> WorkflowRuns:
    return WorkflowRuns(WorkflowRun, request.app.state.settings.suite)


CipherDep = Annotated[CredentialsCipher, Depends(_cipher)]
WorkflowRunsDep = Annotated[WorkflowRuns, Depends(_workflow_runs)]
