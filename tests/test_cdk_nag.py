"""cdk-nag's AwsSolutions pack over the whole platform: no unacknowledged finding, and every acknowledgment names
one rule and says why."""

from __future__ import annotations

import re

from cdk_nag import AwsSolutionsChecks

from tests.conftest import SynthesizedPlatform

# One rule, optionally with the one finding it covers: "AwsSolutions-IAM5[Resource::...]".
ONE_RULE = re.compile(r"^(Annotation::)?AwsSolutions-[A-Z]+\d+(\[.+\])?$")
MINIMUM_REASON_LENGTH = 40


def test_no_unacknowledged_aws_solutions_finding(synthesized: SynthesizedPlatform) -> None:
    report = AwsSolutionsChecks().validate_scope(synthesized.platform.app)

    findings = [
        f"{violation.rule_name} on {resource.construct_path or resource.resource_logical_id}"
        for violation in report.violations
        for resource in violation.violating_resources
    ]

    assert findings == []


def test_every_acknowledgment_names_one_rule_and_gives_a_reason(synthesized: SynthesizedPlatform) -> None:
    acknowledgments = [ack for stack in synthesized.stacks.values() for ack in stack.acknowledgments]
    nag_acknowledgments = [ack for ack in acknowledgments if "AwsSolutions-" in ack[1]]

    assert nag_acknowledgments, "the platform acknowledges some findings; none found means metadata was lost"
    for construct_path, rule_id, reason in nag_acknowledgments:
        assert ONE_RULE.match(rule_id), f"{construct_path}: {rule_id} must name exactly one rule"
        assert "*" not in rule_id.split("[")[0], f"{construct_path}: {rule_id} uses a wildcard rule id"
        assert len(reason.strip()) >= MINIMUM_REASON_LENGTH, f"{construct_path}: {rule_id} needs a concrete reason"


def test_acknowledgments_sit_on_the_constructs_they_concern_not_on_stacks(
    synthesized: SynthesizedPlatform,
) -> None:
    for stack in synthesized.stacks.values():
        for construct_path, rule_id, _reason in stack.acknowledgments:
            if "AwsSolutions-" in rule_id:
                assert construct_path != f"/{stack.display_name}", f"{rule_id} is acknowledged on a whole stack"
