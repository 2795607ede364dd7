"""ECS's own warnings, errors and failed deployments of the cluster's services reach the alarm topic through an
EventBridge rule (stacks/monitoring/service_events.py), and the encrypted topic lets exactly such rules publish."""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

import pytest

from stacks.config import PlatformConfig
from tests.conftest import SynthesizedPlatform
from tests.cross_stack import cross_stack_reference

STAGES = ["Dev", "Staging", "Prod"]
EVENTBRIDGE = {"Service": "events.amazonaws.com"}


def rule(synthesized: SynthesizedPlatform, stage: str) -> dict[str, Any]:
    (found,) = synthesized.resources(f"{stage}/Service", "AWS::Events::Rule").values()
    return dict(found["Properties"])


def eventbridge_statement(statements: list[dict[str, Any]]) -> dict[str, Any]:
    (statement,) = [s for s in statements if s.get("Principal") == EVENTBRIDGE]
    return statement


@pytest.mark.parametrize("stage", STAGES)
def test_ecs_warnings_errors_and_failed_deployments_of_this_clusters_services_go_to_the_alarm_topic(
    synthesized: SynthesizedPlatform, config: PlatformConfig, stage: str
) -> None:
    env = config.environment(stage.lower())
    found = rule(synthesized, stage)
    (topic_id,) = synthesized.resources(f"{stage}/Network", "AWS::SNS::Topic")

    assert found["EventPattern"] == {
        "source": ["aws.ecs"],
        "detail-type": ["ECS Service Action", "ECS Deployment State Change"],
        # Deployment events carry no detail.clusterArn: the services' ARNs name the cluster.
        "resources": [{"prefix": f"arn:aws:ecs:{env.region}:{env.account}:service/{env.resource_name()}/"}],
        # SERVICE_TASK_START_IMPAIRED is a WARN, SERVICE_DEPLOYMENT_FAILED an ERROR; INFO is a service's normal life.
        "detail": {"eventType": ["WARN", "ERROR"]},
    }
    assert found["State"] == "ENABLED"
    (target,) = found["Targets"]
    reference = cross_stack_reference(target["Arn"])
    assert reference is not None
    assert reference[0] == f"{stage}-Network" and topic_id in reference[1]


@pytest.mark.parametrize("stage", STAGES)
def test_the_encrypted_topic_lets_only_this_environments_rules_publish_and_use_its_key(
    synthesized: SynthesizedPlatform, config: PlatformConfig, stage: str
) -> None:
    env = config.environment(stage.lower())
    rule_arn = f"arn:aws:events:{env.region}:{env.account}:rule/{rule(synthesized, stage)['Name']}"
    (policy,) = synthesized.resources(f"{stage}/Network", "AWS::SNS::TopicPolicy").values()
    (key,) = synthesized.resources(f"{stage}/Network", "AWS::KMS::Key").values()
    publish = eventbridge_statement(policy["Properties"]["PolicyDocument"]["Statement"])
    use_key = eventbridge_statement(key["Properties"]["KeyPolicy"]["Statement"])

    assert publish["Action"] == "sns:Publish"
    assert sorted(use_key["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey*"]
    for statement in (publish, use_key):
        assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": env.account}
        pattern = statement["Condition"]["ArnLike"]["aws:SourceArn"]
        assert pattern == f"arn:aws:events:{env.region}:{env.account}:rule/{env.resource_name()}-*"
        assert fnmatchcase(rule_arn, pattern), "the rule's own ARN must pass the condition"
        assert not fnmatchcase(rule_arn.replace(env.resource_name(), "someone-else"), pattern)
