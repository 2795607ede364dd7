"""Typed, validated configuration of the platform's environments.

The configuration lives in `cdk.json` under the context key `platform`. It is read once, here, into frozen
dataclasses; constructs receive these objects and never read context or environment variables themselves.

Every rule that rejects a value raises `ConfigError` with one line naming the key, the value and what is
allowed, before any construct (and so any jsii call) exists.
"""

from stacks.config.environments import ENVIRONMENT_NAMES, PRODUCTION
from stacks.config.fargate import FARGATE_TASK_SIZES
from stacks.config.loader import load_platform_config
from stacks.config.model import (
    CONTEXT_KEY,
    PROJECT,
    CostProfileConfig,
    DatabaseConfig,
    DomainConfig,
    EnvironmentConfig,
    OffHoursConfig,
    PipelineConfig,
    PlatformConfig,
    ServiceConfig,
)
from stacks.config.operations import BackupConfig, OperationsConfig, WafMode
from stacks.config.reader import ConfigError
from stacks.config.scoring import ScoringConfig

__all__ = [
    "BackupConfig",
    "CONTEXT_KEY",
    "ENVIRONMENT_NAMES",
    "FARGATE_TASK_SIZES",
    "PRODUCTION",
    "PROJECT",
    "ConfigError",
    "CostProfileConfig",
    "DatabaseConfig",
    "DomainConfig",
    "EnvironmentConfig",
    "OffHoursConfig",
    "OperationsConfig",
    "PipelineConfig",
    "PlatformConfig",
    "ScoringConfig",
    "ServiceConfig",
    "WafMode",
    "load_platform_config",
]
