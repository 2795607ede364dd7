"""Issue 10's scoring path in the Service stack: the scoring queue and its dead-letter queue, the worker service that
takes from it, its scaling on the backlog, its permissions and network, and what it costs."""

from __future__ import annotations

from typing import Any

import pytest

from scripts.cost.estimate import estimate_environment
from scripts.cost.price_table import load_price_table
from scripts.cost.pricers import PRICERS
from stacks.config import PlatformConfig
from stacks.database import DATABASE_PORT
from stacks.scoring.backlog_scaling import BACKLOG_PER_WORKER, WAITING_WITHOUT_WORKER
from stacks.scoring.workers import WORKER_COMMAND
from tests.conftest import SCORING_WORKERS, SynthesizedPlatform
from tests.test_cost_profile import off_hours_bounds, scheduled_bounds
from tests.test_cost_report import REGION, templates_of

STAGES = ["Dev", "Staging", "Prod"]


def queues(synthesized: SynthesizedPlatform, stage: str) -> dict[str, dict[str, Any]]:
    """The stage's queues by name, without the environment prefix."""
    prefix = f"competition-platform-{stage.lower()}-"
    return {
        queue["Properties"]["QueueName"].removeprefix(prefix): {"LogicalId": logical_id, **queue["Properties"]}
        for logical_id, queue in synthesized.resources(f"{stage}/Service", "AWS::SQS::Queue").items()
    }


def workers(synthesized: SynthesizedPlatform, stage: str, resource_type: str) -> dict[str, Any]:
    """The one resource of the type among the scoring workers'."""
    (found,) = [
        resource["Properties"]
        for logical_id, resource in synthesized.resources(f"{stage}/Service", resource_type).items()
        if logical_id.startswith(SCORING_WORKERS)
    ]
    return dict(found)


def role_statements(synthesized: SynthesizedPlatform, stage: str, role_prefix: str) -> list[dict[str, Any]]:
    return [
        statement
        for logical_id, policy in synthesized.resources(f"{stage}/Service", "AWS::IAM::Policy").items()
        if logical_id.startswith(role_prefix)
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


@pytest.mark.parametrize("environment", ["dev", "staging", "prod"])
def test_queue_redrives_to_its_dead_letters_after_the_configured_receives_and_outlives_scoring(
    synthesized: SynthesizedPlatform, config: PlatformConfig, environment: str
) -> None:
    scoring = config.environment(environment).scoring
    found = queues(synthesized, environment.capitalize())
    queue, dead_letters = found["scoring"], found["scoring-dead-letters"]

    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": [dead_letters["LogicalId"], "Arn"]},
        "maxReceiveCount": scoring.max_receives,
    }
    # A live worker keeps a message at most the scoring time and then a stop timeout (SIGTERM to kill).
    assert queue["VisibilityTimeout"] == scoring.max_scoring_seconds + 120
    # A dead letter keeps its original enqueue time: the dead-letter queue must keep messages longer.
    assert (queue["MessageRetentionPeriod"], dead_letters["MessageRetentionPeriod"]) == (4 * 86400, 14 * 86400)
    for properties in (queue, dead_letters):
        assert properties["SqsManagedSseEnabled"] is True and "KmsMasterKeyId" not in properties


@pytest.mark.parametrize("stage", STAGES)
def test_both_queues_refuse_plain_http(synthesized: SynthesizedPlatform, stage: str) -> None:
    found = queues(synthesized, stage)
    policies = synthesized.resources(f"{stage}/Service", "AWS::SQS::QueuePolicy").values()

    denied = {
        queue["Ref"]
        for policy in policies
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement["Effect"] == "Deny" and statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        for queue in policy["Properties"]["Queues"]
    }
    assert denied == {queue["LogicalId"] for queue in found.values()}


@pytest.mark.parametrize("environment", ["dev", "staging", "prod"])
def test_workers_run_the_web_image_with_the_worker_command_at_the_configured_size(
    synthesized: SynthesizedPlatform, config: PlatformConfig, environment: str
) -> None:
    scoring, stage = config.environment(environment).scoring, environment.capitalize()
    definitions = synthesized.resources(f"{stage}/Service", "AWS::ECS::TaskDefinition").values()
    by_family = {d["Properties"]["Family"].rsplit("-", 1)[1]: d["Properties"] for d in definitions}
    (worker,) = by_family["worker"]["ContainerDefinitions"]
    (web,) = by_family["web"]["ContainerDefinitions"]

    assert worker["Command"] == WORKER_COMMAND
    assert worker["Image"] == web["Image"]
    assert (by_family["worker"]["Cpu"], by_family["worker"]["Memory"]) == (str(scoring.cpu), str(scoring.memory_mib))
    # Fargate's longest: a stopped worker finishes its submission or releases the message.
    assert worker["StopTimeout"] == 120
    assert worker["LogConfiguration"]["Options"]["awslogs-stream-prefix"] == "worker"
    assert worker["LogConfiguration"]["Options"]["awslogs-group"] == web["LogConfiguration"]["Options"]["awslogs-group"]
    assert "PortMappings" not in worker


