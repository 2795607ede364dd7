"""Helpers for cdk-nag acknowledgments, shared by every stack and by the pipeline.

An acknowledgment still sits next to the construct it concerns, on that construct (never on a stack, a stage or the
app), names one finding and gives a reason a reviewer can check (tests/test_cdk_nag.py holds all three). These
helpers only spell the finding ids and the one reason that several constructs share.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from constructs import IConstruct


def acknowledge(construct: IConstruct, *findings: str, reason: str) -> None:
    """Acknowledges each finding on `construct` (and its children) for the same reason."""
    if not findings:
        raise ValueError(f"{construct.node.path}: an acknowledgment must name the finding it covers")
    cdk.Validations.of(construct).acknowledge(*(cdk.Acknowledgment(id=finding, reason=reason) for finding in findings))


def iam5(what: str) -> str:
    """The AwsSolutions-IAM5 finding of one wildcard: `Action::s3:GetObject*` or `Resource::<arn>/*`."""
    return f"AwsSolutions-IAM5[{what}]"


def aws_managed_policy(name: str) -> str:
    """The AwsSolutions-IAM4 finding of one AWS-managed policy, such as `service-role/AWSLambdaBasicExecutionRole`."""
    return f"AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/{name}]"


def acknowledge_lambda_basic_execution(role: iam.IRole, function: str) -> None:
    """The AWS-managed basic execution policy that CDK gives a Lambda function's role (AwsSolutions-IAM4)."""
    acknowledge(
        role,
        aws_managed_policy("service-role/AWSLambdaBasicExecutionRole"),
        reason=f"{function} only writes its own logs; the AWS-managed basic execution policy is the documented "
        "minimum for that.",
    )
