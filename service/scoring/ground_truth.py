"""A validated ground truth held as columns, and parsing one from a CSV upload (``id,expected,usage``)."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass

import numpy as np
import polars as pl
from numpy.typing import NDArray

from .cells import parse_numbers
from .id_alignment import IdIndex
from .metrics import Metric
from .problems import CsvProblem
from .records import read_records
from .row_rules import RowRule, duplicate_rule, first_problem, first_true
from .rows import Rows, select_rows
from .upload_reading import BinaryStream, SizeLimits, read_upload

HEADER = ("id", "expected", "usage")
PUBLIC = "Public"
PRIVATE = "Private"
# Strings are hashed a slice of rows at a time: the joined copy of a slice is all that is held.
HASH_SLICE_ROWS = 1 << 16


@dataclass(frozen=True)
class GroundTruthSummary:
    """What the database keeps about a ground truth; ``version`` is a hash of its content."""

    metric: Metric
    public_rows: int
    private_rows: int
    version: str

    def as_dict(self) -> dict[str, object]:
        return {
            "metric": self.metric.value,
            "public_rows": self.public_rows,
            "private_rows": self.private_rows,
            "version": self.version,
        }


class GroundTruth:
    """Ids, expected values and the Public/Private split of every row, in file order.

    ``expected`` is Float64 for numeric metrics and String for label metrics. Immutable after construction
    and safe to share between threads (the scoring worker caches one per competition and version).
    """

    def __init__(self, *, metric: Metric, ids: pl.Series, expected: pl.Series, is_public: NDArray[np.bool_]) -> None:
        expected_type = pl.Float64 if metric.numeric else pl.String
        if ids.dtype != pl.String or expected.dtype != expected_type or is_public.dtype != np.bool_:
            raise ValueError(f"a {metric} ground truth needs String ids, {expected_type} expected values, bool usage")
        if not len(ids) == len(expected) == len(is_public):
            raise ValueError("ids, expected values and usage must have one entry per row")
        if ids.null_count() or expected.null_count():
            raise ValueError("ids and expected values must not be missing")
        if metric.numeric and not np.all(np.isfinite(expected.to_numpy())):
            raise ValueError("expected values must be finite numbers")
        self.metric = metric
        # One contiguous buffer per column (a Parquet file is read in row groups, a CSV in slices): numpy views
        # it without a copy, and gathering ids in another order is ~15x faster than across 100 chunks.
        self.ids = ids.rename("id").rechunk()
        self.expected = expected.rename("expected").rechunk()
        self.is_public = is_public
        self.is_private = ~is_public
        public_rows = int(np.count_nonzero(is_public))
        version = content_version(metric, self.ids, self.expected, is_public)
        self.summary = GroundTruthSummary(metric, public_rows, len(ids) - public_rows, version)
        if metric.numeric:
            self.label_dictionary = pl.Series("label", [], dtype=pl.String)
            self.expected_values: NDArray[np.generic] = self.expected.to_numpy()
        else:
            self.label_dictionary = self.expected.unique().sort()
            self.expected_values = self.expected.cast(pl.Enum(self.label_dictionary)).to_physical().to_numpy()
        self._id_index: IdIndex | None = None
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def id_index(self) -> IdIndex:
        """The ids ordered by hash, built on first use (a submission in another order than the file's)."""
        with self._lock:
            if self._id_index is None:
                self._id_index = IdIndex(self.ids)
            return self._id_index


def content_version(metric: Metric, ids: pl.Series, expected: pl.Series, is_public: NDArray[np.bool_]) -> str:
    """SHA-256 of a canonical encoding of the content (not of a file format): the same rows, the same version."""
    digest = hashlib.sha256(f"scoring ground truth v1\n{metric.value}\n{len(ids)}\n".encode())
    _hash_strings(digest, ids)
    if metric.numeric:
        digest.update(np.ascontiguousarray(expected.to_numpy(), dtype="<f8").data)
    else:
        _hash_strings(digest, expected)
    digest.update(np.ascontiguousarray(is_public).view(np.uint8).data)
    return digest.hexdigest()


def _hash_strings(digest: hashlib._Hash, strings: pl.Series) -> None:
    """Each string's UTF-8 length then all the bytes, a slice of rows at a time."""
    for offset in range(0, len(strings), HASH_SLICE_ROWS):
        part = strings.slice(offset, HASH_SLICE_ROWS)
        digest.update(np.ascontiguousarray(part.str.len_bytes().to_numpy(), dtype="<u4").data)
        digest.update(str(part.str.join("").item()).encode())


def parse_ground_truth(stream: BinaryStream, metric: Metric, limits: SizeLimits) -> GroundTruth:
    """Validate an upload with the rules and messages of the previous release's row-by-row ``parse_ground_truth``
    (``tests/row_by_row/ground_truth.py``)."""
    rows = select_rows(read_records(read_upload(stream, limits), HEADER), HEADER)
    ids, expected_raw, usage_raw = rows.cells
    is_public, unknown_usage = _usages(usage_raw)
    if metric.numeric:
        numbers = parse_numbers(expected_raw)
        bad_expected = first_true(np.isnan(numbers))
        expected = pl.Series("expected", numbers, dtype=pl.Float64)
    else:
        bad_expected = first_true((expected_raw == "").to_numpy())
        expected = expected_raw
    problem = first_problem(
        rows,
        [
            duplicate_rule(rows, ids),
            RowRule(first_true((ids == "").to_numpy()), lambda _: "the id is empty"),
            RowRule(first_true(unknown_usage), lambda row: f"usage must be Public or Private, got '{usage_raw[row]}'"),
            RowRule(bad_expected, lambda row: _expected_reason(metric, str(expected_raw[row]))),
        ],
    )
    if problem is not None:
        raise problem
    _check_both_usages(rows, is_public)
    return GroundTruth(metric=metric, ids=ids, expected=expected, is_public=is_public)


def _usages(usage: pl.Series) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """(is Public, is neither) per row, as ``value.lower()`` in Python decides.

    Only two non-ASCII characters lower-case to something with an ASCII letter (U+0130 to "i" plus a combining
    dot, U+212A KELVIN SIGN to "k"), and neither can give "public" or "private": so a value is a usage exactly
    when it is ASCII and its ASCII lower case is one (a test checks the claim over every code point).
    """
    lowered = usage.str.to_lowercase()
    ascii_only = (usage.str.len_bytes() == usage.str.len_chars()).to_numpy()
    is_public = ascii_only & (lowered == PUBLIC.lower()).to_numpy()
    is_private = ascii_only & (lowered == PRIVATE.lower()).to_numpy()
    return is_public, ~(is_public | is_private)


def _expected_reason(metric: Metric, raw: str) -> str:
    if metric.numeric:
        return f"expected value '{raw}' is not a finite number ({metric.value})"
    return "the expected label is empty"


def _check_both_usages(rows: Rows, is_public: NDArray[np.bool_]) -> None:
    public_rows = int(np.count_nonzero(is_public))
    for usage, count in ((PUBLIC, public_rows), (PRIVATE, len(is_public) - public_rows)):
        if count == 0:
            raise CsvProblem(rows.last_line + 1, f"the file has no {usage} rows; both boards need at least one")
