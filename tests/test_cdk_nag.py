"""cdk-nag's AwsSolutions pack over the whole platform: no unacknowledged finding, and every acknowledgment names
one finding on one construct, covers a finding that exists, and says why."""

from __future__ import annotations

import re

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from scripts.cloud_assembly import ACKNOWLEDGED_RULES
from tests.conftest import SynthesizedPlatform

# One rule, optionally with the one finding it covers: "AwsSolutions-IAM5[Resource::...]".
ONE_RULE = re.compile(r"^AwsSolutions-[A-Z]+\d+(\[.+\])?$")
# These rules report one finding per managed policy, action or resource: an acknowledgment without the finding in
# brackets would cover every such finding on the construct.
RULES_THAT_NEED_THE_FINDING = ("AwsSolutions-IAM4", "AwsSolutions-IAM5")
MINIMUM_REASON_LENGTH = 40


def nag_acknowledgments(synthesized: SynthesizedPlatform) -> list[tuple[str, str, str]]:
    """(construct path, rule id, reason) of every AwsSolutions acknowledgment in the stacks' metadata."""
    return [
        (path.removeprefix("/"), rule_id.removeprefix("Annotation::"), reason)
        for stack in synthesized.stacks.values()
        for path, rule_id, reason in stack.acknowledgments
        if "AwsSolutions-" in rule_id
    ]


def finding_lines(app: cdk.App) -> list[tuple[str, str]]:
    """(rule id with its finding, construct path) of every unacknowledged finding."""
    report = AwsSolutionsChecks().validate_scope(app)
    return [
        (violation.rule_name, resource.construct_path or resource.resource_logical_id)
        for violation in report.violations
        for resource in violation.violating_resources
    ]


def test_no_unacknowledged_aws_solutions_finding(synthesized: SynthesizedPlatform) -> None:
    assert finding_lines(synthesized.platform.app) == []


def test_every_acknowledgment_names_one_finding_and_gives_a_reason(synthesized: SynthesizedPlatform) -> None:
    acknowledgments = nag_acknowledgments(synthesized)

    assert acknowledgments, "the platform acknowledges some findings; none found means metadata was lost"
    for path, rule_id, reason in acknowledgments:
        where = f"{path}: {rule_id}"
        assert ONE_RULE.match(rule_id), f"{where} must name exactly one rule"
        if rule_id.startswith(RULES_THAT_NEED_THE_FINDING):
            assert "[" in rule_id, f"{where} must name the one finding it covers"
        assert len(reason.strip()) >= MINIMUM_REASON_LENGTH, f"{where} needs a concrete reason"


def test_acknowledgments_sit_on_the_constructs_they_concern_not_on_stacks_or_stages(
    synthesized: SynthesizedPlatform,
) -> None:
    # An acknowledgment on a stack, a stage or the app would cover the finding on every construct below it.
    too_broad = [
        f"{construct.node.path or '<app>'}: {rule_id}"
        for construct in synthesized.platform.app.node.find_all()
        if isinstance(construct, (cdk.Stack, cdk.Stage))
        for entry in construct.node.metadata
        if entry.type == ACKNOWLEDGED_RULES
        for rule_id in entry.data
        if "AwsSolutions-" in rule_id
    ]

    assert too_broad == []


def test_every_acknowledgment_covers_a_finding(
    synthesized: SynthesizedPlatform, second_synthesis: SynthesizedPlatform
) -> None:
    """An acknowledgment that matches nothing says something untrue about the code and would silently cover a
    future finding. `second_synthesis` is the same platform with the acknowledgments switched off."""
    findings = finding_lines(second_synthesis.platform.app)

    def covers(path: str, rule_id: str) -> bool:
        return any(
            (rule == rule_id or ("[" not in rule_id and rule.split("[")[0] == rule_id))
            and (found_on == path or found_on.startswith(f"{path}/"))
            for rule, found_on in findings
        )

    dead = sorted(
        {
            f"{path}: {rule_id}"
            for path, rule_id, _reason in nag_acknowledgments(synthesized)
            if not covers(path, rule_id)
        }
    )

    assert findings, "without acknowledgments the platform has findings; none means they were not switched off"
    assert dead == []
