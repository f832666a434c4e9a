from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from common.errors import UnprocessableEntity
from common.read_model import SourceEvent, upsert_if_newer
from common.read_model_wait import Lookup, lookup_or_wait
from production.models import ProjectType
from production.project_types.repository import ProjectTypeRepository

# Fields of ideation's project type that production keeps; every other field of the payload is ignored.
_FIELDS = (
    "name",
    "description",
    "category",
    "transform_workflow_id",
    "execution_workflow_id",
    "default_parameters",
    "parameter_schema",
    "is_active",
)
_OBJECT_FIELDS = ("default_parameters", "parameter_schema")


class ProjectTypeService:
    async def apply_event(self, session: AsyncSession, event: dict[str, Any]) -> bool:
        """Apply an ``ideation.project_type.*`` envelope; False when it was older than what is applied."""
        source = SourceEvent.parse(event)
        payload = source.payload
        code = payload.get("code")
        if not isinstance(code, str) or not code:
            raise ValueError(f"project type event {event.get('id')} has no code")
        present: dict[str, Any] = {}
        for field in _FIELDS:
            if field not in payload:
                continue
            value = payload[field]
            if field in _OBJECT_FIELDS:
                value = value if isinstance(value, dict) else {}
            elif field == "is_active":
                value = bool(value) if value is not None else True
            elif field == "name" and not value:
                continue
            present[field] = value
        values = {
            "code": code,
            "name": code,
            "default_parameters": {},
            "parameter_schema": {},
            "is_active": True,
            **present,
        }
        return await upsert_if_newer(session, ProjectType, "code", source, values, set(present))

    async def get(self, session: AsyncSession, code: str) -> ProjectType | None:
        return await ProjectTypeRepository.from_session(session).get_by_code(code)

    async def get_or_wait(self, session: AsyncSession, code: str) -> Lookup[ProjectType]:
        """The read-model row; when missing, waits (bounded) for ideation's event of a type just created."""
        return await lookup_or_wait(session, ProjectType.__tablename__, code, lambda: self.get(session, code))

    async def get_usable(self, session: AsyncSession, code: str) -> ProjectType:
        """The active, live type ``code`` (waiting for it briefly if production has not heard of it yet); 422
        otherwise."""
        found = await self.get_or_wait(session, code)
        project_type = found.value
        if project_type is None or project_type.deleted_at is not None:
            waited = (
                f": not known to production yet after waiting {found.bound_seconds:g} s" if found.waited_seconds else ""
            )
            raise UnprocessableEntity(
                f"Unknown project type '{code}'{waited}; project_type_code must name an active project type",
                data=[{"field": "project_type_code", "msg": f"project type '{code}' does not exist"}],
            )
        if not project_type.is_active:
            raise UnprocessableEntity(
                f"Project type '{code}' is not active: project_type_code must name an active project type",
                data=[{"field": "project_type_code", "msg": f"project type '{code}' is inactive"}],
            )
        return project_type

    @staticmethod
    def public(project_type: ProjectType) -> dict[str, Any]:
        """The type object sent to n8n (``project_type`` of the trigger body)."""
        return {
            "code": project_type.code,
            "name": project_type.name,
            "description": project_type.description,
            "category": project_type.category,
            "default_parameters": project_type.default_parameters,
            "parameter_schema": project_type.parameter_schema,
            "transform_workflow_id": project_type.transform_workflow_id,
            "execution_workflow_id": project_type.execution_workflow_id,
            "is_active": project_type.is_active,
        }


project_type_service = ProjectTypeService()
