"""Work that must wait until the current transaction commits (enqueueing, letting a file go)."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction


def run(callback: Callable[[], object]) -> None:
    """``callback`` once the current transaction commits; at once outside a transaction. Call it after the service's
    own ``transaction.atomic()`` block has ended, so that a rolled-back change never runs it."""
    transaction.on_commit(callback, robust=False)
