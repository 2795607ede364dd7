"""Reading one JSON object of the configuration, with the dotted key path every error message names."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any


class ConfigError(ValueError):
    """A configuration value is missing or not allowed. The message is one line meant for a human."""


class Reader:
    """Reads one JSON object, tracking the dotted key path so that every error names its key."""

    def __init__(self, data: Any, path: str) -> None:
        if not isinstance(data, dict):
            raise ConfigError(f"{path} = {show(data)}: expected an object")
        self._data = data
        self._path = path
        self._read: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self._path}.{name}"

    def raw(self, name: str, *, required: bool = True) -> Any:
        self._read.add(name)
        if name not in self._data:
            if required:
                raise ConfigError(f"{self.key(name)} is missing")
            return None
        return self._data[name]

    def string(self, name: str, pattern: re.Pattern[str], allowed: str) -> str:
        value = self.raw(name)
        if not isinstance(value, str) or not pattern.match(value):
            raise ConfigError(f"{self.key(name)} = {show(value)}: expected {allowed}")
        return value

    def integer(self, name: str, low: int, high: int) -> int:
        value = self.raw(name)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ConfigError(f"{self.key(name)} = {show(value)}: expected a whole number from {low} to {high}")
        return value

    def boolean(self, name: str) -> bool:
        value = self.raw(name)
        if not isinstance(value, bool):
            raise ConfigError(f"{self.key(name)} = {show(value)}: expected true or false")
        return value

    def keys(self) -> list[str]:
        return list(self._data)

    def child(self, name: str) -> Reader:
        return Reader(self.raw(name), self.key(name))

    def reject_unknown_keys(self) -> None:
        unknown = sorted(set(self._data) - self._read)
        if unknown:
            raise ConfigError(
                f"{self.key(unknown[0])} is not a known setting; allowed here: {', '.join(sorted(self._read))}"
            )


def show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


ContextLookup = Callable[[str], Any]
