from catalog.models import Base
from catalog.settings import CatalogSettings
from common.migrations import run_migrations

run_migrations(Base.metadata, CatalogSettings().database_url)
