"""The structure of a CSV file found with numpy over its bytes: where records end, their field counts, lines.

A columnar reader gives the fields of each record but not the line each record came from, nor the exact
behaviour of Python's ``csv`` module (which the row-by-row parsers used, and whose line numbers and rules the
engine keeps). This module finds, with a few vectorized passes, whether a file is *regular* — its tokenization is
the same for Python's ``csv`` (``strict=True``) and for polars — and if so its record boundaries, field counts and
line numbers. A regular file has

* no NUL byte and no lone carriage return (lines end with ``\\n`` or ``\\r\\n``);
* quotes only in the RFC 4180 way: a quoted field starts at the start of a field and its closing quote is
  followed by a delimiter, a line end, the end of the file, or a second quote (an escaped ``""``);
* no record longer than the ``csv`` module's field size limit.

Anything else (rare) is read by the exact tokenizer, which runs Python's ``csv`` module itself.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

NEWLINE = ord("\n")
CARRIAGE_RETURN = ord("\r")
QUOTE = ord('"')
COMMA = ord(",")
# Bytes compared per numpy pass: bounds the temporary boolean mask.
SCAN_SLICE = 1 << 24
# Bytes below this are ASCII control characters and the space: every ASCII whitespace byte is among them.
FIRST_VISIBLE_BYTE = 0x21
# For bytes.translate: deleting these keeps only the commas and newlines of a file.
NOT_SEPARATORS = bytes(byte for byte in range(256) if byte not in (COMMA, NEWLINE))

Positions = NDArray[np.int64]


@dataclass(frozen=True)
class CsvLayout:
    """Records of a regular file; record 0 is the header."""

    records: int
    header_bytes: tuple[int, int]  # the header record with its line end: data[start:end]
    field_counts: NDArray[np.int64] | None  # None: every record has exactly ``width`` fields
    record_lines: Positions | None  # line of each record's last line; None: record i is on line i + 1
    may_need_strip: bool  # False: no field can start or end with whitespace
    fields_within_limit: bool  # False: the reader must compare its fields with the csv module's size limit

    def line(self, record: int) -> int:
        return record + 1 if self.record_lines is None else int(self.record_lines[record])


def byte_positions(array: NDArray[np.uint8], value: int, offset: int) -> Positions:
    """Offsets (plus ``offset``) of every byte equal to ``value``, one slice of the file at a time."""
    found = [
        np.flatnonzero(array[start : start + SCAN_SLICE] == value) + (start + offset)
        for start in range(0, len(array), SCAN_SLICE)
    ]
    return np.concatenate(found) if found else np.empty(0, dtype=np.int64)


def find_layout(data: bytes, start: int, width: int) -> CsvLayout | None:
    """The layout of the text ``data[start:]``, or None when the file is not regular."""
    if width < 2:
        raise ValueError(f"a layout needs at least 2 fields per record, got {width}")
    carriage_returns = data.count(b"\r", start)
    if carriage_returns and carriage_returns != data.count(b"\r\n", start):
        return None
    array = np.frombuffer(data, dtype=np.uint8)[start:]
    low_bytes = sum(
        int(np.count_nonzero(array[offset : offset + SCAN_SLICE] < FIRST_VISIBLE_BYTE))
        for offset in range(0, len(array), SCAN_SLICE)
    )
    newline_count = data.count(b"\n", start)
    only_line_ends = low_bytes == newline_count + carriage_returns  # no space, tab, NUL or other control byte
    if not only_line_ends and data.find(b"\x00", start) >= 0:
        return None
    quoted = data.find(b'"', start) >= 0
    may_need_strip = quoted or not only_line_ends or not data.isascii()
    layout = None if quoted else _uniform_layout(data, start, width, may_need_strip)
    return layout or _general_layout(data, start, width, quoted, may_need_strip)


def _uniform_layout(data: bytes, start: int, width: int, may_need_strip: bool) -> CsvLayout | None:
    """The common case, found without positions: no quotes, no blank line, ``width`` fields on every line.

    The file's commas and newlines, in order, must read ``,,..\n`` (``width - 1`` commas) for every record.
    """
    separators = np.frombuffer(data.translate(None, NOT_SEPARATORS), dtype=np.uint8)  # a BOM has neither
    complete, rest = divmod(len(separators), width)
    if rest not in (0, width - 1) or (rest == 0 and len(data) > start and data[-1] != NEWLINE):
        return None
    lines = separators[: complete * width].reshape(complete, width)
    last = separators[complete * width :]
    if not (np.all(lines[:, :-1] == COMMA) and np.all(lines[:, -1] == NEWLINE) and np.all(last == COMMA)):
        return None
    records = complete + (1 if rest else 0)
    if records == 0:
        return None
    header_end = data.find(b"\n", start) + 1 or len(data)
    return CsvLayout(records, (start, header_end), None, None, may_need_strip, fields_within_limit=False)


def _general_layout(data: bytes, start: int, width: int, quoted: bool, may_need_strip: bool) -> CsvLayout | None:
    """Record ends, field counts and lines from the positions of newlines, commas and quotes."""
    array = np.frombuffer(data, dtype=np.uint8)[start:]
    newlines = byte_positions(array, NEWLINE, start)
    commas = byte_positions(array, COMMA, start)
    record_lines: Positions | None = None
    if quoted:
        quotes = byte_positions(array, QUOTE, start)
        if not quotes_are_regular(data, quotes, start):
            return None
        outside = _outside_quotes(quotes, newlines)
        if not outside.all():
            record_lines = np.flatnonzero(outside) + 1
            newlines = newlines[outside]
        commas = commas[_outside_quotes(quotes, commas)]
    ends = newlines
    if len(data) > start and data[-1] != NEWLINE:
        ends = np.append(ends, len(data))
        if record_lines is not None:
            record_lines = np.append(record_lines, data.count(b"\n", start) + 1)
    starts = np.empty_like(ends)
    starts[:1] = start
    starts[1:] = ends[:-1] + 1
    content_ends = ends - _carriage_returns_before(array, starts, ends, start)
    if len(ends) and int(np.max(content_ends - starts)) > csv.field_size_limit():
        return None
    header_end = int(starts[1]) if len(ends) > 1 else len(data)
    counts = _field_counts(starts, content_ends, commas, width)
    return CsvLayout(len(ends), (start, header_end), counts, record_lines, may_need_strip, fields_within_limit=True)


def _carriage_returns_before(
    array: NDArray[np.uint8], starts: Positions, ends: Positions, start: int
) -> NDArray[np.int64]:
    """1 where a record's line end is ``\r\n`` (the ``\r`` is not part of the record), else 0."""
    terminated = (ends > starts) & (ends < start + len(array))
    before = np.zeros(len(ends), dtype=np.int64)
    before[terminated] = array[ends[terminated] - 1 - start] == CARRIAGE_RETURN
    return before


