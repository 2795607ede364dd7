"""Fixtures shared by the API tests: a small world with one caller per role."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from access.builtin_roles import COMPETITION_PARTICIPANT, PLATFORM_ADMIN
from access.models import RoleBinding
from competitions.models import Competition
from submissions.models import Submission
from teams.models import Team

from .factories import all_correct, bind, client_for, make_competition, make_team, make_user, submit
from .openapi_contract import OpenApiContract
from .sqs_queues import Queues, scoring_queues

CALLERS = ("anonymous", "outsider", "other_participant", "member", "other_host", "host", "admin")


@dataclass
class World:
    """``open``: a public, running competition hosted by ``host``, with team A (``member``) and team B
    (``other_participant``), one scored submission each. ``secret``: a private competition hosted by
    ``other_host``. ``admin`` holds platform-admin; ``outsider`` holds nothing."""

    users: dict[str, Any]
    open: Competition
    secret: Competition
    team_a: Team
    team_b: Team
    team_secret: Team
    submission_a: Submission
    submission_b: Submission
    invitee_binding_open: RoleBinding
    invitee_binding_secret: RoleBinding
    extra: dict[str, Any] = field(default_factory=dict)

    def client(self, caller: str) -> Any:
        return client_for(self.users.get(caller))

    def client_for_user(self, user: Any) -> Any:
        return client_for(user)


@pytest.fixture
def world(db) -> World:
    users = {name: make_user(name) for name in CALLERS if name != "anonymous"}
    users["invitee"] = make_user("invitee")
    users["newcomer"] = make_user("newcomer")
    bind(users["admin"], PLATFORM_ADMIN)
    open_competition = make_competition("open", users["host"])
    secret = make_competition("secret", users["other_host"], visibility="private")
    team_a = make_team(open_competition, "Team A", users["member"])
    team_b = make_team(open_competition, "Team B", users["other_participant"])
    secret_member = make_user("secret_member")
    bind(secret_member, COMPETITION_PARTICIPANT, secret)
    team_secret = make_team(secret, "Secret team", secret_member)
    submission_a = submit(open_competition, team_a, users["member"], all_correct())
    submission_b = submit(open_competition, team_b, users["other_participant"], all_correct())
    return World(
        users=users,
        open=open_competition,
        secret=secret,
        team_a=team_a,
        team_b=team_b,
        team_secret=team_secret,
        submission_a=submission_a,
        submission_b=submission_b,
        invitee_binding_open=bind(users["invitee"], COMPETITION_PARTICIPANT, open_competition),
        invitee_binding_secret=bind(users["invitee"], COMPETITION_PARTICIPANT, secret),
    )


@pytest.fixture(autouse=True)
def after_commit_at_the_services_commit(monkeypatch: pytest.MonkeyPatch) -> None:
    """pytest-django runs each test in a transaction that never commits, so ``transaction.on_commit`` callbacks
    never run. Enqueueing happens after the service's own transaction has ended: with only the test's blocks open,
    Django would run the callback at once in production; so it runs at once here too. Inside a transaction of the
    service it stays deferred (and never runs: a test would see its submission stay queued)."""
    from django.db import connection, transaction

    from core import after_commit

    def run_after_commit(callback):
        if all(getattr(block, "_from_testcase", False) for block in connection.atomic_blocks):
            callback()
        else:
            transaction.on_commit(callback, robust=False)

    monkeypatch.setattr(after_commit, "run", run_after_commit)


@pytest.fixture
def queues(monkeypatch: pytest.MonkeyPatch, settings: Any) -> Iterator[Queues]:
    """The scoring queue and its dead-letter queue in moto's SQS, the settings pointed at them."""
    with scoring_queues(monkeypatch, settings) as created:
        yield created


@pytest.fixture(scope="session")
def openapi() -> OpenApiContract:
    """The generated OpenAPI schema, to check real responses against."""
    return OpenApiContract.generated()


@pytest.fixture
def solo_race(db) -> tuple[Competition, Any, Any, Team]:
    """(competition, host, solo, team): the mae competition ``race`` (lower is better, final submissions limit 2,
    ground truth ``test_leaderboard.TRUTH``) hosted by ``host``, with the team Solo of the user ``solo``."""
    from .test_leaderboard import TRUTH

    host = make_user("host")
    competition = make_competition("race", host, metric="mae", truth=TRUTH, daily_submission_limit=50)
    solo = make_user("solo")
    return competition, host, solo, make_team(competition, "Solo", solo)
