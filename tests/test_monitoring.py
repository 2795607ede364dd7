"""Operators see trouble first: one encrypted alarm topic per environment, every alarm notifying it on ALARM and
OK, thresholds derived from the configuration, request-log metrics that tell an outage from a bug, a dashboard,
and the scoring queue's alarms in one call."""

from __future__ import annotations

import json
from typing import Any, cast

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs

from scripts.cost.schedule_pricers import universal_target_input
from stacks.config import PlatformConfig
from stacks.config.rds_instances import default_max_connections
from stacks.monitoring.alarms import OperatorAlarms, OperatorAlarmsProps
from stacks.monitoring.queue_alarms import WatchedQueue
from tests.conftest import SynthesizedPlatform, web_service_resources
from tests.cross_stack import cross_stack_reference

STAGES = ["Dev", "Staging", "Prod"]
ALERTING_EVERYWHERE = {
    "target-5xx",
    "unhealthy-targets",
    "http-5xx-rate",
    "server-errors",
    "database-unavailable",
    "database-free-storage",
    "database-admin-secret-rotation",
    "database-app-secret-rotation",
    "scoring-queue-age",
    "scoring-dead-letters",
}
# Needs Container Insights (RunningTaskCount, DesiredTaskCount), which dev's cost profile turns off.
CONTAINER_INSIGHTS = {"web-tasks-missing"}
CAPACITY = {
    "http-p99-latency",
    "web-cpu",
    "web-memory",
    "database-cpu",
    "database-freeable-memory",
    "database-connections",
}


def scaling_alarms(synthesized: SynthesizedPlatform, stage: str) -> dict[str, dict[str, Any]]:
    """Alarms that act on a scalable target (stacks/scoring/backlog_scaling.py): they scale, they never page."""
    policies = set(synthesized.resources(f"{stage}/Service", "AWS::ApplicationAutoScaling::ScalingPolicy"))
    return {
        logical_id: resource["Properties"]
        for logical_id, resource in synthesized.resources(f"{stage}/Service", "AWS::CloudWatch::Alarm").items()
        if any(action.get("Ref") in policies for action in resource["Properties"].get("AlarmActions", []))
    }


def alarms(synthesized: SynthesizedPlatform, stage: str) -> dict[str, dict[str, Any]]:
    """The stage's operator alarms by name, without the environment prefix."""
    prefix = f"competition-platform-{stage.lower()}-"
    found = {}
    scaling = scaling_alarms(synthesized, stage)
    for logical_id, resource in synthesized.resources(f"{stage}/Service", "AWS::CloudWatch::Alarm").items():
        if logical_id in scaling:
            continue
        name = resource["Properties"]["AlarmName"]
        assert name.startswith(prefix), f"{name}: the topic's policy lets only {prefix}* alarms publish"
        found[name.removeprefix(prefix)] = resource["Properties"]
    return found


def topic_output(synthesized: SynthesizedPlatform, stage: str) -> str:
    (topic_id,) = synthesized.resources(f"{stage}/Network", "AWS::SNS::Topic")
    return topic_id


@pytest.mark.parametrize("stage", STAGES)
def test_every_alarm_notifies_the_environments_topic_when_it_fires_and_when_it_clears(
    synthesized: SynthesizedPlatform, stage: str
) -> None:
    topic_id = topic_output(synthesized, stage)

    for name, alarm in alarms(synthesized, stage).items():
        for actions in (alarm.get("AlarmActions"), alarm.get("OKActions")):
            assert actions is not None and len(actions) == 1, name
            reference = cross_stack_reference(actions[0])
            assert reference is not None, name
            assert reference[0] == f"{stage}-Network" and topic_id in reference[1], name


def test_dev_keeps_the_alarms_that_say_something_is_broken(synthesized: SynthesizedPlatform) -> None:
    assert set(alarms(synthesized, "Dev")) == ALERTING_EVERYWHERE


@pytest.mark.parametrize("stage", ["Staging", "Prod"])
def test_staging_and_prod_also_watch_capacity_and_backups(synthesized: SynthesizedPlatform, stage: str) -> None:
    assert set(alarms(synthesized, stage)) == ALERTING_EVERYWHERE | CONTAINER_INSIGHTS | CAPACITY | {
        "database-backup-failed"
    }


