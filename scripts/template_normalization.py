"""Asset hashes change with every edit of service/ (or of a CDK-bundled Lambda): the template snapshots
(tests/test_snapshots.py) and the infrastructure diff (scripts/infra_diff.py) replace them by placeholders, so
that a new image is not a changed template; everything else is compared as synthesized."""

from __future__ import annotations

import json
import re
from typing import Any

ASSET_HASH = re.compile(r"\b[0-9a-f]{64}\b")
ASSET_HASH_PLACEHOLDER = "<asset-hash>"
# A Lambda function's `currentVersion` is named after a hash of the function's configuration, which holds the image
# hash of the migration runner: "MigrationsRunnerCurrentVersion" + 8 hex digits of the path + 32 of the config.
FUNCTION_VERSION_ID = re.compile(r"\b(\w+CurrentVersion[0-9A-F]{8})[0-9a-f]{32}\b")
FUNCTION_VERSION_PLACEHOLDER = r"\1<config-hash>"


def normalize_template(value: Any) -> Any:
    """A template (or any part of one) with its asset hashes and hash-named function versions replaced."""
    text = ASSET_HASH.sub(ASSET_HASH_PLACEHOLDER, json.dumps(value))
    return json.loads(normalize_logical_id(text))


def normalize_logical_id(logical_id: str) -> str:
    return FUNCTION_VERSION_ID.sub(FUNCTION_VERSION_PLACEHOLDER, logical_id)
