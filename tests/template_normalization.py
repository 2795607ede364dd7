"""Makes templates snapshot-stable: asset hashes change with every edit of service/ (or of a CDK-bundled
Lambda), so they are replaced by a placeholder; everything else is compared as synthesized."""

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


def normalize_template(template: dict[str, Any]) -> dict[str, Any]:
    text = ASSET_HASH.sub(ASSET_HASH_PLACEHOLDER, json.dumps(template))
    normalized: dict[str, Any] = json.loads(FUNCTION_VERSION_ID.sub(FUNCTION_VERSION_PLACEHOLDER, text))
    return normalized