@pytest.mark.parametrize(
    ("stage", "strategy"),
    [
        ("Dev", [{"CapacityProvider": "FARGATE_SPOT", "Weight": 1}]),
        ("Staging", [{"CapacityProvider": "FARGATE_SPOT", "Weight": 1}]),
        # Production's minWorkers stay on on-demand Fargate: a Spot shortage slows a burst, never stops scoring.
        (
            "Prod",
            [
                {"CapacityProvider": "FARGATE", "Base": 2, "Weight": 0},
                {"CapacityProvider": "FARGATE_SPOT", "Weight": 1},
            ],
        ),
    ],
)
def test_workers_run_on_spot_where_configured_in_private_subnets_with_their_own_rollback(
    synthesized: SynthesizedPlatform, stage: str, strategy: list[dict[str, Any]]
) -> None:
    service = workers(synthesized, stage, "AWS::ECS::Service")
    (association_id,) = synthesized.resources(f"{stage}/Service", "AWS::ECS::ClusterCapacityProviderAssociations")
    (service_id,) = [
        i for i in synthesized.resources(f"{stage}/Service", "AWS::ECS::Service") if i.startswith(SCORING_WORKERS)
    ]

    assert service["CapacityProviderStrategy"] == strategy and "LaunchType" not in service
    # The cluster's capacity providers exist before the service names them (aws/containers-roadmap#631).
    assert association_id in synthesized.template_json(f"{stage}/Service")["Resources"][service_id]["DependsOn"]
    assert service["ServiceName"] == f"competition-platform-{stage.lower()}-worker"
    assert service["DeploymentConfiguration"]["DeploymentCircuitBreaker"] == {"Enable": True, "Rollback": True}
    network = service["NetworkConfiguration"]["AwsvpcConfiguration"]
    assert network["AssignPublicIp"] == "DISABLED"
    assert all("PrivateSubnet" in str(subnet) for subnet in network["Subnets"])


def test_workers_accept_nothing_and_reach_only_the_database_and_https(synthesized: SynthesizedPlatform) -> None:
    group_id = next(
        i for i in synthesized.resources("Prod/Service", "AWS::EC2::SecurityGroup") if i.startswith(SCORING_WORKERS)
    )
    group = synthesized.resources("Prod/Service", "AWS::EC2::SecurityGroup")[group_id]["Properties"]
    reference = {"Fn::GetAtt": [group_id, "GroupId"]}
    egress = [
        rule["Properties"]
        for rule in synthesized.resources("Prod/Service", "AWS::EC2::SecurityGroupEgress").values()
        if rule["Properties"]["GroupId"] == reference
    ]
    ingress_to_workers = [
        rule
        for rule in synthesized.resources("Prod/Service", "AWS::EC2::SecurityGroupIngress").values()
        if rule["Properties"]["GroupId"] == reference
    ]
    database_ingress = [
        rule["Properties"]
        for rule in synthesized.resources("Prod/Service", "AWS::EC2::SecurityGroupIngress").values()
        if rule["Properties"].get("SourceSecurityGroupId") == reference
    ]

    assert "SecurityGroupIngress" not in group and ingress_to_workers == []
    assert [(rule["CidrIp"], rule["FromPort"]) for rule in group["SecurityGroupEgress"]] == [("0.0.0.0/0", 443)]
    assert [(rule["FromPort"], rule["ToPort"]) for rule in egress] == [(DATABASE_PORT, DATABASE_PORT)]
    assert [(rule["FromPort"], "Database" in str(rule["GroupId"])) for rule in database_ingress] == [
        (DATABASE_PORT, True)
    ]


