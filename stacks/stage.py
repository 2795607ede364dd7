"""PlatformStage: the stacks of one environment (dev, staging or prod), in that environment's account and region."""

from __future__ import annotations

import aws_cdk as cdk
from constructs import Construct

from stacks.certificate import CertificateStack, CertificateStackProps
from stacks.config import PROJECT, EnvironmentConfig
from stacks.database import DatabaseStack, DatabaseStackProps
from stacks.log_groups import rotation_function_name
from stacks.network import NetworkStack, NetworkStackProps
from stacks.service import ServiceStack, ServiceStackProps
from stacks.storage import StorageStack, StorageStackProps


class PlatformStage(cdk.Stage):
    """Network, database and storage (stateful), the certificate (with a domain) and the service (stateless) of one
    environment."""

    def __init__(self, scope: Construct, config: EnvironmentConfig) -> None:
        super().__init__(scope, config.stage_id, env=cdk.Environment(account=config.account, region=config.region))
        self.config = config
        cdk.Tags.of(self).add("project", PROJECT)
        cdk.Tags.of(self).add("environment", config.name)

        self.network = NetworkStack(self, "Network", NetworkStackProps(config=config))
        self.database = DatabaseStack(
            self,
            "Database",
            DatabaseStackProps(config=config, vpc=self.network.vpc, log_key=self.network.environment_key),
        )
        self.storage = StorageStack(self, "Storage", StorageStackProps(config=config))
        # With a domain, the certificate is validated in a stack of its own before the service stack starts.
        self.certificate = (
            CertificateStack(self, "Certificate", CertificateStackProps(domain=config.domain))
            if config.domain
            else None
        )
        self.service = ServiceStack(
            self,
            "Service",
            ServiceStackProps(
                config=config,
                vpc=self.network.vpc,
                database=self.database.instance,
                owner_database_secret=self.database.secret,
                app_database_secret=self.database.app_secret,
                app_user=self.database.app_user,
                access_logs_bucket=self.storage.access_logs_bucket,
                certificate=self.certificate.certificate if self.certificate else None,
                environment_key=self.network.environment_key,
                alarm_topic=self.network.alarm_topic,
                rotation_function_names={
                    "admin": rotation_function_name(self.database.rotation),
                    "app": rotation_function_name(self.database.app_user.rotation),
                },
            ),
        )
