from analysis.models import Base
from analysis.settings import AnalysisSettings
from common.migrations import run_migrations

run_migrations(Base.metadata, AnalysisSettings().database_url)
