"""The Service stack's handles on the keys and the database secret that earlier stacks own.

CDK's secret grants (`grant_read`, and ECS's for secrets in a task definition) give the grantee the secret's key
through the key's policy: a statement naming the role, with kms:ViaService (CDK's `ViaServicePrincipal` cannot add
to a role's own policy). For a key of the Network or Database stack that statement would make that stack refer to a
role of this one, which already depends on it: a dependency cycle. So this stack refers to the keys by ARN, where a
key's policy cannot be changed and CDK adds nothing, and `grant_decrypt_via_secrets_manager` writes the one statement
into each reading role's own policy; the key policies already let the account's IAM policies grant their use.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct


def key_by_arn(scope: Construct, construct_id: str, key: kms.IKey) -> kms.IKey:
    return kms.Key.from_key_arn(scope, construct_id, key.key_arn)


def secret_by_arn(
    scope: Construct, construct_id: str, secret: secretsmanager.ISecret, *, key: kms.IKey | None = None
) -> tuple[secretsmanager.ISecret, kms.IKey]:
    """The secret and its customer-managed key (`<construct_id>Key`), both by ARN; `key`, a reference this stack
    already holds to the same key, when several secrets share one."""
    if secret.encryption_key is None:
        raise ValueError(f"{secret.node.path}: the secret has no customer-managed key to grant")
    key = key or key_by_arn(scope, f"{construct_id}Key", secret.encryption_key)
    reference = secretsmanager.Secret.from_secret_attributes(
        scope, construct_id, secret_complete_arn=secret.secret_arn, encryption_key=key
    )
    return reference, key


def grant_decrypt_via_secrets_manager(grantee: iam.IGrantable, *keys: kms.IKey) -> None:
    """What CDK's secret grants cannot add for a key referred to by ARN: Secrets Manager decrypts a secret for a
    caller only if the caller may use the secret's key. `kms:ViaService` keeps this to Secrets Manager, and which
    secrets the grantee may read stays with its secretsmanager:GetSecretValue statements."""
    region = cdk.Stack.of(grantee).region if isinstance(grantee, Construct) else cdk.Aws.REGION
    grantee.grant_principal.add_to_principal_policy(
        iam.PolicyStatement(
            actions=["kms:Decrypt"],
            resources=[key.key_arn for key in keys],
            conditions={"StringEquals": {"kms:ViaService": f"secretsmanager.{region}.amazonaws.com"}},
        )
    )
