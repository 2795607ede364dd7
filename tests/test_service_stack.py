"""ServiceStack: the Fargate service, its load balancer, scaling, secrets, security groups and migration task."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Match

from scripts import infra_diff
from stacks.config import PlatformConfig
from stacks.database import DATABASE_PORT
from stacks.migrations.construct import MIGRATION_COMMAND
from stacks.service import CONTAINER_PORT, HEALTH_CHECK_PATH
from stacks.service.container_environment import DATABASE_SECRET_FIELDS
from tests.conftest import SynthesizedPlatform, web_service_resources

# The service stack's one secret is the Django key: losing it signs users out and loses no data.
STATEFUL_TYPES_OF_DATA = infra_diff.STATEFUL_TYPES - {"AWS::SecretsManager::Secret"}


def task_definition(synthesized: SynthesizedPlatform, stage: str, role: str) -> dict[str, Any]:
    (definition,) = [
        resource["Properties"]
        for resource in synthesized.resources(f"{stage}/Service", "AWS::ECS::TaskDefinition").values()
        if resource["Properties"]["Family"].endswith(f"-{role}")
    ]
    return definition


def security_group_id(synthesized: SynthesizedPlatform, stage: str, prefix: str) -> str:
    (logical_id,) = [
        logical_id
        for logical_id in synthesized.resources(f"{stage}/Service", "AWS::EC2::SecurityGroup")
        if logical_id.startswith(prefix)
    ]
    return logical_id


def test_cluster_has_container_insights(synthesized: SynthesizedPlatform) -> None:
    synthesized.template("Prod/Service").has_resource_properties(
        "AWS::ECS::Cluster", {"ClusterSettings": [{"Name": "containerInsights", "Value": "enabled"}]}
    )


@pytest.mark.parametrize("stage", ["Dev", "Staging", "Prod"])
def test_deployments_roll_back_on_failure_and_keep_full_capacity(synthesized: SynthesizedPlatform, stage: str) -> None:
    synthesized.template(f"{stage}/Service").has_resource_properties(
        "AWS::ECS::Service",
        {
            "DeploymentConfiguration": {
                "DeploymentCircuitBreaker": {"Enable": True, "Rollback": True},
                "MinimumHealthyPercent": 100,
                "MaximumPercent": 200,
            },
            "HealthCheckGracePeriodSeconds": 60,
            "NetworkConfiguration": {"AwsvpcConfiguration": Match.object_like({"AssignPublicIp": "DISABLED"})},
        },
    )


def test_service_runs_the_image_built_from_the_service_folder(synthesized: SynthesizedPlatform) -> None:
    image = task_definition(synthesized, "Prod", "web")["ContainerDefinitions"][0]["Image"]

    assert "container-assets" in str(image)


@pytest.mark.parametrize("environment", ["dev", "staging", "prod"])
def test_task_size_comes_from_config(
    synthesized: SynthesizedPlatform, config: PlatformConfig, environment: str
) -> None:
    env = config.environment(environment)

    for role in ("web", "migrate"):
        definition = task_definition(synthesized, env.stage_id, role)
        assert definition["Cpu"] == str(env.service.cpu)
        assert definition["Memory"] == str(env.service.memory_mib)


# Where each task's credentials come from: the web task logs in as the app user, the migration task as the owner
# (the master user) and learns the app user's first password, to create that role. A secret of the database stack is
# named in a task definition by its cross-stack reference, which carries the secret attachment's logical id.
APP_USER_ATTACHMENT = "AppUserSecretAttachment"
OWNER_ATTACHMENT = "PostgresSecretAttachment"
TASK_SECRETS = {
    "web": {**dict.fromkeys(DATABASE_SECRET_FIELDS, APP_USER_ATTACHMENT), "DJANGO_SECRET_KEY": "DjangoSecretKey"},
    "migrate": {
        **dict.fromkeys(DATABASE_SECRET_FIELDS, OWNER_ATTACHMENT),
        "DATABASE_APP_PASSWORD": APP_USER_ATTACHMENT,
        "DJANGO_SECRET_KEY": "DjangoSecretKey",
    },
}


@pytest.mark.parametrize("stage", ["Dev", "Prod"])
@pytest.mark.parametrize("role", ["web", "migrate"])
def test_credentials_reach_the_container_as_secrets_never_as_environment(
    synthesized: SynthesizedPlatform, stage: str, role: str
) -> None:
    container = task_definition(synthesized, stage, role)["ContainerDefinitions"][0]
    secrets = {secret["Name"]: str(secret["ValueFrom"]) for secret in container["Secrets"]}
    environment = {variable["Name"] for variable in container["Environment"]}

    assert set(secrets) == set(TASK_SECRETS[role])
    for name, source in TASK_SECRETS[role].items():
        assert source in secrets[name], f"{name} must come from {source}"
    for name, json_field in {**DATABASE_SECRET_FIELDS, "DATABASE_APP_PASSWORD": "password"}.items():
        if name in secrets:
            assert f"':{json_field}::'" in secrets[name], name
    assert not environment & set(secrets)
    assert not [name for name in environment if "PASSWORD" in name or name.endswith("SECRET_KEY")]


def test_web_task_role_reads_only_the_app_users_secret(synthesized: SynthesizedPlatform) -> None:
    """The running service can re-read its own rotated login and nothing else: never the owner's."""
    policies = synthesized.resources("Prod/Service", "AWS::IAM::Policy")
    (web_policy,) = [policy for logical_id, policy in policies.items() if logical_id.startswith("WebTaskTaskRole")]

    secret_statements = [
        statement
        for statement in web_policy["Properties"]["PolicyDocument"]["Statement"]
        if "secretsmanager:GetSecretValue" in statement["Action"]
    ]

    assert len(secret_statements) == 1
    assert APP_USER_ATTACHMENT in str(secret_statements[0]["Resource"])
    assert OWNER_ATTACHMENT not in str(web_policy)


