"""The scoring benchmark's results: one line per case on the console, a Markdown report on disk."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

# Targets of issue 10 for the columnar engine: rows -> (seconds, MiB of peak RSS).
TARGETS = {1_000_000: (0.5, 250.0), 10_000_000: (5.0, 1536.0)}


@dataclass(frozen=True)
class CaseResult:
    rows: int
    metric: str
    engine: str
    layout: str
    allocator: str
    file_mib: float
    load_truth_seconds: float
    first_score_seconds: float
    score_seconds: float
    score_seconds_all: list[float]
    score_cpu_seconds: float  # CPU time of all the process's threads while scoring (less sensitive to other load)
    peak_rss_mib: float
    scores: tuple[float, float]
    django_imported: bool

    @property
    def target(self) -> tuple[float, float] | None:
        return TARGETS.get(self.rows) if self.engine == "columnar" else None

    @property
    def verdict(self) -> str:
        if self.target is None:
            return ""
        seconds, mib = self.target
        return "yes" if self.score_seconds <= seconds and self.peak_rss_mib <= mib else "**no**"

    def summary_line(self) -> str:
        return (
            f"{self.rows:>10,} {self.metric:<8} {self.engine:<10} {self.layout:<10} {self.allocator:<22} "
            f"score {self.score_seconds:6.3f} s (first {self.first_score_seconds:6.3f} s, "
            f"ground truth {self.load_truth_seconds:6.3f} s)  peak RSS {self.peak_rss_mib:7.1f} MiB  {self.verdict}"
        )


def write_report(
    path: Path,
    results: list[CaseResult],
    *,
    truth_seconds: dict[tuple[int, str], float],
    machine: dict[str, str],
    allocator_settings: dict[str, str | None],
    load_average: tuple[tuple[float, float, float], tuple[float, float, float]],
    repeats: int,
    total_seconds: float,
) -> None:
    lines = [
        "# Scoring benchmark",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `make bench-scoring` (`python -m benchmarks.scoring`) in "
        f"{total_seconds:.0f} s.",
        "",
        *(f"* {key}: {value}" for key, value in machine.items()),
        f"* load average before / after: {_load(load_average[0])} / {_load(load_average[1])} "
        "(other work shares this 2-core machine: timings are noisy)",
        "",
        "## Method",
        "",
        "Each case runs in a fresh `python` subprocess, "
        f"{repeats} times; the table shows medians, the fastest repeat, and the CPU time of the scoring (all threads: "
        "polars uses both cores) as a figure less sensitive to the other work on the machine. "
        "Peak RSS is the child's `ru_maxrss` (from `os.wait4`), so it includes the interpreter, the imports, the "
        "ground truth and the scoring. The columnar child loads the "
        "ground truth from its Parquet file, then scores the same predictions file twice: the first time is a "
        "worker's first submission for that ground truth (it also builds the id index when the file is not in the "
        "ground truth's order), the second is every later submission (ground truth cached, as the worker's "
        "`GroundTruthCache` keeps it). The targets (1,000,000 rows: 0.5 s and 250 MiB; 10,000,000 rows: 5 s and "
        "1.5 GiB) are compared with the second, from reading the stored file to both scores, and with the peak RSS "
        "of the whole child. The row-by-row child builds today's ground-truth dict from the CSV (not timed as "
        "scoring), then times `parse_predictions` + `score_predictions`.",
        "",
        "polars allocates with jemalloc. Its default (`dirty_decay_ms:500,muzzy_decay_ms:1000`, set in "
        "`polars/__init__.py`) keeps freed pages for up to 1.5 s, and lazily freed pages still count in RSS; "
        "polars reads `_RJEM_MALLOC_CONF` as an override. Every columnar case runs with both: "
        + "; ".join(f"{name}: `{setting or 'polars default'}`" for name, setting in allocator_settings.items())
        + ".",
        "",
        "## Results",
        "",
        "| rows | metric | path | predictions file | allocator | MiB | load ground truth (s) | first score (s) "
        "| score, ground truth cached (s) | fastest repeat (s) | CPU (s) | peak RSS (MiB) | target met |",
        "|---:|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for result in results:
        lines.append(
            f"| {result.rows:,} | {result.metric} | {result.engine} | {result.layout} | {result.allocator} "
            f"| {result.file_mib:.0f} "
            f"| {result.load_truth_seconds:.3f} | {result.first_score_seconds:.3f} | {result.score_seconds:.3f} "
            f"| {min(result.score_seconds_all):.3f} | {result.score_cpu_seconds:.3f} "
            f"| {result.peak_rss_mib:.0f} | {result.verdict} |"
        )
    lines += ["", "## Side by side and checks", ""]
    lines += _comparisons(results)
    lines += ["", "Ground truth upload with the engine (parse and validate the CSV, write the Parquet file):", ""]
    lines += [f"* {rows:,} rows, {metric}: {seconds:.2f} s" for (rows, metric), seconds in truth_seconds.items()]
    lines.append("")
    path.write_text("\n".join(lines))


def _comparisons(results: list[CaseResult]) -> list[str]:
    lines = []
    for old in (r for r in results if r.engine == "row-by-row"):
        new = next(
            r
            for r in results
            if (r.rows, r.metric, r.engine, r.layout, r.allocator)
            == (old.rows, old.metric, "columnar", old.layout, "polars default")
        )
        same = all(abs(a - b) <= 1e-9 * max(1.0, abs(a)) for a, b in zip(old.scores, new.scores, strict=True))
        lines.append(
            f"* {old.rows:,} rows, {old.metric}: row-by-row {old.score_seconds:.2f} s and {old.peak_rss_mib:.0f} MiB, "
            f"columnar {new.score_seconds:.3f} s and {new.peak_rss_mib:.0f} MiB "
            f"({old.score_seconds / new.score_seconds:.0f}x faster, {old.peak_rss_mib / new.peak_rss_mib:.1f}x less "
            f"memory); same scores: {'yes' if same else '**NO**'} ({old.scores} vs {new.scores})"
        )
    django = [r for r in results if r.engine == "columnar" and r.django_imported]
    lines.append(f"* Django imported by a columnar child: {'**yes**' if django else 'never'}")
    return lines


def _load(average: tuple[float, float, float]) -> str:
    return " ".join(f"{value:.2f}" for value in average)
