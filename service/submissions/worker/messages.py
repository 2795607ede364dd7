"""The body of a scoring message: which submission to score (everything else is read from the database)."""

from __future__ import annotations

import json
from dataclasses import dataclass

KIND = "score_submission"


class MalformedMessage(ValueError):
    """A message body that is not a scoring message (it can never succeed: it goes to the dead-letter queue)."""


@dataclass(frozen=True)
class ScoringMessage:
    submission_id: int

    def encode(self) -> str:
        return json.dumps({"kind": KIND, "submission_id": self.submission_id})

    @classmethod
    def decode(cls, body: str) -> ScoringMessage:
        try:
            values = json.loads(body)
        except ValueError:
            raise MalformedMessage(f"not JSON: {body[:100]!r}") from None
        if not isinstance(values, dict) or values.get("kind") != KIND:
            raise MalformedMessage(f"not a scoring message: {body[:100]!r}")
        submission_id = values.get("submission_id")
        if isinstance(submission_id, bool) or not isinstance(submission_id, int) or submission_id < 1:
            raise MalformedMessage(f"no submission id in {body[:100]!r}")
        return cls(submission_id)
