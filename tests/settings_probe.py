"""Loads the service's settings under given environments and reports what they read and what they became.

Run in a subprocess by tests/test_container_environment.py (the service's Django settings must not load into the
infrastructure test process): reads a JSON object {label: {variable: value}} on stdin and prints a JSON object
{label: report}. For each label, `os.environ` is replaced by exactly those variables, recording every name the
settings look up, and the settings module is executed again.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path
from typing import Any

SERVICE_DIR = Path(__file__).resolve().parent.parent / "service"
SETTINGS_MODULE = "competition_platform.settings"


class RecordingEnviron(dict[str, str]):
    """A stand-in for os.environ that remembers every variable name looked up, found or not."""

    def __init__(self, values: dict[str, str]) -> None:
        super().__init__(values)
        self.read: set[str] = set()

    def __getitem__(self, name: str) -> str:
        self.read.add(name)
        return super().__getitem__(name)

    def __contains__(self, name: object) -> bool:
        if isinstance(name, str):
            self.read.add(name)
        return super().__contains__(name)

    def get(self, name: str, default: Any = None) -> Any:
        self.read.add(name)
        return super().get(name, default)


def production_view(settings: Any) -> dict[str, Any]:
    """The settings that decide whether the service runs as production: plain JSON."""
    database = settings.DATABASES["default"]
    storage = settings.STORAGES["default"]
    return {
        "DEBUG": settings.DEBUG,
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": list(settings.ALLOWED_HOSTS),
        "CSRF_TRUSTED_ORIGINS": list(settings.CSRF_TRUSTED_ORIGINS),
        "SECURE_SSL_REDIRECT": settings.SECURE_SSL_REDIRECT,
        "DATABASE": {key: str(database.get(key)) for key in ("ENGINE", "HOST", "PORT", "NAME", "USER", "PASSWORD")},
        "DATABASE_OPTIONS": {key: str(value) for key, value in database.get("OPTIONS", {}).items()},
        "DATABASE_SECRET_ARN": settings.DATABASE_SECRET_ARN,
        "STORAGE_BACKEND": storage["BACKEND"],
        "STORAGE_BUCKET": storage.get("OPTIONS", {}).get("bucket_name"),
    }


def load(values: dict[str, str]) -> dict[str, Any]:
    environ = RecordingEnviron(values)
    # What the settings read through os.environ.get, os.getenv or os.environ[...]; the process's own environment
    # (which B003 is about) plays no part: nothing here starts a process.
    os.environ = environ  # noqa: B003
    try:
        if SETTINGS_MODULE in sys.modules:
            settings = importlib.reload(sys.modules[SETTINGS_MODULE])
        else:
            settings = importlib.import_module(SETTINGS_MODULE)
    except Exception as error:  # the report names any failure, ImproperlyConfigured above all
        return {"error": f"{type(error).__name__}: {error}", "read": sorted(environ.read)}
    return {"error": None, "read": sorted(environ.read), "settings": production_view(settings)}


def main() -> None:
    sys.path.insert(0, str(SERVICE_DIR))
    environments: dict[str, dict[str, str]] = json.load(sys.stdin)
    json.dump({label: load(values) for label, values in environments.items()}, sys.stdout)


if __name__ == "__main__":
    main()
