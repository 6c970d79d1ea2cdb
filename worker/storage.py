"""Object storage for finished audio, voice profiles and dead-lettered callbacks.

`ObjectStore` is the interface; `LocalObjectStore` (a directory, for `make demo`) and
`R2ObjectStore` (Cloudflare R2, or any S3-compatible store) implement it. Where each object
lives, and the cache headers it carries, are `worker/bucket.py`'s.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar
from urllib.parse import quote

import boto3
from boto3.exceptions import S3UploadFailedError
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ConnectionError, HTTPClientError
from tenacity import (
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential_jitter,
)

from shared.errors import StorageAuthError, StorageUploadError, WorkerMisconfiguredError
from worker.bucket import IMMUTABLE_CACHE, check_key
from worker.config import ServiceSettings
from worker.deployment import require, storage_problems

logger = logging.getLogger(__name__)
T = TypeVar("T")
_AUTH_CODES = frozenset(
    {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "Unauthorized", "Forbidden"}
)
_TRANSIENT_CODES = frozenset(
    {"SlowDown", "Throttling", "ThrottlingException", "RequestTimeout", "InternalError",
     "ServiceUnavailable", "RequestTimeTooSkewed"}
)  # fmt: skip

CONNECT_TIMEOUT_S = 5
READ_TIMEOUT_S = 60
"""Per request: a part of a large upload may take a while to be acknowledged."""
UPLOAD_REQUESTS_IN_TURN = 4
"""At most this many requests of one upload wait on each other, each up to the timeouts above:
a multipart upload's create, its parts ten side by side (the longest story as WAV, about
160 MB, is two rounds of 8 MB parts) and complete."""


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
        self,
        key: str,
        data: bytes,
        content_type: str,
        metadata: dict[str, str],
        *,
        cache_control: str | None = None,
    ) -> StoredObject:
        """Store `data`, replacing any object under `key` at once (a reader sees the old
        object or the new one, never part of either)."""
        ...

    def get_bytes(self, key: str) -> bytes | None:
        """The object's bytes, or None when there is no such object."""
        ...

    def list_keys(self, prefix: str) -> list[str]: ...

    def url_for(self, key: str) -> str: ...

    def delete(self, key: str) -> None: ...


class LocalObjectStore:
    """A directory standing in for a bucket, for local runs; URLs are made from
    `public_url` (the demo serves the directory there), never from the local path."""

    def __init__(self, root: Path, public_url: str) -> None:
        self.root = root.resolve()
        self.public_url = public_url.rstrip("/")

    def url_for(self, key: str) -> str:
        return f"{self.public_url}/{quote(key)}"

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put_file(
        self, key: str, path: Path, content_type: str, metadata: dict[str, str]
    ) -> StoredObject:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        self._write_metadata(target, content_type, metadata)
        _replace_atomically(target, lambda partial: shutil.copyfile(path, partial))
        return StoredObject(key, self.url_for(key), target.stat().st_size)

    def put_bytes(
        self,
        key: str,
        data: bytes,
        content_type: str,
        metadata: dict[str, str],
        *,
        cache_control: str | None = None,
    ) -> StoredObject:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        self._write_metadata(target, content_type, metadata, cache_control)
        _replace_atomically(target, lambda partial: partial.write_bytes(data))
        return StoredObject(key, self.url_for(key), len(data))

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
            and not p.name.startswith(".")  # an object being written
            and p.relative_to(base).as_posix().startswith(prefix)
        )

    def delete(self, key: str) -> None:
        target = self._path(key)
        target.unlink(missing_ok=True)
        target.with_name(target.name + ".meta.json").unlink(missing_ok=True)

    def prune(self, prefix: str, older_than_s: float) -> int:
        """Delete the objects under `prefix` last written more than `older_than_s` ago (what
        a bucket's lifecycle rule does on R2); returns how many."""
        cutoff = time.time() - older_than_s
        expired = [
            key for key in self.list_keys(prefix) if self._path(key).stat().st_mtime < cutoff
        ]
        for key in expired:
            self.delete(key)
        return len(expired)

    @staticmethod
    def _write_metadata(
        target: Path, content_type: str, metadata: dict[str, str], cache_control: str | None = None
    ) -> None:
        sidecar = target.with_name(target.name + ".meta.json")
        headers = {"content_type": content_type, "metadata": metadata}
        text = json.dumps(headers | {"cache_control": cache_control or IMMUTABLE_CACHE})
        _replace_atomically(sidecar, lambda partial: partial.write_text(text))


