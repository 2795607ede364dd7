"""Uploads without a bucket: tickets for the service's own upload endpoint, objects in Django's storage.

The ticket's URL carries a signed token (``django.core.signing``) with everything S3's policy would hold: the
storage and the name, the size limit, the content type, the tagging and the deadline. The endpoint
(``local_endpoint.py``) verifies it and the form as S3 does. A local storage keeps no tags: marking is a no-op
(the lifecycle rule is S3's), and discarding deletes. Nor does it keep versions: the endpoint refuses a second
upload to a name instead, so what a completion checked is what is read.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import IO

from django.core import signing
from django.core.files.storage import Storage
from django.urls import reverse

from .objects import AbsoluteUrl, MissingObject, StoredObject
from .tickets import UploadRules, UploadTicket

TOKEN_SALT = "core.uploads.local-ticket"  # noqa: S105 - a namespace for signatures, not a secret


@dataclass(frozen=True)
class LocalTicketPolicy:
    """What a local ticket allows, as signed into its URL."""

    storage: str  # the STORAGES alias
    key: str  # the storage name
    max_bytes: int
    content_type: str
    tagging: str
    expires: float  # Unix time

    def token(self) -> str:
        return signing.dumps(asdict(self), salt=TOKEN_SALT, compress=True)

    @classmethod
    def from_token(cls, token: str) -> LocalTicketPolicy:
        """The policy of a token this service signed; ``signing.BadSignature`` otherwise."""
        values = signing.loads(token, salt=TOKEN_SALT)
        if not isinstance(values, dict):
            raise signing.BadSignature("not a ticket")
        return cls(**values)

    def form_fields(self) -> dict[str, str]:
        """The fields the client posts back (as S3's presigned POST would list them)."""
        return {"key": self.key, "Content-Type": self.content_type, "tagging": self.tagging}

    @property
    def expired(self) -> bool:
        return time.time() >= self.expires


class LocalObjectStore:
    def __init__(self, alias: str, storage: Storage) -> None:
        self.alias = alias
        self.storage = storage

    def ticket(self, name: str, rules: UploadRules, absolute_url: AbsoluteUrl) -> UploadTicket:
        expires = time.time() + rules.expires_in
        policy = LocalTicketPolicy(self.alias, name, rules.max_bytes, rules.content_type, rules.tagging, expires)
        url = absolute_url(reverse("local-upload", kwargs={"token": policy.token()}))
        return UploadTicket(url=url, fields=policy.form_fields(), expires_at=datetime.fromtimestamp(expires, tz=UTC))

    def inspect(self, name: str) -> StoredObject | None:
        if not self.storage.exists(name):
            return None
        return StoredObject(size=self.storage.size(name), sha256=None)

    def mark(self, name: str, upload_state: str, *, version: str = "") -> None:
        """A local storage keeps no tags."""

    @contextmanager
    def open_stream(self, name: str, *, version: str = "") -> Iterator[IO[bytes]]:
        if not self.storage.exists(name):
            raise MissingObject(name)
        with self.storage.open(name, "rb") as stream:
            yield stream

    def discard(self, name: str, *, version: str = "") -> None:
        self.storage.delete(name)

    def download_url(self, name: str, *, version: str = "") -> str:
        return self.storage.url(name)
