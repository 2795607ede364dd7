"""A small thread-safe LRU cache of parsed ground truths, keyed by (competition id, version).

A burst of submissions to one competition reads its ground truth once: concurrent misses for the same key wait
for the one load in flight instead of loading it again. A failed load is not cached (the next call retries).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future

from .ground_truth import GroundTruth

CacheKey = tuple[int, str]  # (competition id, ground-truth version)


class GroundTruthCache:
    def __init__(self, max_entries: int) -> None:
        if isinstance(max_entries, bool) or not isinstance(max_entries, int) or max_entries < 1:
            raise ValueError(f"GroundTruthCache needs max_entries >= 1, got {max_entries!r}")
        self.max_entries = max_entries
        self._entries: OrderedDict[CacheKey, GroundTruth] = OrderedDict()
        self._loading: dict[CacheKey, Future[GroundTruth]] = {}
        self._lock = threading.Lock()

    def get(self, competition_id: int, version: str, load: Callable[[], GroundTruth]) -> GroundTruth:
        """The cached ground truth of ``(competition_id, version)``, calling ``load`` once on a miss."""
        key = (competition_id, version)
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
            in_flight = self._loading.get(key)
            if in_flight is None:
                in_flight = self._loading[key] = Future()
                loader = True
            else:
                loader = False
        if not loader:
            return in_flight.result()
        return self._load(key, load, in_flight)

    def _load(self, key: CacheKey, load: Callable[[], GroundTruth], in_flight: Future[GroundTruth]) -> GroundTruth:
        try:
            truth = load()
            if truth.summary.version != key[1]:
                raise ValueError(f"the loaded ground truth has version {truth.summary.version}, not {key[1]}")
        except BaseException as exc:
            with self._lock:
                del self._loading[key]
            in_flight.set_exception(exc)
            raise
        with self._lock:
            del self._loading[key]
            self._entries[key] = truth
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        in_flight.set_result(truth)
        return truth

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