def sqs_grants(statements: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Queue logical id → the SQS actions granted on it."""
    granted: dict[str, list[str]] = {}
    for statement in statements:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        for resource in resources:
            if (
                isinstance(resource, dict)
                and "Fn::GetAtt" in resource
                and resource["Fn::GetAtt"][0].startswith("Scoring")
            ):
                granted.setdefault(resource["Fn::GetAtt"][0], []).extend(a for a in actions if a.startswith("sqs:"))
    return {queue: sorted(actions) for queue, actions in granted.items()}


def test_the_web_task_only_sends_and_the_workers_consume_and_send_again(synthesized: SynthesizedPlatform) -> None:
    found = queues(synthesized, "Prod")
    queue, dead_letters = found["scoring"]["LogicalId"], found["scoring-dead-letters"]["LogicalId"]
    consume = [
        "sqs:ChangeMessageVisibility",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "sqs:GetQueueUrl",
        "sqs:ReceiveMessage",
    ]

    assert sqs_grants(role_statements(synthesized, "Prod", "WebTaskTaskRole")) == {
        queue: ["sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage"]
    }
    # The sweep and `requeue_submission` run the workers' task definition and send `queued` submissions again; the
    # sweep only reads the dead letters (to mark their submissions failed) and leaves them for operators.
    assert sqs_grants(role_statements(synthesized, "Prod", "ScoringWorkersTaskDefinitionTaskRole")) == {
        queue: sorted([*consume, "sqs:SendMessage"]),
        dead_letters: ["sqs:ReceiveMessage"],
    }
    assert sqs_grants(role_statements(synthesized, "Prod", "MigrationTaskTaskRole")) == {}


def test_workers_read_the_app_users_login_and_no_other_secret(synthesized: SynthesizedPlatform) -> None:
    statements = role_statements(synthesized, "Prod", "ScoringWorkersTaskDefinitionTaskRole")

    (secret,) = [s for s in statements if "secretsmanager:GetSecretValue" in s["Action"]]
    assert "AppUserSecretAttachment" in str(secret["Resource"])
    assert "PostgresSecretAttachment" not in str(statements)


@pytest.mark.parametrize("stage", STAGES)
def test_workers_may_protect_only_this_clusters_tasks_from_scale_in(
    synthesized: SynthesizedPlatform, config: PlatformConfig, stage: str
) -> None:
    env = config.environment(stage.lower())
    statements = role_statements(synthesized, stage, "ScoringWorkersTaskDefinitionTaskRole")
    (protection,) = [s for s in statements if "ecs:UpdateTaskProtection" in s["Action"]]
    assert protection["Action"] == ["ecs:GetTaskProtection", "ecs:UpdateTaskProtection"]
    assert protection["Resource"] == f"arn:aws:ecs:{env.region}:{env.account}:task/{env.resource_name()}/*"
    assert "Condition" not in protection  # the resource scopes it; a condition on an absent key would deny
    # No other role of the stack may change a task's protection.
    others = [
        statement
        for logical_id, policy in synthesized.resources(f"{stage}/Service", "AWS::IAM::Policy").items()
        if not logical_id.startswith("ScoringWorkersTaskDefinitionTaskRole")
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    assert "TaskProtection" not in str(others)


@pytest.mark.parametrize("environment", ["dev", "staging", "prod"])
def test_workers_track_the_backlog_per_busy_worker_between_the_configured_bounds(
    synthesized: SynthesizedPlatform, config: PlatformConfig, environment: str
) -> None:
    scoring = config.environment(environment).scoring
    stage = environment.capitalize()
    target = workers(synthesized, stage, "AWS::ApplicationAutoScaling::ScalableTarget")
    policies = [
        p["Properties"]
        for logical_id, p in synthesized.resources(
            f"{stage}/Service", "AWS::ApplicationAutoScaling::ScalingPolicy"
        ).items()
        if logical_id.startswith(SCORING_WORKERS)
    ]
    (tracking,) = [
        p["TargetTrackingScalingPolicyConfiguration"] for p in policies if p["PolicyType"] == "TargetTrackingScaling"
    ]
    (step,) = [p["StepScalingPolicyConfiguration"] for p in policies if p["PolicyType"] == "StepScaling"]

    assert (target["MinCapacity"], target["MaxCapacity"]) == (scoring.min_workers, scoring.max_workers)
    assert tracking["TargetValue"] == scoring.backlog_per_worker
    queries = {query["Id"]: query for query in tracking["CustomizedMetricSpecification"]["Metrics"]}
    assert queries["backlog_per_worker"]["Expression"] == BACKLOG_PER_WORKER
    assert [q["Id"] for q in queries.values() if q["ReturnData"]] == ["backlog_per_worker"]
    assert {q["MetricStat"]["Metric"]["MetricName"] for q in queries.values() if "MetricStat" in q} == {
        "ApproximateNumberOfMessagesVisible",
        "ApproximateNumberOfMessagesNotVisible",
    }
    # Scaling out from zero: one more worker while messages wait and none holds one.
    assert step["AdjustmentType"] == "ChangeInCapacity"
    assert step["StepAdjustments"] == [{"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}]


def test_a_message_waiting_with_no_worker_holding_one_starts_a_worker(synthesized: SynthesizedPlatform) -> None:
    policies = synthesized.resources("Dev/Service", "AWS::ApplicationAutoScaling::ScalingPolicy")
    (step_id,) = [
        i
        for i, p in policies.items()
        if i.startswith(SCORING_WORKERS) and p["Properties"]["PolicyType"] == "StepScaling"
    ]
    (alarm,) = [
        a["Properties"]
        for a in synthesized.resources("Dev/Service", "AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("AlarmActions") == [{"Ref": step_id}]
    ]

    (expression,) = [q for q in alarm["Metrics"] if "Expression" in q]
    assert expression["Expression"] == WAITING_WITHOUT_WORKER
    assert (alarm["Threshold"], alarm["EvaluationPeriods"], alarm["ComparisonOperator"]) == (
        1,
        1,
        "GreaterThanOrEqualToThreshold",
    )
    assert "OKActions" not in alarm, "a scaling alarm pages nobody"


def test_dev_workers_are_held_at_zero_outside_working_hours(
    synthesized: SynthesizedPlatform, config: PlatformConfig
) -> None:
    env = config.environment("dev")
    hours = env.cost_profile.off_hours
    assert hours is not None
    target = workers(synthesized, "Dev", "AWS::ApplicationAutoScaling::ScalableTarget")

    assert scheduled_bounds(target) == off_hours_bounds(hours, env.scoring.min_workers, env.scoring.max_workers)
    assert "ScheduledActions" not in workers(synthesized, "Prod", "AWS::ApplicationAutoScaling::ScalableTarget")


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_queue_age_alarm_uses_the_configured_threshold(
    synthesized: SynthesizedPlatform, config: PlatformConfig, environment: str
) -> None:
    minutes = config.environment(environment).scoring.queue_age_alarm_minutes
    (alarm,) = [
        a["Properties"]
        for a in synthesized.resources(f"{environment.capitalize()}/Service", "AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("AlarmName", "").endswith("-scoring-queue-age")
    ]

    assert (alarm["MetricName"], alarm["Threshold"]) == ("ApproximateAgeOfOldestMessage", minutes * 60)


def test_service_stack_names_the_queues_an_operator_redrives(synthesized: SynthesizedPlatform) -> None:
    outputs = synthesized.template_json("Prod/Service")["Outputs"]
    found = queues(synthesized, "Prod")

    assert outputs["ScoringQueueUrl"]["Value"] == {"Ref": found["scoring"]["LogicalId"]}
    assert outputs["ScoringDeadLetterQueueUrl"]["Value"] == {"Ref": found["scoring-dead-letters"]["LogicalId"]}


def test_workers_are_priced_at_their_minimum_with_spot_where_configured(
    synthesized: SynthesizedPlatform, config: PlatformConfig
) -> None:
    table = load_price_table(REGION)

    def worker_lines(environment: str) -> list[tuple[str, float]]:
        result = estimate_environment(environment, templates_of(synthesized, environment), table, PRICERS)
        return [
            (line.description, line.monthly_usd)
            for line in result.lines
            if line.category == "Fargate" and f"/{SCORING_WORKERS}" in line.resource
        ]

    prod = config.environment("prod").scoring
    hours = table.hours_per_month
    on_demand = prod.cpu / 1024 * table.price("fargateVcpuHourX86") + prod.memory_mib / 1024 * table.price(
        "fargateGbHourX86"
    )

    assert [usd for _, usd in worker_lines("dev")] == [0.0]
    assert sum(usd for _, usd in worker_lines("prod")) == pytest.approx(prod.min_workers * hours * on_demand)
    assert all("FARGATE_SPOT" in description for description, _ in worker_lines("staging"))


def test_a_dead_letter_queue_is_priced_at_its_own_small_request_volume(synthesized: SynthesizedPlatform) -> None:
    table = load_price_table(REGION)
    result = estimate_environment("prod", templates_of(synthesized, "prod"), table, PRICERS)

    sqs = sorted(line.monthly_usd for line in result.lines if line.category == "SQS")

    per_million = table.price("sqsRequestsMillion")
    assert sqs == pytest.approx(
        [
            table.assumed("sqsDeadLetterRequestsMillionsPerMonth", "prod") * per_million,
            table.assumed("sqsRequestsMillionsPerMonth", "prod") * per_million,
        ]
    )
