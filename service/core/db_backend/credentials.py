"""Reading the database credentials from the RDS-generated Secrets Manager secret."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol


class SecretsClient(Protocol):
    def get_secret_value(self, *, SecretId: str) -> dict[str, Any]: ...


@dataclass(frozen=True)
class DatabaseCredentials:
    user: str
    password: str
    host: str | None = None
    port: str | None = None
    dbname: str | None = None


def default_secrets_client(region: str | None) -> SecretsClient:
    import boto3

    client: SecretsClient = boto3.client("secretsmanager", region_name=region or None)
    return client


def fetch_credentials(client: SecretsClient, secret_arn: str) -> DatabaseCredentials:
    """The current value of the secret (fields username/password/host/port/dbname as RDS writes them)."""
    payload = json.loads(client.get_secret_value(SecretId=secret_arn)["SecretString"])
    return DatabaseCredentials(
        user=str(payload["username"]),
        password=str(payload["password"]),
        host=str(payload["host"]) if payload.get("host") else None,
        port=str(payload["port"]) if payload.get("port") else None,
        dbname=str(payload["dbname"]) if payload.get("dbname") else None,
    )
