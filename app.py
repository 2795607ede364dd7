#!/usr/bin/env python3
"""Entry point of `cdk synth | diff | deploy`: builds the platform from cdk.json and synthesizes it."""

import sys

from platform_app import build_platform_app
from stacks.config import ConfigError


def main() -> int:
    try:
        platform = build_platform_app()
    except ConfigError as error:
        print(f"cdk.json: {error}", file=sys.stderr)
        return 1
    platform.app.synth()
    return 0


if __name__ == "__main__":
    sys.exit(main())
