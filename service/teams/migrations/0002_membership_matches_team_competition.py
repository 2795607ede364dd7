from django.db import migrations

from core.composite_keys import team_competition_fk


class Migration(migrations.Migration):
    dependencies = [("teams", "0001_initial")]
    operations = [team_competition_fk("teams_teammembership", "teammembership_team_competition_fk")]
