"""Races between requests of one team, with real threads and transactions on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection

from submissions.models import Submission
from teams.models import TeamMembership

from .factories import (
    all_correct,
    client_for,
    csv_upload,
    make_competition,
    make_team,
    make_user,
    predictions_csv,
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
            partial(
                client.post,
                "/api/v1/competitions/race/submissions/",
                {"file": csv_upload(predictions_csv(all_correct()))},
                format="multipart",
            ),
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
