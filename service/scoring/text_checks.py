"""Checks on a file's bytes as a whole, before any row: empty, UTF-8 (a BOM is allowed)."""

from __future__ import annotations

from .problems import CsvProblem

UTF8_BOM = b"\xef\xbb\xbf"
# Non-ASCII files are validated slice by slice, so that no decoded copy of the whole file is ever held.
UTF8_CHECK_SLICE = 1 << 23
BLANK_CHECK_SLICE = 1 << 16
UTF8_CONTINUATION_BYTES = range(0x80, 0xC0)


def text_start(data: bytes) -> int:
    """Where the text of ``data`` starts (after a UTF-8 BOM); an empty or non-UTF-8 file is a ``CsvProblem``."""
    if is_blank(data):
        raise CsvProblem(1, "the file is empty")
    start = len(UTF8_BOM) if data.startswith(UTF8_BOM) else 0
    check_utf8(data, start)
    return start


def is_blank(data: bytes) -> bool:
    """True when ``data`` holds nothing but ASCII whitespace (what ``bytes.strip`` removes)."""
    return not any(
        data[offset : offset + BLANK_CHECK_SLICE].strip() for offset in range(0, len(data), BLANK_CHECK_SLICE)
    )


def check_utf8(data: bytes, start: int) -> None:
    """Raise a ``CsvProblem`` naming the line of the first byte that is not valid UTF-8.

    The line is the true one. The row-by-row parser counted newlines up to the error's offset in the text
    *after* the BOM, so with a BOM it named the previous line when the bad byte was within 3 bytes of a line
    start; nothing else differs.
    """
    if data.isascii():
        return
    view = memoryview(data)
    offset = start
    while offset < len(data):
        end = _slice_end(data, offset)
        try:
            str(view[offset:end], "utf-8")
        except UnicodeDecodeError as exc:
            bad = offset + exc.start
            raise CsvProblem(data.count(b"\n", start, bad) + 1, "the file is not valid UTF-8") from None
        offset = end


def _slice_end(data: bytes, offset: int) -> int:
    """An end for the slice from ``offset`` that never splits a UTF-8 sequence: after a newline when there is one."""
    end = offset + UTF8_CHECK_SLICE
    if end >= len(data):
        return len(data)
    newline = data.rfind(b"\n", offset, end)
    if newline >= offset:
        return newline + 1
    while end > offset and data[end] in UTF8_CONTINUATION_BYTES:
        end -= 1
    return end if end > offset else offset + UTF8_CHECK_SLICE
