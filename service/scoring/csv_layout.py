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

Positions = NDArray[np.int64]


@dataclass(frozen=True)
class CsvLayout:
    """Records of a regular file; record 0 is the header. Offsets are into the file's bytes."""

    record_starts: Positions
    record_ends: Positions  # offset of the record's line end (its "\n", or "\r" of "\r\n"), or the file's end
    field_counts: NDArray[np.int64] | None  # None: every record has exactly ``width`` fields
    record_lines: Positions | None  # line of each record's last line; None: record i is on line i + 1
    may_need_strip: bool  # False: no field can start or end with whitespace

    @property
    def records(self) -> int:
        return len(self.record_ends)

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
    if b"\x00" in data:
        return None
    carriage_returns = data.count(b"\r", start)
    if carriage_returns and carriage_returns != data.count(b"\r\n", start):
        return None
    array = np.frombuffer(data, dtype=np.uint8)[start:]
    newlines = byte_positions(array, NEWLINE, start)
    commas = byte_positions(array, COMMA, start)
    record_lines: Positions | None = None
    quoted = data.find(b'"', start) >= 0
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
    if carriage_returns:
        crlf = np.flatnonzero((ends > starts) & (ends < len(data)))
        crlf = crlf[array[ends[crlf] - 1 - start] == CARRIAGE_RETURN]
        ends[crlf] -= 1
    if len(ends) and int(np.max(ends - starts)) > csv.field_size_limit():
        return None
    visible = sum(
        int(np.count_nonzero(array[offset : offset + SCAN_SLICE] < FIRST_VISIBLE_BYTE))
        for offset in range(0, len(array), SCAN_SLICE)
    )
    may_need_strip = quoted or not data.isascii() or visible != len(newlines) + carriage_returns
    return CsvLayout(starts, ends, _field_counts(starts, ends, commas, width), record_lines, may_need_strip)


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
