"""Makes templates snapshot-stable: asset hashes change with every edit of service/ (or of a CDK-bundled
Lambda), so they are replaced by a placeholder; everything else is compared as synthesized."""

from __future__ import annotations

import json
import re
from typing import Any

ASSET_HASH = re.compile(r"\b[0-9a-f]{64}\b")
ASSET_HASH_PLACEHOLDER = "<asset-hash>"


def normalize_template(template: dict[str, Any]) -> dict[str, Any]:
    normalized: dict[str, Any] = json.loads(ASSET_HASH.sub(ASSET_HASH_PLACEHOLDER, json.dumps(template)))
    return normalized
