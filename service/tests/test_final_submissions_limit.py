"""The competition's ``final_submissions_limit``: part of its representation, changed by hosts until the end, a
change rebuilds the private board; the rebuild command and the data migration apply the same rule."""

from __future__ import annotations

import importlib
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command

from access.builtin_roles import COMPETITION_ORGANIZER
from leaderboards.models import Board, LeaderboardEntry

from .factories import bind, client_for, make_user, submit
from .test_final_submissions import mark, private_row
from .test_leaderboard import end_competition, errors

COMPETITION_URL = "/api/v1/competitions/race/"


def patch_limit(host, limit):
    return client_for(host).patch(COMPETITION_URL, {"final_submissions_limit": limit}, format="json")


def test_the_limit_is_two_unless_the_host_says_otherwise(solo_race):
    organizer = make_user("organizer")
    bind(organizer, COMPETITION_ORGANIZER)
    body = {"slug": "five", "title": "Five", "metric": "mae", "final_submissions_limit": 5}
    body |= {"starts_at": "2030-01-01T00:00:00Z", "ends_at": "2030-02-01T00:00:00Z"}
    created = client_for(organizer).post("/api/v1/competitions/", body, format="json")
    assert created.json()["final_submissions_limit"] == 5
    assert client_for(None).get(COMPETITION_URL).json()["final_submissions_limit"] == 2


@pytest.mark.parametrize("limit", [0, -1, "two", None])
def test_a_limit_below_one_is_refused(solo_race, limit):
    _, host, _, _ = solo_race
    response = patch_limit(host, limit)
    assert response.status_code == 400
    assert list(response.json()["error"]["details"]) == ["final_submissions_limit"]


def test_a_higher_limit_lets_more_best_public_scores_count(solo_race):
    competition, host, solo, team = solo_race
    submit(competition, team, solo, errors(0.1, private=0.9))
    submit(competition, team, solo, errors(0.2, private=0.8))
    third = submit(competition, team, solo, errors(0.3, private=0.1))
    assert patch_limit(host, 3).json()["final_submissions_limit"] == 3
    assert private_row(host)["submission_id"] == third.pk
    assert patch_limit(host, 1).status_code == 200
    assert private_row(host)["score"] == pytest.approx(0.9)


def test_the_limit_cannot_drop_below_the_final_submissions_a_team_marked(solo_race, openapi):
    competition, host, solo, team = solo_race
    for public in (0.1, 0.2):
        mark(solo, submit(competition, team, solo, errors(public)))
    response = patch_limit(host, 1)
    openapi.check(response)
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "final_choices_exceed_limit"
    assert error["details"] == {"limit": 1, "teams_over_limit": 1, "most_marked": 2}
    competition.refresh_from_db()
    assert competition.final_submissions_limit == 2  # nothing changed


def test_the_limit_cannot_change_after_the_end(solo_race, openapi):
    competition, host, _, _ = solo_race
    end_competition(competition)
    response = patch_limit(host, 3)
    openapi.check(response)
    assert (response.status_code, response.json()["error"]["code"]) == (409, "competition_ended")
    assert patch_limit(host, 2).status_code == 200  # the same value is no change
    assert client_for(host).patch(COMPETITION_URL, {"title": "Renamed"}, format="json").status_code == 200


def test_a_team_may_mark_more_after_the_limit_is_raised(solo_race):
    competition, host, solo, team = solo_race
    submissions = [submit(competition, team, solo, errors(0.1 * index)) for index in range(1, 4)]
    mark(solo, submissions[0])
    mark(solo, submissions[1])
    assert mark(solo, submissions[2]).status_code == 409
    patch_limit(host, 3)
    assert mark(solo, submissions[2]).status_code == 200


def three_submissions(competition, team, solo):
    submit(competition, team, solo, errors(0.1, private=0.9))
    second = submit(competition, team, solo, errors(0.2, private=0.8))
    best_private = submit(competition, team, solo, errors(0.3, private=0.1))
    return second, best_private


def test_the_rebuild_command_chooses_every_entry_again(solo_race):
    competition, host, solo, team = solo_race
    second, best_private = three_submissions(competition, team, solo)
    LeaderboardEntry.objects.filter(team=team, board=Board.PRIVATE).update(submission=best_private, score=0.1)
    out = StringIO()
    call_command("rebuild_private_boards", "--competition", "race", stdout=out)
    assert out.getvalue() == "race: the private entries of 1 team(s) chosen again\n"
    row = private_row(host)
    assert (row["submission_id"], row["score"]) == (second.pk, pytest.approx(0.8))


def test_the_rebuild_command_names_an_unknown_competition(solo_race):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no competition with the slug 'nope'"):
        call_command("rebuild_private_boards", "--competition", "nope")


def test_the_data_migration_applies_the_rule_and_its_reverse_the_rule_before(solo_race):
    competition, host, solo, team = solo_race
    second, best_private = three_submissions(competition, team, solo)
    migration = importlib.import_module("leaderboards.migrations.0004_private_entries_by_final_rule")
    migration.backwards(apps, None)
    assert private_row(host)["submission_id"] == best_private.pk  # the best private score of all
    migration.forwards(apps, None)
    row = private_row(host)
    assert (row["submission_id"], row["score"]) == (second.pk, pytest.approx(0.8))
    entry = LeaderboardEntry.objects.get(team=team, board=Board.PRIVATE)
    assert entry.sort_key == pytest.approx(-0.8)  # mae: lower is better
