"""The web ACL on the load balancer: AWS's managed rule groups and rate limits, counting in staging and blocking in
prod, uploads spared from the 8 KB body-size rule, metrics and sampled requests on, none in dev."""

from __future__ import annotations

from typing import Any

import pytest

from stacks.edge.waf import MANAGED_RULE_GROUPS, SIZE_RESTRICTION_LABEL
from tests.conftest import SynthesizedPlatform


def web_acl(synthesized: SynthesizedPlatform, stage: str) -> dict[str, Any]:
    (acl,) = synthesized.resources(f"{stage}/Service", "AWS::WAFv2::WebACL").values()
    properties: dict[str, Any] = acl["Properties"]
    return properties


def rules(synthesized: SynthesizedPlatform, stage: str) -> dict[str, dict[str, Any]]:
    return {rule["Name"]: rule for rule in web_acl(synthesized, stage)["Rules"]}


def test_dev_runs_without_a_web_acl(synthesized: SynthesizedPlatform) -> None:
    assert synthesized.resources("Dev/Service", "AWS::WAFv2::WebACL") == {}


@pytest.mark.parametrize("stage", ["Staging", "Prod"])
def test_web_acl_is_regional_and_guards_the_load_balancer(synthesized: SynthesizedPlatform, stage: str) -> None:
    (acl_id,) = synthesized.resources(f"{stage}/Service", "AWS::WAFv2::WebACL")
    (association,) = synthesized.resources(f"{stage}/Service", "AWS::WAFv2::WebACLAssociation").values()
    (load_balancer_id,) = synthesized.resources(f"{stage}/Service", "AWS::ElasticLoadBalancingV2::LoadBalancer")

    assert web_acl(synthesized, stage)["Scope"] == "REGIONAL"
    assert association["Properties"]["ResourceArn"] == {"Ref": load_balancer_id}
    assert association["Properties"]["WebACLArn"] == {"Fn::GetAtt": [acl_id, "Arn"]}


@pytest.mark.parametrize("stage", ["Staging", "Prod"])
def test_managed_rule_groups_of_aws_are_in_place(synthesized: SynthesizedPlatform, stage: str) -> None:
    found = rules(synthesized, stage)

    for group in MANAGED_RULE_GROUPS:
        assert found[group]["Statement"]["ManagedRuleGroupStatement"] == {"VendorName": "AWS", "Name": group} | (
            {"RuleActionOverrides": [{"Name": "SizeRestrictions_BODY", "ActionToUse": {"Count": {}}}]}
            if group == "AWSManagedRulesCommonRuleSet"
            else {}
        )


def test_staging_counts_what_every_rule_would_block(synthesized: SynthesizedPlatform) -> None:
    for name, rule in rules(synthesized, "Staging").items():
        assert rule.get("OverrideAction", rule.get("Action")) == {"Count": {}}, name


def test_prod_blocks_and_answers_rate_limited_clients_with_429(synthesized: SynthesizedPlatform) -> None:
    found = rules(synthesized, "Prod")

    for group in MANAGED_RULE_GROUPS:
        assert found[group]["OverrideAction"] == {"None": {}}
    for limit in ("TokenRateLimit", "SubmissionRateLimit"):
        assert found[limit]["Action"] == {"Block": {"CustomResponse": {"ResponseCode": 429}}}
    assert found["OversizedBodyOutsideUploads"]["Action"] == {"Block": {}}


def byte_matches(statement: Any) -> list[tuple[str, str]]:
    """(constraint, text) of every byte match inside a statement."""
    if isinstance(statement, dict):
        if "ByteMatchStatement" in statement:
            match = statement["ByteMatchStatement"]
            return [(match["PositionalConstraint"], match["SearchString"])]
        return [found for value in statement.values() for found in byte_matches(value)]
    if isinstance(statement, list):
        return [found for value in statement for found in byte_matches(value)]
    return []


def test_rate_limits_cover_the_token_and_the_submission_endpoints(synthesized: SynthesizedPlatform) -> None:
    found = rules(synthesized, "Prod")

    token = found["TokenRateLimit"]["Statement"]["RateBasedStatement"]
    submissions = found["SubmissionRateLimit"]["Statement"]["RateBasedStatement"]

    assert (token["Limit"], token["EvaluationWindowSec"], token["AggregateKeyType"]) == (100, 300, "IP")
    assert byte_matches(token["ScopeDownStatement"]) == [("STARTS_WITH", "/api/v1/auth/token/")]
    assert submissions["Limit"] == 600
    assert byte_matches(submissions["ScopeDownStatement"]) == [
        ("STARTS_WITH", "/api/v1/competitions/"),
        ("CONTAINS", "/submissions"),
    ]


