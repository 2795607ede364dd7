"""A page of a leaderboard as a table, with the caller's own row (``my_team``) below it."""

from __future__ import annotations

from typing import Any

from .api import ApiClient

NAME_WIDTH = 30


def fetch_board(api: ApiClient, *, competition: str, board: str, page: int, page_size: int) -> dict[str, Any]:
    return api.get(
        "competitions", competition, "leaderboard", query={"board": board, "page": page, "page_size": page_size}
    )


def _name(row: dict[str, Any]) -> str:
    name = str(row.get("team_name", ""))
    return name if len(name) <= NAME_WIDTH else name[: NAME_WIDTH - 1].rstrip() + "…"


def _line(row: dict[str, Any]) -> str:
    submitted = str(row.get("submitted_at", ""))[:16].replace("T", " ")
    return f"{row.get('rank', ''):>5}  {_name(row):<{NAME_WIDTH}}  {row.get('score', 0.0):>12.6g}  {submitted}"


def format_board(data: dict[str, Any], *, competition: str, board: str, page: int, page_size: int) -> str:
    count = int(data.get("count", 0))
    pages = max(1, -(-count // page_size))
    lines = [f"{board} board of {competition}: page {page} of {pages} ({count} team{'s' if count != 1 else ''})"]
    lines.append(f"{'rank':>5}  {'team':<{NAME_WIDTH}}  {'score':>12}  submitted (UTC)")
    lines += [_line(row) for row in data.get("results", [])]
    mine = data.get("my_team")
    if isinstance(mine, dict):
        lines.append(f"your team: rank {mine.get('rank')}, {mine.get('team_name')}, score {mine.get('score'):.6g}")
    return "\n".join(lines)
