"""The database backend picks up a rotated password from Secrets Manager, on the real PostgreSQL cluster."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection

from core.db_backend import base as backend

from .cluster_roles import login_role, superuser_connection

SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-db-AbCdEf"


class FakeSecretsClient:
    def __init__(self, secret: dict[str, Any]) -> None:
        self.secret = secret
        self.calls: list[str] = []

    def get_secret_value(self, *, SecretId: str) -> dict[str, Any]:
        self.calls.append(SecretId)
        return {"SecretString": json.dumps(self.secret)}


@pytest.fixture(autouse=True)
def _own_connections(django_db_blocker):
    """These tests open their own connections, outside Django's test database."""
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def rotating_role(postgres_cluster):
    """A login role reachable over TCP with a password (scram-sha-256), and a way to rotate it."""
    with (
        login_role(postgres_cluster, "rotating", "first-password") as name,
        superuser_connection(postgres_cluster) as admin,
    ):

        def set_password(password: str) -> None:
            admin.execute(f"ALTER ROLE {name} PASSWORD '{password}'")  # test-only identifiers

        yield name, set_password


def wrapper_for(postgres_cluster, user: str, password: str) -> backend.DatabaseWrapper:
    settings_dict = {
        **connection.settings_dict,
        "HOST": "127.0.0.1",
        "PORT": str(postgres_cluster.port),
        "NAME": "postgres",
        "USER": user,
        "PASSWORD": password,
        "OPTIONS": {},
    }
    return backend.DatabaseWrapper(settings_dict, alias="rotation-test")


def install_fake_client(monkeypatch, secret: dict[str, Any]) -> FakeSecretsClient:
    fake = FakeSecretsClient(secret)
    monkeypatch.setattr(backend, "secrets_client_factory", lambda region: fake)
    return fake


def test_connects_normally_without_reading_the_secret(postgres_cluster, rotating_role, settings, monkeypatch):
    role, _ = rotating_role
    settings.DATABASE_SECRET_ARN = SECRET_ARN
    fake = install_fake_client(monkeypatch, {"username": role, "password": "unused"})
    wrapper = wrapper_for(postgres_cluster, role, "first-password")
    try:
        wrapper.ensure_connection()
    finally:
        wrapper.close()
    assert fake.calls == []


def test_rotated_password_is_fetched_from_the_secret_and_the_connection_retried(
    postgres_cluster, rotating_role, settings, monkeypatch
):
    role, set_password = rotating_role
    settings.DATABASE_SECRET_ARN = SECRET_ARN
    wrapper = wrapper_for(postgres_cluster, role, "first-password")
    set_password("rotated-password")
    fake = install_fake_client(
        monkeypatch,
        {
            "username": role,
            "password": "rotated-password",
            "host": "127.0.0.1",
            "port": postgres_cluster.port,
        },
    )
    try:
        wrapper.ensure_connection()
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone()[0] == role
    finally:
        wrapper.close()
    assert fake.calls == [SECRET_ARN]
    assert wrapper.settings_dict["PASSWORD"] == "rotated-password"


def test_without_a_secret_arn_the_authentication_error_is_raised(
    postgres_cluster, rotating_role, settings, monkeypatch
):
    role, set_password = rotating_role
    settings.DATABASE_SECRET_ARN = ""
    fake = install_fake_client(monkeypatch, {"username": role, "password": "rotated-password"})
    set_password("rotated-password")
    wrapper = wrapper_for(postgres_cluster, role, "first-password")
    with pytest.raises(Exception, match="password authentication failed"):
        wrapper.ensure_connection()
    assert fake.calls == []


def test_a_stale_secret_is_retried_only_once(postgres_cluster, rotating_role, settings, monkeypatch):
    role, set_password = rotating_role
    settings.DATABASE_SECRET_ARN = SECRET_ARN
    set_password("rotated-password")
    fake = install_fake_client(monkeypatch, {"username": role, "password": "also-wrong"})
    wrapper = wrapper_for(postgres_cluster, role, "first-password")
    with pytest.raises(Exception, match="password authentication failed"):
        wrapper.ensure_connection()
    assert fake.calls == [SECRET_ARN]


def test_other_connection_errors_do_not_read_the_secret(postgres_cluster, settings, monkeypatch):
    settings.DATABASE_SECRET_ARN = SECRET_ARN
    fake = install_fake_client(monkeypatch, {"username": "x", "password": "y"})
    wrapper = wrapper_for(postgres_cluster, "app", "")
    wrapper.settings_dict["PORT"] = "1"  # nothing listens there
    with pytest.raises(Exception, match="(?i)connect"):
        wrapper.ensure_connection()
    assert fake.calls == []


def test_a_rotation_that_switched_to_the_other_user_is_picked_up_with_its_username(
    postgres_cluster, rotating_role, settings, monkeypatch
):
    """Alternating-users rotation: the secret may now name the clone (granted the base role), not the user the
    task started with, whose password a later rotation changed."""
    role, set_password = rotating_role
    with login_role(postgres_cluster, f"{role}_clone", "clone-password", member_of=role) as clone:
        settings.DATABASE_SECRET_ARN = SECRET_ARN
        set_password("changed-by-a-later-rotation")
        fake = install_fake_client(monkeypatch, {"username": clone, "password": "clone-password"})
        wrapper = wrapper_for(postgres_cluster, role, "first-password")
        try:
            with wrapper.cursor() as cursor:
                cursor.execute("SELECT current_user, session_user")
                assert cursor.fetchone() == (clone, clone)
        finally:
            wrapper.close()
        assert fake.calls == [SECRET_ARN]
        assert (wrapper.settings_dict["USER"], wrapper.settings_dict["PASSWORD"]) == (clone, "clone-password")
