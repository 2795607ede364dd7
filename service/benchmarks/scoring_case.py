"""One case of the scoring benchmark, run in a fresh process so that its peak RSS is its own.

``python -m benchmarks.scoring_case columnar TRUTH.parquet PREDICTIONS METRIC`` loads the ground truth and scores
the predictions twice (the first time as a worker's first submission for that ground truth, the second as every
later one, with the ground truth cached); ``row-by-row TRUTH.csv PREDICTIONS METRIC`` runs today's
``parse_predictions`` + ``score_predictions`` once. Prints one JSON object. The columnar case never imports
Django.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

# Upload limits as large as the files: the row-by-row parser allocates its limit up front.
ROOM = 1 << 20


def columnar(truth_path: Path, predictions_path: Path) -> dict[str, object]:
    started = time.perf_counter()
    from scoring.ground_truth_store import read_ground_truth
    from scoring.scorer import score_predictions
    from scoring.upload_reading import SizeLimits

    size = predictions_path.stat().st_size + ROOM
    limits = SizeLimits(max_bytes=size, max_decompressed_bytes=size * 20)
    imported = time.perf_counter()
    with truth_path.open("rb") as source:
        truth = read_ground_truth(source)
    loaded = time.perf_counter()
    with predictions_path.open("rb") as stream:
        first = score_predictions(stream, truth, limits)
    scored_first = time.perf_counter()
    cpu_before = time.process_time()
    with predictions_path.open("rb") as stream:
        again = score_predictions(stream, truth, limits)
    scored_again = time.perf_counter()
    cpu_seconds = time.process_time() - cpu_before
    if again != first:
        raise SystemExit(f"the same file scored twice gave {first} and {again}")
    return {
        "import_seconds": imported - started,
        "load_truth_seconds": loaded - imported,
        "first_score_seconds": scored_first - loaded,
        "score_seconds": scored_again - scored_first,
        "score_cpu_seconds": cpu_seconds,
        "scores": [first.public, first.private],
        "django_imported": "django" in sys.modules,
    }


def row_by_row(truth_path: Path, predictions_path: Path, metric: str) -> dict[str, object]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "competition_platform.settings")
    os.environ.setdefault("DJANGO_DEBUG", "true")
    started = time.perf_counter()
    import django

    django.setup()
    from competitions.ground_truth import parse_ground_truth
    from competitions.metrics import METRICS
    from submissions.predictions import parse_predictions
    from submissions.scoring import score_predictions

    imported = time.perf_counter()
    spec = METRICS[metric]
    with truth_path.open("rb") as source:
        truth = parse_ground_truth(source, spec, truth_path.stat().st_size + ROOM)
    loaded = time.perf_counter()
    cpu_before = time.process_time()
    with predictions_path.open("rb") as stream:
        predictions = parse_predictions(stream, truth.rows, spec, predictions_path.stat().st_size + ROOM)
    public, private = score_predictions(truth.rows, predictions, spec)
    scored = time.perf_counter()
    cpu_seconds = time.process_time() - cpu_before
    return {
        "import_seconds": imported - started,
        "load_truth_seconds": loaded - imported,
        "first_score_seconds": scored - loaded,
        "score_seconds": scored - loaded,
        "score_cpu_seconds": cpu_seconds,
        "scores": [public, private],
    }


def peak_rss_mib() -> float:
    """This process's own peak RSS (VmHWM), to cross-check the parent's ``ru_maxrss``."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main(argv: list[str]) -> None:
    engine, truth, predictions, metric = argv
    if engine == "columnar":
        result = columnar(Path(truth), Path(predictions))
    elif engine == "row-by-row":
        result = row_by_row(Path(truth), Path(predictions), metric)
    else:
        raise SystemExit(f"unknown engine {engine!r}: columnar or row-by-row")
    result["vm_hwm_mib"] = peak_rss_mib()
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
