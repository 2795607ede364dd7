"""Service functions of competitions: creating, changing and deleting them, and uploading ground truth."""

from __future__ import annotations

from typing import IO, Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from access import audit
from access.authorizer import AccessDecision
from access.builtin_roles import COMPETITION_HOST
from access.models import Role, RoleBinding, Scope
from competition_platform.errors import Conflict

from .csv_files import CsvProblem
from .ground_truth import parse_ground_truth
from .models import Competition, GroundTruth

# Fields whose change would invalidate scores already computed.
FIELDS_FROZEN_AFTER_FIRST_SUBMISSION = frozenset({"metric"})


@transaction.atomic
def create_competition(user: AbstractBaseUser, data: dict[str, Any], decision: AccessDecision) -> Competition:
    """Create a competition; its creator becomes its first host."""
    competition = Competition.objects.create(created_by=user, **data)
    binding = RoleBinding.objects.create(
        role=Role.objects.get(name=COMPETITION_HOST),
        user=user,
        scope=Scope.COMPETITION,
        competition=competition,
        created_by=user,
    )
    audit.record(
        actor=user,
        action="competition.create",
        decision=decision,
        competition=competition,
        target_type="competition",
        target_id=competition.slug,
        details={"host_binding": binding.pk},
    )
    return competition


@transaction.atomic
def update_competition(
    competition: Competition, user: AbstractBaseUser, changes: dict[str, Any], decision: AccessDecision
) -> Competition:
    frozen = FIELDS_FROZEN_AFTER_FIRST_SUBMISSION & {
        field for field, value in changes.items() if getattr(competition, field) != value
    }
    if frozen and competition.submissions.exists():
        raise Conflict(f"{', '.join(sorted(frozen))} cannot change once submissions exist", code="frozen_field")
    for field, value in changes.items():
        setattr(competition, field, value)
    competition.save()
    audit.record(
        actor=user,
        action="competition.update",
        decision=decision,
        competition=competition,
        target_type="competition",
        target_id=competition.slug,
        details={"fields": sorted(changes)},
    )
    return competition


@transaction.atomic
def delete_competition(competition: Competition, user: AbstractBaseUser, decision: AccessDecision) -> None:
    audit.record(
        actor=user,
        action="competition.delete",
        decision=decision,
        competition=competition,
        target_type="competition",
        target_id=competition.slug,
    )
    competition.delete()


def upload_ground_truth(
    competition: Competition, user: AbstractBaseUser, upload: IO[bytes], decision: AccessDecision
) -> GroundTruth:
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
                "uploaded_by": user,
            },
        )
        audit.record(
            actor=user,
            action="groundtruth.upload",
            decision=decision,
            competition=competition,
            target_type="competition",
            target_id=competition.slug,
            details={"public_rows": parsed.public_rows, "private_rows": parsed.private_rows},
        )
    return ground_truth
