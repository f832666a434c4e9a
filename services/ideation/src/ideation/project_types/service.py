from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from common.envelope import PageParams
from common.errors import BadRequest, Conflict, NotFound, UnprocessableEntity
from common.parameters import check_schema, resolve_parameters
from ideation.events import PROJECT_TYPE_CREATED, PROJECT_TYPE_DELETED, PROJECT_TYPE_UPDATED, outbox
from ideation.models import ProjectType, Workflow
from ideation.project_types.repository import ProjectTypeRepository
from ideation.project_types.schemas import WORKFLOW_FIELDS, ProjectTypeCreate, ProjectTypeUpdate
from ideation.project_types.views import project_type_payload
from ideation.workflows.service import workflow_service

REQUIRED_COLUMNS = ("name", "sort_order", "is_active")


class ProjectTypeService:
    async def create(self, session: AsyncSession, data: ProjectTypeCreate) -> ProjectType:
        check_schema(data.parameter_schema)
        values = data.model_dump()
        await self._check_workflows(session, values)
        repository = ProjectTypeRepository.from_session(session)
        project_type = await repository.insert_unless_code_exists(values)
        if project_type is None:
            raise Conflict(f"Project type code {data.code} already exists (codes of deleted types are not reused)")
        await outbox.add(session, PROJECT_TYPE_CREATED, project_type_payload(project_type))
        return project_type

    async def list(
        self, session: AsyncSession, page: PageParams, *, category: str | None = None, is_active: bool | None = None
    ) -> Sequence[ProjectType]:
        return await ProjectTypeRepository.from_session(session).list_slice(
            page, category=category, is_active=is_active
        )

    async def categories(self, session: AsyncSession) -> list[str]:
        return await ProjectTypeRepository.from_session(session).distinct_categories()

    async def get(self, session: AsyncSession, code: str, *, for_update: bool = False) -> ProjectType:
        project_type = await ProjectTypeRepository.from_session(session).get(code, for_update=for_update)
        if project_type is None:
            raise NotFound.of("Project type", code)
        return project_type

    async def get_with_workflows(self, session: AsyncSession, code: str) -> tuple[ProjectType, dict[str, Any]]:
        """The type and its three workflow objects, keyed ``inspiration_workflow`` etc. (None when unset)."""
        project_type = await self.get(session, code)
        ids = {field: getattr(project_type, field) for field in WORKFLOW_FIELDS}
        found = await workflow_service.get_many(session, ids.values())
        return project_type, {
            field.removesuffix("_id"): found.get(workflow_id) if workflow_id else None
            for field, workflow_id in ids.items()
        }

    async def update(self, session: AsyncSession, code: str, data: ProjectTypeUpdate) -> ProjectType:
        project_type = await self.get(session, code, for_update=True)
        changes = data.model_dump(exclude_unset=True)
        new_code = changes.pop("code", None)
        if new_code is not None and new_code != project_type.code:
            raise BadRequest(f"code is immutable (project type {project_type.code})")
        for field in ("default_parameters", "parameter_schema"):
            if field in changes and changes[field] is None:
                changes[field] = {}
        if "parameter_schema" in changes:
            check_schema(changes["parameter_schema"])
        await self._check_workflows(session, changes)
        for field, value in changes.items():
            if value is None and field in REQUIRED_COLUMNS:
                continue  # required columns keep their value when a client sends null
            setattr(project_type, field, value)
        await session.flush()
        await outbox.add(session, PROJECT_TYPE_UPDATED, project_type_payload(project_type))
        return project_type

    async def set_active(self, session: AsyncSession, code: str, *, active: bool) -> ProjectType:
        project_type = await self.get(session, code, for_update=True)
        project_type.is_active = active
        await session.flush()
        await outbox.add(session, PROJECT_TYPE_UPDATED, project_type_payload(project_type))
        return project_type

    async def set_sort_order(self, session: AsyncSession, code: str, sort_order: int) -> ProjectType:
        project_type = await self.get(session, code, for_update=True)
        project_type.sort_order = sort_order
        await session.flush()
        await outbox.add(session, PROJECT_TYPE_UPDATED, project_type_payload(project_type))
        return project_type

    async def delete(self, session: AsyncSession, code: str) -> None:
        repository = ProjectTypeRepository.from_session(session)
        project_type = await self.get(session, code, for_update=True)
        await repository.soft_delete(project_type)
        await outbox.add(session, PROJECT_TYPE_DELETED, project_type_payload(project_type))

    async def find(self, session: AsyncSession, code: str) -> ProjectType | None:
        """The live project type with ``code``, or None."""
        return await ProjectTypeRepository.from_session(session).get(code)

    async def get_for_use(self, session: AsyncSession, code: str, *, from_request: bool = True) -> ProjectType:
        """The type new work may use: live and active. Otherwise, when ``code`` is a request body's
        ``project_type_code``, 422 with the field error, as production answers for the same field (contract.md,
        Projects: "must name an active project type (422/400 otherwise)"); when it is stored state (regenerate),
        400."""
        project_type = await self.find(session, code)
        problem = "does not exist" if project_type is None else None if project_type.is_active else "is not active"
        if problem is None and project_type is not None:
            return project_type
        message = f"Project type {code} {problem}"
        if not from_request:
            raise BadRequest(message)
        raise UnprocessableEntity(message, data=[{"field": "project_type_code", "msg": message}])

    async def workflow_to_start(
        self, session: AsyncSession, project_type: ProjectType, workflow_type: str
    ) -> Workflow | None:
        """The type's workflow of ``workflow_type`` when it can be started now (type active; workflow live,
        active and with a webhook URL), else None."""
        if project_type.deleted_at is not None or not project_type.is_active:
            return None
        return await workflow_service.usable(session, getattr(project_type, f"{workflow_type}_workflow_id"))

    @staticmethod
    def resolve_parameters(project_type: ProjectType | None, parameters: dict[str, Any] | None) -> dict[str, Any]:
        """``default_parameters`` overlaid by ``parameters``, validated against ``parameter_schema`` (422)."""
        if project_type is None:
            return dict(parameters or {})
        return resolve_parameters(
            parameters, defaults=project_type.default_parameters, schema=project_type.parameter_schema
        )

    async def _check_workflows(self, session: AsyncSession, values: dict[str, Any]) -> None:
        for field, workflow_type in WORKFLOW_FIELDS.items():
            workflow_id = values.get(field)
            if workflow_id is not None:
                await workflow_service.check_assignable(session, field, workflow_id, workflow_type)


project_type_service = ProjectTypeService()
