"""A ground truth from the previous release's JSON column (``id -> [expected, usage]``), to convert it to a file."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import polars as pl

from .ground_truth import PUBLIC, GroundTruth
from .metrics import Metric


def ground_truth_from_rows(rows: Mapping[str, Sequence[object]], metric: Metric) -> GroundTruth:
    """The rows (already validated when they were stored) as a ``GroundTruth``, in their stored order."""
    ids = pl.Series("id", list(rows), dtype=pl.String)
    values = [row[0] for row in rows.values()]
    expected = pl.Series("expected", values, dtype=pl.Float64 if metric.numeric else pl.String)
    is_public = np.fromiter((row[1] == PUBLIC for row in rows.values()), dtype=np.bool_, count=len(rows))
    return GroundTruth(metric=metric, ids=ids, expected=expected, is_public=is_public)