def _replace_atomically(target: Path, write: Callable[[Path], object]) -> None:
    """Write a file beside `target`, then rename it over `target`: the bucket server reads
    objects and their `.meta.json` while the worker rewrites them (a live playlist), and a
    reader must see the old file or the new one, never a half-written one."""
    partial = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.partial")
    try:
        write(partial)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)


class _Transient(Exception):
    """A failure worth another attempt (5xx, throttling, timeouts, dropped connections)."""


def _classify(exc: BaseException) -> BaseException:
    """Map a boto error to `_Transient`, `StorageAuthError` or a permanent `StorageUploadError`."""
    if isinstance(exc, S3UploadFailedError) and exc.__context__ is not None:
        exc = exc.__context__
    if isinstance(exc, ClientError):
        code = str(exc.response.get("Error", {}).get("Code", ""))
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        if status in (401, 403) or code in _AUTH_CODES:
            return StorageAuthError(details=f"storage refused the credentials ({code or status})")
        if status >= 500 or status == 429 or code in _TRANSIENT_CODES:
            return _Transient(f"{code or status}")
        return StorageUploadError(details=f"storage rejected the request ({code or status})")
    if isinstance(exc, ConnectionError | HTTPClientError):
        return _Transient(type(exc).__name__)
    if isinstance(exc, BotoCoreError):
        return StorageUploadError(details=f"storage client error ({type(exc).__name__})")
    return exc


