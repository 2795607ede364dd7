"""Every list endpoint runs the same number of SQL queries for 1 row and for 50 rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from access.builtin_roles import COMPETITION_PARTICIPANT, PLATFORM_ADMIN
from access.models import AuditEvent

from .factories import all_correct, bind, client_for, make_competition, make_team, make_user, submit

PAGE = 50


def queries_for(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return len(captured)


def grow_and_compare(client: Any, url: str, add_row: Callable[[int], object], rows_in: Callable[[Any], int]) -> None:
    add_row(0)
    one = queries_for(client, url)
    assert rows_in(client.get(url).json()) == 1
    for index in range(1, PAGE):
        add_row(index)
    fifty = queries_for(client, url)
    assert rows_in(client.get(url).json()) == PAGE
    assert one == fifty, f"{url}: {one} queries for 1 row, {fifty} for {PAGE}"


def results(body: dict[str, Any]) -> int:
    return len(body["results"])


@pytest.fixture
def host(db):
    return make_user("host")


def test_competitions_list(host):
    admin = make_user("admin")
    bind(admin, PLATFORM_ADMIN)
    viewer = make_user("viewer")

    def add(index: int) -> None:
        competition = make_competition(f"c{index}", host, visibility="private" if index % 2 else "public")
        bind(viewer, COMPETITION_PARTICIPANT, competition)

    grow_and_compare(client_for(viewer), "/api/v1/competitions/", add, results)


def test_teams_list(host):
    competition = make_competition("teams", host)
    grow_and_compare(
        client_for(None),
        "/api/v1/competitions/teams/teams/",
        lambda index: make_team(competition, f"T{index}", make_user(f"u{index}"), make_user(f"v{index}")),
        results,
    )


@pytest.mark.parametrize("viewer", ["host", "member"])
def test_submissions_list(host, viewer):
    competition = make_competition("subs", host, daily_submission_limit=100)
    member = make_user("member")
    team = make_team(competition, "T", member)
    grow_and_compare(
        client_for(host if viewer == "host" else member),
        "/api/v1/competitions/subs/submissions/",
        lambda index: submit(competition, team, member, all_correct()),
        results,
    )


def test_leaderboard_with_the_callers_row(host):
    competition = make_competition("lb", host)
    caller = make_user("caller")
    make_team(competition, "Caller", caller)

    def add(index: int) -> None:
        user = make_user(f"u{index}")
        submit(competition, make_team(competition, f"T{index}", user), user, all_correct())

    grow_and_compare(client_for(caller), "/api/v1/competitions/lb/leaderboard/", add, results)


def test_role_bindings_list(host):
    competition = make_competition("rb", host)
    grow_and_compare(
        client_for(host),
        "/api/v1/competitions/rb/role-bindings/?page_size=50",
        # the host's own binding is row 1
        lambda index: bind(make_user(f"u{index}"), COMPETITION_PARTICIPANT, competition) if index else None,
        results,
    )


def test_audit_log(host):
    competition = make_competition("audit", host)

    def add(index: int) -> None:
        AuditEvent.objects.create(
            competition=competition, competition_slug="audit", action="test", decision="allow", reason="r"
        )

    grow_and_compare(client_for(host), "/api/v1/competitions/audit/audit-log/", add, results)


def test_leaderboard_query_count_is_small_and_fixed(host):
    competition = make_competition("lb", host)
    caller = make_user("caller")
    submit(competition, make_team(competition, "Caller", caller), caller, all_correct())
    # token, bindings, competition, count, page, rank of the first row, caller's row, caller's rank
    assert queries_for(client_for(caller), "/api/v1/competitions/lb/leaderboard/") == 8
