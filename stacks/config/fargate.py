"""Fargate task sizes: what the `cpu` and `memoryMiB` of a task (the web service's, the scoring workers') may be."""

from __future__ import annotations

from stacks.config.reader import ConfigError, Reader, show

# Fargate accepts only these task sizes: cpu units -> allowed memory in MiB.
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size
FARGATE_TASK_SIZES: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4096 + 1, 1024)),
    1024: tuple(range(2048, 8192 + 1, 1024)),
    2048: tuple(range(4096, 16384 + 1, 1024)),
    4096: tuple(range(8192, 30720 + 1, 1024)),
    8192: tuple(range(16384, 61440 + 1, 4096)),
    16384: tuple(range(32768, 122880 + 1, 8192)),
}


def load_fargate_size(section: Reader) -> tuple[int, int]:
    """The section's `cpu` and `memoryMiB`, refused unless Fargate offers the pair."""
    cpu_value = section.raw("cpu")
    if cpu_value not in FARGATE_TASK_SIZES or isinstance(cpu_value, bool):
        raise ConfigError(
            f"{section.key('cpu')} = {show(cpu_value)}: expected one of the Fargate cpu sizes "
            f"{', '.join(str(cpu) for cpu in FARGATE_TASK_SIZES)}"
        )
    cpu: int = cpu_value
    memory = section.raw("memoryMiB")
    allowed_memory = FARGATE_TASK_SIZES[cpu]
    if isinstance(memory, bool) or memory not in allowed_memory:
        raise ConfigError(
            f"{section.key('memoryMiB')} = {show(memory)}: Fargate does not accept it with cpu {cpu}; "
            f"allowed: {_describe_memory(allowed_memory)}"
        )
    return cpu, memory


def _describe_memory(allowed: tuple[int, ...]) -> str:
    if len(allowed) <= 3:
        return ", ".join(str(memory) for memory in allowed)
    step = allowed[1] - allowed[0]
    return f"{allowed[0]} to {allowed[-1]} in steps of {step}"
