"""The container's environment is a contract between the stacks (stacks/service/container_environment.py) and the
service's settings (service/competition_platform/settings.py): the tasks receive exactly the contract's variables,
the settings read every one of them, and from them alone the settings load as production.

The settings are executed in a subprocess (tests/settings_probe.py) with `os.environ` replaced by each task's
variables, recording every name they look up: what counts is what the settings really read, however they read it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from stacks.config import ENVIRONMENT_NAMES, PlatformConfig
from stacks.service.container_environment import ALLOCATOR_SETTINGS
from tests.conftest import SynthesizedPlatform, stage_id

PROBE = Path(__file__).resolve().parent / "settings_probe.py"
TASKS = ("web", "migrate", "worker")
# Values that exist only at deploy time (secret fields, CloudFormation references): what the probe gets instead.
DEPLOY_TIME_VALUES = {
    "DATABASE_HOST": "competition-platform-env.c0ffee.eu-west-1.rds.amazonaws.com",
    "DATABASE_PORT": "5433",
    "DATABASE_NAME": "competitions",
    "DATABASE_USER": "platform_admin",
    "DATABASE_PASSWORD": "password-from-the-rds-secret",
    "DATABASE_APP_PASSWORD": "first-password-of-the-app-user",
    "DJANGO_SECRET_KEY": "django-secret-key-from-secrets-manager-" + "k" * 26,
    "DATABASE_SECRET_ARN": "arn:aws:secretsmanager:eu-west-1:111111111111:secret:competition-platform/env/database",
    # Dev has no domain: the allowed host and the trusted origin name the load balancer.
    "DJANGO_ALLOWED_HOSTS": "dev-alb-1234567890.eu-west-1.elb.amazonaws.com",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "http://dev-alb-1234567890.eu-west-1.elb.amazonaws.com",
    "SCORING_QUEUE_URL": "https://sqs.eu-west-1.amazonaws.com/111111111111/competition-platform-env-scoring",
    "SCORING_DEAD_LETTER_QUEUE_URL": "https://sqs.eu-west-1.amazonaws.com/111111111111/"
    "competition-platform-env-scoring-dead-letters",
}
LABELS = [f"{stage_id(environment)}/{task}" for environment in ENVIRONMENT_NAMES for task in TASKS]


def container(synthesized: SynthesizedPlatform, label: str) -> dict[str, Any]:
    stage, task = label.split("/")
    (definition,) = [
        resource["Properties"]
        for resource in synthesized.resources(f"{stage}/Service", "AWS::ECS::TaskDefinition").values()
        if resource["Properties"]["Family"].endswith(f"-{task}")
    ]
    (only_container,) = definition["ContainerDefinitions"]
    return dict(only_container)


def received_variables(synthesized: SynthesizedPlatform, label: str) -> dict[str, Any]:
    """Name → value of every variable the task receives: plain ones with their template value, secrets as None."""
    definition = container(synthesized, label)
    plain = {variable["Name"]: variable["Value"] for variable in definition.get("Environment", [])}
    secrets = {secret["Name"]: None for secret in definition.get("Secrets", [])}
    return {**plain, **secrets}


def probe_values(variables: dict[str, Any]) -> dict[str, str]:
    """Literal template values as they are; deploy-time values (secrets, references) from DEPLOY_TIME_VALUES."""
    values = {}
    for name, value in variables.items():
        if isinstance(value, str):
            values[name] = value
        elif name in DEPLOY_TIME_VALUES:
            values[name] = DEPLOY_TIME_VALUES[name]
        else:
            raise AssertionError(
                f"{name} is known only at deploy time: give it a realistic value in DEPLOY_TIME_VALUES"
            )
    return values


@pytest.fixture(scope="module")
def probed(synthesized: SynthesizedPlatform) -> dict[str, dict[str, Any]]:
    """Every task's variables, and the probe's report of the settings loaded from them, by "Prod/web" etc."""
    variables = {label: received_variables(synthesized, label) for label in LABELS}
    request = {label: probe_values(received) for label, received in variables.items()}
    answer = subprocess.run(
        [sys.executable, str(PROBE)], input=json.dumps(request), capture_output=True, text=True, check=True
    )
    reports: dict[str, dict[str, Any]] = json.loads(answer.stdout)
    return {label: {"variables": request[label], **reports[label]} for label in LABELS}


@pytest.mark.parametrize("environment", ENVIRONMENT_NAMES)
def test_every_task_receives_exactly_the_contract(synthesized: SynthesizedPlatform, environment: str) -> None:
    contracts = synthesized.platform.stages[environment].service.container_environments
    received = {task: set(received_variables(synthesized, f"{stage_id(environment)}/{task}")) for task in TASKS}

    assert received["web"] == contracts.web.names
    assert received["migrate"] == contracts.migration.names
    assert received["worker"] == contracts.worker.names
    upload_limits = {
        "SUBMISSION_MAX_BYTES",
        "SUBMISSION_MAX_DECOMPRESSED_BYTES",
        "GROUND_TRUTH_MAX_BYTES",
        "UPLOAD_TICKET_SECONDS",
    }
    # The web task and the migration task differ in the database login (the migration task also creates the app
    # user's role), in the upload limits and in the queue the web task sends to.
    assert received["web"] ^ received["migrate"] == {
        "DATABASE_SECRET_ARN",
        "DATABASE_APP_USER",
        "DATABASE_APP_PASSWORD",
        "SCORING_QUEUE_URL",
        "SCORING_QUEUE_RETENTION_SECONDS",
        *upload_limits,
    }
    # The worker logs in like the web task and also takes from the dead-letter queue, with the queue's limits.
    assert received["worker"] - received["web"] == {
        "SCORING_DEAD_LETTER_QUEUE_URL",
        "SCORING_MAX_SECONDS",
        "SCORING_MAX_RECEIVES",
        "SCORING_STOP_SECONDS",
        "SCORING_RECEIVE_BATCH",
        *ALLOCATOR_SETTINGS,
    }
    assert received["web"] <= received["worker"]


@pytest.mark.parametrize("environment", ENVIRONMENT_NAMES)
def test_the_limits_in_the_tasks_are_the_configured_ones(
    synthesized: SynthesizedPlatform, config: PlatformConfig, environment: str
) -> None:
    scoring = config.environment(environment).scoring
    web, worker = (received_variables(synthesized, f"{stage_id(environment)}/{task}") for task in ("web", "worker"))

    for variables in (web, worker):
        assert variables["SUBMISSION_MAX_BYTES"] == str(scoring.max_upload_mib * 1024 * 1024)
        # A .csv.gz may not unpack beyond the upload limit: the worker's memory is sized for that many bytes of CSV.
        assert variables["SUBMISSION_MAX_DECOMPRESSED_BYTES"] == variables["SUBMISSION_MAX_BYTES"]
        assert variables["GROUND_TRUTH_MAX_BYTES"] == str(scoring.max_ground_truth_mib * 1024 * 1024)
        assert variables["UPLOAD_TICKET_SECONDS"] == str(scoring.upload_ticket_minutes * 60)
    assert worker["SCORING_MAX_SECONDS"] == str(scoring.max_scoring_seconds)
    assert worker["SCORING_MAX_RECEIVES"] == str(scoring.max_receives)
    assert worker["_RJEM_MALLOC_CONF"] == "dirty_decay_ms:0,muzzy_decay_ms:0"
    # Set explicitly, not left to the service's default: the backlog scaling counts one message per busy worker.
    assert worker["SCORING_RECEIVE_BATCH"] == "1"


@pytest.mark.parametrize("environment", ENVIRONMENT_NAMES)
def test_a_stopped_worker_finishes_or_releases_its_message_before_ecs_kills_it(
    synthesized: SynthesizedPlatform, environment: str
) -> None:
    """After SIGTERM the worker scores on for SCORING_STOP_SECONDS, may be in a 10 s long poll, then releases the
    message: all of it must fit in the container's stop timeout, or ECS kills it holding the message."""
    (definition,) = [
        resource
        for resource in synthesized.resources(f"{stage_id(environment)}/Service", "AWS::ECS::TaskDefinition").values()
        if any(container["Name"] == "worker" for container in resource["Properties"]["ContainerDefinitions"])
    ]
    (worker,) = definition["Properties"]["ContainerDefinitions"]
    finish = int(received_variables(synthesized, f"{stage_id(environment)}/worker")["SCORING_STOP_SECONDS"])

    assert finish >= 60
    assert finish + 10 + 10 <= worker["StopTimeout"]


