"""The environments' names, in a module of their own so that every section loader can name production without
importing the model (which imports the sections' types)."""

from __future__ import annotations

ENVIRONMENT_NAMES = ("dev", "staging", "prod")
PRODUCTION = "prod"
