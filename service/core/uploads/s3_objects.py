"""Uploads to S3: presigned POSTs, HEAD for size and checksum, object tags, streaming reads.

The web task signs the POST (``s3:PutObject``), reads objects' size and tags them (``s3:GetObject``,
``s3:GetObjectVersion``, ``s3:PutObjectTagging``, ``s3:PutObjectVersionTagging``); it never deletes (a discarded
object is tagged ``upload=pending`` and the lifecycle rule removes it). Workers only read (``s3:GetObject``,
``s3:GetObjectVersion``). Both may list the bucket (``s3:ListBucket``): without it S3 answers a missing object or
version with 403, not the 404 that ``NOT_FOUND_CODES`` turns into ``MissingObject``.

The bucket is versioned: a presigned POST stays usable until it expires, so a second upload with the same ticket
makes a new version of the key. A completion pins the version it checked (``StoredObject.version``), and that
version is the one tagged, read and scored.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import IO, Any, cast

from botocore.exceptions import ClientError
from django.utils import timezone
from storages.backends.s3 import S3Storage

from .objects import AbsoluteUrl, MissingObject, StoredObject
from .tickets import PENDING, UPLOAD_TAG, UploadRules, UploadTicket

NOT_FOUND_CODES = {"404", "NoSuchKey", "NotFound", "NoSuchVersion"}
# How long an operator's link to an object works.
DOWNLOAD_URL_SECONDS = 300


class S3ObjectStore:
    def __init__(self, storage: S3Storage) -> None:
        self.storage = storage
        self.bucket = storage.bucket_name

    @property
    def client(self) -> Any:
        return self.storage.connection.meta.client

    def key(self, name: str) -> str:
        """The object key of a storage name (the storage's ``location`` prefix, e.g. ``submissions/``)."""
        return cast(str, self.storage._normalize_name(name))  # noqa: SLF001 - django-storages' own key mapping

    def ticket(self, name: str, rules: UploadRules, absolute_url: AbsoluteUrl) -> UploadTicket:
        fields = {"Content-Type": rules.content_type, "tagging": rules.tagging}
        conditions: list[Any] = [
            ["content-length-range", 1, rules.max_bytes],
            {"Content-Type": rules.content_type},
            {"tagging": rules.tagging},
        ]
        expires_at = timezone.now() + timedelta(seconds=rules.expires_in)
        post = self.client.generate_presigned_post(
            Bucket=self.bucket, Key=self.key(name), Fields=fields, Conditions=conditions, ExpiresIn=rules.expires_in
        )
        return UploadTicket(url=post["url"], fields=dict(post["fields"]), expires_at=expires_at)

    def inspect(self, name: str) -> StoredObject | None:
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self.key(name), ChecksumMode="ENABLED")
        except ClientError as error:
            if _is_not_found(error):
                return None
            raise
        checksum = head.get("ChecksumSHA256")
        # A multipart upload's checksum is a checksum of checksums ("...-3"): not the file's SHA-256.
        sha256 = base64.b64decode(checksum).hex() if checksum and "-" not in checksum else None
        return StoredObject(size=int(head["ContentLength"]), sha256=sha256, version=str(head.get("VersionId") or ""))

    def _object(self, name: str, version: str) -> dict[str, str]:
        """The parameters naming one version of an object (the current one when ``version`` is "")."""
        return {"Bucket": self.bucket, "Key": self.key(name), **({"VersionId": version} if version else {})}

    def mark(self, name: str, upload_state: str, *, version: str = "") -> None:
        tags = {"TagSet": [{"Key": UPLOAD_TAG, "Value": upload_state}]}
        self.client.put_object_tagging(**self._object(name, version), Tagging=tags)

    @contextmanager
    def open_stream(self, name: str, *, version: str = "") -> Iterator[IO[bytes]]:
        try:
            body = self.client.get_object(**self._object(name, version))["Body"]
        except ClientError as error:
            if _is_not_found(error):
                raise MissingObject(name) from None
            raise
        try:
            yield body
        finally:
            body.close()

    def discard(self, name: str, *, version: str = "") -> None:
        try:
            self.mark(name, PENDING, version=version)
        except ClientError as error:
            if not _is_not_found(error):
                raise

    def download_url(self, name: str, *, version: str = "") -> str:
        url: str = self.client.generate_presigned_url(
            "get_object", Params=self._object(name, version), ExpiresIn=DOWNLOAD_URL_SECONDS
        )
        return url


def _is_not_found(error: ClientError) -> bool:
    return str(error.response.get("Error", {}).get("Code")) in NOT_FOUND_CODES
