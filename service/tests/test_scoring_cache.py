"""The worker's ground-truth cache: LRU by count, keyed by (competition, version), one load per key at a time."""

from __future__ import annotations

import threading
import time

import pytest

from scoring.cache import GroundTruthCache

from .scoring_oracle import LABEL_TRUTH, NUMBER_TRUTH, truth_of

NUMBERS = truth_of(NUMBER_TRUTH, "rmse")
LABELS = truth_of(LABEL_TRUTH, "accuracy")


def loader(truth, calls):
    def load():
        calls.append(truth.summary.version)
        return truth

    return load


def test_a_hit_does_not_load_again():
    cache, calls = GroundTruthCache(max_entries=2), list[str]()
    assert cache.get(1, NUMBERS.summary.version, loader(NUMBERS, calls)) is NUMBERS
    assert cache.get(1, NUMBERS.summary.version, loader(NUMBERS, calls)) is NUMBERS
    assert len(calls) == 1


def test_the_least_recently_used_entry_goes_first():
    cache, calls = GroundTruthCache(max_entries=2), list[str]()
    cache.get(1, NUMBERS.summary.version, loader(NUMBERS, calls))
    cache.get(2, LABELS.summary.version, loader(LABELS, calls))
    cache.get(1, NUMBERS.summary.version, loader(NUMBERS, calls))  # 1 is now the most recent
    cache.get(3, NUMBERS.summary.version, loader(NUMBERS, calls))  # evicts 2
    assert len(cache) == 2
    cache.get(1, NUMBERS.summary.version, loader(NUMBERS, calls))
    assert len(calls) == 3
    cache.get(2, LABELS.summary.version, loader(LABELS, calls))
    assert len(calls) == 4


def test_a_new_version_is_a_new_entry():
    cache, calls = GroundTruthCache(max_entries=4), list[str]()
    cache.get(1, NUMBERS.summary.version, loader(NUMBERS, calls))
    cache.get(1, LABELS.summary.version, loader(LABELS, calls))
    assert len(calls) == 2


def test_a_loaded_ground_truth_of_another_version_is_refused():
    cache = GroundTruthCache(max_entries=1)
    with pytest.raises(ValueError, match="has version"):
        cache.get(1, "0" * 64, loader(NUMBERS, []))
    assert len(cache) == 0


def test_concurrent_misses_for_one_key_load_once():
    cache, calls = GroundTruthCache(max_entries=1), []
    started = threading.Event()

    def slow_load():
        started.set()
        time.sleep(0.1)
        calls.append(1)
        return NUMBERS

    results = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.get(7, NUMBERS.summary.version, slow_load)))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == [1]
    assert results == [NUMBERS] * 8


def test_a_failed_load_reaches_every_waiter_and_is_not_cached():
    cache = GroundTruthCache(max_entries=1)
    gate = threading.Event()

    def failing_load():
        gate.wait(1)
        raise OSError("bucket unreachable")

    errors = []

    def call():
        try:
            cache.get(1, NUMBERS.summary.version, failing_load)
        except OSError as exc:
            errors.append(str(exc))

    threads = [threading.Thread(target=call) for _ in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(0.05)
    gate.set()
    for thread in threads:
        thread.join()
    assert errors == ["bucket unreachable"] * 4
    assert cache.get(1, NUMBERS.summary.version, loader(NUMBERS, [])) is NUMBERS


@pytest.mark.parametrize("size", [0, -1, True, 1.5])
def test_the_cache_needs_a_positive_size(size):
    with pytest.raises(ValueError, match="max_entries >= 1"):
        GroundTruthCache(max_entries=size)
