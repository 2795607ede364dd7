"""``submit``: ticket, upload exactly like an S3 presigned POST, complete, wait; each outcome with its exit code."""

from __future__ import annotations

import hashlib
import json

import pytest

from .conftest import TOKEN, Command
from .fake_service import SUBMISSION_ID, SUBMISSIONS, TICKET_FIELDS, Reply, in_turn, platform, submission

COMPLETE = f"{SUBMISSIONS}{SUBMISSION_ID}/complete/"
DETAIL = f"{SUBMISSIONS}{SUBMISSION_ID}/"


def submit(command: Command, predictions, *options: str):
    return command.run("submit", "--competition", "titanic", str(predictions), *options)


def test_a_scored_submission_goes_ticket_upload_complete_wait_and_exits_0(command, predictions):
    platform(command.fake)
    outcome = submit(command, predictions)
    assert outcome.code == 0, outcome.stderr
    assert outcome.stdout == f"scored: public 0.8125, private hidden until the end (submission {SUBMISSION_ID})\n"
    assert command.fake.paths() == [
        ("POST", SUBMISSIONS),
        ("POST", "/upload/"),
        ("POST", COMPLETE),
        ("GET", DETAIL),
        ("GET", DETAIL),
    ]
    assert "submission 7: queued\nsubmission 7: scoring\nsubmission 7: scored\n" in outcome.stderr


def test_the_ticket_request_names_the_file_its_size_and_sha256(command, predictions):
    platform(command.fake)
    submit(command, predictions)
    ticket = command.fake.requests[0]
    content = predictions.read_bytes()
    assert ticket.json() == {
        "file_name": "predictions.csv",
        "size_bytes": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
    }
    assert ticket.headers["authorization"] == f"Token {TOKEN}"
    assert ticket.headers["content-type"] == "application/json"


def test_the_upload_is_a_presigned_post_form_fields_first_and_the_file_last(command, predictions):
    platform(command.fake)
    submit(command, predictions)
    upload = command.fake.requests[1]
    assert upload.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert int(upload.headers["content-length"]) == len(upload.body)  # known in advance: S3 refuses chunked bodies
    assert "transfer-encoding" not in upload.headers
    assert "authorization" not in upload.headers  # the token never goes to the storage
    parts = upload.form_parts()
    assert [(name, value.decode()) for name, _, value in parts[:-1]] == list(TICKET_FIELDS.items())
    assert parts[-1] == ("file", "predictions.csv", predictions.read_bytes())


def test_an_invalid_file_exits_1_with_the_first_bad_line_and_why(command, predictions):
    invalid = submission("invalid", error={"line": 3, "reason": "unknown id 'x'"})
    platform(command.fake, invalid)
    outcome = submit(command, predictions)
    assert (outcome.code, outcome.stdout) == (1, f"invalid: line 3: unknown id 'x' (submission {SUBMISSION_ID})\n")


def test_a_failed_scoring_exits_1_with_its_reason(command, predictions):
    platform(command.fake, submission("failed", error={"reason": "scoring took longer than 300 s"}))
    outcome = submit(command, predictions)
    assert (outcome.code, outcome.stdout) == (1, "failed: scoring took longer than 300 s (submission 7)\n")


def test_json_prints_the_final_submission(command, predictions):
    scored = submission("scored", public_score=0.5, private_score=0.25, is_final=False)
    platform(command.fake, scored)
    outcome = submit(command, predictions, "--json")
    assert (outcome.code, json.loads(outcome.stdout)) == (0, scored)


def test_polling_backs_off_and_stops_at_a_final_status(command, predictions):
    platform(command.fake, *[submission("queued")] * 8, submission("scored", public_score=1.0, private_score=1.0))
    outcome = submit(command, predictions)
    assert outcome.code == 0
    assert outcome.clock.sleeps == pytest.approx([0.5, 0.8, 1.28, 2.048, 3.2768, 5.24288, 8.388608, 10, 10])
    assert "private 1 " in outcome.stdout


