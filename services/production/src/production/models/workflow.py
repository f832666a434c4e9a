from sqlalchemy import Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from production.models.base import Base, ReadModelMixin


class Workflow(ReadModelMixin, Base):
    """Read model of ideation's workflow registry (webhook URLs), fed by ``ideation.workflow.*`` events."""

    __tablename__ = "workflows"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    name: Mapped[str | None] = mapped_column(Text)
    workflow_type: Mapped[str | None] = mapped_column(Text)
    n8n_webhook_url: Mapped[str | None] = mapped_column(Text)
    callback_timeout_seconds: Mapped[int | None] = mapped_column(Integer)  # None: the service's default
