"""Service functions of competitions: creating, changing and deleting them, and uploading ground truth."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import IO

from django.conf import settings
from django.db import transaction

from access.audit import AuthorizedAction
from access.builtin_roles import COMPETITION_HOST
from access.models import Role, RoleBinding, Scope
from core.errors import Conflict

from .csv_files import CsvProblem
from .ground_truth import parse_ground_truth
from .models import Competition, GroundTruth

# Fields whose change would invalidate scores already computed.
FIELDS_FROZEN_AFTER_FIRST_SUBMISSION = frozenset({"metric"})


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

    def given(self) -> dict[str, object]:
        return {name: value for name, value in asdict(self).items() if value is not None}


@transaction.atomic
def create_competition(*, authorized: AuthorizedAction, slug: str, fields: CompetitionFields) -> Competition:
    """Create a competition; its creator becomes its first host. The serializer has checked that the required
    fields (title, start, end, metric) are given; the database refuses a competition without them."""
    creator = authorized.actor
    competition = Competition.objects.create(slug=slug, created_by=creator, **fields.given())
    binding = RoleBinding.objects.create(
        role=Role.objects.get(name=COMPETITION_HOST),
        user=creator,
        scope=Scope.COMPETITION,
        competition=competition,
        created_by=creator,
    )
    authorized.within(competition).record(competition, details={"host_binding": binding.pk})
    return competition


@transaction.atomic
def update_competition(
    *, authorized: AuthorizedAction, competition: Competition, changes: CompetitionFields
) -> Competition:
    given = changes.given()
    frozen = FIELDS_FROZEN_AFTER_FIRST_SUBMISSION & {
        field for field, value in given.items() if getattr(competition, field) != value
    }
    if frozen and competition.submissions.exists():
        raise Conflict(f"{', '.join(sorted(frozen))} cannot change once submissions exist", code="frozen_field")
    for field, value in given.items():
        setattr(competition, field, value)
    competition.save()
    authorized.record(competition, details={"fields": sorted(given)})
    return competition


@transaction.atomic
def delete_competition(*, authorized: AuthorizedAction, competition: Competition) -> None:
    authorized.record(competition)
    competition.delete()


def upload_ground_truth(*, authorized: AuthorizedAction, competition: Competition, upload: IO[bytes]) -> GroundTruth:
    """Replace the ground truth; refused once submissions were scored against the current one."""
    try:
        parsed = parse_ground_truth(upload, competition.metric_spec, settings.GROUND_TRUTH_MAX_BYTES)
    except CsvProblem as problem:
        raise problem.as_domain_error("invalid_ground_truth") from None
    with transaction.atomic():
        locked = Competition.objects.select_for_update().get(pk=competition.pk)
        if locked.submissions.exists():
            raise Conflict("the ground truth cannot change once submissions exist", code="submissions_exist")
        ground_truth, _ = GroundTruth.objects.update_or_create(
            competition=locked,
            defaults={
                "rows": parsed.rows,
                "public_rows": parsed.public_rows,
                "private_rows": parsed.private_rows,
                "uploaded_by": authorized.actor,
            },
        )
        authorized.record(competition, details={"public_rows": parsed.public_rows, "private_rows": parsed.private_rows})
    return ground_truth
