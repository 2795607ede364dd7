"""Reading records: the columnar tokenizer (polars, with the numpy layout) gives exactly what the exact one
(Python's csv module) gives on every regular file, and irregular files go to the exact one."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from hypothesis import assume, given

from scoring import records as records_module
from scoring.csv_layout import find_layout
from scoring.records import Records, read_columnar, read_exactly, read_records

from .scoring_files import LABELS, NUMBERS, RANDOM_FILES, USAGES, csv_files

HEADER = ["id", "expected", "usage"]


def as_rows(records: Records) -> list[tuple[int, int, tuple[str | None, ...]]]:
    """(line, field count, fields) per record, the fields as the csv module gave them (None: absent)."""
    width = len(records.columns)
    counts = [width] * len(records) if records.field_counts is None else records.field_counts.tolist()
    columns = [column.to_list() for column in records.columns]
    rows = []
    for index, count in enumerate(counts):
        fields = tuple(columns[column][index] if column < count else None for column in range(width))
        # polars reads an empty field as "" and a missing one as null; only fields that exist are compared.
        rows.append((records.lines[index], count, tuple("" if field is None else field for field in fields)))
    return rows


@RANDOM_FILES
@given(csv_files(header=HEADER, ids=list("abcdef"), columns=[NUMBERS + LABELS, USAGES]))
def test_the_columnar_tokenizer_agrees_with_the_csv_module_on_every_regular_file(data):
    """Files that are not regular UTF-8 CSV with the header are set aside with ``assume``: hypothesis fails the test
    when it finds no file to compare (a layout that is never found would otherwise pass it)."""
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    assume(_is_utf8(data[start:]))
    layout = find_layout(data, start, len(HEADER))
    assume(layout is not None and _header_ok(data, start))
    assert layout is not None  # for the type checker: assume() does not narrow
    exact = read_exactly(data, start, HEADER)
    columnar = read_columnar(data, layout, HEADER)
    assert columnar is not None
    assert exact.malformed is None
    assert as_rows(columnar) == as_rows(exact)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _header_ok(data: bytes, start: int) -> bool:
    first = next(csv.reader(data[start:].decode().splitlines()[:1]), [])
    return [field.strip().lower() for field in first] == HEADER


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("lone carriage return", "id,expected,usage\ra,1,Public\n"),
        ("nul byte", "id,expected,usage\na\x00,1,Public\n"),
        ("literal quote inside a field", 'id,expected,usage\na"b,1,Public\n'),
        ("text after a closing quote", 'id,expected,usage\n"a"b,1,Public\n'),
        ("unterminated quote", 'id,expected,usage\n"a,1,Public\n'),
        ("space before a quote", 'id,expected,usage\n "a",1,Public\n'),
        ("field over the csv module's limit", "id,expected,usage\na,1," + "P" * (csv.field_size_limit() + 1) + "\n"),
    ],
)
def test_irregular_files_have_no_layout(name, text):
    data = text.encode()
    layout = find_layout(data, 0, 3)
    if name == "field over the csv module's limit":  # the long field is only found once polars has read it
        assert layout is not None
        assert not layout.fields_within_limit
        assert read_columnar(data, layout, HEADER) is None
    else:
        assert layout is None


def test_a_plain_file_is_read_without_positions_and_without_the_csv_module(monkeypatch):
    def no_exact_reading(*args):
        raise AssertionError("the exact tokenizer was used")

    monkeypatch.setattr(records_module, "read_exactly", no_exact_reading)
    data = b"id,expected,usage\r\na,1,Public\r\nb,2,Private\r\n"
    layout = find_layout(data, 0, 3)
    assert layout is not None
    assert (layout.field_counts, layout.record_lines, layout.may_need_strip) == (None, None, False)
    records = read_records(data, HEADER)
    assert [column.to_list() for column in records.columns] == [["a", "b"], ["1", "2"], ["Public", "Private"]]


def test_quoted_newlines_shift_the_lines_of_later_records():
    data = b'id,expected,usage\n"a\nb",1,Public\n\n"c",2,"Pri\r\nvate"\nd,3\n'
    layout = find_layout(data, 0, 3)
    assert layout is not None
    records = read_records(data, HEADER)
    assert [records.lines[index] for index in range(len(records))] == [3, 4, 6, 7]
    assert records.field_counts is not None
    assert records.field_counts.tolist() == [3, 0, 3, 2]
    assert records.columns[2].to_list()[2] == "Pri\r\nvate"


def test_the_exact_tokenizer_keeps_the_csv_modules_error_and_the_rows_before_it():
    records = read_records(b'id,expected,usage\na,1,Public\n"b"x,2,Private\nc,3,Public\n', HEADER)
    assert len(records) == 1
    assert records.malformed is not None
    assert (records.malformed.line, records.malformed.reason) == (3, "malformed CSV: ',' expected after '\"'")


def test_the_exact_tokenizer_builds_its_columns_a_slice_at_a_time(monkeypatch):
    monkeypatch.setattr(records_module._ColumnBuilder, "SLICE", 3)
    lines = "".join(f"r{index},{index},Public\r" for index in range(10))
    records = read_records(("id,expected,usage\r" + lines).encode(), HEADER)  # a lone CR: the exact tokenizer
    assert records.columns[0].to_list() == [f"r{index}" for index in range(10)]
    assert [records.lines[index] for index in range(10)] == list(range(2, 12))
    assert records.field_counts is None
    assert np.array_equal(records.columns[1].cast(int).to_numpy(), np.arange(10))
