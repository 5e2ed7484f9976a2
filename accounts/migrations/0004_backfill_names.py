"""Fill every user's given and family name from their `full_name`.

The rule (the same as `accounts.names.split_full_name`, frozen here):

- words are separated by whitespace; extra spaces do not count;
- the family name is the last word, plus the lowercase particles right before it
  (de, del, la, las, los, lo, van, von, da, das, do, dos, di, du, le, der, den,
  des, della, dello, degli, ten, ter, zu, y): "Ana María de la Cruz" becomes given
  "Ana María", family "de la Cruz"; a capitalised "De" is not a particle;
- everything before the family name is the given name;
- a one-word name is a family name alone (given name empty); an empty name
  stays empty.

`full_name` is then rewritten as "Given Family" (only extra spaces change).
Users whose parts are already filled are left alone, so running it again
changes nothing. Reverse: nothing to undo; `full_name` was kept all along.
"""

from django.db import migrations

PARTICLES = frozenset(
    {
        "da", "das", "de", "degli", "del", "della", "dello", "den", "der", "des", "di",
        "do", "dos", "du", "la", "las", "le", "lo", "los", "ten", "ter", "van", "von",
        "y", "zu",
    }
)
BATCH = 1000


def split_full_name(full_name):
    words = (full_name or "").split()
    if not words:
        return "", ""
    start = len(words) - 1
    while start > 0 and words[start - 1] in PARTICLES:
        start -= 1
    return " ".join(words[:start]), " ".join(words[start:])


def backfill(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    manager = User.objects.using(schema_editor.connection.alias)
    # Read first, then write: SQLite does not isolate a cursor from the
    # updates of its own connection.
    users = list(
        manager.filter(given_name="", family_name="")
        .only("pk", "full_name")
        .order_by("pk")
    )
    for user in users:
        user.given_name, user.family_name = split_full_name(user.full_name)
        user.full_name = " ".join(
            part for part in (user.given_name, user.family_name) if part
        )
    manager.bulk_update(
        users, ["given_name", "family_name", "full_name"], batch_size=BATCH
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_user_given_family_names"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=False),
    ]
