"""A time budget for the database work of one request, enforced from outside the thread that is stuck.

When packets to PostgreSQL vanish (a failover, a partition) or the server stops answering, a thread waiting for a
reply waits forever: ``statement_timeout`` runs on the server, which never sees the query; TCP keepalives and
``tcp_user_timeout`` end a connection whose packets go unacknowledged, but not one whose peer acknowledges and never
answers. So the database backend (``core.db_backend``) wraps every network round trip (queries, the health check's
``SELECT 1``, commit, rollback) in ``guard()``: while a round trip runs, the watchdog thread of the process knows its
deadline, and when the deadline passes it shuts the connection's socket down. The waiting thread then wakes with
"server closed the connection", which the exception handler answers as 503 ``database_unavailable``.

Only time spent in the database counts (a slow upload does not use the budget). Outside a budget (management
commands, the migration task) nothing is guarded; the server-side timeouts and TCP keepalives still apply.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)


class DatabaseBudgetExceeded(OperationalError):
    """The request has used up its database time (an ``OperationalError``: answered as 503)."""


@dataclass
class _Budget:
    seconds: float
    remaining: float
    in_use: bool = False


@dataclass
class _Armed:
    deadline: float
    wrapper: Any  # the thread's DatabaseWrapper: its ``connection`` is the psycopg connection to interrupt
    budget: _Budget
    fired: bool = False


_local = threading.local()


def current_budget() -> _Budget | None:
    budget: _Budget | None = getattr(_local, "budget", None)
    return budget


@contextmanager
def database_time_budget(seconds: float) -> Iterator[None]:
    """The database round trips of this block together may take ``seconds``; nested budgets keep the outer one."""
    if current_budget() is not None:
        yield
        return
    _local.budget = _Budget(seconds=seconds, remaining=seconds)
    try:
        yield
    finally:
        _local.budget = None


def remaining_seconds() -> float | None:
    """What is left of the current budget (``None`` outside any); raises once it is used up."""
    budget = current_budget()
    if budget is None:
        return None
    if budget.remaining <= 0:
        raise DatabaseBudgetExceeded(
            f"the request used up its database time budget ({budget.seconds * 1000:.0f} ms); "
            "the database is not answering in time"
        )
    return budget.remaining


@contextmanager
def guard(wrapper: Any) -> Iterator[None]:
    """Around one network round trip of ``wrapper`` (a DatabaseWrapper) made by the current thread."""
    budget = current_budget()
    if budget is None or budget.in_use:  # no budget, or already inside a guarded round trip
        yield
        return
    remaining = remaining_seconds()
    assert remaining is not None  # noqa: S101 - a budget exists here
    started = time.monotonic()
    armed = _Armed(deadline=started + remaining, wrapper=wrapper, budget=budget)
    budget.in_use = True
    _watchdog().arm(armed)
    try:
        yield
    finally:
        _watchdog().disarm(armed)
        budget.in_use = False
        budget.remaining -= time.monotonic() - started


def shut_down_socket(wrapper: Any) -> None:
    """Wake the thread blocked on ``wrapper``'s connection: its socket reads end-of-file, writes fail."""
    connection = wrapper.connection
    if connection is None:
        return
    try:
        fd = connection.pgconn.socket
    except Exception:  # noqa: BLE001 - already closed: nothing to interrupt
        return
    # A duplicate of the descriptor: shutdown() acts on the connection both share, and closing the duplicate
    # leaves the driver's own descriptor to the driver.
    with socket.socket(fileno=os.dup(fd)) as sock:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # already disconnected


class _Watchdog:
    """One daemon thread per process that interrupts the round trips whose deadline has passed."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.condition = threading.Condition()
        self.entries: dict[int, _Armed] = {}
        self.thread = threading.Thread(target=self.run, name="database-budget-watchdog", daemon=True)
        self.thread.start()

    def arm(self, armed: _Armed) -> None:
        with self.condition:
            self.entries[id(armed)] = armed
            self.condition.notify()

    def disarm(self, armed: _Armed) -> None:
        # Under the lock: once this returns, the watchdog no longer touches the thread's connection, which the
        # thread may then close or reuse. While an entry is armed its thread is blocked inside the round trip.
        with self.condition:
            self.entries.pop(id(armed), None)

    def run(self) -> None:
        with self.condition:
            while True:
                now = time.monotonic()
                for armed in [a for a in self.entries.values() if a.deadline <= now and not a.fired]:
                    armed.fired = True
                    logger.warning(
                        "a database round trip outlived the request's database time budget (%.0f ms); "
                        "shutting its connection down",
                        armed.budget.seconds * 1000,
                    )
                    shut_down_socket(armed.wrapper)
                pending = [a.deadline for a in self.entries.values() if not a.fired]
                self.condition.wait(timeout=min(pending) - now if pending else None)


_watchdog_lock = threading.Lock()
_watchdog_instance: _Watchdog | None = None


def _watchdog() -> _Watchdog:
    """The process's watchdog, started on first use (again in a forked child, which has no threads)."""
    global _watchdog_instance
    with _watchdog_lock:
        if _watchdog_instance is None or _watchdog_instance.pid != os.getpid():
            _watchdog_instance = _Watchdog()
        return _watchdog_instance


class DatabaseTimeBudgetMiddleware:
    """Every request's database round trips together take at most ``DATABASE_REQUEST_BUDGET_MS``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with database_time_budget(settings.DATABASE_REQUEST_BUDGET_MS / 1000):
            return self.get_response(request)
