"""Who may see which board: the public board with the competition, the private one by hosts, and by everyone
who may see the competition once it has ended."""

from __future__ import annotations

from access.authorizer import Authorizer
from competitions.models import Competition

from .models import Board


def can_see_board(authz: Authorizer, competition: Competition, board: str) -> bool:
    if not authz.can("get", "leaderboards", competition):
        return False
    if board == Board.PUBLIC:
        return True
    return competition.has_ended() or authz.can("get", "leaderboards/private", competition)
