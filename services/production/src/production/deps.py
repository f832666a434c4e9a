"""Dependency aliases of production's endpoints."""

from typing import Annotated

from fastapi import Depends, Request

from common.envelope import PageParams, page_params
from common.n8n import WorkflowRuns, runs_dependency
from production.credentials import CredentialsCipher
from production.models import WorkflowRun
from production.settings import ProductionSettings
from production.tasks.claimant import WorkerCaller, worker_caller
from production.tasks.queues import TaskQueues


def _cipher(request: Request) -> CredentialsCipher:
    return request.app.state.credentials_cipher


CipherDep = Annotated[CredentialsCipher, Depends(_cipher)]
WorkflowRunsDep = Annotated[WorkflowRuns, Depends(runs_dependency(WorkflowRun))]
ListPage = Annotated[PageParams, Depends(page_params(100))]


def _settings(request: Request) -> ProductionSettings:
    return request.app.state.settings


def _caller(request: Request) -> WorkerCaller | None:
    return worker_caller(request.app.state.settings.suite, request.headers)


def _queues(request: Request) -> TaskQueues:
    return request.app.state.task_queues


SettingsDep = Annotated[ProductionSettings, Depends(_settings)]
CallerDep = Annotated[WorkerCaller | None, Depends(_caller)]
QueuesDep = Annotated[TaskQueues, Depends(_queues)]
