"""The media store: a local directory shared with catalog (``ANALYSIS_MEDIA_ROOT`` = ``CATALOG_MEDIA_ROOT``).

Files are content-addressed, ``videos/<sha256[:2]>/<sha256>.<ext>``, and appear there only complete: a download
goes to a private temporary directory under ``tmp/`` and is renamed into place after it was hashed, so a partial
or failed download never has a store path. Paths in events and rows are relative to the store's root.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

CHUNK_BYTES = 1024 * 1024  # hashing reads this much at a time: memory stays bounded whatever the file's size
SAFE_EXT = re.compile(r"^[a-z0-9]{1,10}$")


@dataclass(frozen=True)
class StoredFile:
    storage_path: str  # relative to the store's root
    file_hash: str  # hex SHA-256
    size_bytes: int
    created: bool  # False: the store already held this content


def sha256_of(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as file:
        while chunk := file.read(CHUNK_BYTES):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def content_path(file_hash: str, ext: str) -> str:
    ext = ext.lower().lstrip(".")
    suffix = f".{ext}" if SAFE_EXT.match(ext) else ""
    return f"videos/{file_hash[:2]}/{file_hash}{suffix}"


def temp_dir(root: Path, name: str) -> Path:
    """A private directory for one download, on the store's file system (so the final rename is atomic)."""
    path = root / "tmp" / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def put(root: Path, finished: Path, ext: str) -> StoredFile:
    """Hash a finished temporary file and rename it to its content address (an existing copy is kept)."""
    file_hash, size = sha256_of(finished)
    relative = content_path(file_hash, ext)
    target = root / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(finished, target)  # exclusive: of two downloads of one file at once, exactly one creates it
        created = True
    except FileExistsError:
        created = False
    finished.unlink()
    return StoredFile(relative, file_hash, size, created)


def resolve(root: Path, storage_path: str) -> Path:
    """The absolute path of a stored file; refuses paths that leave the store."""
    path = (root / storage_path).resolve()
    if not path.is_relative_to(root.resolve()):
        raise ValueError(f"storage path {storage_path!r} is outside the media store")
    return path
