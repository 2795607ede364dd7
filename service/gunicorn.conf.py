"""gunicorn settings for the container (0.5-1 vCPU): a few workers with threads, logs to stdout."""

import os
from collections.abc import Callable
from typing import Any

import gunicorn.http.wsgi

from core.structured_logging import logging_config_from_environment

bind = "0.0.0.0:" + os.environ.get("PORT", "8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 25  # below ECS's 30 s stop timeout
keepalive = 75  # above the ALB idle timeout (60 s), so the ALB closes idle connections first
max_requests = 2000
max_requests_jitter = 200
# gunicorn's own records (start, worker boot and exit) in the service's format (JSON lines on stdout, with the
# environment's name); no access log: the service writes one record per request itself (core/request_context.py).
accesslog = None
errorlog = "-"
logconfig_dict = logging_config_from_environment()
# The ALB is the only client; trust its X-Forwarded-* headers.
forwarded_allow_ips = "*"


# gunicorn has no setting for its `Server: gunicorn` header: drop the line from the headers every response starts
# with, so the service does not advertise its server software (issue 9).
def _without_server_header(default_headers: Callable[[Any], list[str]]) -> Callable[[Any], list[str]]:
    def headers(self: Any) -> list[str]:
        return [line for line in default_headers(self) if not line.startswith("Server:")]

    return headers


gunicorn.http.wsgi.Response.default_headers = _without_server_header(gunicorn.http.wsgi.Response.default_headers)

# No runtime control socket: the container user has no writable home, and ECS manages the process.
control_socket_disable = True


def post_worker_init(worker: object) -> None:
    """Import the URL configuration (every view and serializer) before the first request rather than during it:
    a worker's first requests would otherwise be slow enough to fill its request slots (core/concurrency_limit.py)."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - evaluated for its import side effect
