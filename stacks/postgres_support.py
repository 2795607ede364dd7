"""When each PostgreSQL 17 minor version leaves RDS standard support: a committed table, never a network call.

RDS stops creating instances on a minor version a month before its end of standard support and upgrades the
remaining ones in the maintenance window after it (mandatory, with downtime). A pinned minor past its date would fail
the first deployment of a new environment; tests/test_database_stack.py fails once the pinned minor (stacks/database.py)
has left standard support, or when it is not in this table. Update the table with the version: the source is the RDS
for PostgreSQL release calendar, https://docs.aws.amazon.com/AmazonRDS/latest/PostgreSQLReleaseNotes/postgresql-release-calendar.html,
and the deprecation notices AWS Health sends.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass


@dataclass(frozen=True)
class StandardSupport:
    ends: datetime.date
    source: str
    # "notice": the date of an AWS Health deprecation notice; "calendar": the release calendar's month, taken as its
    # last day (the calendar gives months; check the exact day there before relying on the last weeks).
    basis: str


_MAY_2026_NOTICE = StandardSupport(
    ends=datetime.date(2026, 5, 31),
    source="AWS Health notice 'Amazon RDS PostgreSQL minor versions deprecating on May 31, 2026' (17.1-17.4), "
    "quoted in github.com/CredentialEngine/CredentialRegistry/issues/1000",
    basis="notice",
)
_OCTOBER_2026_NOTICE = StandardSupport(
    ends=datetime.date(2026, 10, 31),
    source="AWS Health notice 'Amazon RDS PostgreSQL minor versions deprecating on October 31, 2026' (17.5, 17.6; "
    "no new instances from October 1, 2026), quoted in github.com/CredentialEngine/CredentialRegistry/issues/1036",
    basis="notice",
)

STANDARD_SUPPORT_ENDS: dict[str, StandardSupport] = {
    "17.1": _MAY_2026_NOTICE,
    "17.2": _MAY_2026_NOTICE,
    "17.3": _MAY_2026_NOTICE,
    "17.4": _MAY_2026_NOTICE,
    "17.5": _OCTOBER_2026_NOTICE,
    "17.6": _OCTOBER_2026_NOTICE,
    # 17.9 shipped with 18.3, 16.13, 15.17 and 14.22 (the February 2026 out-of-cycle community release); the calendar
    # gives 15.17 "March 2027" (quoted in github.com/openaustralia/planningalerts/issues/2091), and RDS retires the
    # minors of one release together. RDS offered 17.9 by September 2026 (its auto-upgrade campaign targets it).
    "17.9": StandardSupport(
        ends=datetime.date(2027, 3, 31),
        source="RDS for PostgreSQL release calendar, row of 17.9's sibling 15.17 ('March 2027'), quoted in "
        "github.com/openaustralia/planningalerts/issues/2091",
        basis="calendar",
    ),
}


def standard_support_ends(full_version: str) -> StandardSupport:
    if full_version not in STANDARD_SUPPORT_ENDS:
        raise KeyError(
            f"PostgreSQL {full_version} is not in stacks/postgres_support.py: add its end of RDS standard support"
        )
    return STANDARD_SUPPORT_ENDS[full_version]
