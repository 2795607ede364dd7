"""Encryption everywhere it is offered: every log group and the service's secrets on customer-managed keys, key
policies that let exactly the services that need a key use it, and every reader of a secret able to decrypt it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import STACK_KINDS, SynthesizedPlatform
from tests.cross_stack import cross_stack_reference

STAGES = ["Dev", "Staging", "Prod"]
VIA_SECRETS_MANAGER = {"StringEquals": {"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"}}


def environment_key_id(synthesized: SynthesizedPlatform, stage: str) -> str:
    (key_id,) = synthesized.resources(f"{stage}/Network", "AWS::KMS::Key")
    return key_id


def refers_to(value: Any, stage: str, logical_id: str) -> bool:
    """A reference to the Network stack's `logical_id`: directly inside that stack, through its output elsewhere."""
    if value == {"Fn::GetAtt": [logical_id, "Arn"]}:
        return True
    reference = cross_stack_reference(value)
    return reference is not None and reference[0] == f"{stage}-Network" and logical_id in reference[1]


@pytest.mark.parametrize("stage", STAGES)
def test_environment_key_rotates_and_lets_logs_use_it_only_for_this_accounts_log_groups(
    synthesized: SynthesizedPlatform, stage: str
) -> None:
    (key,) = synthesized.resources(f"{stage}/Network", "AWS::KMS::Key").values()
    account = synthesized.platform.config.environment(stage.lower()).account

    (logs,) = [
        s
        for s in key["Properties"]["KeyPolicy"]["Statement"]
        if s["Principal"] == {"Service": "logs.eu-west-1.amazonaws.com"}
    ]

    assert key["Properties"]["EnableKeyRotation"] is True
    assert logs["Condition"] == {
        "ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:eu-west-1:{account}:log-group:*"}
    }
    assert key["DeletionPolicy"] == ("Delete" if stage == "Dev" else "RetainExceptOnCreate")


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("kind", STACK_KINDS)
def test_every_log_group_is_encrypted_with_the_environment_key(
    synthesized: SynthesizedPlatform, stage: str, kind: str
) -> None:
    key_id = environment_key_id(synthesized, stage)

    for logical_id, group in synthesized.resources(f"{stage}/{kind}", "AWS::Logs::LogGroup").items():
        assert refers_to(group["Properties"].get("KmsKeyId"), stage, key_id), f"{stage}/{kind}/{logical_id}"


@pytest.mark.parametrize("stage", STAGES)
def test_secrets_are_encrypted_with_customer_managed_keys(synthesized: SynthesizedPlatform, stage: str) -> None:
    database_secrets = synthesized.resources(f"{stage}/Database", "AWS::SecretsManager::Secret").values()
    (storage_key_id,) = synthesized.resources(f"{stage}/Database", "AWS::KMS::Key")
    (django_key,) = synthesized.resources(f"{stage}/Service", "AWS::SecretsManager::Secret").values()

    # Both logins, the owner's and the app user's, under the database's key.
    assert [s["Properties"]["KmsKeyId"] for s in database_secrets] == [{"Fn::GetAtt": [storage_key_id, "Arn"]}] * 2
    assert refers_to(django_key["Properties"]["KmsKeyId"], stage, environment_key_id(synthesized, stage))


def statements_of(synthesized: SynthesizedPlatform, stack: str) -> dict[str, list[dict[str, Any]]]:
    """Role logical id → the statements of its policies."""
    by_role: dict[str, list[dict[str, Any]]] = {}
    for policy in synthesized.resources(stack, "AWS::IAM::Policy").values():
        for role in policy["Properties"]["Roles"]:
            by_role.setdefault(role["Ref"], []).extend(policy["Properties"]["PolicyDocument"]["Statement"])
    return by_role


@pytest.mark.parametrize("stage", STAGES)
def test_every_role_that_reads_a_secret_may_decrypt_it_through_secrets_manager_only(
    synthesized: SynthesizedPlatform, stage: str
) -> None:
    readers = {
        role: statements
        for role, statements in statements_of(synthesized, f"{stage}/Service").items()
        if any("secretsmanager:GetSecretValue" in s["Action"] for s in statements)
    }

    assert {role.split("Role")[0] for role in readers} == {
        "WebTaskExecution",
        "WebTaskTask",
        "MigrationTaskExecution",
        "ScoringWorkersTaskDefinitionExecution",
        "ScoringWorkersTaskDefinitionTask",
    }
    for role, statements in readers.items():
        (decrypt,) = [s for s in statements if s["Action"] == "kms:Decrypt"]
        assert decrypt["Condition"] == VIA_SECRETS_MANAGER, role
        resources = decrypt["Resource"] if isinstance(decrypt["Resource"], list) else [decrypt["Resource"]]
        outputs = {reference[1] for r in resources if (reference := cross_stack_reference(r))}
        assert any("StorageKey" in o for o in outputs), role
        # The environment key encrypts the Django key, which only ECS reads (through the execution roles); the
        # tasks themselves read only the app user's database secret, on the database key.
        assert any("EnvironmentKey" in o for o in outputs) is ("Execution" in role), role