def test_a_submission_still_queued_at_the_timeout_exits_3(command, predictions):
    platform(command.fake, submission("queued"))
    outcome = submit(command, predictions, "--timeout", "30")
    assert outcome.code == 3
    assert "submission 7 is still queued after 30 s" in outcome.stderr
    assert sum(outcome.clock.sleeps) == pytest.approx(30)
    assert max(outcome.clock.sleeps) <= 10  # the longest pause


def test_polling_waits_out_a_busy_service(command, predictions):
    platform(command.fake)
    busy = Reply.error(503, "service_busy", "busy")
    scored = Reply.json(200, submission("scored", public_score=0.5, private_score=None))
    command.fake.route("GET", DETAIL, in_turn(Reply(503, busy.body, {**busy.headers, "Retry-After": "1"}), scored))
    outcome = submit(command, predictions)
    assert outcome.code == 0, outcome.stderr
    assert outcome.clock.sleeps == [0.5, 1.0]  # the first pause, then the service's Retry-After


def test_completing_is_asked_again_after_a_busy_answer_or_a_broken_connection(command, predictions):
    """Completing again returns the submission as it is (the service may have completed it before its answer was
    lost), so the client retries it like a read."""
    platform(command.fake)
    busy = Reply.error(503, "database_unavailable", "The database is unavailable.")
    queued = Reply.json(200, submission("queued"))
    command.fake.route(
        "POST", COMPLETE, in_turn(Reply(503, busy.body, {**busy.headers, "Retry-After": "5"}), Reply.dropped(), queued)
    )

    outcome = submit(command, predictions)

    assert outcome.code == 0, outcome.stderr
    assert command.fake.paths().count(("POST", COMPLETE)) == 3
    assert outcome.clock.sleeps[:2] == [5.0, 2.0]  # the service's Retry-After, then the second backoff step


def test_a_completion_that_stays_unavailable_exits_2(command, predictions):
    platform(command.fake)
    command.fake.route("POST", COMPLETE, lambda request: Reply.error(503, "database_unavailable", "unavailable"))
    outcome = submit(command, predictions)
    assert outcome.code == 2
    assert command.fake.paths().count(("POST", COMPLETE)) == 4  # the first call and three more
    assert "(HTTP 503 database_unavailable)" in outcome.stderr


def test_the_ticket_request_is_never_asked_again(command, predictions):
    """A second ticket request would make a second submission awaiting its upload."""
    platform(command.fake)
    command.fake.route("POST", SUBMISSIONS, lambda request: Reply.error(503, "service_busy", "busy"))
    outcome = submit(command, predictions)
    assert outcome.code == 2
    assert command.fake.paths() == [("POST", SUBMISSIONS)]


@pytest.mark.parametrize(
    ("path", "status", "code", "step"),
    [
        (SUBMISSIONS, 429, "daily_limit_reached", "the upload ticket"),
        (SUBMISSIONS, 409, "competition_closed", "the upload ticket"),
        (SUBMISSIONS, 400, "invalid", "the upload ticket"),  # e.g. a size over the competition's limit
        (COMPLETE, 409, "checksum_mismatch", "completing the upload"),
        (COMPLETE, 409, "upload_missing", "completing the upload"),
        (COMPLETE, 429, "daily_limit_reached", "completing the upload"),
    ],
)
def test_a_refusal_of_the_submission_exits_1_naming_the_step_and_the_reason(
    command, predictions, path, status, code, step
):
    platform(command.fake)
    command.fake.route("POST", path, lambda request: Reply.error(status, code, "the reason, in words"))
    outcome = submit(command, predictions)
    assert outcome.code == 1
    last_line = f"competition-client: {step} was refused: the reason, in words (HTTP {status} {code})"
    assert outcome.stderr.splitlines()[-1] == last_line
    assert command.fake.paths()[-1] == ("POST", path)  # nothing after the refusal


