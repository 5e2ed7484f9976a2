"""ReportVersion moves from the gradebook to classrooms, beside ClassroomSubject.

Only Django's idea of where the model lives changes: the table keeps its name
(grades_reportversion) and its rows.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("classrooms", "0001_initial"),
        ("grades", "0003_report_versions_and_batches"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ReportVersion",
                    fields=[
                        (
                            "classroom_subject",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                primary_key=True,
                                related_name="report_version",
                                serialize=False,
                                to="classrooms.classroomsubject",
                                verbose_name="classroom subject",
                            ),
                        ),
                        (
                            "version",
                            models.PositiveBigIntegerField(
                                default=0, verbose_name="version"
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "report version",
                        "verbose_name_plural": "report versions",
                        "db_table": "grades_reportversion",
                    },
                )
            ],
            database_operations=[],
        )
    ]
