"""The local service for the flow benchmarks: PostgreSQL (a throwaway cluster), moto's server standing in for S3
and SQS (a process of its own), and the environment the web and worker processes run with (the container's, as in
PLAN.md: ``SUBMISSIONS_BUCKET``, ``SCORING_QUEUE_URL``, ``SCORING_DEAD_LETTER_QUEUE_URL``, ...)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from devtools.throwaway_postgres import ThrowawayPostgres

SERVICE_DIR = Path(__file__).resolve().parent.parent
REGION = "eu-west-1"
BUCKET = "bench-submissions"
ALLOCATOR = "dirty_decay_ms:0,muzzy_decay_ms:0"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"nothing listens on port {port} after {seconds} s")


@dataclass
class Stack:
    environment: dict[str, str]
    endpoint: str
    moto_pid: int

    def manage(self, *arguments: str, **environment: str) -> subprocess.Popen[bytes]:
        """``python manage.py ...`` in the service's environment (plus ``environment``)."""
        return subprocess.Popen(  # noqa: S603 - our own command
            [sys.executable, "manage.py", *arguments], cwd=SERVICE_DIR, env={**self.environment, **environment}
        )

    def manage_gunicorn(self, port: int) -> subprocess.Popen[bytes]:
        """The web service as in the container (gunicorn.conf.py), one worker process, on ``port``."""
        environment = {**self.environment, "PORT": str(port), "WEB_CONCURRENCY": "1"}
        return subprocess.Popen(  # noqa: S603 - the container's command
            [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "competition_platform.wsgi"],
            cwd=SERVICE_DIR,
            env=environment,
            stdout=subprocess.DEVNULL,
        )

    def python(self, module: str, *arguments: str) -> str:
        """Run ``python -m module`` in the service's environment; its standard output."""
        return subprocess.run(  # noqa: S603 - our own module
            [sys.executable, "-m", module, *arguments],
            cwd=SERVICE_DIR,
            env=self.environment,
            check=True,
            capture_output=True,
            text=True,
        ).stdout


@contextmanager
def local_stack(*, storage: str) -> Iterator[Stack]:
    """``storage``: ``s3`` (moto's bucket) or a folder for local files."""
    moto_port = free_port()
    moto = subprocess.Popen(  # noqa: S603 - moto's own server
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(moto_port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(moto_port)
        with ThrowawayPostgres() as cluster:
            endpoint = f"http://127.0.0.1:{moto_port}"
            environment = base_environment(cluster, endpoint, storage)
            environment.update(create_queues(endpoint))
            stack = Stack(environment, endpoint, moto.pid)
            if storage == "s3":
                stack.python("benchmarks.scoring_flow_setup", "bucket", BUCKET)
            migrate = stack.manage("migrate", "--verbosity", "0")
            if migrate.wait() != 0:
                raise SystemExit("migrate failed")
            yield stack
    finally:
        moto.terminate()
        moto.wait(10)


def base_environment(cluster: ThrowawayPostgres, endpoint: str, storage: str) -> dict[str, str]:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_", "SCORING_"))
    }
    environment.update(
        {
            "DJANGO_SETTINGS_MODULE": "competition_platform.settings",
            "DJANGO_SECRET_KEY": "benchmark-only-" + "x" * 40,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DJANGO_LOG_LEVEL": "WARNING",
            "DATABASE_HOST": cluster.socket_dir,
            "DATABASE_PORT": str(cluster.port),
            "DATABASE_NAME": "postgres",
            "DATABASE_USER": "app",
            "DATABASE_PASSWORD": "",
            "DATABASE_STATEMENT_TIMEOUT_MS": "60000",
            "AWS_ACCESS_KEY_ID": "benchmark",
            "AWS_SECRET_ACCESS_KEY": "benchmark",
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ENDPOINT_URL": endpoint,
            "THROTTLE_SUBMISSIONS": "1000000/minute",
            "SUBMISSION_MAX_BYTES": str(400 << 20),
            "GROUND_TRUTH_MAX_BYTES": str(400 << 20),
            "_RJEM_MALLOC_CONF": ALLOCATOR,
        }
    )
    if storage == "s3":
        environment["SUBMISSIONS_BUCKET"] = BUCKET
    else:
        environment["LOCAL_STORAGE_DIR"] = storage
    return environment


def create_queues(endpoint: str) -> dict[str, str]:
    """The scoring queue and its dead-letter queue (redrive after 3 receives), as the infrastructure makes them."""
    import boto3

    sqs = boto3.client(
        "sqs",
        region_name=REGION,
        endpoint_url=endpoint,
        aws_access_key_id="benchmark",
        aws_secret_access_key="benchmark",  # noqa: S106 - moto's fake account
    )
    dead = sqs.create_queue(QueueName="scoring-dlq")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    queue = sqs.create_queue(
        QueueName="scoring",
        Attributes={
            "VisibilityTimeout": "60",
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": "3"}),
        },
    )["QueueUrl"]
    return {"SCORING_QUEUE_URL": queue, "SCORING_DEAD_LETTER_QUEUE_URL": dead, "SCORING_MAX_RECEIVES": "3"}
