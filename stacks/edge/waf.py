"""WebApplicationFirewall: an AWS WAF web ACL (REGIONAL) on the load balancer.

Rules, cheapest first: AWS's IP reputation list; rate limits per client address on the token endpoint (password
guessing) and on the submission endpoints (upload floods); AWS's common rule set and known bad inputs. Mode from
config: `count` records what each rule would have blocked (metrics and sampled requests, in the dashboard and the
WAF console) and blocks nothing; `block` enforces. Staging counts first, prod blocks (README, "The web firewall").

The common rule set's SizeRestrictions_BODY blocks any body over 8 KB, which is every real upload through the service:
small predictions and ground truths still arrive as multipart POSTs of CSV files. It is overridden to count (it still
labels the request), and `OversizedBodyOutsideUploads` blocks a labelled request unless it is a POST to an upload
path. The other body rules keep inspecting the first 8 KB of an upload, the most a load balancer's web ACL sees of any
body. Large files (issue 10) go from the client straight to S3 with a presigned POST: they never pass the load
balancer, so no rule here can block them; the ticket request and `.../submissions/{id}/complete/` (no body) do, and
the submission rate limit counts them with the rest of `.../submissions...`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from stacks.config import EnvironmentConfig, WafMode

API = "/api/v1"
TOKEN_PATH = f"{API}/auth/token/"
COMPETITIONS_PATH = f"{API}/competitions/"
# POST /api/v1/competitions/<slug>/submissions/ and /api/v1/competitions/<slug>/ground-truth/
UPLOAD_PATH_ENDINGS = ("/submissions/", "/ground-truth/")
SUBMISSIONS_SEGMENT = "/submissions"
RATE_WINDOW_SECONDS = 300
# Per client address and 5 minutes. A person signs in a few times a day; 100 leaves room for a classroom behind one
# NAT address and stops a password-guessing script within seconds (django-axes locks the account behind it).
TOKEN_REQUESTS_PER_WINDOW = 100
# Listing, polling, ticket requests, completions and small uploads of submissions: 2 a second for 5 minutes is more
# than a client polling a score needs; the service's daily submission limit, not this, is what limits uploads.
SUBMISSION_REQUESTS_PER_WINDOW = 600
SIZE_RESTRICTION_LABEL = "awswaf:managed:aws:core-rule-set:SizeRestrictions_Body"
MANAGED_RULE_GROUPS = (
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
)


@dataclass(frozen=True)
class WebApplicationFirewallProps:
    config: EnvironmentConfig
    mode: WafMode
    load_balancer: elbv2.IApplicationLoadBalancer


def web_acl_name(config: EnvironmentConfig) -> str:
    return config.resource_name("web")


class WebApplicationFirewall(Construct):
    def __init__(self, scope: Construct, construct_id: str, props: WebApplicationFirewallProps) -> None:
        super().__init__(scope, construct_id)
        self._prefix = props.config.resource_name()
        self._counting = props.mode == "count"
        self.name = web_acl_name(props.config)
        rules = [
            self._managed("AWSManagedRulesAmazonIpReputationList", priority=0),
            self._rate_limit("TokenRateLimit", 1, TOKEN_REQUESTS_PER_WINDOW, _starts_with(TOKEN_PATH)),
            self._rate_limit(
                "SubmissionRateLimit",
                2,
                SUBMISSION_REQUESTS_PER_WINDOW,
                {"andStatement": {"statements": [_starts_with(COMPETITIONS_PATH), _contains(SUBMISSIONS_SEGMENT)]}},
            ),
            self._managed(
                "AWSManagedRulesCommonRuleSet",
                priority=3,
                rule_action_overrides=[{"name": "SizeRestrictions_BODY", "actionToUse": {"count": {}}}],
            ),
            self._managed("AWSManagedRulesKnownBadInputsRuleSet", priority=4),
            self._oversized_body_outside_uploads(priority=5),
        ]
        self.web_acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            name=self.name,
            description=f"Managed rules and rate limits in front of the {props.config.name} load balancer "
            f"in {props.mode} mode",
            scope="REGIONAL",
            default_action={"allow": {}},
            visibility_config=self._visibility("web"),
            rules=rules,
        )
        wafv2.CfnWebACLAssociation(
            self,
            "LoadBalancer",
            resource_arn=props.load_balancer.load_balancer_arn,
            web_acl_arn=self.web_acl.attr_arn,
        )

    def _visibility(self, name: str) -> dict[str, Any]:
        """CloudWatch metrics per rule and sampled requests (the last 3 hours in the console); no full logging,
        which would be billed per GB."""
        return {
            "cloudWatchMetricsEnabled": True,
            "sampledRequestsEnabled": True,
            "metricName": f"{self._prefix}-{name}",
        }

    def _action(self, *, too_many_requests: bool = False) -> dict[str, Any]:
        if self._counting:
            return {"count": {}}
        if too_many_requests:
            return {"block": {"customResponse": {"responseCode": 429}}}
        return {"block": {}}

    def _managed(self, name: str, *, priority: int, rule_action_overrides: list[Any] | None = None) -> dict[str, Any]:
        statement: dict[str, Any] = {"vendorName": "AWS", "name": name}
        if rule_action_overrides:
            statement["ruleActionOverrides"] = rule_action_overrides
        return {
            "name": name,
            "priority": priority,
            "statement": {"managedRuleGroupStatement": statement},
            # In count mode every rule of the group counts; in block mode the group's own actions apply.
            "overrideAction": {"count": {}} if self._counting else {"none": {}},
            "visibilityConfig": self._visibility(name),
        }

    def _rate_limit(self, name: str, priority: int, limit: int, scope_down: dict[str, Any]) -> dict[str, Any]:
        return {
            "name": name,
            "priority": priority,
            "statement": {
                "rateBasedStatement": {
                    "limit": limit,
                    "evaluationWindowSec": RATE_WINDOW_SECONDS,
                    "aggregateKeyType": "IP",
                    "scopeDownStatement": scope_down,
                }
            },
            "action": self._action(too_many_requests=True),
            "visibilityConfig": self._visibility(name),
        }

    def _oversized_body_outside_uploads(self, priority: int) -> dict[str, Any]:
        upload = {
            "andStatement": {
                "statements": [
                    _method("POST"),
                    _starts_with(COMPETITIONS_PATH),
                    {"orStatement": {"statements": [_ends_with(ending) for ending in UPLOAD_PATH_ENDINGS]}},
                ]
            }
        }
        name = "OversizedBodyOutsideUploads"
        return {
            "name": name,
            "priority": priority,
            "statement": {
                "andStatement": {
                    "statements": [
                        {"labelMatchStatement": {"scope": "LABEL", "key": SIZE_RESTRICTION_LABEL}},
                        {"notStatement": {"statement": upload}},
                    ]
                }
            },
            "action": self._action(),
            "visibilityConfig": self._visibility(name),
        }


def _uri_path_match(constraint: str, text: str) -> dict[str, Any]:
    return {
        "byteMatchStatement": {
            "fieldToMatch": {"uriPath": {}},
            "positionalConstraint": constraint,
            "searchString": text,
            "textTransformations": [{"priority": 0, "type": "LOWERCASE"}],
        }
    }


def _starts_with(prefix: str) -> dict[str, Any]:
    return _uri_path_match("STARTS_WITH", prefix)


def _ends_with(suffix: str) -> dict[str, Any]:
    return _uri_path_match("ENDS_WITH", suffix)


def _contains(text: str) -> dict[str, Any]:
    return _uri_path_match("CONTAINS", text)


def _method(method: str) -> dict[str, Any]:
    return {
        "byteMatchStatement": {
            "fieldToMatch": {"method": {}},
            "positionalConstraint": "EXACTLY",
            "searchString": method,
            "textTransformations": [{"priority": 0, "type": "NONE"}],
        }
    }


__all__ = ["MANAGED_RULE_GROUPS", "WebApplicationFirewall", "WebApplicationFirewallProps", "web_acl_name"]
