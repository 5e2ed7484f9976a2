"""The admin history kept from before the audit trail survives the move, both ways."""

import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("school", "0001_audit_events")]
AFTER = [("school", "0002_admin_history_moves_to_audit_events")]


ADMIN = [("admin", "0003_logentry_add_action_flag_choices")]


def _migrate(targets):
    """Migrate to `targets`; the models as they are there, with the admin's and
    the accounts' as they are now (only the school app moves)."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    accounts = [
        node for node in executor.loader.graph.leaf_nodes() if node[0] == "accounts"
    ]
    return executor.loader.project_state(targets + ADMIN + accounts).apps


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_log_entries_become_legacy_events_and_come_back():
    apps = _migrate(BEFORE)
    User = apps.get_model("accounts", "User")
    LogEntry = apps.get_model("admin", "LogEntry")
    ContentType = apps.get_model("contenttypes", "ContentType")
    staff = User.objects.create(
        email="staff@example.com", given_name="Staff", family_name="Person"
    )
    user_type = ContentType.objects.get(app_label="accounts", model="user")
    structured = json.dumps([{"changed": {"fields": ["Active"]}}])
    texts = ["Bloqueado. Motivo: notas cerradas", structured]
    for flag, text in enumerate(texts, start=2):
        LogEntry.objects.create(
            user=staff,
            content_type=user_type,
            object_id=str(staff.pk),
            object_repr="Staff Person",
            action_flag=flag,
            change_message=text,
        )
    before = sorted(
        LogEntry.objects.values_list(
            "pk", "action_time", "user_id", "object_id", "action_flag", "change_message"
        )
    )

    apps = _migrate(AFTER)
    AuditEvent = apps.get_model("school", "AuditEvent")
    assert not apps.get_model("admin", "LogEntry").objects.exists()
    events = list(AuditEvent.objects.order_by("pk"))
    assert [e.code for e in events] == ["legacy", "legacy"]
    assert [e.params["text"] for e in events] == texts
    assert {(e.actor_user_id, e.channel, e.target_id) for e in events} == {
        (staff.pk, "admin", str(staff.pk))
    }

    apps = _migrate(BEFORE)
    LogEntry = apps.get_model("admin", "LogEntry")
    after = sorted(
        LogEntry.objects.values_list(
            "pk", "action_time", "user_id", "object_id", "action_flag", "change_message"
        )
    )
    assert after == before
    assert not apps.get_model("school", "AuditEvent").objects.exists()
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