def test_migration_task_role_reads_no_secret(synthesized: SynthesizedPlatform) -> None:
    """ECS (the execution role) resolves the migration task's secrets at start; the task itself needs none."""
    policies = synthesized.resources("Prod/Service", "AWS::IAM::Policy")

    migration_policies = [
        policy for logical_id, policy in policies.items() if logical_id.startswith("MigrationTaskTaskRole")
    ]

    assert "secretsmanager" not in str(migration_policies)


def test_migration_task_runs_migrate_with_the_same_image(synthesized: SynthesizedPlatform) -> None:
    web = task_definition(synthesized, "Prod", "web")["ContainerDefinitions"][0]
    migrate = task_definition(synthesized, "Prod", "migrate")["ContainerDefinitions"][0]

    assert migrate["Command"] == MIGRATION_COMMAND
    assert migrate["Image"] == web["Image"]
    assert "PortMappings" not in migrate


def test_container_logs_have_retention(synthesized: SynthesizedPlatform) -> None:
    template = synthesized.template("Prod/Service")

    template.has_resource_properties("AWS::Logs::LogGroup", {"RetentionInDays": 180})
    container = task_definition(synthesized, "Prod", "web")["ContainerDefinitions"][0]
    assert container["LogConfiguration"]["LogDriver"] == "awslogs"


def test_target_group_checks_the_health_endpoint(synthesized: SynthesizedPlatform) -> None:
    synthesized.template("Prod/Service").has_resource_properties(
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        {
            "Port": CONTAINER_PORT,
            "Protocol": "HTTP",
            "TargetType": "ip",
            "HealthCheckPath": HEALTH_CHECK_PATH,
            "Matcher": {"HttpCode": "200"},
        },
    )


def test_with_a_domain_http_redirects_to_https_with_a_dns_validated_certificate(
    synthesized: SynthesizedPlatform, config: PlatformConfig
) -> None:
    template = synthesized.template("Prod/Service")
    domain = config.environment("prod").domain
    assert domain is not None

    template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::Listener",
        {
            "Port": 80,
            "DefaultActions": [
                {
                    "Type": "redirect",
                    "RedirectConfig": Match.object_like({"Protocol": "HTTPS", "Port": "443"}),
                }
            ],
        },
    )
    template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::Listener",
        {
            "Port": 443,
            "Protocol": "HTTPS",
            "Certificates": [Match.any_value()],
            "SslPolicy": Match.any_value(),
        },
    )
    template.has_resource_properties(
        "AWS::Route53::RecordSet",
        {"Name": f"{domain.domain_name}.", "Type": "A", "HostedZoneId": domain.hosted_zone_id},
    )


