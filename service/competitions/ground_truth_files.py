"""Ground truths as files: validating an upload with the scoring engine, storing it as Parquet, and loading it for
scoring through a per-process cache keyed by (competition, version).

The web task parses and writes (a host's upload, the conversion of a previous release's JSON rows); workers only
read, and a burst of submissions to one competition reads its file once per worker.
"""

from __future__ import annotations

import io
import threading
import uuid

from django.conf import settings
from django.core.files.base import ContentFile

from core.errors import DomainError
from core.uploads.stores import object_store
from scoring.cache import GroundTruthCache
from scoring.ground_truth import GroundTruth as ParsedGroundTruth
from scoring.ground_truth import parse_ground_truth
from scoring.ground_truth_store import read_ground_truth, write_ground_truth
from scoring.legacy_rows import ground_truth_from_rows
from scoring.metrics import Metric
from scoring.problems import CsvProblem
from scoring.upload_reading import BinaryStream, SizeLimits

from .models import Competition, GroundTruth, ground_truth_storage

STORAGE_ALIAS = "ground_truth"


def as_domain_error(problem: CsvProblem, code: str) -> DomainError:
    """The 400 the API answers for a bad file, naming the line and the reason."""
    return DomainError(str(problem), code=code, details={"line": problem.line, "reason": problem.reason})


def ground_truth_limits() -> SizeLimits:
    limit: int = settings.GROUND_TRUTH_MAX_BYTES
    return SizeLimits(max_bytes=limit, max_decompressed_bytes=8 * limit)


def upload_name(competition_id: int, *, compressed: bool) -> str:
    """Where a host's CSV goes (``ground-truth/<id>/uploads/``): opaque, its name only chooses the suffix."""
    return f"{competition_id}/uploads/{uuid.uuid4().hex}.csv{'.gz' if compressed else ''}"


def parquet_name(competition_id: int, version: str) -> str:
    return f"{competition_id}/{version}.parquet"


def parse_upload(stream: BinaryStream, competition: Competition) -> ParsedGroundTruth:
    """The validated ground truth of a CSV (gzip allowed); a 400 ``invalid_ground_truth`` naming the first bad line."""
    try:
        return parse_ground_truth(stream, Metric(competition.metric), ground_truth_limits())
    except CsvProblem as problem:
        raise as_domain_error(problem, "invalid_ground_truth") from None


def store(competition_id: int, truth: ParsedGroundTruth) -> str:
    """Write the Parquet file (content-addressed: the same rows are one file, written once); its storage name."""
    name = parquet_name(competition_id, truth.summary.version)
    storage = ground_truth_storage()
    if not storage.exists(name):
        sink = io.BytesIO()
        write_ground_truth(truth, sink)
        storage.save(name, ContentFile(sink.getvalue()))
    return name


def ensure_file(record: GroundTruth, metric: str) -> GroundTruth:
    """A ground truth with its file: one the previous release stored as JSON rows (during a rolling deployment,
    before or after the data migration: the trigger of migration 0005 clears the version of rows it rewrites) is
    converted as the data migration did. Web tasks only (workers may not write to the bucket)."""
    if record.version or record.rows is None:
        return record
    rows = record.rows
    truth = ground_truth_from_rows(rows, Metric(metric))
    name = store(record.competition_id, truth)
    # Only if the rows are still the ones converted: the previous release may have written others meanwhile.
    GroundTruth.objects.filter(pk=record.pk, version="", rows=rows).update(version=truth.summary.version, file=name)
    record.refresh_from_db(fields=["rows", "version", "file"])
    return record


_cache_lock = threading.Lock()
_cache: GroundTruthCache | None = None


def scoring_cache() -> GroundTruthCache:
    """This process's cache of parsed ground truths (``SCORING_GROUND_TRUTH_CACHE_ENTRIES`` of them)."""
    global _cache  # noqa: PLW0603 - one cache per process, created on first use (settings are read then)
    with _cache_lock:
        if _cache is None:
            _cache = GroundTruthCache(max_entries=settings.SCORING_GROUND_TRUTH_CACHE_ENTRIES)
        return _cache


class GroundTruthFileMissing(LookupError):
    """A ground truth read without a file whose rows are gone by the time they are read: replaced (or deleted)
    meanwhile. Not an outcome: the worker's retry reads the ground truth as it is then."""


def load_for_scoring(record: GroundTruth, *, metric: str) -> ParsedGroundTruth:
    """The parsed ground truth of ``record``, read from storage at most once per process and version. One the previous
    release wrote as JSON rows during a rolling deployment (no version yet) is converted in memory, uncached: a worker
    may not write the file, and the rows may change again until the web task converts them (``ensure_file``)."""
    if not record.version:
        rows = GroundTruth.objects.filter(pk=record.pk).values_list("rows", flat=True).first()
        if rows is None:
            raise GroundTruthFileMissing(f"the ground truth of competition {record.competition_id} has no file yet")
        return ground_truth_from_rows(rows, Metric(metric))

    def load() -> ParsedGroundTruth:
        with object_store(STORAGE_ALIAS).open_stream(record.file.name or "") as stream:
            return read_ground_truth(stream)

    return scoring_cache().get(record.competition_id, record.version, load)