@pytest.mark.parametrize("label", LABELS)
def test_settings_read_every_variable_the_task_receives(probed: dict[str, dict[str, Any]], label: str) -> None:
    report = probed[label]

    # The allocator's setting is read by polars' jemalloc when the library loads, never by settings.py.
    unread = set(report["variables"]) - set(report["read"]) - set(ALLOCATOR_SETTINGS)

    assert unread == set(), f"{label}: the stacks set {sorted(unread)}, which settings.py never reads"


@pytest.mark.parametrize("environment", ENVIRONMENT_NAMES)
def test_cookies_are_secure_exactly_where_the_service_speaks_https(
    synthesized: SynthesizedPlatform, config: PlatformConfig, environment: str
) -> None:
    env = config.environment(environment)

    for task in TASKS:
        variables = received_variables(synthesized, f"{env.stage_id}/{task}")
        assert variables["DJANGO_SECURE_COOKIES"] == ("true" if env.domain else "false")
        assert variables["DJANGO_SECURE_SSL_REDIRECT"] == variables["DJANGO_SECURE_COOKIES"]
        assert variables["DJANGO_ADMIN_ENABLED"] == ("true" if env.service.admin_enabled else "false")


@pytest.mark.parametrize("label", LABELS)
def test_settings_load_as_production_from_the_contract_alone(probed: dict[str, dict[str, Any]], label: str) -> None:
    """Every setting the service requires in production is set: the settings raise nothing (a missing required
    variable is ImproperlyConfigured), and nothing falls back to a development default (SQLite, local files, an
    insecure key, no allowed host)."""
    report = probed[label]
    variables = report["variables"]

    assert report["error"] is None, f"{label}: {report['error']}"
    settings = report["settings"]
    assert settings["DEBUG"] is False
    assert settings["SECRET_KEY"] == variables["DJANGO_SECRET_KEY"]
    assert settings["DATABASE"]["ENGINE"] != "django.db.backends.sqlite3"
    assert {key: value for key, value in settings["DATABASE"].items() if key != "ENGINE"} == {
        "HOST": variables["DATABASE_HOST"],
        "PORT": variables["DATABASE_PORT"],
        "NAME": variables["DATABASE_NAME"],
        "USER": variables["DATABASE_USER"],
        "PASSWORD": variables["DATABASE_PASSWORD"],
    }
    assert settings["DATABASE_OPTIONS"]["sslmode"] == "require"
    # The web task re-reads its rotated login from its secret; the short-lived migration task has no such ARN.
    assert settings["DATABASE_SECRET_ARN"] == variables.get("DATABASE_SECRET_ARN", "")
    assert (settings["STORAGE_BACKEND"], settings["STORAGE_BUCKET"]) == (
        "storages.backends.s3.S3Storage",
        variables["SUBMISSIONS_BUCKET"],
    )
    assert settings["ALLOWED_HOSTS"] == [variables["DJANGO_ALLOWED_HOSTS"]]
    assert settings["CSRF_TRUSTED_ORIGINS"] == [variables["DJANGO_CSRF_TRUSTED_ORIGINS"]]
    assert settings["SECURE_SSL_REDIRECT"] is (variables["DJANGO_SECURE_SSL_REDIRECT"] == "true")
