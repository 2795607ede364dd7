"""Tests run on a real PostgreSQL 15: a throwaway cluster started once per session, always stopped."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings

from devtools.throwaway_postgres import ThrowawayPostgres


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[ThrowawayPostgres]:
    cluster = ThrowawayPostgres()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(postgres_cluster: ThrowawayPostgres) -> None:
    """Point the (PostgreSQL) default database at the cluster before pytest-django creates the test DB.

    The dict is updated in place: it is the one the connection handler already holds.
    """
    settings.DATABASES["default"].update(postgres_cluster.django_settings())
