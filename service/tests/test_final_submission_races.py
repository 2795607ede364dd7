"""Races of final choices, with real threads and transactions on PostgreSQL: two members marking for the last
final slot, and a mark against a lowering of the limit."""

from __future__ import annotations

from functools import partial

import pytest
from django.core.cache import cache

from leaderboards.models import Board, FinalChoice, LeaderboardEntry

from .factories import client_for, make_competition, make_team, make_user, submit
from .test_leaderboard import TRUTH, errors
from .test_races import ROUNDS, together


def final_url(submission) -> str:
    return f"/api/v1/competitions/{submission.competition.slug}/submissions/{submission.pk}/final/"


@pytest.mark.django_db(transaction=True)
def test_two_marks_racing_for_the_last_final_slot_take_it_once():
    cache.clear()  # committed throttle counters of earlier transactional tests
    competition = make_competition("finals", make_user("host"), metric="mae", truth=TRUTH, daily_submission_limit=99)
    for round_ in range(ROUNDS):
        alice, bob = make_user(f"alice{round_}"), make_user(f"bob{round_}")
        team = make_team(competition, f"Team {round_}", alice, bob)
        kept = submit(competition, team, alice, errors(0.1, private=0.9))
        first, second = (submit(competition, team, bob, errors(0.2 + i / 10, private=0.1 * (i + 1))) for i in range(2))
        assert client_for(alice).post(final_url(kept)).status_code == 200  # one of the two slots taken
        responses = together(
            partial(client_for(alice).post, final_url(first)), partial(client_for(bob).post, final_url(second))
        )
        statuses = sorted(getattr(response, "status_code", response) for response in responses)
        assert statuses == [200, 409], f"round {round_}: {statuses}"
        conflict = next(response for response in responses if response.status_code == 409)
        assert conflict.json()["error"]["code"] == "final_limit_reached"
        chosen = set(FinalChoice.objects.filter(submission__team=team).values_list("submission_id", flat=True))
        winner = first if first.pk in chosen else second
        assert chosen == {kept.pk, winner.pk}
        entry = LeaderboardEntry.objects.get(team=team, board=Board.PRIVATE)
        assert entry.submission_id == winner.pk  # its private score beats the kept one's 0.9


@pytest.mark.django_db(transaction=True)
def test_a_mark_and_a_lower_limit_at_once_never_leave_more_finals_than_the_limit():
    cache.clear()
    host = make_user("host")
    for round_ in range(ROUNDS // 2):
        slug = f"lower{round_}"
        competition = make_competition(slug, host, metric="mae", truth=TRUTH, daily_submission_limit=99)
        solo = make_user(f"solo{round_}")
        team = make_team(competition, "Solo", solo)
        kept, other = (submit(competition, team, solo, errors(0.1 * (i + 1))) for i in range(2))
        client_for(solo).post(final_url(kept))
        mark, lower = together(
            partial(client_for(solo).post, final_url(other)),
            partial(
                client_for(host).patch, f"/api/v1/competitions/{slug}/", {"final_submissions_limit": 1}, format="json"
            ),
        )
        outcome = (getattr(mark, "status_code", mark), getattr(lower, "status_code", lower))
        assert outcome in ((200, 409), (409, 200)), f"round {round_}: {outcome}"
        competition.refresh_from_db()
        finals = FinalChoice.objects.filter(submission__team=team).count()
        # The mark first: two finals under the limit 2; the lower limit first: the one kept final under 1.
        assert (finals, competition.final_submissions_limit) == ((2, 2) if outcome == (200, 409) else (1, 1)), outcome
