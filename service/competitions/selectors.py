"""Reading competitions, filtered by what the caller may see."""

from __future__ import annotations

from django.db.models import Q

from access.authorizer import Authorizer

from .models import Competition, CompetitionQuerySet, Visibility


def visible_competitions(authz: Authorizer) -> CompetitionQuerySet:
    """Public competitions and those a binding lets the caller see (every one for a platform binding)."""
    queryset = Competition.objects.with_ground_truth_flag()
    granted = authz.competitions_granting("get", "competitions")
    if granted is None:
        return queryset
    return queryset.filter(Q(visibility=Visibility.PUBLIC) | Q(pk__in=granted))
