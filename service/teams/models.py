"""Teams of a competition and their members."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models

from competitions.models import Competition


def new_invite_code() -> str:
    return secrets.token_urlsafe(9)


class Team(models.Model):
    competition = models.ForeignKey(Competition, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=100)
    invite_code = models.CharField(
        max_length=32, default=new_invite_code, help_text="Shown to members only; needed to join."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="TeamMembership", related_name="teams")

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["competition", "name"], name="team_name_unique_in_competition"),
            # Target of the composite foreign key from memberships (see migration 0002).
            models.UniqueConstraint(fields=["id", "competition"], name="team_id_competition_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.competition_id})"

    @classmethod
    def lock(cls, pk: int) -> Team | None:
        """The team's row, locked (``SELECT ... FOR UPDATE``) until the transaction ends; None if it is gone.

        The one lock order of a team's writers: this row first, then its quota, memberships or board rows. Changes
        of its members, claims of its daily slots and rewrites of its board rows all take it, so two of them
        happen one after the other and the second sees what the first did. Call inside a transaction."""
        team: Team | None = cls.objects.select_for_update().filter(pk=pk).first()
        return team

    @classmethod
    def lock_all_in(cls, competition_id: int) -> list[int]:
        """Every team of a competition locked, in id order (two of these cannot deadlock): for a change of every
        team's board rows at once. The competition's row is locked before, never after. Returns the teams' ids."""
        return list(
            cls.objects.select_for_update()
            .filter(competition_id=competition_id)
            .order_by("pk")
            .values_list("pk", flat=True)
        )

    def has_submitted(self) -> bool:
        """Whether the team ever took a daily submission slot; deleted submissions count, as for the daily limit."""
        # Through the reverse relation of the quota's foreign key: the submissions app builds on this one, so this
        # one does not import it.
        return self.daily_quotas.filter(used__gt=0).exists()


class TeamMembership(models.Model):
    """A user in a team. ``competition`` repeats the team's so the database can enforce one team per user
    per competition; a composite foreign key (team, competition) keeps the two consistent."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    competition = models.ForeignKey(Competition, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_memberships")
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["joined_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["competition", "user"], name="one_team_per_user_per_competition"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.team_id}"
