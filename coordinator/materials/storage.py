"""Content-addressed file storage: a file's bytes are kept under their
SHA-256, in a directory (the instance folder by default) or in an
S3-compatible bucket (``COORDINATOR_STORAGE_URL=s3://bucket/prefix``).

Writing is idempotent (the same bytes land on the same key) and complete
before it returns, so a row that names a key is only committed after its
bytes are stored; a crash in between leaves at most an unreferenced blob.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Protocol
from urllib.parse import urlparse

from flask import Flask, current_app


class StorageError(RuntimeError):
    """The storage is misconfigured or does not hold a key it should."""


class BlobStore(Protocol):
    """Where file contents live, addressed by their SHA-256 (hex)."""

    def put(self, sha256: str, data: bytes) -> None: ...

    def get(self, sha256: str) -> bytes: ...

    def exists(self, sha256: str) -> bool: ...


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _checked(sha256: str) -> str:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise StorageError(f"not a SHA-256 key: {sha256!r}")
    return sha256


class DirectoryStore:
    """Blobs as files ``ROOT/ab/cd/<sha256>``, written to a temporary file,
    flushed to disk and renamed into place (never a half-written blob)."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def _path(self, sha256: str) -> Path:
        _checked(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, sha256: str, data: bytes) -> None:
        path = self._path(sha256)
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, sha256: str) -> bytes:
        try:
            return self._path(sha256).read_bytes()
        except FileNotFoundError:
            raise StorageError(f"blob {sha256} is missing from {self.root}") from None

    def exists(self, sha256: str) -> bool:
        return self._path(sha256).is_file()


class S3Store:
    """Blobs as objects ``<prefix>/<sha256>`` of an S3-compatible bucket.
    boto3 takes the endpoint, region and keys from its usual variables
    (``AWS_ENDPOINT_URL``, ``AWS_DEFAULT_REGION``, ``AWS_ACCESS_KEY_ID``,
    ``AWS_SECRET_ACCESS_KEY``)."""

    def __init__(self, bucket: str, prefix: str = "", client=None):
        if client is None:
            import boto3  # the ``s3`` extra

            client = boto3.client("s3")
        self.bucket, self.prefix, self.client = bucket, prefix.strip("/"), client

    def _key(self, sha256: str) -> str:
        _checked(sha256)
        return f"{self.prefix}/{sha256}" if self.prefix else sha256

    def put(self, sha256: str, data: bytes) -> None:
        if not self.exists(sha256):
            self.client.put_object(Bucket=self.bucket, Key=self._key(sha256), Body=data,
                                   ChecksumAlgorithm="SHA256")

    def get(self, sha256: str) -> bytes:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(sha256))["Body"].read()
        except self.client.exceptions.NoSuchKey:
            raise StorageError(f"blob {sha256} is missing from s3://{self.bucket}/{self.prefix}") from None

    def exists(self, sha256: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(sha256))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True


def store_from_url(url: str | None, instance_path: str) -> BlobStore:
    """The store a ``COORDINATOR_STORAGE_URL`` names: none → ``<instance>/files``;
    ``file:///path`` or a plain path → that directory; ``s3://bucket/prefix`` → S3."""
    if not url:
        return DirectoryStore(Path(instance_path) / "files")
    parsed = urlparse(url)
    if parsed.scheme == "s3":
        if not parsed.netloc:
            raise StorageError(f"COORDINATOR_STORAGE_URL {url!r} names no bucket")
        return S3Store(parsed.netloc, parsed.path)
    if parsed.scheme in ("", "file"):
        return DirectoryStore(Path(parsed.path if parsed.scheme else url))
    raise StorageError(f"COORDINATOR_STORAGE_URL {url!r}: use s3://bucket/prefix or a directory")


def init_storage(app: Flask) -> None:
    """Bind the configured store to the app (once, in the factory)."""
    app.extensions["blob_store"] = store_from_url(app.config.get("COORDINATOR_STORAGE_URL"), app.instance_path)


def blob_store() -> BlobStore:
    """The current app's store."""
    return current_app.extensions["blob_store"]
