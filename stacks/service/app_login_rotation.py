"""AppLoginRotation: the rotation schedule of the app user's database secret, created once the role exists.

The secret and its rotation function belong to the Database stack (stacks/database_app_user.py). Creating a schedule
makes Secrets Manager test the rotation at once: with `RotateImmediatelyOnUpdate: false` it still runs the
function's `testSecret` step, which logs in as `app` (RotateSecret's `RotateImmediately`). That role is created by
the migration task, which runs in this stack's deployment (the migration Trigger, stacks/migrations/). A schedule in
the Database stack would be tested before the role exists on every new environment, and would fail the Database
stack after its deletion-protected instance was created. Here it waits for the Trigger, and for the rule that lets
the function reach the database's port (in the Database stack, deployed before this one).

Moving the schedule between stacks deletes the Database stack's schedule (which turns rotation off) before this
stack creates its own (which turns it on again): the stacks deploy in that order, so the secret ends with rotation
on. Like every rotation, it needs the database running: in dev it rotates inside working hours.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct, IConstruct

from stacks.config import EnvironmentConfig
from stacks.off_hours import rotate_inside_working_hours


@dataclass(frozen=True)
class AppLoginRotationProps:
    config: EnvironmentConfig
    secret: secretsmanager.ISecret  # the app user's secret (this stack's reference to it)
    rotation_function_arn: str  # the Database stack's rotation function (a strong cross-stack reference)
    interval: cdk.Duration
    # What creates the role and opens the port: the migration Trigger, the function's ingress rules.
    after: Sequence[IConstruct]


class AppLoginRotation(Construct):
    def __init__(self, scope: Construct, construct_id: str, props: AppLoginRotationProps) -> None:
        super().__init__(scope, construct_id)
        self.schedule = secretsmanager.RotationSchedule(
            self,
            "Schedule",
            secret=props.secret,
            rotation_lambda=lambda_.Function.from_function_arn(self, "Function", props.rotation_function_arn),
            automatically_after=props.interval,
            # The migration created the role with the secret's first password; rotation owns it from now on.
            rotate_immediately_on_update=False,
        )
        self.schedule.node.add_dependency(*props.after)
        off_hours = props.config.cost_profile.off_hours
        if off_hours is not None and off_hours.stop_database:
            rotate_inside_working_hours(self.schedule, off_hours)
