"""Races between requests of one team, with real threads and transactions on PostgreSQL: a submission against a
member leaving, and two deletions of the team's submissions against its leaderboard rows."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection

from leaderboards.models import Board, LeaderboardEntry
from submissions.models import Submission
from teams.models import TeamMembership

from .factories import (
    all_correct,
    client_for,
    make_competition,
    make_team,
    make_user,
    predictions_csv,
    submit,
    upload_predictions,
)

ROUNDS = 12


def together(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads released at the same moment; their results in call order."""
    start = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            start.wait(timeout=10)
            results[index] = call()
        except Exception as error:  # an unhandled error in the view (a 500): the test reports it
            results[index] = error
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.django_db(transaction=True)
def test_a_submission_and_its_only_member_leaving_never_both_succeed():
    """Leaving would buy fresh daily slots and a second leaderboard row: the upload and the leave serialize on the
    team, so whichever comes second sees the other (the leave sees the used slot, the upload sees no member)."""
    cache.clear()  # committed throttle counters of earlier transactional tests
    competition = make_competition("race", make_user("host"), daily_submission_limit=1, max_team_size=1)
    outcomes = []
    for round_ in range(ROUNDS):
        user = make_user(f"solo{round_}")
        team = make_team(competition, f"Solo {round_}", user)
        client = client_for(user)
        upload, leave = together(
            partial(upload_predictions, client, "race"),
            partial(client.post, f"/api/v1/competitions/race/teams/{team.pk}/leave/"),
        )
        outcomes.append((upload.status_code, leave.status_code))
        assert outcomes[-1] != (201, 204), f"round {round_}: the upload and the leave both succeeded"
        submitted = Submission.objects.filter(team=team).exists()
        stayed = TeamMembership.objects.filter(team=team, user=user).exists()
        if upload.status_code == 201:
            assert (leave.status_code, leave.json()["error"]["code"]) == (409, "team_has_submitted"), outcomes
            assert submitted and stayed
        else:
            assert upload.status_code in (403, 409), outcomes  # no team binding any more, or not a member
            assert leave.status_code == 204, outcomes
            assert not submitted and not stayed


def scored_submissions(competition, team, user, count: int) -> list[Submission]:
    """Submission i gets the first i labels wrong (of three public rows first): each scores below the one before
    on the public board, and all tie on the private one (the earliest ranks)."""
    swapped = {"cat": "dog", "dog": "cat"}
    made = []
    for index in range(count):
        values = {
            row_id: swapped[str(label)] if position < index else label
            for position, (row_id, label) in enumerate(all_correct().items())
        }
        made.append(submit(competition, team, user, values))
    return made


@pytest.mark.django_db(transaction=True)
def test_deleting_two_submissions_of_a_team_at_once_leaves_a_correct_board():
    cache.clear()
    competition = make_competition("deletes", make_user("host"), daily_submission_limit=100)
    for round_ in range(ROUNDS):
        user = make_user(f"member{round_}")
        team = make_team(competition, f"Team {round_}", user)
        best, second, third = scored_submissions(competition, team, user, 3)
        client = client_for(user)
        responses = together(
            partial(client.delete, f"/api/v1/competitions/deletes/submissions/{best.pk}/"),
            partial(client.delete, f"/api/v1/competitions/deletes/submissions/{second.pk}/"),
        )
        assert [getattr(response, "status_code", response) for response in responses] == [204, 204]
        rows = dict(LeaderboardEntry.objects.filter(team=team).values_list("board", "submission_id"))
        assert rows == {Board.PUBLIC: third.pk, Board.PRIVATE: third.pk}


@pytest.mark.django_db(transaction=True)
def test_deleting_the_same_submission_twice_at_once_is_one_deletion_and_one_404():
    cache.clear()
    competition = make_competition("twice", make_user("host"), daily_submission_limit=100)
    for round_ in range(ROUNDS // 2):
        user = make_user(f"member{round_}")
        team = make_team(competition, f"Team {round_}", user)
        (only,) = scored_submissions(competition, team, user, 1)
        client = client_for(user)
        url = f"/api/v1/competitions/twice/submissions/{only.pk}/"
        responses = together(partial(client.delete, url), partial(client.delete, url))
        statuses = sorted(getattr(response, "status_code", 500) for response in responses)
        assert statuses == [204, 404]
        assert not LeaderboardEntry.objects.filter(team=team).exists()


@pytest.mark.django_db
def test_a_submission_deleted_before_it_is_scored_never_reaches_the_board():
    from django.core.files.base import ContentFile

    from submissions.scoring import score_submission

    user = make_user("member")
    competition = make_competition("late", make_user("host"))
    team = make_team(competition, "T", user)
    pending = Submission(competition=competition, team=team, submitted_by=user, row_count=6)
    pending.file.save("predictions.csv", ContentFile(predictions_csv(all_correct()).encode()))
    Submission.objects.filter(pk=pending.pk).delete()  # by another request, between upload and scoring

    score_submission(pending)

    assert not LeaderboardEntry.objects.filter(team=team).exists()
