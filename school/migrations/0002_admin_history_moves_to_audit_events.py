"""The admin's history (Django's LogEntry rows) moves to the audit trail.

Each LogEntry becomes an AuditEvent with the code `legacy`, keeping its text as it
was stored (some of it translated when written, some in English, some Django's
structured messages, which are still translated when shown), its author, time and
record; the channel is admin, where those rows were written. The entry's id and
action flag are kept in the parameters, so that going back recreates the same
LogEntry rows.
"""

from django.db import migrations

BATCH = 2000


def forwards(apps, schema_editor):
    LogEntry = apps.get_model("admin", "LogEntry")
    AuditEvent = apps.get_model("school", "AuditEvent")
    entries = LogEntry.objects.order_by("pk")
    last = 0
    while True:
        batch = list(entries.filter(pk__gt=last)[:BATCH])
        if not batch:
            break
        AuditEvent.objects.bulk_create(
            AuditEvent(
                at=entry.action_time,
                actor_user_id=entry.user_id,
                channel="admin",
                code="legacy",
                params={
                    "text": entry.change_message,
                    "log_entry_id": entry.pk,
                    "action_flag": entry.action_flag,
                },
                target_type_id=entry.content_type_id,
                target_id=(entry.object_id or "")[:64],
                target_repr=entry.object_repr[:200],
            )
            for entry in batch
        )
        last = batch[-1].pk
    LogEntry.objects.all().delete()


def backwards(apps, schema_editor):
    LogEntry = apps.get_model("admin", "LogEntry")
    AuditEvent = apps.get_model("school", "AuditEvent")
    legacy = AuditEvent.objects.filter(code="legacy", params__has_key="log_entry_id")
    LogEntry.objects.bulk_create(
        (
            LogEntry(
                pk=event.params["log_entry_id"],
                action_time=event.at,
                user_id=event.actor_user_id,
                content_type_id=event.target_type_id,
                object_id=event.target_id or None,
                object_repr=event.target_repr,
                action_flag=event.params["action_flag"],
                change_message=event.params["text"],
            )
            for event in legacy.iterator(chunk_size=BATCH)
        ),
        batch_size=BATCH,
    )
    legacy.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("school", "0001_audit_events"),
        ("admin", "0003_logentry_add_action_flag_choices"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
