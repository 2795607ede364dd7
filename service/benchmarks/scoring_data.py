"""Files for the scoring benchmark, generated with polars in a few seconds even at 10,000,000 rows.

Run as ``python -m benchmarks.scoring_data DIRECTORY ROWS METRIC SEED`` by the benchmark, in its own process, so
that the benchmark's parent stays small: a child's ``ru_maxrss`` starts from its parent's size at the fork.

Per size and metric: the ground truth as CSV (what a host uploads; the row-by-row parser reads it) and as the
engine's Parquet file, and the predictions as CSV in the ground truth's order, shuffled, and gzip-compressed.
Ids look like ``r000000042``; numbers have 6 decimals, labels are ``class_0`` .. ``class_9``; 30% of the rows
are Public. A 10,000,000-row rmse predictions file is about 205 MB.
"""

from __future__ import annotations

import gzip
import json
import shutil
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import polars as pl

from scoring.ground_truth import parse_ground_truth
from scoring.ground_truth_store import write_ground_truth
from scoring.metrics import Metric
from scoring.upload_reading import SizeLimits

from .scoring_files import BenchmarkFiles

LABELS = [f"class_{index}" for index in range(10)]
PUBLIC_SHARE = 0.3
NO_LIMIT = SizeLimits(max_bytes=1 << 40, max_decompressed_bytes=1 << 40)


def generate(directory: Path, rows: int, metric: Metric, seed: int) -> BenchmarkFiles:
    """Write the files of one size and metric into ``directory``."""
    rng = np.random.default_rng(seed)
    stem = directory / f"{metric.value}-{rows}"
    ids = ("r" + pl.int_range(rows, eager=True).cast(pl.String).str.zfill(9)).alias("id")
    usage = pl.Series("usage", np.where(rng.random(rows) < PUBLIC_SHARE, "Public", "Private"))
    if metric.numeric:
        truth_values = rng.normal(size=rows).round(6)
        expected = pl.Series("expected", truth_values)
        predicted = pl.Series("prediction", (truth_values + rng.normal(scale=0.1, size=rows)).round(6))
    else:
        labels = pl.Series(LABELS)
        expected = labels.gather(rng.integers(0, len(LABELS), rows)).alias("expected")
        predicted = labels.gather(rng.integers(0, len(LABELS), rows)).alias("prediction")
    truth_csv = stem.with_name(stem.name + "-truth.csv")
    pl.DataFrame([ids, expected, usage]).write_csv(truth_csv, float_precision=6)
    started = time.perf_counter()
    with truth_csv.open("rb") as source:
        truth = parse_ground_truth(source, metric, NO_LIMIT)
    truth_parquet = stem.with_name(stem.name + "-truth.parquet")
    with truth_parquet.open("wb") as sink:
        write_ground_truth(truth, sink)
    truth_seconds = time.perf_counter() - started
    predictions = pl.DataFrame([ids, predicted])
    files = {
        "same order": stem.with_name(stem.name + "-predictions.csv"),
        "shuffled": stem.with_name(stem.name + "-predictions-shuffled.csv"),
        "gzip": stem.with_name(stem.name + "-predictions.csv.gz"),
    }
    predictions.write_csv(files["same order"], float_precision=6)
    predictions.sample(fraction=1.0, shuffle=True, seed=seed).write_csv(files["shuffled"], float_precision=6)
    with files["same order"].open("rb") as plain, gzip.open(files["gzip"], "wb", compresslevel=1) as packed:
        shutil.copyfileobj(plain, packed, 1 << 20)
    paths = {layout: str(path) for layout, path in files.items()}
    return BenchmarkFiles(rows, metric.value, str(truth_csv), str(truth_parquet), paths, truth_seconds)


if __name__ == "__main__":
    directory, rows, metric, seed = sys.argv[1:]
    print(json.dumps(asdict(generate(Path(directory), int(rows), Metric(metric), int(seed)))))
