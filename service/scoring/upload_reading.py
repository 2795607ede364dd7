"""Reading an upload from a binary stream within size limits.

Gzip-compressed CSV is recognised by its magic bytes, not by its name, and decompressed with a bound on the
output: a small file that expands without end (a "zip bomb") stops as soon as it passes the limit.
"""

from __future__ import annotations

import io
import zlib
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from .problems import CsvProblem

GZIP_MAGIC = b"\x1f\x8b"
# Compressed input is fed to zlib in slices of this size, so that output beyond the limit is never produced.
GZIP_INPUT_SLICE = 1 << 20
# A stream of unknown length is read in slices of this size.
READ_SLICE = 1 << 26


class BinaryStream(Protocol):
    """What the engine reads from: an open file, ``io.BytesIO``, a Django ``File``, an S3 ``StreamingBody``."""

    def read(self, size: int, /) -> bytes: ...


@runtime_checkable
class SeekableStream(Protocol):
    """A stream that can say how long it is (files do; HTTP bodies do not)."""

    def seekable(self) -> bool: ...

    def tell(self) -> int: ...

    def seek(self, offset: int, whence: int = ..., /) -> int: ...


@dataclass(frozen=True)
class SizeLimits:
    """``max_bytes`` bounds the bytes read from the stream (a plain CSV, or the compressed file);
    ``max_decompressed_bytes`` bounds what a gzip-compressed file may expand to."""

    max_bytes: int
    max_decompressed_bytes: int

    def __post_init__(self) -> None:
        for name in ("max_bytes", "max_decompressed_bytes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"SizeLimits.{name} must be a positive number of bytes, got {value!r}")


def read_upload(stream: BinaryStream, limits: SizeLimits) -> bytes:
    """The file's CSV bytes (decompressed when gzip); never reads more than ``max_bytes + 1`` bytes."""
    data = read_at_most(stream, limits.max_bytes + 1)
    if len(data) > limits.max_bytes:
        raise CsvProblem(1, f"the file is larger than the limit of {limits.max_bytes} bytes")
    if data.startswith(GZIP_MAGIC):
        return gunzip_within(data, limits.max_decompressed_bytes)
    return data


def read_at_most(stream: BinaryStream, size: int) -> bytes:
    """Up to ``size`` bytes of ``stream``.

    A seekable stream (a file) whose remaining length is known is read with one allocation of that length;
    another (an HTTP body) in slices of ``READ_SLICE`` that are joined at the end, so a huge ``size`` is never
    allocated up front.
    """
    known = _remaining_length(stream)
    first_read = READ_SLICE if known is None else max(known, 1)
    remaining = size
    parts: list[bytes] = []
    while remaining > 0:
        chunk = stream.read(min(remaining, READ_SLICE if parts else first_read))
        if not chunk:
            break
        parts.append(chunk)
        remaining -= len(chunk)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def _remaining_length(stream: BinaryStream) -> int | None:
    """Bytes left in a seekable stream, None when the stream cannot tell."""
    if not isinstance(stream, SeekableStream) or not stream.seekable():
        return None
    here = stream.tell()
    end = stream.seek(0, io.SEEK_END)
    stream.seek(here)
    return max(end - here, 0)


def gunzip_within(compressed: bytes, max_bytes: int) -> bytes:
    """Every gzip member of ``compressed``, decompressed; more than ``max_bytes`` of output is a problem."""
    parts: list[bytes] = []
    produced = 0
    start = 0
    while start < len(compressed):
        if not compressed.startswith(GZIP_MAGIC, start):
            raise CsvProblem(1, "the gzip-compressed file has trailing data that is not gzip")
        start, produced = _gunzip_member(compressed, start, parts, produced, max_bytes)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def _gunzip_member(compressed: bytes, start: int, parts: list[bytes], produced: int, max_bytes: int) -> tuple[int, int]:
    """Decompress the member at ``start`` into ``parts``; returns where the next member starts and the total size."""
    view = memoryview(compressed)
    decompressor = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)
    position = start
    pending: bytes | memoryview = b""
    while not decompressor.eof:
        if not pending:
            if position >= len(compressed):
                raise CsvProblem(1, "the gzip-compressed file is truncated")
            pending = view[position : position + GZIP_INPUT_SLICE]
            position += len(pending)
        try:
            output = decompressor.decompress(pending, max_bytes + 1 - produced)
        except zlib.error as exc:
            raise CsvProblem(1, f"the file is not valid gzip ({exc})") from None
        produced += len(output)
        if produced > max_bytes:
            raise CsvProblem(1, f"the file is larger than the limit of {max_bytes} bytes once decompressed")
        if output:
            parts.append(output)
        pending = decompressor.unconsumed_tail
    return position - len(decompressor.unused_data), produced
