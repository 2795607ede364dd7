"""A throwaway PostgreSQL cluster for tests and benchmarks.

The cluster lives in a fresh temporary directory, listens on a free TCP port on 127.0.0.1 and on a Unix socket
inside that directory, and is removed again by ``stop()``. Local (socket) connections are trusted; TCP
connections need a password (scram-sha-256), so password changes can be tested for real.

``initdb`` refuses to run as root: when the current user is root, every server command runs as the
``postgres`` system user through ``runuser``.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

SUPERUSER = "app"
SERVER_USER_WHEN_ROOT = "postgres"


class ThrowawayPostgresError(RuntimeError):
    """The throwaway cluster could not be created or started."""


def _bindir() -> Path:
    explicit = os.environ.get("PG_BINDIR")
    if explicit:
        return Path(explicit)
    pg_config = shutil.which("pg_config")
    if pg_config is None:
        raise ThrowawayPostgresError("pg_config not found: install PostgreSQL or set PG_BINDIR")
    out = subprocess.run([pg_config, "--bindir"], check=True, capture_output=True, text=True)  # noqa: S603
    return Path(out.stdout.strip())


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ThrowawayPostgres:
    """Create with ``start()``; always ``stop()`` (or use it as a context manager)."""

    port: int = 0
    root: Path = field(default_factory=Path)
    running: bool = False
    extra_settings: dict[str, str] = field(default_factory=dict)

    @property
    def socket_dir(self) -> str:
        return str(self.root)

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def django_settings(self, name: str = "postgres") -> dict[str, object]:
        """Connection fields for a Django ``DATABASES`` entry (over the trusted Unix socket)."""
        return {
            "HOST": self.socket_dir,
            "PORT": str(self.port),
            "USER": SUPERUSER,
            "NAME": name,
            "PASSWORD": "",
        }

    # -- lifecycle -------------------------------------------------------------------------------------
    def start(self) -> ThrowawayPostgres:
        bindir = _bindir()
        # A short path: Unix socket paths are limited to about 100 characters.
        self.root = Path(tempfile.mkdtemp(prefix="pg-", dir="/tmp"))
        self.port = self.port or _free_port()
        as_root = os.geteuid() == 0
        if as_root:
            shutil.chown(self.root, user=SERVER_USER_WHEN_ROOT)
        atexit.register(self.stop)
        self._run(
            as_root,
            str(bindir / "initdb"),
            "-D",
            str(self.data_dir),
            "-U",
            SUPERUSER,
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self.root}'",
            # A throwaway cluster: durability is not needed, speed is.
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "100",
            "shared_buffers": "256MB",
            **self.extra_settings,
        }
        with open(self.data_dir / "postgresql.auto.conf", "a", encoding="utf-8") as conf:
            for key, value in settings.items():
                conf.write(f"{key} = {value}\n")
        self._run(
            as_root,
            str(bindir / "pg_ctl"),
            "-D",
            str(self.data_dir),
            "-l",
            str(self.root / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        )
        self.running = True
        return self

    def stop(self) -> None:
        if self.running:
            self.running = False
            try:
                self._run(
                    os.geteuid() == 0,
                    str(_bindir() / "pg_ctl"),
                    "-D",
                    str(self.data_dir),
                    "-m",
                    "immediate",
                    "-w",
                    "stop",
                )
            except ThrowawayPostgresError:
                pass  # the directory is removed below either way
        if self.root != Path() and self.root.exists():
            shutil.rmtree(self.root, ignore_errors=True)

    def server_log(self) -> str:
        try:
            return (self.root / "server.log").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def __enter__(self) -> ThrowawayPostgres:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _run(self, as_root: bool, *command: str) -> None:
        full = ["runuser", "-u", SERVER_USER_WHEN_ROOT, "--", *command] if as_root else list(command)
        result = subprocess.run(full, capture_output=True, text=True, check=False)  # noqa: S603
        if result.returncode != 0:
            raise ThrowawayPostgresError(
                f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}\n"
                f"{self.server_log()}"
            )