def test_an_upload_refused_by_s3_exits_1_with_its_code_and_message(command, predictions):
    platform(command.fake)
    too_large = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>EntityTooLarge</Code>'
        b"<Message>Your proposed upload exceeds the maximum allowed size</Message></Error>"
    )
    command.fake.route("POST", "/upload/", lambda request: Reply(400, too_large, {"Content-Type": "application/xml"}))
    outcome = submit(command, predictions)
    assert outcome.code == 1
    assert outcome.stderr.endswith(
        "the upload was refused (HTTP 400): EntityTooLarge: Your proposed upload exceeds the maximum allowed size\n"
    )
    assert ("POST", COMPLETE) not in command.fake.paths()


def test_an_upload_refused_by_the_local_endpoint_names_its_reason(command, predictions):
    platform(command.fake)
    expired = Reply.error(403, "upload_ticket_expired", "the upload ticket has expired")
    command.fake.route("POST", "/upload/", lambda request: expired)
    outcome = submit(command, predictions)
    assert outcome.code == 1
    assert "the upload ticket has expired (HTTP 403 upload_ticket_expired)" in outcome.stderr


def test_a_bad_token_exits_2_with_a_hint(command, predictions):
    command.fake.route("POST", SUBMISSIONS, lambda request: Reply.error(401, "authentication_failed", "Invalid token."))
    outcome = submit(command, predictions)
    assert outcome.code == 2
    assert outcome.stderr == (
        "competition-client: Invalid token. (HTTP 401 authentication_failed): check the token "
        "(COMPETITION_TOKEN or the config file's token)\n"
    )


def test_an_unknown_competition_exits_2(command, predictions):
    outcome = submit(command, predictions)  # no route: the fake answers 404 not_found
    assert outcome.code == 2
    assert "(HTTP 404 not_found): check the competition's slug" in outcome.stderr


def test_a_server_error_exits_2(command, predictions):
    command.fake.route("POST", SUBMISSIONS, lambda request: Reply(502, b"<html>Bad Gateway</html>"))
    outcome = submit(command, predictions)
    assert outcome.code == 2
    assert "the service answered: <html>Bad Gateway</html> (HTTP 502 error)" in outcome.stderr


def test_an_unreachable_service_exits_2_in_one_line(command, predictions):
    command.env["COMPETITION_URL"] = "http://127.0.0.1:9"  # discard port: nothing listens
    outcome = submit(command, predictions)
    assert outcome.code == 2
    assert outcome.stderr.startswith("competition-client: cannot reach http://127.0.0.1:9/api/v1/competitions/")
    assert outcome.stderr.count("\n") == 1


def test_a_ticket_without_an_upload_exits_2(command, predictions):
    platform(command.fake)
    command.fake.route("POST", SUBMISSIONS, lambda request: Reply.json(201, submission("queued")))
    outcome = submit(command, predictions)
    assert outcome.code == 2
    assert "has no upload ticket" in outcome.stderr


def test_a_missing_file_exits_2(command, tmp_path):
    outcome = submit(command, tmp_path / "nowhere.csv")
    assert (outcome.code, outcome.stderr) == (2, f"competition-client: {tmp_path / 'nowhere.csv'} is not a file\n")
    assert command.fake.requests == []


def test_no_token_exits_2_before_any_request(command, predictions):
    del command.env["COMPETITION_TOKEN"]
    outcome = submit(command, predictions)
    assert outcome.code == 2
    assert outcome.stderr.startswith("competition-client: no API token: set COMPETITION_TOKEN")
    assert command.fake.requests == []


def test_bad_arguments_exit_2_in_one_line(command, predictions):
    for argv in (("submit", str(predictions)), ("submit", "--competition", "t", str(predictions), "--timeout", "0")):
        outcome = command.run(*argv)
        assert outcome.code == 2
        assert outcome.stderr.count("\n") == 1
        assert outcome.stderr.endswith("(see competition-client --help)\n")


def test_an_upload_url_without_a_host_is_the_services_own(command, predictions):
    platform(command.fake)
    relative = submission("awaiting_upload", upload={"url": "/upload/", "fields": {"key": "k"}, "expires_at": ""})
    command.fake.route("POST", SUBMISSIONS, lambda request: Reply.json(201, relative))
    outcome = submit(command, predictions)
    assert outcome.code == 0, outcome.stderr
    assert command.fake.paths()[1] == ("POST", "/upload/")
