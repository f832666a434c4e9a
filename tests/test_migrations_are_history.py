"""Migrations are history: a revision spells out its own DDL, so a change to shared code cannot rewrite it."""

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
REVISIONS = sorted(REPO.glob("services/*/migrations/versions/*.py"))
# What a revision may import: Alembic, SQLAlchemy and the standard library; never the suite's own packages.
ALLOWED_ROOTS = {"alembic", "sqlalchemy", "__future__", "datetime", "typing"}


@pytest.mark.parametrize("revision", REVISIONS, ids=lambda path: str(path.relative_to(REPO)))
def test_a_revision_imports_nothing_of_the_suite(revision: Path):
    tree = ast.parse(revision.read_text(encoding="utf-8"))
    imported = {
        ((node.module or ".") if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported <= ALLOWED_ROOTS, f"{revision.name} imports {sorted(imported - ALLOWED_ROOTS)}"


def test_every_service_has_revisions():
    assert {path.parts[-4] for path in REVISIONS} >= {"catalog", "ideation", "production", "analysis"}
