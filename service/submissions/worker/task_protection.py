"""ECS task scale-in protection while a worker holds a message, through the ECS agent's endpoint
(``PUT $ECS_AGENT_URI/task-protection/v1/state``; the task role has ``ecs:UpdateTaskProtection``).

Without it, scaling in on a shrinking backlog may pick a task that is scoring, and the message waits out its lease
before another worker takes it. Protection is a convenience, never a condition: without ``ECS_AGENT_URI`` (outside
ECS) nothing is asked, and an endpoint that fails is logged while scoring goes on (SIGTERM still releases the
message in hand).
"""

from __future__ import annotations

import json
import logging
import urllib.request
from typing import Any

logger = logging.getLogger(__name__)

# The agent is local to the task: an answer slower than this is an agent in trouble, not worth holding a message for.
AGENT_TIMEOUT_SECONDS = 2.0


class TaskProtection:
    def __init__(self, agent_uri: str) -> None:
        self.agent_uri = agent_uri.rstrip("/")

    def enable(self, *, minutes: int) -> bool:
        """Protect the task for ``minutes`` (ECS lets it lapse then, should this process never disable it)."""
        return self._put({"ProtectionEnabled": True, "ExpiresInMinutes": minutes})

    def disable(self) -> bool:
        return self._put({"ProtectionEnabled": False})

    def _put(self, state: dict[str, Any]) -> bool:
        """True when the agent took the state; False (logged) when it did not or there is no agent."""
        if not self.agent_uri:
            return False
        request = urllib.request.Request(  # noqa: S310 - ECS's own agent URI (http), never a user's input
            f"{self.agent_uri}/task-protection/v1/state",
            data=json.dumps(state).encode(),
            method="PUT",
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=AGENT_TIMEOUT_SECONDS) as response:  # noqa: S310 - as above
                answer = json.loads(response.read() or b"{}")
        except (OSError, ValueError) as exc:  # unreachable, an HTTP error status, a body that is not JSON
            logger.warning("could not set the task's scale-in protection to %s: %s", state, exc)
            return False
        if isinstance(answer, dict) and answer.get("failure"):  # the agent answers 200 with a failure from ECS
            logger.warning("the ECS agent refused scale-in protection %s: %s", state, answer["failure"])
            return False
        return True
