"""The service under real gunicorn, with production settings, while the network to PostgreSQL black-holes.

gunicorn (one worker, four threads, as in the container) reaches the throwaway cluster through a local TCP proxy.
After a few reads have left kept-alive database connections in the worker's threads, the proxy turns into a black
hole (accepts, never forwards, never closes). Ten concurrent API reads then hang on the database; meanwhile
``/healthz`` must answer at once and ``/readyz`` must answer 503 within its probe timeout, and every stuck read must
end with a 503 within the database time budget (issue 9, point 9). Timeouts are configured small to keep it quick.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection

from .cluster_roles import login_role
from .tcp_proxy import running_proxy

SERVICE_DIR = Path(__file__).resolve().parent.parent
PASSWORD = "partition-test-password"
REQUEST_BUDGET_MS = 1500
PROBE_TIMEOUT_MS = 1000
CONNECT_TIMEOUT_S = 2  # libpq's minimum


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float

    def code(self) -> str:
        return str(json.loads(self.body)["error"]["code"])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(port: int, path: str, timeout: float = 30, headers: dict[str, str] | None = None) -> Answer:
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Host": "localhost", **(headers or {})})
        response = conn.getresponse()
        body = response.read()
        return Answer(response.status, dict(response.getheaders()), body, time.monotonic() - started)
    finally:
        conn.close()


# The mark makes pytest-django create the (migrated) test database that the service under gunicorn reads.
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def service_role(postgres_cluster):
    """A password login over TCP that may read and write the test database's tables (a member of their owner)."""
    with login_role(postgres_cluster, "partition", PASSWORD, member_of="app") as name:
        yield name


@pytest.fixture(scope="module")
def proxy(postgres_cluster):
    with running_proxy(postgres_cluster.port) as proxy:
        yield proxy


@dataclass
class Service:
    port: int
    log: Path

    def records(self) -> list[dict]:
        return [json.loads(line) for line in self.log.read_text().splitlines() if line.startswith("{")]


@pytest.fixture(scope="module")
def service(proxy, service_role, django_db_setup, tmp_path_factory):
    port = free_port()
    log_path = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "SUBMISSIONS_", "AWS_"))}
    env = {
        **keep,
        "DJANGO_SETTINGS_MODULE": "competition_platform.settings",
        "DJANGO_SECRET_KEY": "partition-test-secret-key-" + "x" * 40,
        "DJANGO_ALLOWED_HOSTS": "localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DATABASE_HOST": "127.0.0.1",
        "DATABASE_PORT": str(proxy.port),
        "DATABASE_NAME": connection.settings_dict["NAME"],  # the test database, migrated by pytest-django
        "DATABASE_USER": service_role,
        "DATABASE_PASSWORD": PASSWORD,
        "DATABASE_CONNECT_TIMEOUT": str(CONNECT_TIMEOUT_S),
        "DATABASE_REQUEST_BUDGET_MS": str(REQUEST_BUDGET_MS),
        "DATABASE_PROBE_TIMEOUT_MS": str(PROBE_TIMEOUT_MS),
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "4",
        "PYTHONWARNINGS": "ignore",
        "PYTHONUNBUFFERED": "1",
        "PLATFORM_ENVIRONMENT": "partition-test",
    }
    log = log_path.open("w+")
    process = subprocess.Popen(  # noqa: S603 - the test's own interpreter
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "competition_platform.wsgi"],
        cwd=SERVICE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_live(port, process, log)
        yield Service(port, log_path)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(autouse=True)
def _network_heals_after_each_test(proxy):
    yield
    proxy.black_hole = False


def wait_until_live(port: int, process: subprocess.Popen[bytes], log) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            pytest.fail(f"gunicorn exited ({process.returncode}):\n{log.read()[-3000:]}")
        with contextlib.suppress(OSError):
            if get(port, "/healthz", timeout=1).status == 200:
                return
        time.sleep(0.1)
    pytest.fail("gunicorn did not answer /healthz within 30 s")


def test_health_checks_answer_and_stuck_api_reads_end_with_503_while_the_database_black_holes(service, proxy):
    port = service.port
    with ThreadPoolExecutor(max_workers=10) as pool:
        # Healthy: the reads leave kept-alive connections (CONN_MAX_AGE) in the worker's threads.
        for _ in range(2):
            warm = list(pool.map(lambda _: get(port, "/api/v1/competitions/"), range(3)))
            assert [answer.status for answer in warm] == [200] * 3, [answer.body for answer in warm]
        assert get(port, "/readyz").status == 200

        proxy.black_hole = True
        stuck = [pool.submit(get, port, "/api/v1/competitions/") for _ in range(10)]
        time.sleep(0.3)  # the reads are now waiting on the database
        health = get(port, "/healthz", timeout=10)
        readiness = get(port, "/readyz", timeout=10)
        answers = [future.result() for future in stuck]

    print(  # the figures, for `pytest -s`
        f"healthz {health.seconds:.3f} s, readyz {readiness.status} in {readiness.seconds:.3f} s, stuck reads: "
        + ", ".join(f"{answer.status} {answer.code()} {answer.seconds:.2f} s" for answer in answers)
    )
    assert health.status == 200
    assert health.seconds < 1.5, f"/healthz took {health.seconds:.2f} s"
    assert readiness.status == 503
    assert json.loads(readiness.body)["status"] == "unavailable"
    assert readiness.seconds < CONNECT_TIMEOUT_S + 1.5, f"/readyz took {readiness.seconds:.2f} s"

    assert [answer.status for answer in answers] == [503] * 10
    codes = sorted(answer.code() for answer in answers)
    # The requests that got one of the three slots waited on the database; the others were turned away at once.
    assert set(codes) <= {"database_unavailable", "service_busy"}
    assert "database_unavailable" in codes
    assert all(answer.headers["Retry-After"] in {"1", "5"} for answer in answers)
    slowest = max(answer.seconds for answer in answers)
    assert slowest < max(REQUEST_BUDGET_MS / 1000, CONNECT_TIMEOUT_S) + 2.5, f"a stuck read took {slowest:.2f} s"

    # Each 503 has its request record, with the code the alarms count, under the id the response echoed.
    logged = {record["request_id"]: record for record in service.records() if record.get("event") == "request"}
    assert all(logged[answer.headers["X-Request-Id"]]["error_code"] == answer.code() for answer in answers)

    # The partition heals: the service is ready again without a restart.
    proxy.black_hole = False
    assert get(port, "/readyz").status == 200
    assert get(port, "/api/v1/competitions/").status == 200


def test_gunicorn_does_not_advertise_itself(service):
    answer = get(service.port, "/healthz")
    assert answer.status == 200
    assert "Server" not in answer.headers


def test_every_log_line_is_json_with_the_environment_and_the_load_balancers_trace_root(service):
    root = "1-5759e988-bd862e3fe1be46a994272793"
    answer = get(service.port, "/api/v1/competitions/?page=1", headers={"X-Amzn-Trace-Id": f"Root={root};Sampled=1"})
    assert answer.headers["X-Request-Id"] == root
    lines = service.log.read_text().splitlines()
    assert all(line.startswith("{") for line in lines), [line for line in lines if not line.startswith("{")][:3]
    records = service.records()
    assert all(record["environment"] == "partition-test" and "request_id" in record for record in records)
    [request] = [record for record in records if record["request_id"] == root]
    assert (request["event"], request["path"], request["status"]) == ("request", "/api/v1/competitions/", 200)
