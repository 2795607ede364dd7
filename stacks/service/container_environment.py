"""The container's environment: the contract between the stacks and `service/competition_platform/settings.py`.

Every variable a task receives is set here and nowhere else. Two kinds of task differ in their database login:
the web task (and later the worker) connects as the app user, the migration task as the owner (the master user) and
also receives the app user's name and first password, to create that role if it is missing (PLAN.md).
tests/test_container_environment.py checks, for every environment and both task definitions, that the tasks get
exactly these variables, that settings.py reads every one of them, and that settings load in production mode from
them alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager

from stacks.config import EnvironmentConfig
from stacks.database_app_user import APP_USER

# ECS secret variable → field of a database secret (the RDS-generated master secret or the app user's secret).
DATABASE_SECRET_FIELDS = {
    "DATABASE_HOST": "host",
    "DATABASE_PORT": "port",
    "DATABASE_NAME": "dbname",
    "DATABASE_USER": "username",
    "DATABASE_PASSWORD": "password",
}


@dataclass(frozen=True)
class ContainerEnvironmentProps:
    config: EnvironmentConfig
    public_host: str  # the host name clients use (the domain, or the load balancer's DNS name)
    service_url: str
    owner_database_secret: secretsmanager.ISecret  # the master user: owns the schema, runs migrations
    app_database_secret: secretsmanager.ISecret  # the app user: what the service connects as
    django_secret_key: secretsmanager.ISecret
    submissions_bucket: s3.IBucket


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


def container_environments(props: ContainerEnvironmentProps) -> ContainerEnvironments:
    """The service's 12-factor settings for one environment, for the web task and for the migration task."""
    shared = _shared_settings(props)
    django_key = {"DJANGO_SECRET_KEY": ecs.Secret.from_secrets_manager(props.django_secret_key)}
    app_secret = props.app_database_secret
    web = ContainerEnvironment(
        environment={
            **shared,
            # The service re-reads the rotated credentials from this secret when a new connection is refused.
            "DATABASE_SECRET_ARN": app_secret.secret_arn,
        },
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
    return ContainerEnvironments(web=web, migration=migration)


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


def _database_login(secret: secretsmanager.ISecret) -> dict[str, ecs.Secret]:
    return {name: ecs.Secret.from_secrets_manager(secret, field) for name, field in DATABASE_SECRET_FIELDS.items()}
