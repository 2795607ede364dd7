"""One long-lived daemon thread that runs the worker's units of work, so the loop's own thread stays free to keep
the message's visibility extended and to answer SIGTERM.

Long-lived so that its database connection is reused from one message to the next (closed when broken or past
``CONN_MAX_AGE``, as after a web request); a daemon, so that a worker that released its message on SIGTERM exits
without waiting for a unit of work that no longer matters (its open transaction dies with the connection).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from django.db import close_old_connections

T = TypeVar("T")
Job = tuple[Callable[[], Any], "Future[Any]"]


class WorkThread:
    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[Job] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._loop, name="scoring-work", daemon=True)
        self._thread.start()

    def submit(self, call: Callable[[], T]) -> Future[T]:
        future: Future[T] = Future()
        self._jobs.put((call, future))
        return future

    def _loop(self) -> None:
        while True:
            call, future = self._jobs.get()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                close_old_connections()
                future.set_result(call())
            except BaseException as exc:  # handed to the loop, which decides
                future.set_exception(exc)
            finally:
                close_old_connections()
