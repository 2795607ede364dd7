"""Which pricer prices which CloudFormation resource type."""

from __future__ import annotations

from collections.abc import Mapping

from scripts.cost import compute_pricers, data_pricers, network_pricers, operations_pricers, schedule_pricers
from scripts.cost.estimate import Pricer

PRICERS: Mapping[str, Pricer] = {
    "AWS::EC2::NatGateway": network_pricers.nat_gateway,
    "AWS::EC2::EIP": network_pricers.elastic_ip,
    "AWS::EC2::Instance": network_pricers.ec2_instance,
    "AWS::EC2::VPCEndpoint": network_pricers.vpc_endpoint,
    "AWS::ElasticLoadBalancingV2::LoadBalancer": network_pricers.load_balancer,
    "AWS::ECS::Service": compute_pricers.ecs_service,
    "AWS::ECS::Cluster": compute_pricers.ecs_cluster,
    "AWS::ECS::TaskDefinition": compute_pricers.ecs_task_definition,
    "AWS::RDS::DBInstance": data_pricers.rds_instance,
    "AWS::Logs::LogGroup": data_pricers.log_group,
    "AWS::CloudWatch::Alarm": data_pricers.alarm,
    "AWS::CloudWatch::Dashboard": data_pricers.dashboard,
    "AWS::KMS::Key": data_pricers.kms_key,
    "AWS::SecretsManager::Secret": data_pricers.secret,
    "AWS::WAFv2::WebACL": data_pricers.waf_web_acl,
    "AWS::SQS::Queue": data_pricers.sqs_queue,
    "AWS::Logs::MetricFilter": operations_pricers.metric_filter,
    "AWS::Backup::BackupPlan": operations_pricers.backup_plan,
    "AWS::Scheduler::Schedule": schedule_pricers.schedule,
}
