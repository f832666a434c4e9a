from typing import Any

from sqlalchemy import Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from production.models.base import Base, ReadModelMixin


class ProjectType(ReadModelMixin, Base):
    """Read model of ideation's project types: only the fields production uses, fed by ``ideation.project_type.*``.

    Columns are unbounded text: a field longer than production expects must not turn the event into a poison
    message.
    """

    __tablename__ = "project_types"

    code: Mapped[str] = mapped_column(Text, primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(Text)
    transform_workflow_id: Mapped[str | None] = mapped_column(Text)
    execution_workflow_id: Mapped[str | None] = mapped_column(Text)
    default_parameters: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, default=dict)
    parameter_schema: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, default=dict)
