"""Catalog's settings read the documented variables (README, docs/services/catalog.md)."""

from catalog.settings import CatalogSettings


def test_the_media_store_is_where_catalog_media_root_says(monkeypatch):
    monkeypatch.setenv("CATALOG_MEDIA_ROOT", "/data/media")
    assert CatalogSettings().media_root == "/data/media"


def test_the_media_store_defaults_to_the_local_run_folder(monkeypatch):
    monkeypatch.delenv("CATALOG_MEDIA_ROOT", raising=False)
    assert CatalogSettings().media_root == ".run/media"
