"""Users get a given name and a family name; `full_name` becomes derived.

`full_name` stays a stored column ("Given Family", rebuilt on every save) for the
pages, emails and PDFs that print it. 0004 fills the two parts from it.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_school_admin_group"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="given_name",
            field=models.CharField(
                blank=True,
                help_text="First and middle names, as the person uses them.",
                max_length=150,
                verbose_name="given name",
            ),
        ),
        migrations.AddField(
            model_name="user",
            name="family_name",
            field=models.CharField(
                default="",
                help_text=(
                    'Surnames, with their particles ("de la Cruz"): lists sort by it.'
                ),
                max_length=150,
                verbose_name="family name",
            ),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="user",
            name="full_name",
            field=models.CharField(
                blank=True, editable=False, max_length=301, verbose_name="full name"
            ),
        ),
        migrations.AlterModelOptions(
            name="user",
            options={
                "ordering": ["family_name", "given_name", "email"],
                "verbose_name": "user",
                "verbose_name_plural": "users",
            },
        ),
        migrations.AlterModelOptions(
            name="advising",
            options={
                "ordering": [
                    "teacher__family_name",
                    "teacher__given_name",
                    "student__family_name",
                    "student__given_name",
                ],
                "verbose_name": "advising link",
                "verbose_name_plural": "advising links",
            },
        ),
    ]