@pytest.mark.parametrize("stage", STAGES)
def test_the_missing_tasks_alarm_exists_exactly_where_container_insights_gives_it_data(
    synthesized: SynthesizedPlatform, config: PlatformConfig, stage: str
) -> None:
    insights = config.environment(stage.lower()).cost_profile.container_insights
    (cluster,) = synthesized.resources(f"{stage}/Service", "AWS::ECS::Cluster").values()

    assert ("web-tasks-missing" in alarms(synthesized, stage)) is insights
    assert cluster["Properties"]["ClusterSettings"] == [
        {"Name": "containerInsights", "Value": "enabled" if insights else "disabled"}
    ]


def test_deployment_alarms_keep_the_names_the_service_rolls_back_on(synthesized: SynthesizedPlatform) -> None:
    (service,) = web_service_resources(synthesized.resources("Prod/Service", "AWS::ECS::Service")).values()

    rollback = service["Properties"]["DeploymentConfiguration"]["Alarms"]

    assert rollback["AlarmNames"] == [
        "competition-platform-prod-target-5xx",
        "competition-platform-prod-unhealthy-targets",
    ]
    assert rollback["Rollback"] is True


def test_error_rate_counts_target_and_load_balancer_5xx_once_traffic_says_something(
    synthesized: SynthesizedPlatform,
) -> None:
    alarm = alarms(synthesized, "Prod")["http-5xx-rate"]

    (expression,) = [query for query in alarm["Metrics"] if "Expression" in query]
    assert expression["Expression"].startswith("IF(requests >= 20, 100 * (FILL(target5xx, 0) + FILL(elb5xx, 0))")
    metric_names = {q["MetricStat"]["Metric"]["MetricName"] for q in alarm["Metrics"] if "MetricStat" in q}
    assert metric_names == {"RequestCount", "HTTPCode_Target_5XX_Count", "HTTPCode_ELB_5XX_Count"}
    assert (alarm["Threshold"], alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (5, 5, 3)


def test_latency_alarm_watches_the_targets_p99(synthesized: SynthesizedPlatform) -> None:
    alarm = alarms(synthesized, "Prod")["http-p99-latency"]

    assert (alarm["MetricName"], alarm["ExtendedStatistic"], alarm["Threshold"]) == ("TargetResponseTime", "p99", 2)


def test_missing_tasks_compare_running_with_desired(synthesized: SynthesizedPlatform) -> None:
    alarm = alarms(synthesized, "Prod")["web-tasks-missing"]

    names = {q["MetricStat"]["Metric"]["MetricName"] for q in alarm["Metrics"] if "MetricStat" in q}
    assert names == {"DesiredTaskCount", "RunningTaskCount"}
    assert alarm["EvaluationPeriods"] == 10


@pytest.mark.parametrize("environment", ["staging", "prod"])
def test_database_thresholds_follow_the_instance_class_and_storage(
    synthesized: SynthesizedPlatform, config: PlatformConfig, environment: str
) -> None:
    database = config.environment(environment).database
    found = alarms(synthesized, environment.capitalize())

    assert found["database-connections"]["Threshold"] == int(default_max_connections(database.instance_class) * 0.8)
    assert database.free_storage_alarm_percent == 10
    assert found["database-free-storage"]["Threshold"] == pytest.approx(database.allocated_storage_gib * 0.10 * 2**30)
    assert found["database-freeable-memory"]["ComparisonOperator"] == "LessThanThreshold"


@pytest.mark.parametrize("stage", STAGES)
def test_rotation_alarm_watches_the_function_the_database_stack_deploys(
    synthesized: SynthesizedPlatform, stage: str
) -> None:
    """One alarm per login: the owner's (`admin`, single-user rotation) and the app user's (alternating users)."""
    applications = synthesized.resources(f"{stage}/Database", "AWS::Serverless::Application")
    log_groups = synthesized.resources(f"{stage}/Database", "AWS::Logs::LogGroup").values()

    for secret, application_id in (("admin", "PostgresRotationSingleUser"), ("app", "AppUserRotation")):
        (application,) = [a for logical_id, a in applications.items() if logical_id.startswith(application_id)]
        function_name = application["Properties"]["Parameters"]["functionName"]
        alarm = alarms(synthesized, stage)[f"database-{secret}-secret-rotation"]
        assert alarm["Dimensions"] == [{"Name": "FunctionName", "Value": function_name}]
        assert f"/aws/lambda/{function_name}" in {group["Properties"].get("LogGroupName") for group in log_groups}


def test_backup_alarm_watches_the_vault_of_the_plan(synthesized: SynthesizedPlatform) -> None:
    (vault,) = synthesized.resources("Prod/Database", "AWS::Backup::BackupVault").values()

    alarm = alarms(synthesized, "Prod")["database-backup-failed"]

    dimensions = [q["MetricStat"]["Metric"]["Dimensions"] for q in alarm["Metrics"] if "MetricStat" in q]
    assert dimensions == [[{"Name": "BackupVaultName", "Value": vault["Properties"]["BackupVaultName"]}]] * 2


@pytest.mark.parametrize(
    ("metric_name", "error_code"),
    [
        ("ServerErrors", "server_error"),
        ("DatabaseUnavailable", "database_unavailable"),
        ("ServiceBusy", "service_busy"),
    ],
)
def test_request_log_filters_tell_an_outage_from_a_bug(
    synthesized: SynthesizedPlatform, metric_name: str, error_code: str
) -> None:
    filters = synthesized.resources("Prod/Service", "AWS::Logs::MetricFilter").values()
    (found,) = [
        f["Properties"] for f in filters if f["Properties"]["MetricTransformations"][0]["MetricName"] == metric_name
    ]

    assert found["FilterPattern"] == f'{{ ($.event = "request") && ($.error_code = "{error_code}") }}'
    assert found["LogGroupName"]["Ref"].startswith("ContainerLogs")
    assert found["MetricTransformations"][0]["MetricNamespace"] == "competition-platform/prod"


def test_database_unavailable_outlasts_a_failover_and_server_errors_need_a_pattern(
    synthesized: SynthesizedPlatform,
) -> None:
    found = alarms(synthesized, "Prod")

    outage, bugs = found["database-unavailable"], found["server-errors"]
    (expression,) = [query for query in outage["Metrics"] if "Expression" in query]
    counted = {
        q["MetricStat"]["Metric"]["MetricName"]: q["MetricStat"]["Period"]
        for q in outage["Metrics"]
        if "MetricStat" in q
    }
    assert expression["Expression"] == "FILL(unavailable, 0) + FILL(busy, 0)"
    assert counted == {"DatabaseUnavailable": 60, "ServiceBusy": 60}
    assert outage["EvaluationPeriods"] == 3
    assert (bugs["MetricName"], bugs["Period"], bugs["Threshold"]) == ("ServerErrors", 300, 5)


@pytest.mark.parametrize("stage", STAGES)
def test_alarm_topic_is_encrypted_with_the_environment_key_and_refuses_plain_http(
    synthesized: SynthesizedPlatform, stage: str
) -> None:
    (topic,) = synthesized.resources(f"{stage}/Network", "AWS::SNS::Topic").values()
    (key_id,) = synthesized.resources(f"{stage}/Network", "AWS::KMS::Key")
    (policy,) = synthesized.resources(f"{stage}/Network", "AWS::SNS::TopicPolicy").values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]

    assert topic["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in statements
    )
    (publish,) = [s for s in statements if s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}]
    assert publish["Condition"]["ArnLike"]["aws:SourceArn"].endswith(f":alarm:competition-platform-{stage.lower()}-*")


