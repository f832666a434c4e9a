from common.migrations import run_migrations
from production.models import Base
from production.settings import ProductionSettings

run_migrations(Base.metadata, ProductionSettings().database_url)
