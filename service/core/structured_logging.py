"""Log records as one JSON object per line on stdout (CloudWatch Logs Insights reads their fields), each carrying the
environment's name and the id of the request it belongs to.

Used by the Django settings (``LOGGING``) and by ``gunicorn.conf.py`` (``logconfig_dict``), so gunicorn's own records
share the format. Fields of every record: ``timestamp``, ``level``, ``logger``, ``message``, ``environment``,
``request_id`` (``null`` outside a request), plus whatever the record carries (``exc_info`` with the traceback,
``status_code``, and the fields of the request record, see ``core.request_context``).
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from pythonjsonlogger.core import RESERVED_ATTRS

from .env import env_bool, env_str

LOG_FORMATS = ("json", "plain")

# Set by core.request_context.RequestContextMiddleware for the duration of a request.
request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)


class RequestContextFilter(logging.Filter):
    """Adds ``environment`` and ``request_id`` to every record."""

    def __init__(self, environment: str = "local") -> None:
        super().__init__()
        self.environment = environment

    def filter(self, record: logging.LogRecord) -> bool:
        record.environment = self.environment
        record.request_id = request_id_var.get()
        return True


def logging_config(*, log_format: str, level: str, environment: str) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` dictionary: everything to stdout in ``log_format`` (``json`` or ``plain``)."""
    to_stdout = {"handlers": ["stdout"], "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_context": {"()": RequestContextFilter, "environment": environment}},
        "formatters": {
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "%(levelname)s %(name)s %(message)s",
                "rename_fields": {"levelname": "level", "name": "logger"},
                "timestamp": True,
                # Django's request records carry the request object itself: its fields are in the request record.
                "reserved_attrs": [*RESERVED_ATTRS, "request"],
            },
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        },
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "formatter": log_format,
                "filters": ["request_context"],
            }
        },
        "root": {"handlers": ["stdout"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "INFO"},
            "gunicorn.error": {"level": level, **to_stdout},
            # The request record (core.request_context) replaces gunicorn's access log.
            "gunicorn.access": {"level": "WARNING", **to_stdout},
        },
    }


def logging_config_from_environment() -> dict[str, Any]:
    """``DJANGO_LOG_FORMAT`` (``json``, or ``plain`` for a terminal; default ``json`` unless ``DJANGO_DEBUG``),
    ``DJANGO_LOG_LEVEL`` (``INFO``) and ``PLATFORM_ENVIRONMENT`` (``local``)."""
    log_format = env_str("DJANGO_LOG_FORMAT", "plain" if env_bool("DJANGO_DEBUG", default=False) else "json")
    if log_format not in LOG_FORMATS:
        raise ImproperlyConfigured(f"DJANGO_LOG_FORMAT must be json or plain, got {log_format!r}")
    return logging_config(
        log_format=log_format,
        level=env_str("DJANGO_LOG_LEVEL", "INFO").upper(),
        environment=env_str("PLATFORM_ENVIRONMENT", "local"),
    )
