"""ReportVersion now lives in classrooms (classrooms.0002); its table stays."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("grades", "0004_grade_change_actor_channel"),
        ("classrooms", "0002_report_version_moves_here"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ReportVersion")],
            database_operations=[],
        )
    ]