def quotes_are_regular(data: bytes, quotes: Positions, start: int) -> bool:
    """True when every quote opens a field, closes one, or is half of an escaped ``""`` (see the module doc)."""
    if len(quotes) % 2:
        return False
    array = np.frombuffer(data, dtype=np.uint8)
    openers = quotes[0::2]
    closers = quotes[1::2]
    before = array[openers[openers > start] - 1]
    after = array[closers[closers < len(data) - 1] + 1]
    opener_ok = (before == COMMA) | (before == NEWLINE) | (before == QUOTE)
    closer_ok = (after == COMMA) | (after == NEWLINE) | (after == CARRIAGE_RETURN) | (after == QUOTE)
    return bool(opener_ok.all() and closer_ok.all())


def _outside_quotes(quotes: Positions, positions: Positions) -> NDArray[np.bool_]:
    """Which ``positions`` (of non-quote bytes) lie outside quoted fields: an even number of quotes before them."""
    outside: NDArray[np.bool_] = np.searchsorted(quotes, positions) % 2 == 0
    return outside


def _field_counts(starts: Positions, ends: Positions, commas: Positions, width: int) -> NDArray[np.int64] | None:
    """Fields per record (an empty record has none), or None when each of them has ``width``."""
    records = len(ends)
    if len(commas) == records * (width - 1):
        per_record = commas.reshape(records, width - 1)
        if records == 0 or bool(np.all(per_record[:, 0] >= starts) and np.all(per_record[:, -1] < ends)):
            return None
    counts = np.diff(np.searchsorted(commas, ends), prepend=0) + 1
    counts[ends == starts] = 0
    return counts
