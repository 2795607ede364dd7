"""Leaderboards: best submission per team, standard competition ranking, ties, visibility, own row."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from competitions.models import Competition
from leaderboards.models import LeaderboardEntry
from submissions.models import Submission, SubmissionStatus

from .factories import all_correct, client_for, make_competition, make_team, make_user, submit

# Regression truth: three public rows, one private row.
TRUTH = {"p1": [0.0, "Public"], "p2": [0.0, "Public"], "p3": [0.0, "Public"], "q": [0.0, "Private"]}


def errors(public: float, private: float = 0.0) -> dict[str, object]:
    """Predictions whose public MAE is ``public`` and private MAE ``private``."""
    return {"p1": public, "p2": public, "p3": public, "q": private}


def board(client, slug="race", **params):
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return client.get(f"/api/v1/competitions/{slug}/leaderboard/?{query}")


@pytest.fixture
def race(db):
    host = make_user("host")
    competition = make_competition("race", host, metric="mae", truth=TRUTH, daily_submission_limit=50)
    return competition, host


def test_ties_share_a_rank_and_the_next_rank_skips(race):
    competition, _ = race
    scores = {"A": 0.1, "B": 0.2, "C": 0.2, "D": 0.3}
    for name, score in scores.items():
        user = make_user(name.lower())
        submit(competition, make_team(competition, name, user), user, errors(score))
    rows = board(client_for(None)).json()["results"]
    assert [(row["team_name"], row["rank"]) for row in rows] == [("A", 1), ("B", 2), ("C", 2), ("D", 4)]


def test_equal_scores_are_listed_earliest_submission_first(race):
    competition, _ = race
    late, early = make_user("late"), make_user("early")
    late_team, early_team = make_team(competition, "Late", late), make_team(competition, "Early", early)
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() + timedelta(minutes=5)):
        submit(competition, late_team, late, errors(0.5))
    submit(competition, early_team, early, errors(0.5))
    rows = board(client_for(None)).json()["results"]
    assert [row["team_name"] for row in rows] == ["Early", "Late"]
    assert [row["rank"] for row in rows] == [1, 1]


def test_a_team_is_listed_once_with_its_best_submission(race):
    competition, _ = race
    user = make_user("solo")
    team = make_team(competition, "Solo", user)
    submit(competition, team, user, errors(0.4))
    best = submit(competition, team, user, errors(0.1))
    submit(competition, team, user, errors(0.3))
    rows = board(client_for(None)).json()["results"]
    assert len(rows) == 1
    assert rows[0]["submission_id"] == best.pk
    assert rows[0]["score"] == pytest.approx(0.1)


def test_an_equal_later_score_does_not_replace_the_earlier_best(race):
    competition, _ = race
    user = make_user("solo")
    team = make_team(competition, "Solo", user)
    first = submit(competition, team, user, errors(0.2))
    submit(competition, team, user, errors(0.2))
    assert board(client_for(None)).json()["results"][0]["submission_id"] == first.pk


def test_higher_is_better_metrics_rank_the_highest_first(db):
    competition = make_competition("acc", make_user("host"))
    good, bad = make_user("good"), make_user("bad")
    submit(competition, make_team(competition, "Bad", bad), bad, {k: "x" for k in "abcdef"})
    submit(competition, make_team(competition, "Good", good), good, all_correct())
    rows = board(client_for(None), slug="acc").json()["results"]
    assert [row["team_name"] for row in rows] == ["Good", "Bad"]


def test_the_private_board_ranks_by_the_private_score(race):
    competition, host = race
    a, b = make_user("a"), make_user("b")
    submit(competition, make_team(competition, "A", a), a, errors(0.1, private=0.9))
    submit(competition, make_team(competition, "B", b), b, errors(0.5, private=0.2))
    public = board(client_for(host), board="public").json()["results"]
    private = board(client_for(host), board="private").json()["results"]
    assert [row["team_name"] for row in public] == ["A", "B"]
    assert [row["team_name"] for row in private] == ["B", "A"]


def test_a_failed_submission_never_ranks(race):
    competition, _ = race
    user = make_user("unlucky")
    team = make_team(competition, "Unlucky", user)
    with mock.patch("submissions.worker.scoring.score_aligned", side_effect=ZeroDivisionError):
        submission = submit(competition, team, user, errors(0.0))
    assert submission.status == SubmissionStatus.FAILED
    assert submission.error == (
        "scoring did not finish after 3 attempts (the platform's operators are alerted); your daily slot was given back"
    )
    assert not LeaderboardEntry.objects.exists()
    assert board(client_for(None)).json()["count"] == 0


def test_deleting_the_best_submission_falls_back_to_the_next_best(race):
    competition, _ = race
    user = make_user("solo")
    team = make_team(competition, "Solo", user)
    second = submit(competition, team, user, errors(0.3))
    best = submit(competition, team, user, errors(0.1))
    response = client_for(user).delete(f"/api/v1/competitions/race/submissions/{best.pk}/")
    assert response.status_code == 204
    assert board(client_for(None)).json()["results"][0]["submission_id"] == second.pk
    client_for(user).delete(f"/api/v1/competitions/race/submissions/{second.pk}/")
    assert board(client_for(None)).json()["count"] == 0


def test_pages_keep_ranks_and_tell_the_caller_their_own_row(race):
    competition, _ = race
    users = [make_user(f"u{i}") for i in range(7)]
    for i, user in enumerate(users):
        submit(competition, make_team(competition, f"T{i}", user), user, errors(i // 2 / 10))  # pairs tie
    response = board(client_for(users[0]), page=2, page_size=3).json()
    assert response["count"] == 7
    assert [row["rank"] for row in response["results"]] == [3, 5, 5]
    assert response["my_team"]["team_name"] == "T0"
    assert response["my_team"]["rank"] == 1
    assert board(client_for(users[6]), page=1, page_size=3).json()["my_team"]["rank"] == 7


def test_callers_without_a_team_have_no_row(race):
    assert board(client_for(make_user("lurker"))).json()["my_team"] is None


def test_unknown_board_is_a_400(race):
    response = board(client_for(None), board="secret")
    assert response.status_code == 400
    assert "board" in response.json()["error"]["details"]


def end_competition(competition: Competition) -> None:
    competition.starts_at = timezone.now() - timedelta(days=10)
    competition.ends_at = timezone.now() - timedelta(minutes=1)
    competition.save()


class TestVisibility:
    def test_before_the_end_participants_see_the_public_board_only(self, race):
        competition, _ = race
        user = make_user("p")
        make_team(competition, "P", user)
        assert board(client_for(user), board="public").status_code == 200
        assert board(client_for(user), board="private").status_code == 403
        assert board(client_for(None), board="private").status_code == 401

    def test_before_the_end_hosts_see_the_private_board(self, race):
        _, host = race
        assert board(client_for(host), board="private").status_code == 200

    def test_after_the_end_everyone_who_sees_the_competition_sees_the_private_board(self, race):
        competition, _ = race
        user = make_user("p")
        team = make_team(competition, "P", user)
        submit(competition, team, user, errors(0.1, private=0.4))
        end_competition(competition)
        for caller in (user, make_user("outsider"), None):
            response = board(client_for(caller), board="private")
            assert response.status_code == 200
            assert response.json()["results"][0]["score"] == pytest.approx(0.4)

    def test_private_scores_of_submissions_appear_after_the_end(self, race):
        competition, _ = race
        user = make_user("p")
        submission = submit(competition, make_team(competition, "P", user), user, errors(0.1, private=0.4))
        url = f"/api/v1/competitions/race/submissions/{submission.pk}/"
        assert client_for(user).get(url).json()["private_score"] is None
        end_competition(competition)
        assert client_for(user).get(url).json()["private_score"] == pytest.approx(0.4)

    def test_private_competition_boards_are_hidden_even_after_the_end(self, db):
        competition = make_competition("hidden", make_user("host"), visibility="private")
        end_competition(competition)
        assert board(client_for(make_user("x")), slug="hidden", board="private").status_code == 404
        assert board(client_for(None), slug="hidden").status_code == 404


def test_scored_submissions_always_carry_both_scores(race):
    competition, _ = race
    user = make_user("u")
    submission = submit(competition, make_team(competition, "U", user), user, errors(0.1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Submission.objects.filter(pk=submission.pk).update(private_score=None)
