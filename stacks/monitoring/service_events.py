"""EcsServiceEvents: ECS's own warnings and errors about this cluster's services, sent to the alarm topic.

Some failures show in no metric, or only with Container Insights (which dev turns off): ECS reports them as events.
An EventBridge rule sends to the environment's alarm topic every `ECS Service Action` of type WARN or ERROR (for
example SERVICE_TASK_START_IMPAIRED: tasks keep failing to start; SERVICE_TASK_PLACEMENT_FAILURE: no Fargate or
Spot capacity; SERVICE_TASK_CONFIGURATION_FAILURE) and every `ECS Deployment State Change` of type ERROR
(SERVICE_DEPLOYMENT_FAILED: the circuit breaker rolled a deployment back). Both name the service in `resources`;
only the deployment events lack `detail.clusterArn`, so the rule matches the service ARNs of this cluster by prefix.

The topic is encrypted with the environment's key: its policy and the key's let EventBridge publish only for rules
of this account named with the environment's prefix (stacks/monitoring/topic.py), which this rule's name carries.
"""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_events as events
from aws_cdk import aws_sns as sns
from constructs import Construct

from stacks.config import EnvironmentConfig

SERVICE_EVENT_TYPES = ["ECS Service Action", "ECS Deployment State Change"]
# INFO (steady state, deployment started or completed) is the normal life of a service, not worth a notification.
NOTIFIED_EVENT_TYPES = ["WARN", "ERROR"]


@dataclass(frozen=True)
class EcsServiceEventsProps:
    config: EnvironmentConfig
    cluster_name: str  # the literal name: the services' ARNs start with it
    topic: sns.ITopic


class EcsServiceEvents(Construct):
    def __init__(self, scope: Construct, construct_id: str, props: EcsServiceEventsProps) -> None:
        super().__init__(scope, construct_id)
        config = props.config
        services = cdk.Stack.of(self).format_arn(
            service="ecs", resource="service", resource_name=f"{props.cluster_name}/"
        )
        # L1: the L2 SNS target would add its own unconditioned statement to the topic's policy in the Network stack.
        self.rule = events.CfnRule(
            self,
            "Rule",
            name=config.resource_name("ecs-service-events"),
            description=f"ECS warnings, errors and failed deployments of the {config.name} services to the alarm topic",
            state="ENABLED",
            event_pattern={
                "source": ["aws.ecs"],
                "detail-type": SERVICE_EVENT_TYPES,
                "resources": [{"prefix": services}],
                "detail": {"eventType": NOTIFIED_EVENT_TYPES},
            },
            targets=[events.CfnRule.TargetProperty(id="AlarmTopic", arn=props.topic.topic_arn)],
        )
