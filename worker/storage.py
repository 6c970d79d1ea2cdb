"""Object storage for finished audio, voice profiles and dead-lettered callbacks.

`ObjectStore` is the interface; `LocalObjectStore` (a directory, for `make demo`) and the R2
store implement it.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from shared.errors import StorageUploadError

_SAFE_KEY = re.compile(r"^(?!/)(?!.*(?:^|/)\.\.?(?:/|$))[A-Za-z0-9._\-/]{1,512}$")


@dataclass(frozen=True)
class StoredObject:
    key: str
    url: str
    size_bytes: int


class ObjectStore(Protocol):
    def put_file(
        self, key: str, path: Path, content_type: str, metadata: dict[str, str]
    ) -> StoredObject: ...

    def put_bytes(
        self, key: str, data: bytes, content_type: str, metadata: dict[str, str]
    ) -> StoredObject: ...

    def get_bytes(self, key: str) -> bytes | None:
        """The object's bytes, or None when there is no such object."""
        ...

    def list_keys(self, prefix: str) -> list[str]: ...

    def delete(self, key: str) -> None: ...


def check_key(key: str) -> str:
    """Keys are relative, without `.`/`..` segments, in a conservative character set."""
    if not _SAFE_KEY.match(key):
        raise StorageUploadError(details="refused an unsafe storage key")
    return key


class LocalObjectStore:
    """A directory standing in for a bucket; URLs are file:// URLs."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put_file(
        self, key: str, path: Path, content_type: str, metadata: dict[str, str]
    ) -> StoredObject:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        self._write_metadata(target, content_type, metadata)
        return StoredObject(key, target.as_uri(), target.stat().st_size)

    def put_bytes(
        self, key: str, data: bytes, content_type: str, metadata: dict[str, str]
    ) -> StoredObject:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        self._write_metadata(target, content_type, metadata)
        return StoredObject(key, target.as_uri(), len(data))

    def get_bytes(self, key: str) -> bytes | None:
        target = self._path(key)
        return target.read_bytes() if target.is_file() else None

    def list_keys(self, prefix: str) -> list[str]:
        base = self.root
        return sorted(
            p.relative_to(base).as_posix()
            for p in base.rglob("*")
            if p.is_file()
            and not p.name.endswith(".meta.json")
            and p.relative_to(base).as_posix().startswith(prefix)
        )

    def delete(self, key: str) -> None:
        target = self._path(key)
        target.unlink(missing_ok=True)
        target.with_name(target.name + ".meta.json").unlink(missing_ok=True)

    @staticmethod
    def _write_metadata(target: Path, content_type: str, metadata: dict[str, str]) -> None:
        sidecar = target.with_name(target.name + ".meta.json")
        sidecar.write_text(json.dumps({"content_type": content_type, "metadata": metadata}))
