"""The container's environment: the contract between the stacks and `service/competition_platform/settings.py`.

Every variable the web and migration tasks receive is set here and nowhere else. tests/test_container_environment.py
checks, for every environment and both task definitions, that the tasks get exactly these variables, that
settings.py reads every one of them, and that settings load in production mode from them alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager

from stacks.config import EnvironmentConfig

# ECS secret variable → field of the RDS-generated database secret.
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
    database_secret: secretsmanager.ISecret
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


def container_environment(props: ContainerEnvironmentProps) -> ContainerEnvironment:
    """The service's 12-factor settings for one environment."""
    config = props.config
    secret = props.database_secret
    return ContainerEnvironment(
        environment={
            "DJANGO_ALLOWED_HOSTS": props.public_host,
            "DJANGO_CSRF_TRUSTED_ORIGINS": props.service_url,
            "DJANGO_SECURE_SSL_REDIRECT": "true" if config.domain else "false",
            # Secure cookies travel over HTTPS only: without a domain (dev) the load balancer speaks plain HTTP, and
            # a browser would never send the session or CSRF cookie back (no admin login).
            "DJANGO_SECURE_COOKIES": "true" if config.domain else "false",
            "DJANGO_ADMIN_ENABLED": "true" if config.service.admin_enabled else "false",
            "DATABASE_SSLMODE": "require",
            # The service re-reads the rotated password from this secret when a new connection is refused.
            "DATABASE_SECRET_ARN": secret.secret_arn,
            "SUBMISSIONS_BUCKET": props.submissions_bucket.bucket_name,
            "PLATFORM_ENVIRONMENT": config.name,
        },
        secrets={
            **{name: ecs.Secret.from_secrets_manager(secret, field) for name, field in DATABASE_SECRET_FIELDS.items()},
            "DJANGO_SECRET_KEY": ecs.Secret.from_secrets_manager(props.django_secret_key),
        },
    )
