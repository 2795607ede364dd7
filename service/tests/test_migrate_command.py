"""``python manage.py migrate --noinput`` (the migration task) on the throwaway cluster: runs serialize on an advisory
lock, and the web service's least-privilege role is provisioned without ever touching its password (issue 11)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from psycopg import errors

from core.migration_lock import MIGRATION_LOCK_KEY

from .cluster_roles import superuser_connection

SERVICE_DIR = Path(__file__).resolve().parent.parent
APP_PASSWORD = "app-password-from-the-secret"
CLONE_PASSWORD = "clone-password-set-by-the-rotation"


def connect(cluster, dbname: str, user: str | None = None, password: str | None = None) -> psycopg.Connection:
    """As the cluster's superuser over its socket, or as ``user``/``password`` over TCP (scram)."""
    if user:
        return psycopg.connect(
            host="127.0.0.1", port=cluster.port, dbname=dbname, user=user, password=password, autocommit=True
        )
    return superuser_connection(cluster, dbname)


@contextmanager
def fresh_database(cluster) -> Iterator[str]:
    name = f"migrate_{uuid.uuid4().hex[:10]}"
    with connect(cluster, "postgres") as admin:
        admin.execute(f"CREATE DATABASE {name}")  # test-only identifiers
        try:
            yield name
        finally:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def start_migrate(cluster, database: str, output: Path, **env: str) -> subprocess.Popen[bytes]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "SUBMISSIONS_", "AWS_"))}
    return subprocess.Popen(  # noqa: S603 - the test's own interpreter
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=SERVICE_DIR,
        env={
            **keep,
            "DJANGO_SETTINGS_MODULE": "competition_platform.settings",
            "DJANGO_SECRET_KEY": "migrate-test-secret-key-" + "x" * 40,
            "DJANGO_LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
            "DATABASE_HOST": cluster.socket_dir,
            "DATABASE_PORT": str(cluster.port),
            "DATABASE_NAME": database,
            "DATABASE_USER": "app",
            **env,
        },
        stdout=output.open("w"),
        stderr=subprocess.STDOUT,
    )


def migrate(cluster, database: str, tmp_path: Path, **env: str) -> tuple[int, str]:
    output = tmp_path / f"migrate-{uuid.uuid4().hex[:6]}.log"
    process = start_migrate(cluster, database, output, **env)
    return process.wait(timeout=120), output.read_text()


