"""What a client declares when it asks for an upload ticket, and the checks of the object it then uploaded."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from ..errors import Conflict
from .objects import ObjectStore, StoredObject

# The names a ticket is given for: they choose the suffix and content type only (the scorer detects gzip itself).
ACCEPTED_SUFFIXES = (".csv", ".csv.gz")


@dataclass(frozen=True, kw_only=True)
class DeclaredUpload:
    file_name: str
    size_bytes: int
    sha256: str = ""  # lower-case hex, or "" when not given

    @property
    def compressed(self) -> bool:
        return self.file_name.lower().endswith(".gz")


def check_uploaded(store: ObjectStore, name: str, *, max_bytes: int, sha256: str) -> StoredObject:
    """The object a completion refers to: it exists (409 ``upload_missing``), holds at most ``max_bytes`` (409
    ``upload_too_large``, in case a policy let it through) and, where the storage keeps a SHA-256 of it, matches the
    declared one (409 ``checksum_mismatch``; otherwise the checksum is verified where the file is read)."""
    stored = store.inspect(name)
    if stored is None:
        raise Conflict(
            "nothing was uploaded with this ticket (or the ticket expired before the upload)", code="upload_missing"
        )
    if stored.size > max_bytes:
        raise Conflict(
            f"the uploaded file holds {stored.size} bytes, more than the limit of {max_bytes}",
            code="upload_too_large",
            details={"size_bytes": stored.size, "limit": max_bytes},
        )
    if sha256 and stored.sha256 is not None and stored.sha256 != sha256:
        raise checksum_mismatch(stored.sha256, sha256)
    return stored


def checksum_mismatch(actual: str, declared: str) -> Conflict:
    return Conflict(
        f"the uploaded file's SHA-256 is {actual}, not the {declared} declared",
        code="checksum_mismatch",
        details={"sha256": actual, "declared": declared},
    )


# What ``HashingReader.hexdigest`` reads at a time of what the parser left unread.
DRAIN_CHUNK_BYTES = 1024 * 1024


class HashingReader:
    """Passes a stream's bytes through while computing their SHA-256 (one pass over the file)."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self._digest = hashlib.sha256()

    def read(self, size: int = -1, /) -> bytes:
        chunk: bytes = self._stream.read(size)
        self._digest.update(chunk)
        return chunk

    def hexdigest(self) -> str:
        """The SHA-256 of the whole stream: whatever the parser left unread is read (and hashed) first, so call it
        while the stream is open."""
        while self.read(DRAIN_CHUNK_BYTES):
            pass
        return self._digest.hexdigest()
