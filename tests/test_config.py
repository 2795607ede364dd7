"""The configuration loader: the repository's cdk.json is valid, and every bad value stops synthesis with one
line naming the key, the value and what is allowed."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from platform_app import REPO_ROOT, read_repository_context
from stacks.config import ConfigError, load_platform_config

BASE_CONTEXT = read_repository_context()


def context_with(path: str, value: Any) -> dict[str, Any]:
    """The repository context with one setting (a dotted path below `platform.environments`) replaced;
    the value `DELETE` removes the key."""
    context = copy.deepcopy(BASE_CONTEXT)
    *parents, last = path.split(".")
    node = context["platform"]["environments"]
    for key in parents:
        node = node[key]
    if value is DELETE:
        del node[last]
    else:
        node[last] = value
    return context


DELETE = object()


def rejection(path: str, value: Any) -> str:
    with pytest.raises(ConfigError) as raised:
        load_platform_config(context_with(path, value).get)
    message = str(raised.value)
    assert "\n" not in message, "a configuration error is one line"
    return message


def test_repository_configuration_is_valid() -> None:
    config = load_platform_config(BASE_CONTEXT.get)

    assert set(config.environments) == {"dev", "staging", "prod"}
    prod = config.environment("prod")
    assert prod.is_production
    assert prod.database.multi_az
    assert prod.domain is not None


def test_unknown_environment_name_is_rejected() -> None:
    context = copy.deepcopy(BASE_CONTEXT)
    context["platform"]["environments"]["qa"] = context["platform"]["environments"]["dev"]

    with pytest.raises(
        ConfigError,
        match=r"platform\.environments\.qa: unknown environment name 'qa'; allowed: dev, staging, prod",
    ):
        load_platform_config(context.get)


def test_missing_environment_is_rejected() -> None:
    message = rejection("staging", DELETE)

    assert message.startswith("platform.environments.staging is missing")


def test_asking_for_an_unconfigured_environment_names_the_configured_ones() -> None:
    config = load_platform_config(BASE_CONTEXT.get)

    with pytest.raises(
        ConfigError, match="environment 'test' is not configured; configured environments: dev, staging, prod"
    ):
        config.environment("test")


@pytest.mark.parametrize("account", ["12345", "1234567890123", "abcdefghijkl", 123456789012])
def test_account_that_is_not_twelve_digits_is_rejected(account: Any) -> None:
    message = rejection("dev.account", account)

    assert message.startswith("platform.environments.dev.account = ")
    assert "expected a 12-digit AWS account id" in message


def test_region_must_look_like_a_region() -> None:
    message = rejection("dev.region", "Ireland")

    assert message == 'platform.environments.dev.region = "Ireland": expected an AWS region name such as eu-west-1'


def test_availability_zone_of_another_region_is_rejected() -> None:
    message = rejection("dev.availabilityZones", ["eu-west-1a", "us-east-1b"])

    assert message == (
        'platform.environments.dev.availabilityZones contains "us-east-1b": it is not a zone of region '
        "eu-west-1 (expected eu-west-1a, ...)"
    )


def test_availability_zone_unknown_to_the_context_cache_is_rejected() -> None:
    message = rejection("dev.availabilityZones", ["eu-west-1a", "eu-west-1z"])

    assert 'contains "eu-west-1z": not among the zones cdk.context.json records for eu-west-1' in message


def test_a_single_availability_zone_is_rejected() -> None:
    message = rejection("dev.availabilityZones", ["eu-west-1a"])

    assert "expected at least two distinct zones" in message


def test_region_without_cached_zones_is_rejected_instead_of_looked_up() -> None:
    context = context_with("dev.region", "eu-central-1")
    context["platform"]["environments"]["dev"]["availabilityZones"] = ["eu-central-1a", "eu-central-1b"]

    with pytest.raises(
        ConfigError,
        match="cdk.context.json has no 'availability-zones:account=111111111111:region=eu-central-1' entry",
    ):
        load_platform_config(context.get)


def test_more_nat_gateways_than_zones_is_rejected() -> None:
    message = rejection("dev.natGateways", 3)

    assert message == "platform.environments.dev.natGateways = 3: expected a whole number from 1 to 2"


def test_min_count_above_max_count_is_rejected() -> None:
    message = rejection("staging.service.minCount", 5)

    assert message == (
        "platform.environments.staging.service.minCount = 5: must not exceed "
        "platform.environments.staging.service.maxCount = 4"
    )


@pytest.mark.parametrize(("cpu", "memory"), [(256, 4096), (512, 512), (1024, 1536), (4096, 4096)])
def test_cpu_memory_pair_that_fargate_does_not_accept_is_rejected(cpu: int, memory: int) -> None:
    context = context_with("dev.service.cpu", cpu)
    context["platform"]["environments"]["dev"]["service"]["memoryMiB"] = memory

    with pytest.raises(
        ConfigError,
        match=rf"service\.memoryMiB = {memory}: Fargate does not accept it with cpu {cpu}; allowed: ",
    ):
        load_platform_config(context.get)


def test_cpu_size_that_fargate_does_not_have_is_rejected() -> None:
    message = rejection("dev.service.cpu", 384)

    assert message.startswith(
        "platform.environments.dev.service.cpu = 384: expected one of the Fargate cpu sizes 256, 512"
    )


def test_production_without_multi_az_is_rejected() -> None:
    message = rejection("prod.database.multiAz", False)

    assert message == "platform.environments.prod.database.multiAz = false: production must run the database multi-AZ"


def test_production_without_domain_is_rejected() -> None:
    message = rejection("prod.domain", None)

    assert message.startswith("platform.environments.prod.domain = null: production must have a domain")


def test_domain_outside_its_hosted_zone_is_rejected() -> None:
    message = rejection(
        "staging.domain",
        {
            "domainName": "staging.example.org",
            "hostedZoneId": "Z0123456789ABC",
            "hostedZoneName": "example.com",
        },
    )

    assert 'domainName = "staging.example.org": not inside the hosted zone "example.com"' in message


def test_misspelt_setting_is_rejected_with_the_allowed_names() -> None:
    context = context_with("dev.database.multiAZ", True)

    with pytest.raises(
        ConfigError,
        match=r"platform\.environments\.dev\.database\.multiAZ is not a known setting; allowed here: ",
    ):
        load_platform_config(context.get)


OFF_HOURS = {"startHourUtc": 6, "stopHourUtc": 18, "stopDatabase": True, "stopNatInstances": False}
# (setting below platform.environments, its bad value, the one line that refuses it without the "platform.environments."
# prefix): one test each.
REJECTIONS = [
    (
        "prod.database.backupRetentionDays",
        36,
        "prod.database.backupRetentionDays = 36: expected a whole number from 1 to 35",
    ),
    ("dev.service.maxCount", True, "dev.service.maxCount = true: expected a whole number from 1 to 1000"),
    ("dev.service.adminEnabled", "yes", 'dev.service.adminEnabled = "yes": expected true or false'),
    ("prod.service.adminEnabled", DELETE, "prod.service.adminEnabled is missing"),
    ("dev.database.performanceInsights", None, "dev.database.performanceInsights = null: expected true or false"),
    (
        "staging.database.instanceClass",
        "t4g.small",
        "staging.database.performanceInsights = true: RDS does not offer Performance Insights on db.t4g.small; set "
        "it to false or choose a larger class",
    ),
    (
        "staging.domain.hostedZoneId",
        "Z0123456789PRODUCTION",
        'staging.domain.hostedZoneId = "Z0123456789PRODUCTION": also the zone of prod, in account 333333333333; a '
        "hosted zone belongs to one account: give staging a zone of its own in account 222222222222 (such as "
        "staging.compete.example.com), delegated from the parent zone",
    ),
    (
        "staging.domain.hostedZoneName",
        "compete.example.com",
        'staging.domain.hostedZoneName = "compete.example.com": prod has another zone of that name '
        "(Z0123456789PRODUCTION); public DNS reaches only one of them, so ACM could never validate in the other: give "
        "staging a zone named after its domain (staging.compete.example.com), delegated from the parent",
    ),
    ("prod.costProfile", DELETE, "prod.costProfile is missing"),
    ("dev.costProfile.nat", "none", 'dev.costProfile.nat = "none": expected one of gateway, instance'),
    (
        "dev.costProfile.natInstanceType",
        DELETE,
        "dev.costProfile.natInstanceType = null: expected an EC2 instance type such as t4g.nano (required with nat = "
        '"instance")',
    ),
    (
        "staging.costProfile.natInstanceType",
        "t4g.nano",
        'staging.costProfile.natInstanceType = "t4g.nano": only with nat = "instance"',
    ),
    ("dev.costProfile.fargateSpot", "yes", 'dev.costProfile.fargateSpot = "yes": expected true or false'),
    (
        "dev.costProfile.offHours.stopHourUtc",
        9,
        "dev.costProfile.offHours.stopHourUtc = 9: expected a whole number from 10 to 23",
    ),
    (
        "staging.costProfile.offHours",
        {**OFF_HOURS, "stopNatInstances": True},
        'staging.costProfile.offHours.stopNatInstances = true: only NAT instances can be stopped (nat = "gateway")',
    ),
    (
        "prod.costProfile",
        {
            "nat": "instance",
            "natInstanceType": "t4g.nano",
            "fargateSpot": False,
            "containerInsights": True,
            "offHours": None,
        },
        'prod.costProfile.nat = "instance": production keeps managed NAT gateways (a NAT instance is one machine per '
        "zone that nobody patches or replaces when it fails)",
    ),
    (
        "prod.costProfile.fargateSpot",
        True,
        "prod.costProfile.fargateSpot = true: production runs on on-demand Fargate (Spot tasks are reclaimed at two "
        "minutes' notice)",
    ),
    (
        "prod.costProfile.containerInsights",
        False,
        "prod.costProfile.containerInsights = false: production keeps Container Insights",
    ),
    (
        "prod.costProfile.offHours",
        OFF_HOURS,
        "prod.costProfile.offHours: production serves around the clock; set it to null",
    ),
    (
        "dev.costProfile.spot",
        True,
        "dev.costProfile.spot is not a known setting; allowed here: containerInsights, fargateSpot, nat, "
        "natInstanceType, offHours",
    ),
]


@pytest.mark.parametrize(("path", "value", "expected"), REJECTIONS, ids=[f"{p}={v!r}"[:60] for p, v, _ in REJECTIONS])
def test_rejected_value_names_its_key_and_what_is_allowed(path: str, value: Any, expected: str) -> None:
    assert rejection(path, value) == f"platform.environments.{expected}"


def start_app_with_a_bad_account() -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "app.py"],
        cwd=REPO_ROOT,
        env={
            "CDK_CONTEXT_JSON": json.dumps({"platform": context_with("dev.account", "12345")["platform"]}),
            "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
            # jsii's unpacked modules (`make` sets the folder): without them the app spends a second unpacking.
            **{k: v for k, v in os.environ.items() if k == "JSII_RUNTIME_PACKAGE_CACHE_ROOT"},
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


# Started when pytest imports this module, so that its second of jsii start-up overlaps the session's synthesis.
APP_WITH_A_BAD_ACCOUNT = start_app_with_a_bad_account()


def test_synthesis_with_a_bad_value_prints_one_line_and_no_stack_trace() -> None:
    """What a platform engineer sees from `cdk synth -c ...` with a bad value: the app exits 1 with one line."""
    _stdout, stderr = APP_WITH_A_BAD_ACCOUNT.communicate(timeout=120)

    assert APP_WITH_A_BAD_ACCOUNT.returncode == 1
    assert stderr.strip().splitlines() == [
        'cdk.json: platform.environments.dev.account = "12345": expected a 12-digit AWS account id'
    ]
    assert "Traceback" not in stderr


def pipeline_rejection(key: str, value: Any) -> str:
    context = copy.deepcopy(BASE_CONTEXT)
    if value is DELETE:
        del context["platform"]["pipeline"][key]
    else:
        context["platform"]["pipeline"][key] = value
    with pytest.raises(ConfigError) as raised:
        load_platform_config(context.get)
    return str(raised.value)


def test_missing_connection_arn_is_rejected() -> None:
    assert pipeline_rejection("connectionArn", DELETE) == "platform.pipeline.connectionArn is missing"


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:codeconnections:eu-west-1:444444444444:connection/not-a-uuid",
        "arn:aws:codecommit:eu-west-1:444444444444:connection/00000000-0000-4000-8000-000000000000",
        "github.com/example-org/competition-platform",
    ],
)
def test_malformed_connection_arn_is_rejected(arn: str) -> None:
    message = pipeline_rejection("connectionArn", arn)

    assert message.startswith(f'platform.pipeline.connectionArn = "{arn}": expected the ARN of a CodeStar')


def test_legacy_codestar_connection_arn_is_accepted() -> None:
    context = copy.deepcopy(BASE_CONTEXT)
    arn = "arn:aws:codestar-connections:eu-west-1:444444444444:connection/00000000-0000-4000-8000-000000000000"
    context["platform"]["pipeline"]["connectionArn"] = arn

    assert load_platform_config(context.get).pipeline.connection_arn == arn


@pytest.mark.parametrize("repository", ["competition-platform", "example-org/", "https://github.com/a/b", "a/b/c"])
def test_repository_that_is_not_owner_slash_name_is_rejected(repository: str) -> None:
    message = pipeline_rejection("repository", repository)

    assert message == f'platform.pipeline.repository = "{repository}": expected a GitHub repository as "owner/name"'


@pytest.mark.parametrize("branch", ["", "feature branch", "-main", "main..x", "refs//x", "main.lock"])
def test_invalid_branch_name_is_rejected(branch: str) -> None:
    message = pipeline_rejection("branch", branch)

    assert message == f'platform.pipeline.branch = "{branch}": expected a git branch name such as main'


def test_pipeline_account_must_be_twelve_digits() -> None:
    message = pipeline_rejection("account", "44444444444")

    assert message.startswith('platform.pipeline.account = "44444444444": expected a 12-digit AWS account id')


def test_malformed_notification_email_is_rejected() -> None:
    message = pipeline_rejection("notificationEmail", "platform-alerts")

    assert message == 'platform.pipeline.notificationEmail = "platform-alerts": expected an e-mail address or null'


def test_notification_email_is_optional() -> None:
    context = copy.deepcopy(BASE_CONTEXT)
    context["platform"]["pipeline"]["notificationEmail"] = None

    assert load_platform_config(context.get).pipeline.notification_email is None
