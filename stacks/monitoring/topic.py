"""AlarmTopic: the one SNS topic per environment that every alarm notifies, on ALARM and back to OK.

Encrypted with the environment's key. CloudWatch publishes to an encrypted topic only when the key policy lets it use
the key, and only alarms of this account whose names carry this environment's prefix may (`aws:SourceAccount` and
`aws:SourceArn`, which CloudWatch sends for both the publish and the key use): every alarm of the platform is named
by `EnvironmentConfig.resource_name`, and tests/test_monitoring.py checks that each one is. EventBridge rules of this
environment (the ECS service events, stacks/monitoring/service_events.py) may publish the same way, under the same
two conditions on their rule's ARN.

Subscriptions from config: an e-mail address (confirmed once from the e-mail AWS sends) and an HTTPS endpoint for a
chat or incident tool. The endpoint must confirm the subscription (SNS posts a SubscribeURL first) and should check
SNS's message signature; its URL is written into the template, so it must not be the only secret guarding it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from stacks.config import EnvironmentConfig

CLOUDWATCH = iam.ServicePrincipal("cloudwatch.amazonaws.com")
EVENTBRIDGE = iam.ServicePrincipal("events.amazonaws.com")


@dataclass(frozen=True)
class AlarmTopicProps:
    config: EnvironmentConfig
    key: kms.Key


class AlarmTopic(Construct):
    def __init__(self, scope: Construct, construct_id: str, props: AlarmTopicProps) -> None:
        super().__init__(scope, construct_id)
        config = props.config
        self.topic = sns.Topic(
            self,
            "Topic",
            topic_name=config.resource_name("alarms"),
            display_name=f"Competition platform {config.name} alarms",
            master_key=props.key,
            enforce_ssl=True,
        )
        self._allow_publishing(
            props.key,
            CLOUDWATCH,
            sids=("CloudWatchAlarmsOfThisEnvironment", "CloudWatchAlarmsPublishToTheAlarmTopic"),
            conditions=self._only_this_environments("cloudwatch", "alarm", config, cdk.ArnFormat.COLON_RESOURCE_NAME),
        )
        self._allow_publishing(
            props.key,
            EVENTBRIDGE,
            sids=("EventBridgeRulesOfThisEnvironment", "EventBridgeRulesPublishToTheAlarmTopic"),
            conditions=self._only_this_environments("events", "rule", config, cdk.ArnFormat.SLASH_RESOURCE_NAME),
        )
        operations = config.operations
        if operations.alarm_email is not None:
            self.topic.add_subscription(subscriptions.EmailSubscription(operations.alarm_email))
        if operations.alarm_chat_webhook is not None:
            self.topic.add_subscription(
                subscriptions.UrlSubscription(operations.alarm_chat_webhook, protocol=sns.SubscriptionProtocol.HTTPS)
            )

    def _allow_publishing(
        self, key: kms.Key, principal: iam.ServicePrincipal, *, sids: tuple[str, str], conditions: dict[str, Any]
    ) -> None:
        """`principal` may publish to the topic and use the key for it, under `conditions`."""
        topic_sid, key_sid = sids
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid=topic_sid,
                principals=[principal],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                conditions=conditions,
            )
        )
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid=key_sid,
                principals=[principal],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
                conditions=conditions,
            )
        )

    def _only_this_environments(
        self, service: str, resource: str, config: EnvironmentConfig, arn_format: cdk.ArnFormat
    ) -> dict[str, Any]:
        """Requests made for this account's `resource`s (alarms, rules) named with this environment's prefix."""
        stack = cdk.Stack.of(self)
        named = stack.format_arn(
            service=service, resource=resource, resource_name=f"{config.resource_name()}-*", arn_format=arn_format
        )
        return {"StringEquals": {"aws:SourceAccount": stack.account}, "ArnLike": {"aws:SourceArn": named}}
