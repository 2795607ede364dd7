from django.db import migrations

from core.composite_keys import team_competition_fk


class Migration(migrations.Migration):
    dependencies = [("submissions", "0001_initial"), ("teams", "0001_initial")]
    operations = [team_competition_fk("submissions_submission", "submission_team_competition_fk")]
