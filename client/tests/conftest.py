"""Fixtures: the fake platform, and the command run against it with a fake clock (sleeping advances it)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from competition_client.cli import Runtime, main

from .fake_service import FakeService

TOKEN = "0123456789abcdef0123456789abcdef01234567"


class Terminal(io.StringIO):
    """stderr as a terminal: the progress bar redraws in place."""

    def isatty(self) -> bool:
        return True


@dataclass
class Clock:
    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def __call__(self) -> float:
        return self.now


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str
    clock: Clock


@dataclass
class Command:
    """``run(*argv)``: the command with an environment pointing at the fake, HOME in a temporary folder."""

    fake: FakeService
    home: Path
    env: dict[str, str]

    def run(self, *argv: str, stderr: io.StringIO | None = None) -> Outcome:
        clock = Clock()
        out, err = io.StringIO(), stderr if stderr is not None else io.StringIO()
        runtime = Runtime(environ=self.env, stdout=out, stderr=err, sleep=clock.sleep, clock=clock)
        code = main(list(argv), runtime)
        return Outcome(code, out.getvalue(), err.getvalue(), clock)


@pytest.fixture
def fake() -> Iterator[FakeService]:
    with FakeService() as service:
        yield service


@pytest.fixture
def command(fake: FakeService, tmp_path: Path) -> Command:
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "COMPETITION_URL": fake.url, "COMPETITION_TOKEN": TOKEN}
    return Command(fake, home, env)


@pytest.fixture
def predictions(tmp_path: Path) -> Path:
    path = tmp_path / "predictions.csv"
    path.write_bytes(b"id,prediction\n" + b"".join(f"{i},{i % 3}\n".encode() for i in range(1000)))
    return path
