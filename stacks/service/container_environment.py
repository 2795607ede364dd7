"""The container's environment: the contract between the stacks and `service/competition_platform/settings.py`.

Every variable a task receives is set here and nowhere else. The kinds of task differ in their database login:
the web task and the scoring worker connect as the app user, the migration task as the owner (the master user) and
also receives the app user's name and first password, to create that role if it is missing (PLAN.md). The web task
and the worker share the upload limits of cdk.json's `scoring` section; both send to the scoring queue (the worker's
task definition also runs the sweep and `requeue_submission`), only the worker takes from it, and only the sweep
reads its dead-letter queue.
tests/test_container_environment.py checks, for every environment and task definition, that the tasks get exactly
these variables, that settings.py reads every one of them (but the allocator's, below), and that settings load in
production mode from them alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs

from stacks.config import EnvironmentConfig
from stacks.database_app_user import APP_USER
from stacks.scoring.backlog_scaling import MESSAGES_PER_RECEIVE
from stacks.scoring.queue import QUEUE_RETENTION, WORKER_FINISH_SECONDS

# ECS secret variable → field of a database secret (the RDS-generated master secret or the app user's secret).
DATABASE_SECRET_FIELDS = {
    "DATABASE_HOST": "host",
    "DATABASE_PORT": "port",
    "DATABASE_NAME": "dbname",
    "DATABASE_USER": "username",
    "DATABASE_PASSWORD": "password",
}
# Read by polars' jemalloc allocator when the library loads, not by settings.py: freed pages go back to the operating
# system at once, so a worker's memory follows the file it scores (service/benchmarks/SCORING_RESULTS.md).
ALLOCATOR_SETTINGS = {"_RJEM_MALLOC_CONF": "dirty_decay_ms:0,muzzy_decay_ms:0"}


@dataclass(frozen=True)
class ContainerEnvironmentProps:
    config: EnvironmentConfig
    public_host: str  # the host name clients use (the domain, or the load balancer's DNS name)
    service_url: str
    owner_database_secret: secretsmanager.ISecret  # the master user: owns the schema, runs migrations
    app_database_secret: secretsmanager.ISecret  # the app user: what the service connects as
    django_secret_key: secretsmanager.ISecret
    submissions_bucket: s3.IBucket
    scoring_queue: sqs.IQueue
    scoring_dead_letter_queue: sqs.IQueue


@dataclass(frozen=True)
class ContainerEnvironment:
    """Plain configuration as environment variables; every credential as an ECS secret, resolved from Secrets
    Manager at task start and never written into the task definition."""

    environment: dict[str, str]
    secrets: dict[str, ecs.Secret]

    @property
    def names(self) -> frozenset[str]:
        return frozenset(self.environment) | frozenset(self.secrets)


@dataclass(frozen=True)
class ContainerEnvironments:
    """One environment per kind of task."""

    web: ContainerEnvironment
    migration: ContainerEnvironment
    worker: ContainerEnvironment


def container_environments(props: ContainerEnvironmentProps) -> ContainerEnvironments:
    """The service's 12-factor settings for one environment, for the web task, the migration task and the scoring
    worker."""
    shared = _shared_settings(props)
    django_key = {"DJANGO_SECRET_KEY": ecs.Secret.from_secrets_manager(props.django_secret_key)}
    app_secret = props.app_database_secret
    app_login = {
        # The service re-reads the rotated credentials from this secret when a new connection is refused.
        "DATABASE_SECRET_ARN": app_secret.secret_arn,
        **_upload_limits(props),
    }
    web = ContainerEnvironment(
        # Set: `complete` sends a message to the queue; unset (locally), the web process scores after the commit.
        environment={**shared, **app_login, **_queue_settings(props)},
        secrets={**_database_login(app_secret), **django_key},
    )
    worker = ContainerEnvironment(
        environment={**shared, **app_login, **_worker_settings(props), **ALLOCATOR_SETTINGS},
        secrets={**_database_login(app_secret), **django_key},
    )
    migration = ContainerEnvironment(
        environment={
            **shared,
            # The base role the grants go to (rotation's `app_clone` inherits them): a name, not a secret, and not
            # the secret's `username`, which alternates between the two roles.
            "DATABASE_APP_USER": APP_USER,
        },
        secrets={
            **_database_login(props.owner_database_secret),
            # Used only to create the role when it is missing (the first deployment); rotation owns it afterwards.
            "DATABASE_APP_PASSWORD": ecs.Secret.from_secrets_manager(app_secret, "password"),
            **django_key,
        },
    )
    return ContainerEnvironments(web=web, migration=migration, worker=worker)


def _shared_settings(props: ContainerEnvironmentProps) -> dict[str, str]:
    config = props.config
    return {
        "DJANGO_ALLOWED_HOSTS": props.public_host,
        "DJANGO_CSRF_TRUSTED_ORIGINS": props.service_url,
        "DJANGO_SECURE_SSL_REDIRECT": "true" if config.domain else "false",
        # Secure cookies travel over HTTPS only: without a domain (dev) the load balancer speaks plain HTTP, and
        # a browser would never send the session or CSRF cookie back (no admin login).
        "DJANGO_SECURE_COOKIES": "true" if config.domain else "false",
        "DJANGO_ADMIN_ENABLED": "true" if config.service.admin_enabled else "false",
        "DATABASE_SSLMODE": "require",
        "SUBMISSIONS_BUCKET": props.submissions_bucket.bucket_name,
        "PLATFORM_ENVIRONMENT": config.name,
    }


def _upload_limits(props: ContainerEnvironmentProps) -> dict[str, str]:
    """What the web task signs tickets with and checks on completion, and what the worker refuses to read beyond."""
    scoring = props.config.scoring
    return {
        "SUBMISSION_MAX_BYTES": str(scoring.max_upload_bytes),
        # maxUploadMiB caps the CSV a worker parses, compressed or not: a .csv.gz may not unpack beyond it, so the
        # worker's memory rule (7 x maxUploadMiB + 512) holds for gzip uploads too.
        "SUBMISSION_MAX_DECOMPRESSED_BYTES": str(scoring.max_upload_bytes),
        "GROUND_TRUTH_MAX_BYTES": str(scoring.max_ground_truth_bytes),
        "UPLOAD_TICKET_SECONDS": str(scoring.upload_ticket_seconds),
    }


def _queue_settings(props: ContainerEnvironmentProps) -> dict[str, str]:
    return {
        "SCORING_QUEUE_URL": props.scoring_queue.queue_url,
        # A message sent longer ago than this is gone (SQS drops it silently): its submission is sent again.
        "SCORING_QUEUE_RETENTION_SECONDS": str(int(QUEUE_RETENTION.to_seconds())),
    }


def _worker_settings(props: ContainerEnvironmentProps) -> dict[str, str]:
    scoring = props.config.scoring
    return {
        **_queue_settings(props),
        # The sweep (`sweep_scoring`, on this task definition) marks the submissions of dead letters failed.
        "SCORING_DEAD_LETTER_QUEUE_URL": props.scoring_dead_letter_queue.queue_url,
        "SCORING_MAX_SECONDS": str(scoring.max_scoring_seconds),
        # The redrive policy's maxReceiveCount: the worker tells a last attempt from one that will be retried.
        "SCORING_MAX_RECEIVES": str(scoring.max_receives),
        "SCORING_STOP_SECONDS": str(WORKER_FINISH_SECONDS),
        # One message per receive: the backlog scaling counts the messages in flight as the busy workers.
        "SCORING_RECEIVE_BATCH": str(MESSAGES_PER_RECEIVE),
    }


def _database_login(secret: secretsmanager.ISecret) -> dict[str, ecs.Secret]:
    return {name: ecs.Secret.from_secrets_manager(secret, field) for name, field in DATABASE_SECRET_FIELDS.items()}