def wait_for(output: Path, text: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while text not in output.read_text():
        assert time.monotonic() < deadline, f"{text!r} not in {output.read_text()[-2000:]}"
        time.sleep(0.1)


def tables_of(cluster, database: str) -> set[str]:
    with connect(cluster, database) as conn:
        return {row[0] for row in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}


@contextmanager
def lock_held_by_another_session(cluster, database: str) -> Iterator[int]:
    with connect(cluster, database) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", [MIGRATION_LOCK_KEY])
        yield holder.info.backend_pid


# --- one migrate at a time -------------------------------------------------------------------------------------


def test_two_concurrent_migrates_wait_for_the_lock_and_run_one_after_the_other(postgres_cluster, tmp_path):
    with fresh_database(postgres_cluster) as database:
        outputs = [tmp_path / "first.log", tmp_path / "second.log"]
        with lock_held_by_another_session(postgres_cluster, database) as holder_pid:
            runs = [start_migrate(postgres_cluster, database, output) for output in outputs]
            for output in outputs:
                wait_for(output, f"Another migrate holds the migration lock (held by session {holder_pid} of app")
            assert tables_of(postgres_cluster, database) == set()  # waiting, nothing touched
        assert [run.wait(timeout=120) for run in runs] == [0, 0]
        texts = sorted(output.read_text() for output in outputs)
        # One applied every migration; the other, which ran after it, found nothing left to do.
        assert sum("No migrations to apply." in text for text in texts) == 1
        assert sum("Applying core.0001_cache_table... OK" in text for text in texts) == 1
        expected = {"django_migrations", "django_cache", "competitions_competition"}
        assert expected <= tables_of(postgres_cluster, database)


def test_a_migrate_that_cannot_get_the_lock_in_time_fails_naming_the_holder_and_changes_nothing(
    postgres_cluster, tmp_path
):
    with fresh_database(postgres_cluster) as database:
        with lock_held_by_another_session(postgres_cluster, database) as holder_pid:
            code, output = migrate(postgres_cluster, database, tmp_path, DATABASE_MIGRATION_LOCK_TIMEOUT="1")
        assert code == 1
        assert "Another migrate still holds the migration lock" in output
        assert f"held by session {holder_pid} of app" in output
        assert "Is an earlier migration task still running? Nothing was migrated." in output
        assert tables_of(postgres_cluster, database) == set()


# --- the web service's least-privilege role ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def app_role(postgres_cluster, tmp_path_factory):
    """A database migrated by the owner with DATABASE_APP_USER set, and the role names (unique per run)."""
    base = f"web{uuid.uuid4().hex[:8]}"
    clone = f"{base}_clone"
    with fresh_database(postgres_cluster) as database:
        code, output = migrate(
            postgres_cluster,
            database,
            tmp_path_factory.mktemp("migrate"),
            DATABASE_APP_USER=base,
            DATABASE_APP_PASSWORD=APP_PASSWORD,
        )
        assert code == 0, output[-3000:]
        try:
            yield database, base, clone, output
        finally:
            with connect(postgres_cluster, "postgres") as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
                admin.execute(f"DROP ROLE IF EXISTS {clone}")
                admin.execute(f"DROP ROLE IF EXISTS {base}")


def assert_reads_and_writes_but_no_ddl(cluster, database: str, user: str, password: str) -> None:
    with connect(cluster, database, user=user, password=password) as conn:
        conn.execute("INSERT INTO django_cache VALUES ('k', 'v', now())")
        conn.execute("UPDATE django_cache SET value = 'w' WHERE cache_key = 'k'")
        assert conn.execute("SELECT value FROM django_cache WHERE cache_key = 'k'").fetchone() == ("w",)
        conn.execute("DELETE FROM django_cache WHERE cache_key = 'k'")
        conn.execute("SELECT nextval(pg_get_serial_sequence('auth_user', 'id'))")  # sequences too
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("CREATE TABLE intruder (id int)")
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("DROP TABLE django_cache")
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("ALTER TABLE auth_user ADD COLUMN intruder int")


def test_migrate_creates_the_app_role_which_can_read_and_write_but_not_change_the_schema(postgres_cluster, app_role):
    database, base, _, output = app_role
    assert f"Created the login role {base} (DATABASE_APP_USER)." in output
    assert APP_PASSWORD not in output
    assert_reads_and_writes_but_no_ddl(postgres_cluster, database, base, APP_PASSWORD)


def test_tables_created_by_later_migrations_are_granted_too(postgres_cluster, app_role):
    database, base, _, _ = app_role
    with connect(postgres_cluster, database) as owner:
        owner.execute("CREATE TABLE later_table (id bigserial PRIMARY KEY, note text)")
    try:
        with connect(postgres_cluster, database, user=base, password=APP_PASSWORD) as conn:
            conn.execute("INSERT INTO later_table (note) VALUES ('x')")
            assert conn.execute("SELECT count(*) FROM later_table").fetchone() == (1,)
    finally:
        with connect(postgres_cluster, database) as owner:
            owner.execute("DROP TABLE later_table")


@pytest.fixture(scope="module")
def clone_role(postgres_cluster, app_role):
    """The clone as the rotation Lambda creates it: a login role granted the base role."""
    _, base, clone, _ = app_role
    with connect(postgres_cluster, "postgres") as admin:
        admin.execute(f"CREATE ROLE {clone} LOGIN PASSWORD '{CLONE_PASSWORD}'")
        admin.execute(f"GRANT {base} TO {clone}")
    return clone


def test_the_rotations_clone_granted_the_base_role_works_the_same(postgres_cluster, app_role, clone_role):
    assert_reads_and_writes_but_no_ddl(postgres_cluster, app_role[0], clone_role, CLONE_PASSWORD)


def privileges(cluster, database: str, roles: tuple[str, ...]) -> dict[str, list]:
    with connect(cluster, database) as conn:
        return {
            "passwords": conn.execute(
                "SELECT rolname, rolpassword FROM pg_authid WHERE rolname = ANY(%s) ORDER BY 1", [list(roles)]
            ).fetchall(),
            "tables": conn.execute(
                "SELECT c.relname, c.relacl::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' ORDER BY 1"
            ).fetchall(),
            "defaults": conn.execute("SELECT defaclobjtype, defaclacl::text FROM pg_default_acl ORDER BY 1").fetchall(),
            "schema": conn.execute("SELECT nspacl::text FROM pg_namespace WHERE nspname = 'public'").fetchall(),
            "database": conn.execute("SELECT datacl::text FROM pg_database WHERE datname = %s", [database]).fetchall(),
        }


def test_a_second_run_changes_nothing_and_never_resets_a_password(postgres_cluster, app_role, clone_role, tmp_path):
    database, base, clone, _ = app_role
    before = privileges(postgres_cluster, database, (base, clone))
    assert before["passwords"][1][1].startswith("SCRAM-SHA-256$")  # hashed by the client
    # After a rotation the app secret names the clone, with a new password.
    code, output = migrate(
        postgres_cluster, database, tmp_path, DATABASE_APP_USER=clone, DATABASE_APP_PASSWORD="a-new-password"
    )
    assert code == 0, output[-3000:]
    assert f"The login role {base} exists: its password is left to the rotation." in output
    assert privileges(postgres_cluster, database, (base, clone)) == before
    assert_reads_and_writes_but_no_ddl(postgres_cluster, database, base, APP_PASSWORD)