@pytest.mark.parametrize("stage", ["Staging", "Prod"])
def test_the_certificate_is_validated_in_its_own_stack_before_the_service_stack(
    synthesized: SynthesizedPlatform, config: PlatformConfig, stage: str
) -> None:
    """A validation that never completes (an undelegated zone) rolls back a stack holding nothing protected, and the
    service stack never starts: it imports the certificate, so CloudFormation deploys it afterwards."""
    domain = config.environment(stage.lower()).domain
    assert domain is not None

    synthesized.template(f"{stage}/Certificate").has_resource_properties(
        "AWS::CertificateManager::Certificate",
        {
            "DomainName": domain.domain_name,
            "ValidationMethod": "DNS",
            "DomainValidationOptions": [{"DomainName": domain.domain_name, "HostedZoneId": domain.hosted_zone_id}],
        },
    )
    resources = synthesized.template_json(f"{stage}/Certificate")["Resources"].values()
    assert {resource["Type"] for resource in resources} == {"AWS::CertificateManager::Certificate"}
    synthesized.template(f"{stage}/Service").resource_count_is("AWS::CertificateManager::Certificate", 0)
    (https,) = [
        listener["Properties"]
        for listener in synthesized.resources(f"{stage}/Service", "AWS::ElasticLoadBalancingV2::Listener").values()
        if listener["Properties"]["Port"] == 443
    ]
    assert "Certificate" in str(https["Certificates"][0]["CertificateArn"]["Fn::ImportValue"])


def test_without_a_domain_the_service_answers_plain_http(synthesized: SynthesizedPlatform) -> None:
    template = synthesized.template("Dev/Service")

    template.resource_count_is("AWS::ElasticLoadBalancingV2::Listener", 1)
    template.has_resource_properties("AWS::ElasticLoadBalancingV2::Listener", {"Port": 80, "Protocol": "HTTP"})
    template.resource_count_is("AWS::CertificateManager::Certificate", 0)


@pytest.mark.parametrize("environment", ["dev", "staging", "prod"])
def test_autoscaling_on_cpu_and_requests_between_the_configured_bounds(
    synthesized: SynthesizedPlatform, config: PlatformConfig, environment: str
) -> None:
    env = config.environment(environment)
    template = synthesized.template(f"{env.stage_id}/Service")

    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalableTarget",
        {"MinCapacity": env.service.min_count, "MaxCapacity": env.service.max_count},
    )
    metrics = [
        policy["Properties"]["TargetTrackingScalingPolicyConfiguration"]["PredefinedMetricSpecification"][
            "PredefinedMetricType"
        ]
        for policy in web_service_resources(
            synthesized.resources(f"{env.stage_id}/Service", "AWS::ApplicationAutoScaling::ScalingPolicy")
        ).values()
    ]
    assert sorted(metrics) == ["ALBRequestCountPerTarget", "ECSServiceAverageCPUUtilization"]


def test_load_balancer_logs_access_and_drops_invalid_headers(synthesized: SynthesizedPlatform) -> None:
    (balancer,) = synthesized.resources("Prod/Service", "AWS::ElasticLoadBalancingV2::LoadBalancer").values()
    attributes = {item["Key"]: item["Value"] for item in balancer["Properties"]["LoadBalancerAttributes"]}

    assert attributes["access_logs.s3.enabled"] == "true"
    assert attributes["access_logs.s3.prefix"] == "alb/prod"
    assert attributes["routing.http.drop_invalid_header_fields.enabled"] == "true"
    assert balancer["Properties"]["Scheme"] == "internet-facing"


@pytest.mark.parametrize("stage", ["Dev", "Staging", "Prod"])
def test_no_load_balancer_is_deletion_protected_so_a_failed_first_create_can_roll_back(
    synthesized: SynthesizedPlatform, stage: str
) -> None:
    """CloudFormation cannot delete a protected load balancer: a service stack whose first create fails (a migration,
    tasks that never turn healthy) would stop in ROLLBACK_FAILED. Production's service stack is termination-
    protected by the pipeline once it exists instead (test_pipeline_stack.py)."""
    (balancer,) = synthesized.resources(f"{stage}/Service", "AWS::ElasticLoadBalancingV2::LoadBalancer").values()
    attributes = {item["Key"]: item["Value"] for item in balancer["Properties"]["LoadBalancerAttributes"]}

    assert attributes["deletion_protection.enabled"] == "false"
    assert synthesized.stacks[f"{stage}/Service"].termination_protection is (stage == "Prod")


