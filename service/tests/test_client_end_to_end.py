"""The participants' client (``client/``) against the real service: a live server with the test settings (local
storage, the in-process queue), the client's own HTTP code, nothing faked."""

from __future__ import annotations

import gzip
import io
from pathlib import Path
from typing import Any

import pytest
from rest_framework.authtoken.models import Token

from competition_client.cli import Runtime, main
from leaderboards.models import Board, LeaderboardEntry
from submissions.models import Submission

from .factories import all_correct, make_competition, make_team, make_user, predictions_csv, submit


def run(live_server: Any, home: Path, *argv: str, token: str | None = None) -> tuple[int, str, str]:
    """The client's ``main`` against the live server: (exit code, stdout, stderr)."""
    environ = {"HOME": str(home), "COMPETITION_URL": live_server.url}
    if token is not None:
        environ["COMPETITION_TOKEN"] = token
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), Runtime(environ=environ, stdout=out, stderr=err))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def scene(transactional_db: None, tmp_path: Path) -> dict[str, Any]:
    """The public competition ``e2e`` (accuracy, the factories' six-row truth) with team Alpha of ``alice``."""
    host = make_user("host")
    competition = make_competition("e2e", host, daily_submission_limit=20)
    alice = make_user("alice")
    team = make_team(competition, "Alpha", alice)
    return {
        "competition": competition,
        "team": team,
        "alice": alice,
        "token": Token.objects.create(user=alice).key,
        "home": tmp_path,
    }


def test_the_leaderboard_command_reads_the_live_board(live_server, scene):
    submit(scene["competition"], scene["team"], scene["alice"], all_correct())
    code, out, err = run(live_server, scene["home"], "leaderboard", "e2e")  # anonymous: a public board
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "public board of e2e: page 1 of 1 (1 team)"
    assert lines[2].split()[:3] == ["1", "Alpha", "1"]
    code, out, _ = run(live_server, scene["home"], "leaderboard", "e2e", token=scene["token"])
    assert out.splitlines()[-1] == "your team: rank 1, Alpha, score 1"


def test_the_private_board_before_the_end_is_refused_in_one_line(live_server, scene):
    code, out, err = run(live_server, scene["home"], "leaderboard", "e2e", "--board", "private", token=scene["token"])
    assert (code, out) == (2, "")
    assert err.startswith("competition-client: You may not get leaderboards/private here")
    assert err.endswith("(HTTP 403 permission_denied): your account may not do this\n")


def submit_file(live_server: Any, scene: dict[str, Any], predictions: Path) -> tuple[int, str, str]:
    return run(
        live_server,
        scene["home"],
        *("submit", "--competition", "e2e", str(predictions), "--timeout", "60"),
        token=scene["token"],
    )


def test_submit_uploads_through_the_ticket_and_waits_for_the_score(live_server, scene):
    predictions = scene["home"] / "predictions.csv"
    predictions.write_text(predictions_csv(all_correct()))
    code, out, err = submit_file(live_server, scene, predictions)
    assert code == 0, err
    submission = Submission.objects.get(team=scene["team"])
    assert out == f"scored: public 1, private hidden until the end (submission {submission.pk})\n"
    assert (submission.status, submission.public_score) == ("scored", 1.0)
    assert LeaderboardEntry.objects.filter(team=scene["team"], board=Board.PUBLIC, submission=submission).exists()
    assert "100%" in err  # the upload's progress


def test_submit_accepts_a_gzip_compressed_file(live_server, scene):
    predictions = scene["home"] / "predictions.csv.gz"
    predictions.write_bytes(gzip.compress(predictions_csv(all_correct()).encode()))
    code, out, err = submit_file(live_server, scene, predictions)
    assert code == 0, err
    assert out.startswith("scored: public 1,")


def test_submit_names_the_first_bad_line_of_an_invalid_file(live_server, scene):
    predictions = scene["home"] / "bad.csv"
    predictions.write_text(predictions_csv({("zzz" if row == "c" else row): v for row, v in all_correct().items()}))
    code, out, err = submit_file(live_server, scene, predictions)
    assert code == 1, err
    assert out.startswith("invalid: line 4: unknown id 'zzz'")
