"""The objects uploads create, whichever storage holds them: tickets for them, what they hold, their tag."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import IO, Protocol

from django.core.files.storage import storages

from .tickets import UploadRules, UploadTicket

# Builds the absolute URL of a path of this service (``request.build_absolute_uri``): a local ticket's URL.
AbsoluteUrl = Callable[[str], str]


@dataclass(frozen=True)
class StoredObject:
    size: int
    sha256: str | None  # hex digest when the storage keeps one (S3 with a SHA-256 checksum), else None


class ObjectStore(Protocol):
    """One storage (a ``STORAGES`` alias) as uploads see it; names are the storage's (``FileField.name``)."""

    def ticket(self, name: str, rules: UploadRules, absolute_url: AbsoluteUrl) -> UploadTicket:
        """A ticket for one upload to ``name``."""
        ...

    def inspect(self, name: str) -> StoredObject | None:
        """What the object holds, None when there is none."""
        ...

    def mark(self, name: str, upload_state: str) -> None:
        """Set the object's ``upload`` tag (``tickets.COMPLETE``, or ``PENDING`` to let the lifecycle rule expire it)."""
        ...

    def open_stream(self, name: str) -> AbstractContextManager[IO[bytes]]:
        """The object's bytes as a stream read from storage as it is consumed; ``MissingObject`` when it is gone."""
        ...

    def discard(self, name: str) -> None:
        """Let the object go: deleted where the service may delete, else tagged for the lifecycle rule."""
        ...


class MissingObject(LookupError):
    """The object is not (or no longer) in storage."""


def object_store(alias: str) -> ObjectStore:
    """The uploads view of ``STORAGES[alias]``: S3's (presigned POSTs, tags) or the local stand-in."""
    from storages.backends.s3 import S3Storage

    storage = storages[alias]
    if isinstance(storage, S3Storage):
        from .s3_objects import S3ObjectStore

        return S3ObjectStore(storage)
    from .local_objects import LocalObjectStore

    return LocalObjectStore(alias, storage)
