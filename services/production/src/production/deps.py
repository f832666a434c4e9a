"""Dependency aliases of production's endpoints."""

from typing import Annotated

from fastapi import Depends, Request

from common.n8n import WorkflowRuns
from production.credentials import CredentialsCipher
from production.models import WorkflowRun
from production.settings import ProductionSettings
from production.tasks.claimant import WorkerCaller, worker_caller
from production.tasks.queues import TaskQueues


def _cipher(request: Request) -> CredentialsCipher:
    return request.app.state.credentials_cipher


def _workflow_runs(request: Request) -> WorkflowRuns:
    return WorkflowRuns(WorkflowRun, request.app.state.settings.suite)


CipherDep = Annotated[CredentialsCipher, Depends(_cipher)]
WorkflowRunsDep = Annotated[WorkflowRuns, Depends(_workflow_runs)]


def _settings(request: Request) -> ProductionSettings:
    return request.app.state.settings


def _caller(request: Request) -> WorkerCaller | None:
    return worker_caller(request.app.state.settings.suite, request.headers)


def _queues(request: Request) -> TaskQueues:
    return request.app.state.task_queues


SettingsDep = Annotated[ProductionSettings, Depends(_settings)]
CallerDep = Annotated[WorkerCaller | None, Depends(_caller)]
QueuesDep = Annotated[TaskQueues, Depends(_queues)]
