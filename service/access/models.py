"""RBAC modelled on Kubernetes: roles are sets of rules, bindings give a role to a user in a scope.

The scopes (competitions, teams) are referred to by name: every domain app depends on access control, so access
control imports none of them.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from .builtin_roles import COMPETITION_HOST
from .rules import Permission, Rule, expand_rules, validate_rules


class Scope(models.TextChoices):
    PLATFORM = "platform", "Whole platform"
    COMPETITION = "competition", "One competition"
    TEAM = "team", "One team"


class Role(models.Model):
    name = models.SlugField(max_length=64, unique=True)
    description = models.TextField(blank=True)
    rules: models.JSONField[list[Rule]] = models.JSONField(
        default=list, help_text='A list of {"resources": [...], "verbs": [...]}.'
    )
    bindable_scopes = models.JSONField(default=list, help_text="Scopes this role may be bound in.")
    builtin = models.BooleanField(default=False, help_text="Defined in code; kept in sync on every migrate.")
    managed = models.BooleanField(
        default=False, help_text="Bound and unbound only by the system (for example on joining a team)."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        problems = validate_rules(self.rules)
        if not isinstance(self.bindable_scopes, list) or not set(self.bindable_scopes) <= set(Scope.values):
            problems.append(f"bindable_scopes must be a list drawn from {Scope.values}")
        if problems:
            raise ValidationError({"rules": problems})

    @property
    def permissions(self) -> frozenset[Permission]:
        return expand_rules(self.rules)


class RoleBinding(models.Model):
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="bindings")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_bindings")
    scope = models.CharField(max_length=16, choices=Scope.choices)
    competition = models.ForeignKey(
        "competitions.Competition", null=True, blank=True, on_delete=models.CASCADE, related_name="role_bindings"
    )
    team = models.ForeignKey(
        "teams.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="role_bindings"
    )
    membership = models.OneToOneField(
        "teams.TeamMembership",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="role_binding",
        help_text="Set on the team-member binding made on joining; goes with the membership.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(scope="platform") & Q(competition__isnull=True) & Q(team__isnull=True))
                | (Q(scope="competition") & Q(competition__isnull=False) & Q(team__isnull=True))
                | (Q(scope="team") & Q(competition__isnull=False) & Q(team__isnull=False)),
                name="rolebinding_scope_matches_fields",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "scope", "competition", "team"],
                name="rolebinding_unique",
                nulls_distinct=False,
            ),
        ]
        indexes = [models.Index(fields=["competition", "created_at"], name="rolebinding_competition")]

    def __str__(self) -> str:
        return f"{self.role.name} for {self.user} on {self.describe_scope()}"

    @classmethod
    def hosts_of(cls, competition_id: int) -> models.QuerySet[RoleBinding]:
        """The competition-wide host bindings of one competition."""
        return cls.objects.filter(competition_id=competition_id, scope=Scope.COMPETITION, role__name=COMPETITION_HOST)

    def audit_details(self) -> dict[str, object]:
        """What the audit log records of a binding (the same keys as a grant request's)."""
        return {"user": self.user.get_username(), "role": self.role.name, "scope": self.scope, "team": self.team_id}

    def describe_scope(self) -> str:
        if self.scope == Scope.PLATFORM:
            return "the platform"
        if self.scope == Scope.COMPETITION:
            return f"competition {self.competition_id}"
        return f"team {self.team_id} of competition {self.competition_id}"


class Decision(models.TextChoices):
    ALLOW = "allow", "Allowed"
    DENY = "deny", "Denied"


class AuditEvent(models.Model):
    """Who did what, whether it was allowed, and why (which binding allowed it).

    Repeated refusals of one actor, action, target and reason within ``access.audit.REPEAT_WINDOW`` of the first
    are one event: ``repeat_count`` attempts, the last at ``last_at`` (null for an event that happened once)."""

    created_at = models.DateTimeField(auto_now_add=True)
    competition = models.ForeignKey(
        "competitions.Competition", null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_events"
    )
    competition_slug = models.CharField(max_length=64, blank=True, help_text="Kept after the competition is gone.")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=64)
    decision = models.CharField(max_length=8, choices=Decision.choices)
    reason = models.TextField()
    target_type = models.CharField(max_length=32, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    details = models.JSONField(default=dict, blank=True)
    # A database default too: the release still serving during a rolling deploy inserts rows without the column.
    # Not a PositiveIntegerField: its CHECK would make adding the column scan the whole log under an exclusive lock.
    repeat_count = models.IntegerField(default=1, db_default=1)
    last_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["competition", "-created_at", "-id"], name="audit_competition_recent")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_username} {self.action} {self.decision}"
