"""The leaderboard endpoint: one page of ranked teams plus the caller's own row."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from competitions.api import CompetitionScopedView
from core.errors import NotFound
from core.openapi import error_responses
from core.pagination import StandardPagination, page_parameters

from .models import Board
from .selectors import board_entries, ranked_rows, team_row
from .serializers import LeaderboardPageSerializer, LeaderboardRowSerializer
from .visibility import can_see_board


class LeaderboardView(CompetitionScopedView):
    serializer_class = LeaderboardPageSerializer

    @extend_schema(
        description="One page of a board, ranked (1, 2, 2, 4), with the caller's own row wherever it is. The private "
        "board: hosts before the end, everyone who sees the competition after it.",
        parameters=[
            OpenApiParameter("board", OpenApiTypes.STR, enum=Board.values, description="public (default) or private"),
            *page_parameters(),
        ],
        responses={200: LeaderboardPageSerializer, **error_responses(400, 401, 403, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        competition = self.get_competition()
        board = request.query_params.get("board", Board.PUBLIC)
        if board not in Board.values:
            raise ValidationError({"board": f"must be one of {Board.values}"})
        if not can_see_board(self.authz, competition, board):
            # The competition is visible, so its board's existence is no secret: refuse, do not hide.
            if not self.authz.can("get", "leaderboards", competition):
                raise NotFound()
            self.require("get", "leaderboards/private", competition)
        paginator = StandardPagination()
        self._paginator = paginator
        page = paginator.paginate_queryset(board_entries(competition, board), request, view=self) or []
        offset = paginator.page.start_index() - 1 if page and paginator.page is not None else 0
        rows = ranked_rows(competition, board, list(page), offset)
        mine = team_row(competition, board, self.authz.team_id_in(competition))
        response = self.get_paginated_response(LeaderboardRowSerializer(rows, many=True).data)
        response.data = {
            "board": board,
            **response.data,
            "my_team": LeaderboardRowSerializer(mine).data if mine else None,
        }
        return response
