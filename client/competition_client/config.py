"""Where the service is and who is calling: the command line, then the environment, then a TOML file.

    url    --url, else COMPETITION_URL, else the file's ``url``
    token  COMPETITION_TOKEN, else the file's ``token`` (never on the command line: it would show in ``ps``)
    file   --config, else COMPETITION_CLIENT_CONFIG, else $XDG_CONFIG_HOME/competition-client/config.toml
           (default ~/.config/competition-client/config.toml); a missing default file is no error

The file holds ``url = "https://..."`` and ``token = "..."`` and nothing else.
"""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

from .errors import UsageError

KEYS = frozenset({"url", "token"})


@dataclass(frozen=True)
class Settings:
    url: str  # the service's base URL, without a trailing slash (the API is under /api/v1/)
    token: str | None

    @property
    def api(self) -> str:
        return f"{self.url}/api/v1"


def default_config_path(environ: Mapping[str, str]) -> Path:
    base = environ.get("XDG_CONFIG_HOME") or str(Path(environ.get("HOME") or Path.home()) / ".config")
    return Path(base) / "competition-client" / "config.toml"


def read_config_file(path: Path, *, required: bool, warnings: TextIO) -> dict[str, str]:
    """The file's ``url`` and ``token``; empty when an optional file does not exist."""
    if not path.exists():
        if required:
            raise UsageError(f"the configuration file {path} does not exist")
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise UsageError(f"cannot read the configuration file {path}: {error}") from None
    unknown = sorted(set(data) - KEYS)
    if unknown:
        raise UsageError(f"{path}: unknown key(s) {', '.join(unknown)} (allowed: token, url)")
    for key, value in data.items():
        if not isinstance(value, str) or not value.strip():
            raise UsageError(f"{path}: {key} must be a non-empty string")
    if "token" in data and os.name == "posix" and path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        warnings.write(f"warning: {path} holds a token and others may read it (chmod 600 {path})\n")
    return {key: str(value).strip() for key, value in data.items()}


def normalize_url(url: str, source: str) -> str:
    """An http(s) URL with a host, without a trailing slash; else a usage error naming where it came from."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"the service URL from {source} must look like https://host[:port], not {url!r}")
    if parts.query or parts.fragment:
        raise UsageError(f"the service URL from {source} must not have a query or fragment: {url!r}")
    return url.strip().rstrip("/")


def resolve_settings(
    *, url_option: str | None, config_option: str | None, environ: Mapping[str, str], warnings: TextIO
) -> Settings:
    explicit = config_option or environ.get("COMPETITION_CLIENT_CONFIG")
    path = Path(explicit).expanduser() if explicit else default_config_path(environ)
    from_file = read_config_file(path, required=bool(explicit), warnings=warnings)
    if url_option:
        url, source = url_option, "--url"
    elif environ.get("COMPETITION_URL"):
        url, source = environ["COMPETITION_URL"], "COMPETITION_URL"
    elif "url" in from_file:
        url, source = from_file["url"], str(path)
    else:
        raise UsageError(f'no service URL: pass --url, set COMPETITION_URL, or put url = "..." in {path}')
    token = environ.get("COMPETITION_TOKEN", "").strip() or from_file.get("token")
    return Settings(url=normalize_url(url, source), token=token)


def require_token(settings: Settings) -> str:
    if not settings.token:
        raise UsageError(
            'no API token: set COMPETITION_TOKEN or put token = "..." in the configuration file '
            "(get one with POST /api/v1/auth/token/)"
        )
    return settings.token
