"""A ground truth as a Parquet file: its rows (``id``, ``expected``, ``usage``) and its summary as metadata.

Loading recomputes the content hash and the row counts and compares them with the stored summary, so a file
that does not hold what its summary says (truncated, edited, another competition's) is refused.
"""

from __future__ import annotations

import io
from typing import IO

import polars as pl

from .ground_truth import PRIVATE, PUBLIC, GroundTruth, GroundTruthSummary
from .metrics import Metric
from .upload_reading import BinaryStream, read_at_most

FORMAT = "1"
USAGE = pl.Enum([PUBLIC, PRIVATE])
METADATA_PREFIX = "scoring."
# Our own files; the bound only stops a runaway read.
MAX_PARQUET_BYTES = 1 << 34


class CorruptGroundTruthFile(ValueError):
    """A stored ground-truth file that cannot be loaded, and why."""


def write_ground_truth(truth: GroundTruth, sink: IO[bytes]) -> None:
    # An Enum column: one byte per row in memory, dictionary-encoded strings for any other Parquet reader.
    usage = pl.select(
        pl.when(pl.lit(pl.Series(truth.is_public))).then(pl.lit(PUBLIC)).otherwise(pl.lit(PRIVATE)).cast(USAGE)
    ).to_series()
    frame = pl.DataFrame([truth.ids, truth.expected, usage.rename("usage")])
    summary = truth.summary
    metadata = {
        "format": FORMAT,
        "metric": summary.metric.value,
        "public_rows": str(summary.public_rows),
        "private_rows": str(summary.private_rows),
        "version": summary.version,
    }
    frame.write_parquet(sink, metadata={METADATA_PREFIX + key: value for key, value in metadata.items()})


def read_ground_truth(source: BinaryStream) -> GroundTruth:
    data = read_at_most(source, MAX_PARQUET_BYTES)
    try:
        metadata = pl.read_parquet_metadata(io.BytesIO(data))
        frame = pl.read_parquet(io.BytesIO(data))
    except pl.exceptions.PolarsError as exc:
        raise CorruptGroundTruthFile(f"not a readable Parquet file ({exc})") from None
    stored = _stored_summary(metadata)
    missing = {"id", "expected", "usage"} - set(frame.columns)
    if missing:
        raise CorruptGroundTruthFile(f"columns missing: {', '.join(sorted(missing))}")
    usage = frame["usage"]
    if usage.null_count() or not usage.cast(pl.String).is_in([PUBLIC, PRIVATE]).all():
        raise CorruptGroundTruthFile("usage holds values other than Public and Private")
    try:
        truth = GroundTruth(
            metric=stored.metric, ids=frame["id"], expected=frame["expected"], is_public=(usage == PUBLIC).to_numpy()
        )
    except ValueError as exc:
        raise CorruptGroundTruthFile(str(exc)) from None
    if truth.summary != stored:
        raise CorruptGroundTruthFile(f"the content does not match its summary: {truth.summary} != {stored}")
    return truth


def _stored_summary(metadata: dict[str, str]) -> GroundTruthSummary:
    values = {
        key.removeprefix(METADATA_PREFIX): value for key, value in metadata.items() if key.startswith(METADATA_PREFIX)
    }
    if values.get("format") != FORMAT:
        raise CorruptGroundTruthFile(f"unknown format {values.get('format')!r} (expected {FORMAT})")
    try:
        return GroundTruthSummary(
            metric=Metric(values["metric"]),
            public_rows=int(values["public_rows"]),
            private_rows=int(values["private_rows"]),
            version=values["version"],
        )
    except (KeyError, ValueError) as exc:
        raise CorruptGroundTruthFile(f"the summary in the metadata is incomplete or invalid ({exc})") from None
