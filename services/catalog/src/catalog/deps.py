"""Dependency aliases of catalog's endpoints."""

from typing import Annotated

from fastapi import Depends

from common.envelope import PageParams, page_params

ListPage = Annotated[PageParams, Depends(page_params(10))]
