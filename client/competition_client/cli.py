"""The command line: ``submit`` and ``leaderboard``. Errors are one line on stderr; the exit code says what happened
(``errors``: 0 scored, 1 not scored, 2 usage/auth/network/server, 3 timed out, 130 interrupted)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn, TextIO

from . import __version__
from .api import ApiClient, Response, send
from .config import require_token, resolve_settings
from .errors import EXIT_NOT_SCORED, EXIT_SCORED, ClientError, UsageError
from .leaderboard import fetch_board, format_board
from .submit import Waiting, describe_result, submit_file
from .upload import LocalFile

PROG = "competition-client"
DEFAULT_TIMEOUT_SECONDS = 900.0
DEFAULT_PAGE_SIZE = 50


@dataclass(frozen=True)
class Runtime:
    """What the command touches outside itself (tests give their own)."""

    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    transport: Callable[..., Response] = send


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see {PROG} --help)")


def _positive(kind: type[int] | type[float]) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"{text!r} must be above zero")
        return value

    return parse


def _add_positive(
    parser: argparse.ArgumentParser, flag: str, kind: type[int] | type[float], default: float, metavar: str, help: str
) -> None:
    parser.add_argument(
        flag, type=_positive(kind), default=default, metavar=metavar, help=f"{help} (default {default:g})"
    )


def build_parser() -> Parser:
    parser = Parser(prog=PROG, description="Submit predictions to the competition platform and read its boards.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument("--url", help="the service, e.g. https://competitions.example.org (else COMPETITION_URL)")
    parser.add_argument(
        "--config",
        help="a TOML file with url and token (else COMPETITION_CLIENT_CONFIG, else "
        "~/.config/competition-client/config.toml)",
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    submit = commands.add_parser("submit", help="upload a predictions file and wait for its score")
    submit.add_argument("--competition", required=True, metavar="SLUG", help="the competition's slug")
    submit.add_argument("file", type=Path, metavar="FILE", help="CSV (id,prediction), or gzip-compressed .csv.gz")
    _add_positive(submit, "--timeout", float, DEFAULT_TIMEOUT_SECONDS, "SECONDS", "how long to wait for the score")
    submit.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    submit.add_argument("--json", action="store_true", help="print the final submission as JSON")
    board = commands.add_parser("leaderboard", help="print a page of a leaderboard")
    board.add_argument("competition", metavar="SLUG", help="the competition's slug")
    board.add_argument("--board", choices=["public", "private"], default="public")
    _add_positive(board, "--page", int, 1, "N", "which page")
    _add_positive(board, "--page-size", int, DEFAULT_PAGE_SIZE, "N", "rows per page, up to 100")
    board.add_argument("--json", action="store_true", help="print the page as JSON")
    return parser


def run_submit(args: argparse.Namespace, api: ApiClient, runtime: Runtime) -> int:
    local = LocalFile.read(args.file)
    result = submit_file(
        api,
        competition=args.competition,
        local=local,
        waiting=Waiting(timeout=args.timeout, sleep=runtime.sleep, clock=runtime.clock),
        log=runtime.stderr,
        show_progress=not args.no_progress,
        transport=runtime.transport,
    )
    line, scored = describe_result(result)
    runtime.stdout.write((json.dumps(result, indent=2) if args.json else line) + "\n")
    return EXIT_SCORED if scored else EXIT_NOT_SCORED


def run_leaderboard(args: argparse.Namespace, api: ApiClient, runtime: Runtime) -> int:
    if args.page_size > 100:
        raise UsageError("--page-size must be 100 or less")
    data = fetch_board(api, competition=args.competition, board=args.board, page=args.page, page_size=args.page_size)
    text = (
        json.dumps(data, indent=2)
        if args.json
        else format_board(
            data, competition=args.competition, board=args.board, page=args.page, page_size=args.page_size
        )
    )
    runtime.stdout.write(text + "\n")
    return EXIT_SCORED


def main(argv: Sequence[str] | None = None, runtime: Runtime | None = None) -> int:
    runtime = runtime or Runtime()
    try:
        args = build_parser().parse_args(argv)
        settings = resolve_settings(
            url_option=args.url, config_option=args.config, environ=runtime.environ, warnings=runtime.stderr
        )
        token = require_token(settings) if args.command == "submit" else settings.token
        api = ApiClient(settings.api, token, sleep=runtime.sleep, transport=runtime.transport)
        command = run_submit if args.command == "submit" else run_leaderboard
        return command(args, api, runtime)
    except ClientError as error:
        runtime.stderr.write(f"{PROG}: {error}\n")
        return error.exit_code
    except KeyboardInterrupt:
        runtime.stderr.write(f"{PROG}: interrupted\n")
        return 130
