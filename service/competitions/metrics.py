"""What a competition's metric means for its boards: whether a higher score is better, and the sort key.

The metrics themselves (their definitions, parsing the values, scoring) are the scoring engine's
(``scoring/metrics.py``): this is the one place the service needs them as a name.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MetricSpec:
    name: str
    higher_is_better: bool
    numeric: bool  # numbers (rmse, mae) or labels (accuracy, macro_f1)

    def sort_key(self, score: float) -> float:
        """A value where larger is always better: the leaderboard orders by it descending."""
        return score if self.higher_is_better else -score


METRICS: dict[str, MetricSpec] = {
    "accuracy": MetricSpec("accuracy", higher_is_better=True, numeric=False),
    "macro_f1": MetricSpec("macro_f1", higher_is_better=True, numeric=False),
    "rmse": MetricSpec("rmse", higher_is_better=False, numeric=True),
    "mae": MetricSpec("mae", higher_is_better=False, numeric=True),
}
