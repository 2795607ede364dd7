"""The base of every view under ``/competitions/{slug}/``: the competition named in the URL."""

from __future__ import annotations

from access.api import AuthorizedView
from core.errors import NotFound

from .models import Competition


class CompetitionScopedView(AuthorizedView):
    def get_competition(self) -> Competition:
        """The competition of the URL, or 404 when it does not exist or the caller may not see it."""
        cached: Competition | None = getattr(self, "_competition", None)
        if cached is not None:
            return cached
        competition = Competition.objects.with_ground_truth_flag().filter(slug=self.kwargs["slug"]).first()
        if competition is None:
            raise NotFound()
        self.authz.require_visible("competitions", competition)
        self._competition = competition
        return competition
