"""The Service stack and the parts it is built from, one file each.

The parts (ServiceRuntime, ServiceSecurityGroups, PublicLoadBalancer, WebService, DeploymentAlarms) are builders,
not `Construct` subclasses: each creates its resources directly in the scope it is given (the stack), with the ids
they had when the stack built them itself. A construct path is part of every logical id, and the templates carry
the path as metadata: a new Construct level would rename every resource below it (CloudFormation would replace
them), and CDK's hidden id `Default`, which logical ids skip, still changes the path and fits one child per scope.
New infrastructure that has no logical ids to keep yet may be a real `Construct` with its own id.
The order in which the stack calls them is free: CloudFormation, the logical ids, the snapshots (sorted keys) and
`make diff` (by logical id) ignore the order of a template's resources. What must stay is each resource's construct
id and scope.
"""

from stacks.service.load_balancer import CONTAINER_PORT, HEALTH_CHECK_PATH
from stacks.service.stack import ServiceStack, ServiceStackProps

__all__ = ["CONTAINER_PORT", "HEALTH_CHECK_PATH", "ServiceStack", "ServiceStackProps"]
