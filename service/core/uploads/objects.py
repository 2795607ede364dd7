"""The objects uploads create, whichever storage holds them: tickets for them, what they hold, their tag."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import IO, Protocol

from .tickets import UploadRules, UploadTicket

# Builds the absolute URL of a path of this service (``request.build_absolute_uri``): a local ticket's URL.
AbsoluteUrl = Callable[[str], str]


@dataclass(frozen=True)
class StoredObject:
    size: int
    sha256: str | None  # hex digest when the storage keeps one (S3 with a SHA-256 checksum), else None
    # The object's version (S3's VersionId in the versioned bucket): what a completion pins, since a ticket keeps
    # working until it expires and a second upload with it makes a new version. "" where storage keeps none (the
    # local stand-in, which refuses a second upload to a name instead).
    version: str = ""


class ObjectStore(Protocol):
    """One storage (a ``STORAGES`` alias) as uploads see it; names are the storage's (``FileField.name``)."""

    def ticket(self, name: str, rules: UploadRules, absolute_url: AbsoluteUrl) -> UploadTicket:
        """A ticket for one upload to ``name``."""
        ...

    def inspect(self, name: str) -> StoredObject | None:
        """What the object holds, None when there is none."""
        ...

    def mark(self, name: str, upload_state: str, *, version: str = "") -> None:
        """Set the ``upload`` tag of the object's ``version`` ("": the current one): ``tickets.COMPLETE``, or
        ``PENDING`` (the lifecycle rule expires it)."""
        ...

    def open_stream(self, name: str, *, version: str = "") -> AbstractContextManager[IO[bytes]]:
        """The bytes of the object's ``version`` ("": the current one) as a stream read from storage as it is
        consumed; ``MissingObject`` when it is gone."""
        ...

    def discard(self, name: str, *, version: str = "") -> None:
        """Let the object's ``version`` go: deleted where the service may delete, else tagged for the lifecycle rule."""
        ...

    def download_url(self, name: str, *, version: str = "") -> str:
        """A URL to read the object's ``version`` for a few minutes (operators, in the admin)."""
        ...


class MissingObject(LookupError):
    """The object is not (or no longer) in storage."""
