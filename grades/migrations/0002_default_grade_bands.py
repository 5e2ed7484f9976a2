from decimal import Decimal

from django.db import migrations

DEFAULT_BANDS = [
    ("A", Decimal("90")),
    ("B", Decimal("80")),
    ("C", Decimal("70")),
    ("D", Decimal("60")),
    ("F", Decimal("0")),
]


def create_default_bands(apps, schema_editor):
    GradeBand = apps.get_model("grades", "GradeBand")
    if GradeBand.objects.exists():
        return
    GradeBand.objects.bulk_create(
        GradeBand(letter=letter, min_percent=min_percent)
        for letter, min_percent in DEFAULT_BANDS
    )


class Migration(migrations.Migration):
    dependencies = [("grades", "0001_initial")]

    operations = [migrations.RunPython(create_default_bands, migrations.RunPython.noop)]