def test_key_lets_only_this_environments_alarms_publish(synthesized: SynthesizedPlatform) -> None:
    (key,) = synthesized.resources("Prod/Network", "AWS::KMS::Key").values()

    (statement,) = [
        s
        for s in key["Properties"]["KeyPolicy"]["Statement"]
        if s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    ]

    assert sorted(statement["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey*"]
    assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": "333333333333"}
    assert statement["Condition"]["ArnLike"]["aws:SourceArn"].endswith(":alarm:competition-platform-prod-*")


@pytest.mark.parametrize(("stage", "email"), [("Dev", None), ("Staging", "platform-alerts@example.com")])
def test_email_subscription_comes_from_config(synthesized: SynthesizedPlatform, stage: str, email: str | None) -> None:
    subscriptions = synthesized.resources(f"{stage}/Network", "AWS::SNS::Subscription").values()

    assert [(s["Properties"]["Protocol"], s["Properties"]["Endpoint"]) for s in subscriptions] == (
        [("email", email)] if email else []
    )


@pytest.mark.parametrize(("stage", "firewall_row"), [("Dev", False), ("Staging", True), ("Prod", True)])
def test_dashboard_shows_alarms_requests_tasks_database_and_the_firewall_where_there_is_one(
    synthesized: SynthesizedPlatform, config: PlatformConfig, stage: str, firewall_row: bool
) -> None:
    (dashboard,) = synthesized.resources(f"{stage}/Service", "AWS::CloudWatch::Dashboard").values()
    body = json.dumps(dashboard["Properties"]["DashboardBody"])

    assert dashboard["Properties"]["DashboardName"] == f"competition-platform-{stage.lower()}"
    for heading in ("## Requests", "## Web tasks", "## Database"):
        assert heading in body
    assert ("## Web firewall" in body) is firewall_row
    for metric in ("RequestCount", "TargetResponseTime", "ServerErrors", "DatabaseUnavailable", "DatabaseConnections"):
        assert metric in body
    # Task counts come from Container Insights: no empty graph lines where it is off (the lean dev profile).
    container_insights = config.environment(stage.lower()).cost_profile.container_insights
    assert ("RunningTaskCount" in body) is container_insights


def test_a_work_queue_and_its_dead_letters_are_watched_with_one_call(config: PlatformConfig) -> None:
    # Read from the constructs, not a synthesis: a second app's synthesis would cost the suite seconds.
    stack = cdk.Stack(cdk.App(), "QueueExample")
    queue, dead_letters = sqs.Queue(stack, "Scoring"), sqs.Queue(stack, "ScoringDeadLetters")
    topic = sns.Topic(stack, "Topic")
    operator_alarms = OperatorAlarms(
        stack, "Alarms", OperatorAlarmsProps(config=config.environment("prod"), topic=topic)
    )

    created = operator_alarms.watch_queue(
        WatchedQueue(queue=queue, dead_letter_queue=dead_letters, max_message_age=cdk.Duration.minutes(10))
    )

    found = {
        str(cfn.alarm_name): cfn for cfn in (cast(cloudwatch.CfnAlarm, alarm.node.default_child) for alarm in created)
    }
    age = found["competition-platform-prod-scoring-queue-age"]
    dead = found["competition-platform-prod-scoring-dead-letters"]
    assert (age.metric_name, age.threshold) == ("ApproximateAgeOfOldestMessage", 600)
    # Hidden dead letters count too: the sweep reads them (30 s hidden) to mark their submissions failed.
    dead_metrics = {
        query["metricStat"]["metric"]["metricName"] for query in stack.resolve(dead.metrics) if "metricStat" in query
    }
    assert dead.threshold == 1
    assert dead_metrics == {"ApproximateNumberOfMessagesVisible", "ApproximateNumberOfMessagesNotVisible"}
    topic_arn = stack.resolve(topic.topic_arn)
    for cfn in found.values():
        assert stack.resolve(cfn.alarm_actions) == stack.resolve(cfn.ok_actions) == [topic_arn]


def test_service_stack_names_the_log_group_the_queries_run_in(synthesized: SynthesizedPlatform) -> None:
    outputs = synthesized.template_json("Prod/Service")["Outputs"]

    assert outputs["ContainerLogGroupName"]["Value"]["Ref"].startswith("ContainerLogs")


@pytest.mark.parametrize("stage", STAGES)
def test_dev_switches_the_queue_age_alarms_actions_off_while_its_workers_are_held_at_zero(
    synthesized: SynthesizedPlatform, config: PlatformConfig, stage: str
) -> None:
    """A message sent just before dev's stop waits until morning: its age must not page every night."""
    off_hours = config.environment(stage.lower()).cost_profile.off_hours
    (alarm_id,) = [
        i
        for i, a in synthesized.resources(f"{stage}/Service", "AWS::CloudWatch::Alarm").items()
        if a["Properties"]["AlarmName"].endswith("-scoring-queue-age")
    ]
    calls = {
        schedule["Properties"]["Target"]["Arn"].rsplit(":", 1)[1]: schedule["Properties"]
        for schedule in synthesized.resources(f"{stage}/Service", "AWS::Scheduler::Schedule").values()
        if ":aws-sdk:cloudwatch:" in schedule["Properties"]["Target"]["Arn"]
    }

    if off_hours is None:
        assert calls == {}
        return
    assert set(calls) == {"disableAlarmActions", "enableAlarmActions"}
    assert calls["disableAlarmActions"]["ScheduleExpression"] == f"cron(0 {off_hours.stop_hour_utc} ? * MON-FRI *)"
    assert calls["enableAlarmActions"]["ScheduleExpression"] == f"cron(0 {off_hours.start_hour_utc} ? * MON-FRI *)"
    for call in calls.values():
        assert universal_target_input(call["Target"]["Input"]) == {"AlarmNames": [{"Ref": alarm_id}]}
    role_id = calls["disableAlarmActions"]["Target"]["RoleArn"]["Fn::GetAtt"][0]
    (statement,) = [
        s
        for p in synthesized.resources(f"{stage}/Service", "AWS::IAM::Policy").values()
        if {"Ref": role_id} in p["Properties"]["Roles"]
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    assert statement["Action"] == ["cloudwatch:DisableAlarmActions", "cloudwatch:EnableAlarmActions"]
    assert statement["Resource"] == {"Fn::GetAtt": [alarm_id, "Arn"]}