def matches(statement: dict[str, Any], method: str, path: str, labels: frozenset[str] = frozenset()) -> bool:
    """Whether a request would match a WAF statement: the statement kinds these rules use, evaluated as WAF does."""
    if "AndStatement" in statement:
        return all(matches(s, method, path, labels) for s in statement["AndStatement"]["Statements"])
    if "OrStatement" in statement:
        return any(matches(s, method, path, labels) for s in statement["OrStatement"]["Statements"])
    if "NotStatement" in statement:
        return not matches(statement["NotStatement"]["Statement"], method, path, labels)
    if "LabelMatchStatement" in statement:
        return statement["LabelMatchStatement"]["Key"] in labels
    match = statement["ByteMatchStatement"]
    value = path if "UriPath" in match["FieldToMatch"] else method
    if any(t["Type"] == "LOWERCASE" for t in match["TextTransformations"]):
        value = value.lower()
    text = match["SearchString"]
    return {
        "STARTS_WITH": value.startswith(text),
        "ENDS_WITH": value.endswith(text),
        "CONTAINS": text in value,
        "EXACTLY": value == text,
    }[match["PositionalConstraint"]]


SUBMISSIONS = "/api/v1/competitions/spring-cup/submissions"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", f"{SUBMISSIONS}/"),  # an upload ticket, or a small multipart upload
        ("POST", f"{SUBMISSIONS}/42/complete/"),  # issue 10: the upload is in S3, score it
        ("GET", f"{SUBMISSIONS}/42/"),  # polling for the score
        ("GET", f"{SUBMISSIONS}/?status=queued"),
        ("POST", f"{SUBMISSIONS}/42/final/"),
    ],
)
def test_the_submission_rate_limit_covers_tickets_completions_and_polling(
    synthesized: SynthesizedPlatform, method: str, path: str
) -> None:
    scope_down = rules(synthesized, "Prod")["SubmissionRateLimit"]["Statement"]["RateBasedStatement"]

    assert matches(scope_down["ScopeDownStatement"], method, path)


def test_completing_an_upload_is_never_taken_for_an_oversized_body(synthesized: SynthesizedPlatform) -> None:
    """`complete` has no body; the file itself goes from the client straight to S3, past no load balancer and so
    past no web ACL. Even a labelled request to it (a client that sends the file there by mistake) is refused, as
    any large body outside the upload paths is."""
    rule = rules(synthesized, "Prod")["OversizedBodyOutsideUploads"]["Statement"]
    oversized = frozenset({SIZE_RESTRICTION_LABEL})

    assert not matches(rule, "POST", f"{SUBMISSIONS}/42/complete/")
    assert matches(rule, "POST", f"{SUBMISSIONS}/42/complete/", oversized)
    assert not matches(rule, "POST", f"{SUBMISSIONS}/", oversized)


def test_body_size_rule_blocks_large_bodies_except_uploads(synthesized: SynthesizedPlatform) -> None:
    rule = rules(synthesized, "Prod")["OversizedBodyOutsideUploads"]
    label, exception = rule["Statement"]["AndStatement"]["Statements"]

    assert label == {"LabelMatchStatement": {"Scope": "LABEL", "Key": SIZE_RESTRICTION_LABEL}}
    assert byte_matches(exception["NotStatement"]) == [
        ("EXACTLY", "POST"),
        ("STARTS_WITH", "/api/v1/competitions/"),
        ("ENDS_WITH", "/submissions/"),
        ("ENDS_WITH", "/ground-truth/"),
    ]
    # The managed group labels oversized bodies before this rule reads the label.
    assert rule["Priority"] > rules(synthesized, "Prod")["AWSManagedRulesCommonRuleSet"]["Priority"]


@pytest.mark.parametrize("stage", ["Staging", "Prod"])
def test_metrics_and_sampled_requests_are_on_for_the_acl_and_every_rule(
    synthesized: SynthesizedPlatform, stage: str
) -> None:
    acl = web_acl(synthesized, stage)

    for config in [acl["VisibilityConfig"], *(rule["VisibilityConfig"] for rule in acl["Rules"])]:
        assert config["CloudWatchMetricsEnabled"] is True and config["SampledRequestsEnabled"] is True
