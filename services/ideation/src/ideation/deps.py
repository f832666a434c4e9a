"""Dependency aliases of ideation's endpoints."""

from typing import Annotated

from fastapi import Depends

from common.envelope import PageParams, page_params
from common.n8n import WorkflowRuns, runs_dependency
from ideation.models import WorkflowRun

WorkflowRunsDep = Annotated[WorkflowRuns, Depends(runs_dependency(WorkflowRun))]
ListPage = Annotated[PageParams, Depends(page_params(100))]
