"""The media store's rules: content addresses, complete files only, nothing outside the store."""

import hashlib
from pathlib import Path

import pytest

from analysis.media import store


def finished_file(root: Path, name: str, content: bytes) -> Path:
    path = store.temp_dir(root, name) / "video.mp4"
    path.write_bytes(content)
    return path


def test_put_renames_to_the_content_address_and_reports_hash_and_size(tmp_path: Path) -> None:
    content = b"frame" * 300_000  # larger than one hashing chunk
    digest = hashlib.sha256(content).hexdigest()
    stored = store.put(tmp_path, finished_file(tmp_path, "t1", content), ".MP4")
    assert stored == store.StoredFile(f"videos/{digest[:2]}/{digest}.mp4", digest, len(content), True)
    assert (tmp_path / stored.storage_path).read_bytes() == content
    assert not (tmp_path / "tmp" / "t1" / "video.mp4").exists()


def test_the_same_content_twice_is_one_file(tmp_path: Path) -> None:
    first = store.put(tmp_path, finished_file(tmp_path, "t1", b"same"), "mp4")
    second = store.put(tmp_path, finished_file(tmp_path, "t2", b"same"), "mp4")
    assert first.storage_path == second.storage_path and (first.created, second.created) == (True, False)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == [tmp_path / first.storage_path]


def test_an_odd_extension_is_left_off(tmp_path: Path) -> None:
    assert store.content_path("ab" * 32, "../x y").endswith("ab" * 32)
    assert store.content_path("ab" * 32, "webm") == f"videos/ab/{'ab' * 32}.webm"


def test_paths_outside_the_store_are_refused(tmp_path: Path) -> None:
    assert store.resolve(tmp_path, "videos/ab/x.mp4") == (tmp_path / "videos/ab/x.mp4").resolve()
    with pytest.raises(ValueError, match="outside the media store"):
        store.resolve(tmp_path, "../../etc/passwd")
