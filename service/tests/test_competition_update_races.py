"""Two changes of one competition at once: each PATCH loaded the competition before the other's change committed.
Applying a change to that stale instance and saving every column put the other change back (a lost final
submissions limit, an unfrozen metric). The change is applied to the locked row and writes only its own columns."""

from __future__ import annotations

import threading
from functools import partial

import pytest
from django.core.cache import cache

from access.audit import AuditAction
from competitions import services as competition_services
from competitions.models import Competition
from core.errors import DomainError

from .factories import LABELS_TRUTH, allowed, client_for, make_competition, make_user, set_truth
from .test_races import together


def change(competition: Competition, host, **fields) -> Competition:
    return competition_services.update_competition(
        authorized=allowed(AuditAction.COMPETITION_UPDATE, host, competition),
        competition=competition,
        changes=competition_services.CompetitionFields(**fields),
    )


@pytest.mark.django_db(transaction=True)
def test_two_patches_that_loaded_the_competition_before_either_changed_it_both_take_effect(monkeypatch):
    """Real threads and transactions: both views have loaded the competition before either takes the row lock."""
    cache.clear()  # committed throttle counters of earlier transactional tests
    host = make_user("host")
    make_competition("both", host)
    loaded = threading.Barrier(2)
    original = competition_services.update_competition

    def after_both_loaded(**arguments):
        loaded.wait(timeout=10)
        return original(**arguments)

    monkeypatch.setattr(competition_services, "update_competition", after_both_loaded)  # as the view calls it
    client = client_for(host)
    renamed, limited = together(
        partial(client.patch, "/api/v1/competitions/both/", {"title": "Renamed"}, format="json"),
        partial(client_for(host).patch, "/api/v1/competitions/both/", {"final_submissions_limit": 4}, format="json"),
    )

    assert (renamed.status_code, limited.status_code) == (200, 200)
    competition = Competition.objects.get(slug="both")
    assert (competition.title, competition.final_submissions_limit) == ("Renamed", 4)


def test_a_stale_change_does_not_unfreeze_the_metric(db):
    host = make_user("host")
    make_competition("frozen", host, truth=None, metric="accuracy")
    stale = Competition.objects.get(slug="frozen")  # what a PATCH loaded before the lock
    change(Competition.objects.get(slug="frozen"), host, metric="rmse")
    set_truth(Competition.objects.get(slug="frozen"), {"a": [1.0, "Public"], "b": [2.0, "Private"]})

    change(stale, host, title="Renamed")

    competition = Competition.objects.get(slug="frozen")
    assert (competition.metric, competition.title) == ("rmse", "Renamed")


def test_the_change_returns_the_row_as_it_is_now(db):
    host = make_user("host")
    make_competition("current", host, truth=None)
    stale = Competition.objects.get(slug="current")
    change(Competition.objects.get(slug="current"), host, daily_submission_limit=9)
    set_truth(Competition.objects.get(slug="current"), LABELS_TRUTH)

    changed = change(stale, host, title="Renamed")

    assert (changed.title, changed.daily_submission_limit) == ("Renamed", 9)
    assert getattr(changed, "has_ground_truth", None) is True  # what the representation shows


def test_an_end_before_a_start_changed_meanwhile_is_a_400_not_a_500(db):
    host = make_user("host")
    make_competition("ends", host)
    stale = Competition.objects.get(slug="ends")
    fresh = Competition.objects.get(slug="ends")
    change(
        fresh,
        host,
        starts_at=fresh.ends_at.replace(year=fresh.ends_at.year + 1),
        ends_at=fresh.ends_at.replace(year=fresh.ends_at.year + 2),
    )

    with pytest.raises(DomainError) as refused:
        change(stale, host, ends_at=stale.ends_at)  # after the start as the serializer saw it, not as it is now

    assert refused.value.details == {"ends_at": ["must be after starts_at"]}
