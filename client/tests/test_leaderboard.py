"""``leaderboard``: a page as a table with the caller's row, or as JSON; anonymous without a token."""

from __future__ import annotations

import json

from .conftest import TOKEN, Command
from .fake_service import Reply, in_turn

BOARD = "/api/v1/competitions/titanic/leaderboard/"
PAGE = {
    "board": "public",
    "count": 51,
    "next": "http://x/?page=2",
    "previous": None,
    "results": [
        {
            "rank": 1,
            "team_id": 3,
            "team_name": "Gradient Descenders",
            "score": 0.91234567,
            "submission_id": 9,
            "submitted_at": "2030-01-02T10:11:12.345Z",
        },
        {
            "rank": 2,
            "team_id": 4,
            "team_name": "A team whose name is far too long to fit",
            "score": 0.9,
            "submission_id": 10,
            "submitted_at": "2030-01-03T08:00:00Z",
        },
    ],
    "my_team": {
        "rank": 17,
        "team_id": 8,
        "team_name": "Mine",
        "score": 0.75,
        "submission_id": 30,
        "submitted_at": "2030-01-04T00:00:00Z",
    },
}


def serve(command: Command, reply: Reply | None = None) -> None:
    command.fake.route("GET", BOARD, lambda request: reply or Reply.json(200, PAGE))


def test_a_page_is_printed_as_a_table_with_the_callers_row(command):
    serve(command)
    outcome = command.run("leaderboard", "titanic")
    assert outcome.code == 0
    assert outcome.stdout.splitlines() == [
        "public board of titanic: page 1 of 2 (51 teams)",
        " rank  team                                   score  submitted (UTC)",
        "    1  Gradient Descenders                 0.912346  2030-01-02 10:11",
        "    2  A team whose name is far too…            0.9  2030-01-03 08:00",
        "your team: rank 17, Mine, score 0.75",
    ]
    assert command.fake.requests[0].path == f"{BOARD}?board=public&page=1&page_size=50"
    assert command.fake.requests[0].headers["authorization"] == f"Token {TOKEN}"


def test_the_board_page_and_size_are_passed_on(command):
    serve(command)
    command.run("leaderboard", "titanic", "--board", "private", "--page", "3", "--page-size", "10")
    assert command.fake.requests[0].path == f"{BOARD}?board=private&page=3&page_size=10"


def test_json_prints_the_page_as_the_service_sent_it(command):
    serve(command)
    outcome = command.run("leaderboard", "titanic", "--json")
    assert json.loads(outcome.stdout) == PAGE


def test_without_a_token_the_board_is_read_anonymously(command):
    del command.env["COMPETITION_TOKEN"]
    serve(command)
    assert command.run("leaderboard", "titanic").code == 0
    assert "authorization" not in command.fake.requests[0].headers


def test_a_board_the_caller_may_not_see_yet_exits_2(command):
    refusal = "You may not get leaderboards/private here (denied: ...)."
    serve(command, Reply.error(403, "permission_denied", refusal))
    outcome = command.run("leaderboard", "titanic", "--board", "private")
    assert outcome.code == 2
    assert (
        outcome.stderr == f"competition-client: {refusal} (HTTP 403 permission_denied): your account may not do this\n"
    )


def test_a_busy_service_is_asked_again(command):
    busy = Reply.error(503, "database_unavailable", "The database is unavailable.")
    command.fake.route(
        "GET", BOARD, in_turn(Reply(503, busy.body, {**busy.headers, "Retry-After": "5"}), Reply.json(200, PAGE))
    )
    outcome = command.run("leaderboard", "titanic")
    assert (outcome.code, outcome.clock.sleeps) == (0, [5.0])


def test_a_service_that_stays_unavailable_exits_2(command):
    busy = Reply.error(503, "database_unavailable", "The database is unavailable.")
    serve(command, busy)
    outcome = command.run("leaderboard", "titanic")
    assert outcome.code == 2
    assert len(command.fake.requests) == 4  # the first try and three more
    assert "(HTTP 503 database_unavailable)" in outcome.stderr


def test_bad_options_exit_2(command):
    for argv in (
        ("leaderboard", "titanic", "--board", "final"),
        ("leaderboard", "titanic", "--page", "0"),
        ("leaderboard", "titanic", "--page-size", "101"),
    ):
        outcome = command.run(*argv)
        assert outcome.code == 2, argv
        assert outcome.stderr.count("\n") == 1
    assert command.fake.requests == []
