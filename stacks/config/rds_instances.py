"""Memory of the RDS instance classes the platform may run on, and what RDS derives from it.

RDS for PostgreSQL sets `max_connections` to `LEAST({DBInstanceClassMemory/9531392}, 5000)` by default
(https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Limits.html#RDS_Limits.MaxConnections).
DBInstanceClassMemory is the class's memory less what RDS keeps for the operating system and its own processes, so
the figure computed here from the nominal memory is an upper bound, a few percent above what the instance reports
(`SHOW max_connections;`): the connection alarm's 80 % leaves room for that.

Nominal memory from https://aws.amazon.com/rds/instance-types/ (checked 2026-11-29). A class missing here is refused
by the configuration loader; add it with its memory in GiB.
"""

from __future__ import annotations

RDS_DEFAULT_MAX_CONNECTIONS_CAP = 5000
RDS_BYTES_PER_DEFAULT_CONNECTION = 9_531_392
GIB = 1024**3

_BURSTABLE = {"micro": 1, "small": 2, "medium": 4, "large": 8, "xlarge": 16, "2xlarge": 32}
# General purpose (m) classes have 4 GiB per vCPU, memory optimized (r) 8 GiB: large = 2 vCPUs.
_SIZES_VCPUS = {"large": 2, "xlarge": 4, "2xlarge": 8, "4xlarge": 16, "8xlarge": 32, "12xlarge": 48, "16xlarge": 64}

RDS_INSTANCE_MEMORY_GIB: dict[str, int] = {
    **{f"{family}.{size}": gib for family in ("t3", "t4g") for size, gib in _BURSTABLE.items()},
    **{
        f"{family}.{size}": vcpus * 4
        for family in ("m5", "m6g", "m6i", "m7g", "m7i")
        for size, vcpus in _SIZES_VCPUS.items()
    },
    **{
        f"{family}.{size}": vcpus * 8
        for family in ("r5", "r6g", "r6i", "r7g", "r7i")
        for size, vcpus in _SIZES_VCPUS.items()
    },
}


def instance_memory_bytes(instance_class: str) -> int:
    return RDS_INSTANCE_MEMORY_GIB[instance_class] * GIB


def default_max_connections(instance_class: str) -> int:
    """RDS's default `max_connections` for PostgreSQL on this class, from its nominal memory."""
    return min(
        instance_memory_bytes(instance_class) // RDS_BYTES_PER_DEFAULT_CONNECTION, RDS_DEFAULT_MAX_CONNECTIONS_CAP
    )