class R2ObjectStore:
    """Cloudflare R2 through boto3, with our own retries (tenacity) around each operation."""

    def __init__(self, settings: ServiceSettings, client: Any | None = None) -> None:
        if not settings.r2_bucket:
            raise WorkerMisconfiguredError(details="STORAGE_BACKEND=r2 needs R2_BUCKET")
        self.bucket = settings.r2_bucket
        self.settings = settings
        self.client = client or make_r2_client(settings)
        threshold = settings.r2_multipart_threshold_mb * 1024 * 1024
        self.transfer = TransferConfig(multipart_threshold=threshold, multipart_chunksize=threshold)

    def put_file(
        self, key: str, path: Path, content_type: str, metadata: dict[str, str]
    ) -> StoredObject:
        """Upload a finished file. It is on local disk and cannot be made again cheaply (a
        whole story's audio), so a storage outage is waited out for `STORAGE_FILE_RETRY_S`."""
        extra = {"ContentType": content_type, "CacheControl": IMMUTABLE_CACHE, "Metadata": metadata}
        self._call(
            lambda: self.client.upload_file(
                str(path), self.bucket, check_key(key), ExtraArgs=extra, Config=self.transfer
            ),
            retry_s=self.settings.storage_file_retry_s,
        )
        return StoredObject(key, self.url_for(key), path.stat().st_size)

    def put_bytes(
        self,
        key: str,
        data: bytes,
        content_type: str,
        metadata: dict[str, str],
        *,
        cache_control: str | None = None,
    ) -> StoredObject:
        cache = {"CacheControl": cache_control} if cache_control else {}
        self._call(
            lambda: self.client.put_object(
                Bucket=self.bucket,
                Key=check_key(key),
                Body=data,
                ContentType=content_type,
                Metadata=metadata,
                **cache,
            )
        )
        return StoredObject(key, self.url_for(key), len(data))

    def get_bytes(self, key: str) -> bytes | None:
        def fetch() -> bytes | None:
            try:
                response = self.client.get_object(Bucket=self.bucket, Key=check_key(key))
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                    return None
                raise
            return bytes(response["Body"].read())

        return self._call(fetch)

    def list_keys(self, prefix: str) -> list[str]:
        def listing() -> list[str]:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=prefix
            )
            return [item["Key"] for page in pages for item in page.get("Contents", [])]

        return self._call(listing)

    def delete(self, key: str) -> None:
        self._call(lambda: self.client.delete_object(Bucket=self.bucket, Key=check_key(key)))

    def url_for(self, key: str) -> str:
        """The public URL, or, only when R2_PRESIGNED_URLS chose it, one that expires."""
        if self.settings.r2_public_base_url:
            return f"{self.settings.r2_public_base_url.rstrip('/')}/{quote(key)}"
        if not self.settings.r2_presigned_urls:
            raise WorkerMisconfiguredError(
                details="R2_PUBLIC_BASE_URL is not set and R2_PRESIGNED_URLS is not true"
            )
        return str(
            self.client.generate_presigned_url(
                "get_object",
                Params={"Bucket": self.bucket, "Key": key},
                ExpiresIn=self.settings.r2_presign_expiry_s,
            )
        )

    def _call(self, operation: Callable[[], T], retry_s: float = 0.0) -> T:
        """`operation`, retried while storage fails transiently: `STORAGE_MAX_ATTEMPTS` times,
        and for at least `retry_s` seconds."""

        def attempt() -> T:
            try:
                return operation()
            except (ClientError, BotoCoreError, S3UploadFailedError) as exc:
                raise _classify(exc) from None

        retrying = Retrying(
            stop=stop_after_attempt(self.settings.storage_max_attempts) & stop_after_delay(retry_s),
            wait=wait_exponential_jitter(
                multiplier=0.2, jitter=0.2, max=self.settings.storage_backoff_max_s
            ),
            retry=retry_if_exception_type(_Transient),
            reraise=True,
        )
        started = time.monotonic()
        try:
            return retrying(attempt)
        except _Transient as exc:
            attempts = retrying.statistics.get("attempt_number", 1)
            raise StorageUploadError(
                details=f"storage still failing after {attempts} attempts in "
                f"{time.monotonic() - started:.0f} s ({exc})"
            ) from None


def make_r2_client(settings: ServiceSettings) -> Any:
    endpoint = settings.r2_endpoint_url or (
        f"https://{settings.r2_account_id}.r2.cloudflarestorage.com"
        if settings.r2_account_id
        else None
    )
    if not endpoint or not settings.r2_access_key_id or not settings.r2_secret_access_key:
        raise WorkerMisconfiguredError(
            details="STORAGE_BACKEND=r2 needs R2_ACCOUNT_ID (or R2_ENDPOINT_URL), "
            "R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY"
        )
    config = Config(
        region_name="auto",
        signature_version="s3v4",
        retries={"total_max_attempts": 1, "mode": "standard"},  # tenacity retries
        connect_timeout=CONNECT_TIMEOUT_S,
        read_timeout=READ_TIMEOUT_S,
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=settings.r2_access_key_id.get_secret_value(),
        aws_secret_access_key=settings.r2_secret_access_key.get_secret_value(),
        config=config,
    )


def make_store(settings: ServiceSettings) -> ObjectStore:
    """The configured store; `worker_misconfigured` when the deployment policy refuses it."""
    require(storage_problems(settings))
    if settings.storage_backend == "r2":
        return R2ObjectStore(settings)
    return LocalObjectStore(settings.local_storage_dir, settings.local_storage_public_url)


def serves_streams(settings: ServiceSettings) -> bool:
    """A playlist names its segments relatively: that needs public URLs, not presigned ones."""
    return settings.storage_backend != "r2" or bool(settings.r2_public_base_url)
