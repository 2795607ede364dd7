"""BacklogScaling: the scoring workers follow the queue's backlog, from `scoring.minWorkers` (0 allowed outside prod)
to `scoring.maxWorkers`, through Application Auto Scaling.

Two policies on one scalable target:

1. **Target tracking on the backlog per busy worker**, metric math over the queue's own metrics:
   `visible / max(in_flight, 1)`, kept at `scoring.backlogPerWorker`. A worker takes one message at a time (the
   service's `run_scoring_worker` receives one message per call) and an idle worker takes a waiting message within its
   long poll, so while messages wait every running worker holds exactly one: the messages in flight are the running
   workers. That count needs no Container Insights (dev turns it off, ECS's own RunningTaskCount exists only with
   it), is free, and has the queue's one-minute resolution. It counts too high only while a failed message waits
   for its retry (invisible, nobody working on it), which scales out a little less, never more. Target tracking
   scales out in proportion as soon as three minutes breach the target and scales in slowly (15 minutes below it);
   CDK's L2 target tracking takes no math expression (aws/aws-cdk#20659), so this one policy is written in L1.
2. **A step from zero.** Target tracking acts only when the metric exceeds the target: with no worker running and
   fewer messages than `backlogPerWorker` waiting, it would wait forever (aws/copilot-cli#3376). So an alarm on
   "messages wait and none is being worked on" adds one worker at a time, every two minutes while it lasts (a task
   needs a minute or two to start and poll). Once a worker holds a message the alarm clears and target tracking takes
   over. The same alarm catches every worker stuck or gone.

Scale-in may stop a worker in the middle of a submission: it gets SIGTERM and finishes or releases its message within
the stop timeout (stacks/scoring/workers.py), and another worker scores it. Off hours (dev's cost profile) the
workers, like the web tasks, are held at zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from stacks.config import EnvironmentConfig
from stacks.monitoring.queue_alarms import waiting_and_in_flight
from stacks.off_hours import scale_to_zero_outside_working_hours

# The worker's SCORING_RECEIVE_BATCH, set explicitly (stacks/service/container_environment.py): the rule above counts
# the messages in flight as the busy workers, which holds only while each worker takes one message per receive.
MESSAGES_PER_RECEIVE = 1
BACKLOG_PER_WORKER = "FILL(visible, 0) / IF(FILL(in_flight, 0) > 1, FILL(in_flight, 0), 1)"
WAITING_WITHOUT_WORKER = "IF(FILL(visible, 0) >= 1 AND FILL(in_flight, 0) == 0, 1, 0)"
SCALE_OUT_COOLDOWN = cdk.Duration.minutes(1)
SCALE_IN_COOLDOWN = cdk.Duration.minutes(5)
# A Fargate task takes a minute or two from the decision to its first receive: one more worker per two minutes.
START_FROM_ZERO_COOLDOWN = cdk.Duration.minutes(2)


@dataclass(frozen=True)
class BacklogScalingProps:
    config: EnvironmentConfig
    service: ecs.FargateService
    queue: sqs.IQueue


class BacklogScaling(Construct):
    def __init__(self, scope: Construct, construct_id: str, props: BacklogScalingProps) -> None:
        super().__init__(scope, construct_id)
        config = props.config
        scoring = config.scoring
        self.task_count = props.service.auto_scale_task_count(
            min_capacity=scoring.min_workers, max_capacity=scoring.max_workers
        )
        target = self.task_count.node.find_child("Target")
        if not isinstance(target, appscaling.ScalableTarget):
            raise TypeError(f"{self.task_count.node.path}: no scalable target to attach the policies to")
        self.backlog_tracking = self._track_backlog(config, target, props.queue)
        self.start_from_zero_alarm = self._start_from_zero(config, target, props.queue)
        off_hours = config.cost_profile.off_hours
        if off_hours is not None:
            scale_to_zero_outside_working_hours(
                self.task_count, off_hours, min_capacity=scoring.min_workers, max_capacity=scoring.max_workers
            )

    def _track_backlog(
        self, config: EnvironmentConfig, target: appscaling.ScalableTarget, queue: sqs.IQueue
    ) -> appscaling.CfnScalingPolicy:
        policy = appscaling.CfnScalingPolicy
        return policy(
            self,
            "BacklogPerWorker",
            policy_name=config.resource_name("scoring-backlog-per-worker"),
            policy_type="TargetTrackingScaling",
            scaling_target_id=target.scalable_target_id,
            target_tracking_scaling_policy_configuration=policy.TargetTrackingScalingPolicyConfigurationProperty(
                target_value=float(config.scoring.backlog_per_worker),
                scale_out_cooldown=int(SCALE_OUT_COOLDOWN.to_seconds()),
                scale_in_cooldown=int(SCALE_IN_COOLDOWN.to_seconds()),
                customized_metric_specification=policy.CustomizedMetricSpecificationProperty(
                    metrics=[
                        _queue_metric(queue, "visible", "ApproximateNumberOfMessagesVisible"),
                        _queue_metric(queue, "in_flight", "ApproximateNumberOfMessagesNotVisible"),
                        policy.TargetTrackingMetricDataQueryProperty(
                            id="backlog_per_worker",
                            expression=BACKLOG_PER_WORKER,
                            label="Messages waiting per busy worker",
                            return_data=True,
                        ),
                    ]
                ),
            ),
        )

    def _start_from_zero(
        self, config: EnvironmentConfig, target: appscaling.ScalableTarget, queue: sqs.IQueue
    ) -> cloudwatch.Alarm:
        action = appscaling.StepScalingAction(
            self,
            "StartWorker",
            scaling_target=target,
            policy_name=config.resource_name("scoring-start-worker"),
            adjustment_type=appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
            cooldown=START_FROM_ZERO_COOLDOWN,
            metric_aggregation_type=appscaling.MetricAggregationType.MAXIMUM,
        )
        action.add_adjustment(adjustment=1, lower_bound=0)
        alarm = cloudwatch.Alarm(
            self,
            "WaitingWithoutWorker",
            alarm_name=config.resource_name("scoring-waiting-without-worker"),
            alarm_description="Scaling, not paging: scoring messages wait and no worker holds one (none runs, or "
            "every one is stuck): one more worker every two minutes while it lasts.",
            metric=waiting_and_in_flight(queue, WAITING_WITHOUT_WORKER, label="Messages wait without a worker"),
            threshold=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(cloudwatch_actions.ApplicationScalingAction(action))
        return alarm


def _queue_metric(
    queue: sqs.IQueue, query_id: str, metric_name: str
) -> appscaling.CfnScalingPolicy.TargetTrackingMetricDataQueryProperty:
    policy = appscaling.CfnScalingPolicy
    return policy.TargetTrackingMetricDataQueryProperty(
        id=query_id,
        metric_stat=policy.TargetTrackingMetricStatProperty(
            metric=policy.TargetTrackingMetricProperty(
                namespace="AWS/SQS",
                metric_name=metric_name,
                dimensions=[policy.TargetTrackingMetricDimensionProperty(name="QueueName", value=queue.queue_name)],
            ),
            stat="Average",
        ),
        return_data=False,
    )
