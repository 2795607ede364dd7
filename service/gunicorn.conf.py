"""gunicorn settings for the container (0.5-1 vCPU): a few workers with threads, logs to stdout."""

import os

bind = "0.0.0.0:" + os.environ.get("PORT", "8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 25  # below ECS's 30 s stop timeout
keepalive = 75  # above the ALB idle timeout (60 s), so the ALB closes idle connections first
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The ALB is the only client; trust its X-Forwarded-* headers.
forwarded_allow_ips = "*"
access_log_format = '%({x-forwarded-for}i)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
# No runtime control socket: the container user has no writable home, and ECS manages the process.
control_socket_disable = True
