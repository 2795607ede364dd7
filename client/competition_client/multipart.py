"""A ``multipart/form-data`` body streamed from disk, laid out like a browser's S3 presigned POST: every form field
of the ticket first, in the ticket's order, then the file as the field ``file`` (S3 ignores fields after it).

The length is known before the first byte is sent (S3 refuses chunked uploads), and the file is read a chunk at a
time, so a file of any size costs one chunk of memory.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError

CHUNK_BYTES = 1024 * 1024


def _quoted(value: str) -> str:
    """A header parameter value: quotes and line breaks cannot end it early (as browsers write them)."""
    return value.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


@dataclass(frozen=True)
class MultipartForm:
    fields: Mapping[str, str]
    path: Path
    file_name: str
    size: int
    boundary: str

    @classmethod
    def for_file(cls, fields: Mapping[str, str], path: Path, file_name: str) -> MultipartForm:
        return cls(fields, path, file_name, path.stat().st_size, f"----competition-client-{secrets.token_hex(16)}")

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    def head(self) -> bytes:
        parts = [
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="{_quoted(name)}"\r\n\r\n{value}\r\n'
            for name, value in self.fields.items()
        ]
        parts.append(
            f"--{self.boundary}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="{_quoted(self.file_name)}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        )
        return "".join(parts).encode("utf-8")

    def tail(self) -> bytes:
        return f"\r\n--{self.boundary}--\r\n".encode()

    @property
    def content_length(self) -> int:
        return len(self.head()) + self.size + len(self.tail())

    def chunks(self, on_file_bytes: Callable[[int], None], chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
        """The body, a chunk at a time; ``on_file_bytes`` hears how many bytes of the file went out so far."""
        yield self.head()
        sent = 0
        with self.path.open("rb") as source:
            while chunk := source.read(chunk_bytes):
                sent += len(chunk)
                if sent > self.size:
                    raise UsageError(f"{self.path} grew while it was uploaded: upload it again once it is written")
                yield chunk
                on_file_bytes(sent)
        if sent != self.size:
            raise UsageError(f"{self.path} shrank while it was uploaded ({sent} of {self.size} bytes): upload it again")
        yield self.tail()
