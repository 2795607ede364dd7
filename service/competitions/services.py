"""Service functions of competitions: creating, changing and deleting them (uploading a ground truth is in
``ground_truth_services``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from django.db import IntegrityError, transaction

from access.audit import AuthorizedAction
from access.builtin_roles import COMPETITION_HOST
from access.models import Role, RoleBinding, Scope
from core.errors import Conflict, DomainError, NotFound

from .models import Competition, GroundTruth
from .signals import final_submissions_limit_changed

# What the API says of a taken slug (DRF's unique validator says the same); slugs are one global namespace.
SLUG_TAKEN = "competition with this slug already exists."


@dataclass(frozen=True, kw_only=True)
class CompetitionFields:
    """What a host chooses of a competition; None leaves a field as it is (on creation: the model's default)."""

    title: str | None = None
    description: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    visibility: str | None = None
    metric: str | None = None
    daily_submission_limit: int | None = None
    max_team_size: int | None = None
    final_submissions_limit: int | None = None

    def given(self) -> dict[str, object]:
        return {name: value for name, value in asdict(self).items() if value is not None}


@transaction.atomic
def create_competition(*, authorized: AuthorizedAction, slug: str, fields: CompetitionFields) -> Competition:
    """Create a competition; its creator becomes its first host. The serializer has checked that the required
    fields (title, start, end, metric) are given; the database refuses a competition without them."""
    creator = authorized.actor
    try:
        with transaction.atomic():
            competition = Competition.objects.create(slug=slug, created_by=creator, **fields.given())
    except IntegrityError:
        if not Competition.objects.filter(slug=slug).exists():
            raise
        # Two requests for one new slug at once both passed the serializer's check: the same 400 as that check.
        raise DomainError("a competition with this slug already exists", details={"slug": [SLUG_TAKEN]}) from None
    binding = RoleBinding.objects.create(
        role=Role.objects.get(name=COMPETITION_HOST),
        user=creator,
        scope=Scope.COMPETITION,
        competition=competition,
        created_by=creator,
    )
    authorized.within(competition).record(competition, details={"host_binding": binding.pk})
    return competition


def _require_metric_unfrozen(competition: Competition, metric: str | None) -> None:
    """The ground truth was read under the metric (numbers for rmse/mae, labels for accuracy/macro_f1) and every
    score was computed with it: once a ground truth exists the metric stays (409 ``metric_frozen``). Submissions
    need a ground truth, so this also covers a competition that has submissions."""
    if metric is None or metric == competition.metric:
        return
    if GroundTruth.objects.filter(competition=competition).exists():
        raise Conflict(
            f"the metric cannot change from {competition.metric} to {metric} once a ground truth exists",
            code="metric_frozen",
            details={"field": "metric", "metric": competition.metric},
        )


@transaction.atomic
def update_competition(
    *, authorized: AuthorizedAction, competition: Competition, changes: CompetitionFields
) -> Competition:
    """Apply ``changes`` to the competition's locked row and return that row.

    The caller's ``competition`` was read before the lock: another change may have committed since (the metric
    frozen by a ground truth, a new final submissions limit). So the rules are checked against the locked row, the
    changes applied to it, and only the changed columns written: a concurrent change of other fields stays."""
    # The row lock orders this after (or before) a ground-truth upload, which takes it too. NO KEY UPDATE: writers
    # of rows that refer to the competition (their foreign-key checks take KEY SHARE) go on while it is held, and a
    # change of the final submissions limit waits for their teams' locks below it.
    # The representation's ``has_ground_truth`` is read with the lock too.
    rows = Competition.objects.with_ground_truth_flag().select_for_update(no_key=True)
    locked = rows.filter(pk=competition.pk).first()
    if locked is None:
        raise NotFound()
    _require_metric_unfrozen(locked, changes.metric)
    limit_changes = changes.final_submissions_limit not in (None, locked.final_submissions_limit)
    if limit_changes and locked.has_ended():
        raise Conflict(
            "the number of final submissions cannot change after the end: the private board is final",
            code="competition_ended",
        )
    given = changes.given()
    for field, value in given.items():
        setattr(locked, field, value)
    if locked.ends_at <= locked.starts_at:  # a concurrent change of the other end (the serializer saw the old one)
        raise DomainError("the end must be after the start", details={"ends_at": ["must be after starts_at"]})
    locked.save(update_fields=[*given, "updated_at"])
    if limit_changes:
        # The private board's rule depends on it: its keeper checks the teams' choices and rebuilds the board here.
        final_submissions_limit_changed.send(sender=Competition, competition=locked)
    authorized.record(locked, details={"fields": sorted(given)})
    return locked


@transaction.atomic
def delete_competition(*, authorized: AuthorizedAction, competition: Competition) -> None:
    authorized.record(competition)
    competition.delete()