def test_internet_reaches_only_the_load_balancer_on_80_and_443(synthesized: SynthesizedPlatform) -> None:
    balancer_group = synthesized.resources("Prod/Service", "AWS::EC2::SecurityGroup")[
        security_group_id(synthesized, "Prod", "LoadBalancerSecurityGroup")
    ]

    ingress = balancer_group["Properties"]["SecurityGroupIngress"]

    assert sorted((rule["CidrIp"], rule["FromPort"], rule["ToPort"]) for rule in ingress) == [
        ("0.0.0.0/0", 80, 80),
        ("0.0.0.0/0", 443, 443),
    ]


def test_load_balancer_sends_only_to_the_task_port(synthesized: SynthesizedPlatform) -> None:
    balancer_group = security_group_id(synthesized, "Prod", "LoadBalancerSecurityGroup")
    task_group = security_group_id(synthesized, "Prod", "TaskSecurityGroup")
    egress = synthesized.resources("Prod/Service", "AWS::EC2::SecurityGroupEgress")
    ingress = synthesized.resources("Prod/Service", "AWS::EC2::SecurityGroupIngress")

    balancer_out = [
        rule["Properties"]
        for rule in egress.values()
        if rule["Properties"]["GroupId"] == {"Fn::GetAtt": [balancer_group, "GroupId"]}
    ]
    task_in = [
        rule["Properties"]
        for rule in ingress.values()
        if rule["Properties"]["GroupId"] == {"Fn::GetAtt": [task_group, "GroupId"]}
    ]

    assert [(rule["FromPort"], rule["ToPort"]) for rule in balancer_out] == [(CONTAINER_PORT, CONTAINER_PORT)]
    assert [(rule["FromPort"], rule["SourceSecurityGroupId"]) for rule in task_in] == [
        (CONTAINER_PORT, {"Fn::GetAtt": [balancer_group, "GroupId"]})
    ]


def test_tasks_reach_only_the_database_port_and_https(synthesized: SynthesizedPlatform) -> None:
    task_group = security_group_id(synthesized, "Prod", "TaskSecurityGroup")
    group = synthesized.resources("Prod/Service", "AWS::EC2::SecurityGroup")[task_group]["Properties"]
    egress = synthesized.resources("Prod/Service", "AWS::EC2::SecurityGroupEgress")

    inline = [(rule["CidrIp"], rule["FromPort"]) for rule in group["SecurityGroupEgress"]]
    to_database = [
        rule["Properties"]
        for rule in egress.values()
        if rule["Properties"]["GroupId"] == {"Fn::GetAtt": [task_group, "GroupId"]}
    ]

    assert inline == [("0.0.0.0/0", 443)]
    assert [(rule["FromPort"], rule["ToPort"]) for rule in to_database] == [(DATABASE_PORT, DATABASE_PORT)]
    assert "Database" in str(to_database[0]["DestinationSecurityGroupId"])


def test_database_accepts_the_tasks_on_its_port(synthesized: SynthesizedPlatform) -> None:
    """The rule is created in the service stack, so the database stack never depends on the service stack."""
    task_group = security_group_id(synthesized, "Prod", "TaskSecurityGroup")

    synthesized.template("Prod/Service").has_resource_properties(
        "AWS::EC2::SecurityGroupIngress",
        {
            "IpProtocol": "tcp",
            "FromPort": DATABASE_PORT,
            "ToPort": DATABASE_PORT,
            "SourceSecurityGroupId": {"Fn::GetAtt": [task_group, "GroupId"]},
        },
    )


def test_service_url_is_an_output(synthesized: SynthesizedPlatform, config: PlatformConfig) -> None:
    domain = config.environment("prod").domain
    assert domain is not None

    synthesized.template("Prod/Service").has_output("ServiceUrl", {"Value": f"https://{domain.domain_name}"})


@pytest.mark.parametrize("stage", ["Dev", "Staging", "Prod"])
def test_service_stack_holds_no_stateful_resource(synthesized: SynthesizedPlatform, stage: str) -> None:
    """Destroying the service stack must never touch the database, the data buckets, their keys or the VPC."""
    resource_types = {
        resource["Type"] for resource in synthesized.template_json(f"{stage}/Service")["Resources"].values()
    }

    assert resource_types & STATEFUL_TYPES_OF_DATA == set()
