from common.migrations import run_migrations
from ideation.models import Base
from ideation.settings import IdeationSettings

run_migrations(Base.metadata, IdeationSettings().database_url)
