from django.db import migrations

from core.composite_keys import team_competition_fk


class Migration(migrations.Migration):
    dependencies = [("leaderboards", "0001_initial"), ("teams", "0001_initial")]
    operations = [team_competition_fk("leaderboards_leaderboardentry", "leaderboardentry_team_competition_fk")]
