"""Service functions of ground truths: a host's upload, small (multipart) or through a ticket straight to storage.

Either way the file is validated by the scoring engine (the first bad line and why), written as Parquet to the
``ground_truth`` storage, and its summary replaces the competition's ``GroundTruth`` row; refused once submissions
exist. A ticket's CSV is validated synchronously when the host completes it: the web task streams it from storage
into the engine, so its memory is bounded by ``GROUND_TRUTH_MAX_BYTES`` (a few times the file), like the multipart
upload's.
"""

from __future__ import annotations

from typing import IO

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from access.audit import AuthorizedAction
from core.errors import Conflict
from core.uploads.declared import DeclaredUpload, HashingReader, check_uploaded, checksum_mismatch
from core.uploads.objects import AbsoluteUrl
from core.uploads.stores import object_store
from core.uploads.tickets import UploadRules, UploadTicket, content_type_for
from scoring.ground_truth import GroundTruth as ParsedGroundTruth

from . import ground_truth_files as files
from .models import Competition, GroundTruth, GroundTruthUpload

# The submissions app's status of a submission that was given a ticket and never completed: it holds no slot, was
# never scored, and the sweep deletes it once its ticket expired (this app sits below the submissions app).
AWAITING_UPLOAD = "awaiting_upload"


def _require_no_submissions(competition: Competition) -> None:
    """No submission was completed (an upload a participant never completed does not count): every score was
    computed against the ground truth as it is."""
    if competition.submissions.exclude(status=AWAITING_UPLOAD).exists():
        raise Conflict("the ground truth cannot change once submissions exist", code="submissions_exist")


def upload_ground_truth(*, authorized: AuthorizedAction, competition: Competition, upload: IO[bytes]) -> GroundTruth:
    """Replace the ground truth with a file sent in the request (small files)."""
    return _replace(authorized, competition, files.parse_upload(upload, competition))


def request_ground_truth_upload(
    *, authorized: AuthorizedAction, competition: Competition, declared: DeclaredUpload, absolute_url: AbsoluteUrl
) -> tuple[GroundTruthUpload, UploadTicket]:
    """A ticket for the host to upload a (big) ground truth straight to storage; ``complete_ground_truth_upload``
    then makes it the ground truth."""
    _require_no_submissions(competition)
    upload = GroundTruthUpload.objects.create(
        competition=competition,
        file=files.upload_name(competition.pk, compressed=declared.compressed),
        original_name=declared.file_name,
        upload_bytes=declared.size_bytes,
        upload_sha256=declared.sha256,
        uploaded_by=authorized.actor,
    )
    rules = UploadRules(
        max_bytes=settings.GROUND_TRUTH_MAX_BYTES,
        content_type=content_type_for(declared.file_name),
        expires_in=settings.UPLOAD_TICKET_SECONDS,
    )
    ticket = object_store(files.STORAGE_ALIAS).ticket(upload.file.name or "", rules, absolute_url)
    return upload, ticket


def complete_ground_truth_upload(*, authorized: AuthorizedAction, upload: GroundTruthUpload) -> GroundTruth:
    """Validate the uploaded CSV (streamed from storage, its SHA-256 checked in the same pass) and make it the
    competition's ground truth; 409 ``upload_missing``/``upload_too_large``/``checksum_mismatch`` as for submissions."""
    competition = upload.competition
    store = object_store(files.STORAGE_ALIAS)
    name = upload.file.name or ""
    stored = check_uploaded(store, name, max_bytes=settings.GROUND_TRUTH_MAX_BYTES, sha256=upload.upload_sha256)
    with store.open_stream(name, version=stored.version) as stream:  # the version checked, not a later upload
        reader = HashingReader(stream)
        truth = files.parse_upload(reader, competition)
        sha256 = reader.hexdigest()
    if upload.upload_sha256 and sha256 != upload.upload_sha256:
        raise checksum_mismatch(sha256, upload.upload_sha256)
    ground_truth = _replace(authorized, competition, truth)
    GroundTruthUpload.objects.filter(pk=upload.pk).update(completed_at=timezone.now())
    return ground_truth


def _replace(authorized: AuthorizedAction, competition: Competition, truth: ParsedGroundTruth) -> GroundTruth:
    name = files.store(competition.pk, truth)  # content-addressed: harmless if the transaction below refuses
    summary = truth.summary
    with transaction.atomic():
        locked = Competition.objects.select_for_update().get(pk=competition.pk)
        if locked.metric != competition.metric:  # changed while the file was read (possible without a ground truth)
            raise Conflict(
                f"the metric changed to {locked.metric} while the file was read; upload it again",
                code="metric_changed",
            )
        _require_no_submissions(locked)
        ground_truth, _ = GroundTruth.objects.update_or_create(
            competition=locked,
            defaults={
                "rows": None,
                "version": summary.version,
                "file": name,
                "public_rows": summary.public_rows,
                "private_rows": summary.private_rows,
                "uploaded_by": authorized.actor,
            },
        )
        authorized.record(
            competition,
            details={
                "public_rows": summary.public_rows,
                "private_rows": summary.private_rows,
                "version": summary.version,
            },
        )
    return ground_truth
