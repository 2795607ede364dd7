"""Smoke test of a deployed service: fails unless `/readyz` and a public API read answer 200 within the timeout.

The pipeline runs it after each deployment, with the service URL from the ServiceStack's output:
    python3 -m scripts.smoke_test --url https://staging.compete.example.com --timeout 300
Standard library only: it runs on the pipeline's plain CodeBuild image without installing anything.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

CHECKS = (
    ("/readyz", "the service is up and its database answers"),
    ("/api/v1/competitions/", "a public API read works"),
)
REQUEST_TIMEOUT_SECONDS = 10.0
# A page of 50 competitions is tens of kilobytes; the cap only guards against an endless body.
MAX_BODY_BYTES = 1024 * 1024
RETRY_SECONDS = 10.0


@dataclass(frozen=True)
class Answer:
    status: int | None
    detail: str


def fetch(url: str) -> Answer:
    request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": "smoke-test"})  # noqa: S310 -- the URL scheme is checked in main()
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_SECONDS) as response:  # noqa: S310
            body = response.read(MAX_BODY_BYTES).decode("utf-8", "replace")
            return Answer(response.status, body)
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.read(512).decode("utf-8", "replace"))
    except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
        return Answer(None, str(error))


def run_checks(
    base_url: str,
    timeout_seconds: float,
    *,
    fetch: Callable[[str], Answer] = fetch,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    retry_seconds: float = RETRY_SECONDS,
) -> list[str]:
    """Returns the failures (empty when every check passed). Each check is retried until the shared deadline:
    a new deployment can take a minute before the load balancer sends traffic to healthy tasks."""
    deadline = clock() + timeout_seconds
    failures = []
    for path, purpose in CHECKS:
        url = base_url.rstrip("/") + path
        while True:
            answer = fetch(url)
            if answer.status == 200 and _is_json(answer.detail):
                print(f"ok   {url} ({purpose})")
                break
            if clock() + retry_seconds > deadline:
                failures.append(f"{url}: {purpose} failed: status {answer.status}, {answer.detail[:200]!r}")
                break
            print(f"wait {url}: status {answer.status}; retrying in {retry_seconds:.0f} s")
            sleep(retry_seconds)
    return failures


def _is_json(body: str) -> bool:
    try:
        json.loads(body)
    except ValueError:
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True, help="base URL of the service, e.g. https://compete.example.com")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds to keep trying (default 300)")
    args = parser.parse_args(argv)
    if not args.url.startswith(("https://", "http://")):
        parser.error(f"--url {args.url!r}: expected an http(s) URL")
    failures = run_checks(args.url, args.timeout)
    for failure in failures:
        print(f"FAIL {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
