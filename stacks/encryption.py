"""EnvironmentKey: the one customer-managed KMS key of an environment for what is not the database itself: every
CloudWatch log group, the alarm topic and the service's own secret (the Django key).

One key, not one per use: a key costs 1 USD a month (plus 1 USD after each of its first two automatic rotations),
and dev's budget is tight. The uses stay apart in the key policy: CloudWatch Logs may use it only for this account's
log groups (the encryption context names the log group), CloudWatch alarms only to publish to the alarm topic
(`AlarmTopic` adds that statement), Secrets Manager only on behalf of a role that may read the secret
(`kms:ViaService` in that role's policy, written by CDK's secret grants). The database's storage, backups and
credentials stay on the database's own key (stacks/database.py).

The key lives in the Network stack: it is the first stack of the deploy order (Network → Database, Storage →
Service) and every later stack already refers to it, so each of them can encrypt its log groups with it; like the
VPC, it is retained outside dev, and the stateful guard refuses its replacement in staging and prod.
"""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from stacks.config import EnvironmentConfig
from stacks.removal_policies import retained_outside_dev

# What CloudWatch Logs does with a log group's key (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/
# encrypt-log-data-kms.html): it encrypts and decrypts log events and describes the key when it is associated.
LOGS_KEY_ACTIONS = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]


@dataclass(frozen=True)
class EnvironmentKeyProps:
    config: EnvironmentConfig


class EnvironmentKey(Construct):
    def __init__(self, scope: Construct, construct_id: str, props: EnvironmentKeyProps) -> None:
        super().__init__(scope, construct_id)
        config = props.config
        stack = cdk.Stack.of(self)
        self.key = kms.Key(
            self,
            "Key",
            description=f"Encrypts the {config.name} competition platform's log groups, alarm topic and service "
            "secrets",
            alias=f"alias/{config.resource_name()}",
            enable_key_rotation=True,
            # Retained log groups stay readable only while their key exists.
            removal_policy=retained_outside_dev(config),
        )
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchLogsOfThisAccount",
                principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
                actions=LOGS_KEY_ACTIONS,
                resources=["*"],
                conditions={
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": stack.format_arn(
                            service="logs",
                            resource="log-group",
                            resource_name="*",
                            arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                        )
                    }
                },
            )
        )
