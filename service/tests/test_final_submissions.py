"""Final submissions and the private board's rule: a team is ranked by the best private score among the
submissions it marked final or, when it marked none, among its ``final_submissions_limit`` best public scores."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from access.models import AuditEvent
from leaderboards.models import Board, FinalChoice, LeaderboardEntry
from submissions.models import Submission, SubmissionStatus

from .factories import client_for, make_team, make_user, submit
from .test_leaderboard import board, end_competition, errors

FINAL = "/api/v1/competitions/{slug}/submissions/{submission_id}/final/"


def final_url(submission) -> str:
    return f"/api/v1/competitions/race/submissions/{submission.pk}/final/"


def mark(user, submission):
    return client_for(user).post(final_url(submission))


def private_row(host) -> dict:
    (row,) = board(client_for(host), board="private").json()["results"]
    return row


def test_a_team_that_marked_none_ranks_by_the_best_private_among_its_two_best_public(solo_race):
    competition, host, solo, team = solo_race
    submit(competition, team, solo, errors(0.1, private=0.9))
    second = submit(competition, team, solo, errors(0.2, private=0.8))
    submit(competition, team, solo, errors(0.3, private=0.1))  # its best private score, but third on public
    row = private_row(host)
    assert (row["submission_id"], row["score"]) == (second.pk, pytest.approx(0.8))


def test_a_team_that_marked_ranks_by_the_best_private_among_its_final_submissions(solo_race):
    competition, host, solo, team = solo_race
    best_public = submit(competition, team, solo, errors(0.1, private=0.9))
    chosen = submit(competition, team, solo, errors(0.5, private=0.6))
    submit(competition, team, solo, errors(0.6, private=0.1))  # not marked: never counts
    assert mark(solo, chosen).status_code == 200
    assert private_row(host)["submission_id"] == chosen.pk
    assert mark(solo, best_public).status_code == 200
    assert private_row(host)["submission_id"] == chosen.pk  # 0.6 beats 0.9
    public = board(client_for(host)).json()["results"][0]
    assert public["submission_id"] == best_public.pk  # the public board is unchanged


def test_the_rule_ranks_teams_that_marked_beside_teams_that_did_not(solo_race):
    competition, host, solo, team = solo_race
    other = make_user("other")
    other_team = make_team(competition, "Other", other)
    submit(competition, team, solo, errors(0.1, private=0.5))
    submit(competition, team, solo, errors(0.2, private=0.6))
    lucky = submit(competition, team, solo, errors(0.9, private=0.05))
    submit(competition, other_team, other, errors(0.2, private=0.3))
    submit(competition, other_team, other, errors(0.3, private=0.4))
    submit(competition, other_team, other, errors(0.9, private=0.01))  # Other marks none: outside its best two
    assert [row["team_name"] for row in board(client_for(host), board="private").json()["results"]] == [
        "Other",
        "Solo",
    ]
    mark(solo, lucky)
    rows = board(client_for(host), board="private").json()["results"]
    assert [(row["team_name"], row["rank"]) for row in rows] == [("Solo", 1), ("Other", 2)]


def test_equal_public_scores_take_the_earliest_submissions_up_to_the_limit(solo_race):
    competition, host, solo, team = solo_race
    first = submit(competition, team, solo, errors(0.2, private=0.5))
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() + timedelta(minutes=1)):
        submit(competition, team, solo, errors(0.2, private=0.6))
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() + timedelta(minutes=2)):
        submit(competition, team, solo, errors(0.2, private=0.1))  # ties on public, but the latest of three
    assert private_row(host)["submission_id"] == first.pk


def test_equal_private_scores_among_the_candidates_take_the_earliest(solo_race):
    competition, host, solo, team = solo_race
    first = submit(competition, team, solo, errors(0.2, private=0.4))
    second = submit(competition, team, solo, errors(0.1, private=0.4))
    mark(solo, second)
    mark(solo, first)
    assert private_row(host)["submission_id"] == first.pk


def test_a_team_marks_at_most_the_limit(solo_race, openapi):
    competition, _, solo, team = solo_race
    submissions = [submit(competition, team, solo, errors(0.1 * index)) for index in range(1, 4)]
    assert [openapi.check(mark(solo, submission)).path for submission in submissions[:2]] == [FINAL] * 2
    refused = mark(solo, submissions[2])
    openapi.check(refused)
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "final_limit_reached"
    assert error["details"] == {"limit": 2, "final_submissions": sorted(s.pk for s in submissions[:2])}
    unmarked = client_for(solo).delete(final_url(submissions[0]))
    openapi.check(unmarked)
    assert unmarked.json()["is_final"] is False
    assert mark(solo, submissions[2]).json()["is_final"] is True


def test_marking_and_unmarking_again_change_nothing(solo_race):
    competition, _, solo, team = solo_race
    submission = submit(competition, team, solo, errors(0.1))
    assert [mark(solo, submission).status_code for _ in range(2)] == [200, 200]
    assert FinalChoice.objects.count() == 1
    assert [client_for(solo).delete(final_url(submission)).status_code for _ in range(2)] == [200, 200]
    assert not FinalChoice.objects.exists()


def test_submissions_show_whether_they_are_final(solo_race):
    competition, _, solo, team = solo_race
    plain = submit(competition, team, solo, errors(0.1))
    chosen = submit(competition, team, solo, errors(0.2))
    mark(solo, chosen)
    listed = client_for(solo).get("/api/v1/competitions/race/submissions/").json()["results"]
    assert {row["id"]: row["is_final"] for row in listed} == {plain.pk: False, chosen.pk: True}
    assert client_for(solo).get(f"/api/v1/competitions/race/submissions/{chosen.pk}/").json()["is_final"] is True


def test_only_scored_submissions_can_be_final(solo_race, openapi):
    competition, _, solo, team = solo_race
    failed = submit(competition, team, solo, errors(0.1))
    # As a scoring that failed leaves it (without going through the scorer, whose module the upload flow moves).
    Submission.objects.filter(pk=failed.pk).update(status=SubmissionStatus.FAILED)
    response = mark(solo, failed)
    openapi.check(response)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "submission_not_scored"


def test_after_the_end_choices_no_longer_change_and_everyone_sees_the_board_they_made(solo_race, openapi):
    competition, _, solo, team = solo_race
    submit(competition, team, solo, errors(0.1, private=0.9))
    chosen = submit(competition, team, solo, errors(0.5, private=0.7))
    other = submit(competition, team, solo, errors(0.6, private=0.2))
    mark(solo, chosen)
    end_competition(competition)
    for response in (mark(solo, other), client_for(solo).delete(final_url(chosen))):
        assert (response.status_code, response.json()["error"]["code"]) == (409, "competition_ended")
        openapi.check(response)
    (row,) = board(client_for(make_user("anyone")), board="private").json()["results"]
    assert (row["submission_id"], row["score"]) == (chosen.pk, pytest.approx(0.7))


def test_deleting_a_final_submission_falls_back_to_the_others_then_to_the_best_public(solo_race):
    competition, host, solo, team = solo_race
    best_public = submit(competition, team, solo, errors(0.1, private=0.9))
    first = submit(competition, team, solo, errors(0.4, private=0.3))
    second = submit(competition, team, solo, errors(0.5, private=0.5))
    mark(solo, first)
    mark(solo, second)
    assert client_for(solo).delete(f"/api/v1/competitions/race/submissions/{first.pk}/").status_code == 204
    assert private_row(host)["submission_id"] == second.pk  # the other final submission
    client_for(solo).delete(f"/api/v1/competitions/race/submissions/{second.pk}/")
    assert private_row(host)["submission_id"] == best_public.pk  # none marked: the best public scores
    assert not FinalChoice.objects.exists()


def test_deleting_a_best_public_submission_lets_the_next_one_count(solo_race):
    competition, host, solo, team = solo_race
    first = submit(competition, team, solo, errors(0.1, private=0.9))
    submit(competition, team, solo, errors(0.2, private=0.8))
    third = submit(competition, team, solo, errors(0.3, private=0.1))
    client_for(solo).delete(f"/api/v1/competitions/race/submissions/{first.pk}/")
    assert private_row(host)["submission_id"] == third.pk


def test_the_last_submission_deleted_leaves_no_private_entry(solo_race):
    competition, _, solo, team = solo_race
    only = submit(competition, team, solo, errors(0.1))
    mark(solo, only)
    client_for(solo).delete(f"/api/v1/competitions/race/submissions/{only.pk}/")
    assert not LeaderboardEntry.objects.filter(team=team, board=Board.PRIVATE).exists()


def test_choices_are_audited_with_the_teams_final_submissions(solo_race):
    competition, _, solo, team = solo_race
    submission = submit(competition, team, solo, errors(0.1))
    mark(solo, submission)
    client_for(solo).delete(final_url(submission))
    events = AuditEvent.objects.filter(action__startswith="submission.final").order_by("id")
    assert [(e.action, e.decision, e.target_id, e.details) for e in events] == [
        ("submission.final.mark", "allow", str(submission.pk), {"team": team.pk, "final_submissions": [submission.pk]}),
        ("submission.final.unmark", "allow", str(submission.pk), {"team": team.pk, "final_submissions": []}),
    ]


def test_a_member_who_became_an_insider_cannot_choose(solo_race):
    from access.builtin_roles import COMPETITION_HOST

    from .factories import bind

    competition, _, solo, team = solo_race
    submission = submit(competition, team, solo, errors(0.1))
    bind(solo, COMPETITION_HOST, competition)
    response = mark(solo, submission)
    assert (response.status_code, response.json()["error"]["code"]) == (409, "host_cannot_compete")


def test_after_the_end_members_cannot_delete_and_hosts_still_can(solo_race, openapi):
    competition, host, solo, team = solo_race
    first = submit(competition, team, solo, errors(0.1, private=0.9))
    second = submit(competition, team, solo, errors(0.2, private=0.8))
    submit(competition, team, solo, errors(0.3, private=0.1))
    end_competition(competition)
    url = f"/api/v1/competitions/race/submissions/{first.pk}/"
    refused = client_for(solo).delete(url)  # it would bring the third (private 0.1) among the best two public
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "competition_ended")
    openapi.check(refused)
    assert private_row(host)["submission_id"] == second.pk
    assert client_for(host).delete(url).status_code == 204  # a host disqualifies it
    assert private_row(host)["score"] == pytest.approx(0.1)
