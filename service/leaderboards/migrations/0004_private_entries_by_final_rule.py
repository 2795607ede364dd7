"""The private board's entries chosen again by the rule of final submissions (``leaderboards.private_board``).

No team has marked a final submission yet, so each team's entry becomes its best private score among its
``final_submissions_limit`` best public scores (equal scores: the earliest submission first). Backwards: the rule
before, the best private score of all the team's scored submissions. Historical models only, a competition at a
time, the submissions streamed.

During a rolling deploy the previous release may still score a few submissions after this ran and offer them to
the private board by the rule before; ``python manage.py rebuild_private_boards`` (idempotent) chooses every entry
again once the new release serves alone.
"""

from typing import Any

from django.db import migrations

HIGHER_IS_BETTER = {"accuracy": True, "macro_f1": True, "rmse": False, "mae": False}


def _entries(apps: Any, competition: Any, limit: int | None) -> list[Any]:
    submission_model = apps.get_model("submissions", "Submission")
    entry_model = apps.get_model("leaderboards", "LeaderboardEntry")
    sign = 1 if HIGHER_IS_BETTER[competition.metric] else -1
    public_order = "-public_score" if sign > 0 else "public_score"
    rows = (
        submission_model.objects.filter(competition_id=competition.pk, status="scored")
        .order_by("team_id", public_order, "created_at", "id")
        .values_list("team_id", "id", "private_score", "created_at")
    )
    taken: dict[int, int] = {}
    best: dict[int, tuple[float, Any, int]] = {}
    for team_id, pk, private, created_at in rows.iterator(chunk_size=10_000):
        if limit is not None and taken.get(team_id, 0) >= limit:
            continue
        taken[team_id] = taken.get(team_id, 0) + 1
        current = best.get(team_id)
        if current is None or (-sign * private, created_at, pk) < (-sign * current[0], current[1], current[2]):
            best[team_id] = (private, created_at, pk)
    return [
        entry_model(
            competition_id=competition.pk,
            team_id=team_id,
            board="private",
            submission_id=pk,
            score=private,
            sort_key=sign * private,
            submitted_at=created_at,
        )
        for team_id, (private, created_at, pk) in best.items()
    ]


def _rebuild(apps: Any, by_final_rule: bool) -> None:
    entry_model = apps.get_model("leaderboards", "LeaderboardEntry")
    for competition in apps.get_model("competitions", "Competition").objects.order_by("pk").iterator():
        entries = _entries(apps, competition, competition.final_submissions_limit if by_final_rule else None)
        entry_model.objects.filter(competition_id=competition.pk, board="private").delete()
        entry_model.objects.bulk_create(entries, batch_size=2000)


def forwards(apps: Any, schema_editor: Any) -> None:
    _rebuild(apps, by_final_rule=True)


def backwards(apps: Any, schema_editor: Any) -> None:
    _rebuild(apps, by_final_rule=False)


class Migration(migrations.Migration):
    dependencies = [
        ("leaderboards", "0003_final_choices"),
        ("competitions", "0002_final_submissions_limit"),
        ("submissions", "0003_daily_quotas_of_team"),
    ]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
