"""AlarmSpec: one alarm described as data: what it watches, its threshold and why, what to do first."""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch

ONE_MINUTE = cdk.Duration.minutes(1)
FIVE_MINUTES = cdk.Duration.minutes(5)
GREATER_OR_EQUAL = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
GREATER = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD
LESS = cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD


@dataclass(frozen=True)
class AlarmSpec:
    name: str  # after the environment's prefix: "http-5xx-rate" → competition-platform-prod-http-5xx-rate
    description: str  # what it means, why this threshold, what to do first (the notification carries it)
    metric: cloudwatch.IMetric
    threshold: float
    comparison: cloudwatch.ComparisonOperator
    evaluation_periods: int
    datapoints_to_alarm: int | None = None  # None: every evaluated period must breach
    capacity: bool = False  # about load rather than breakage: not in dev
    # No data means no traffic, no tasks or no errors logged: never a reason to page.
    treat_missing_data: cloudwatch.TreatMissingData = cloudwatch.TreatMissingData.NOT_BREACHING
