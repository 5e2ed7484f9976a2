"""The audit trail: actors, events as codes, history pages in the reader's language."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import translation

from classrooms.models import Subject
from school import audit
from school.audit import Actor, Channel
from school.models import AuditEvent
from tests import factories

pytestmark = pytest.mark.django_db

LOCKED = "term_locked"  # registered by classrooms.events, with a reason


class TestActor:
    def test_an_actor_is_a_person_or_a_named_program(self, teacher):
        assert Actor(user=teacher).user_id == teacher.pk
        assert Actor.command("seed_demo").program == "seed_demo"
        with pytest.raises(ValueError, match="user or a named program"):
            Actor()

    def test_the_channel_is_one_of_the_portals_doors(self, teacher):
        with pytest.raises(ValueError, match="Unknown channel"):
            Actor(user=teacher, channel="email")

    def test_from_a_request_it_carries_the_request_id(self, rf, teacher):
        request = rf.get("/")
        request.user, request.request_id = teacher, "abc123"
        actor = Actor.from_request(request, channel=Channel.ADMIN)
        assert (actor.user, actor.channel, actor.request_id) == (
            teacher,
            "admin",
            "abc123",
        )


class TestRecording:
    def test_an_event_names_actor_channel_request_and_record(self, admin, term):
        actor = Actor(user=admin, channel=Channel.ADMIN, request_id="r-1")
        row = audit.record(
            actor=actor, code=LOCKED, target=term, params={"reason": "x"}
        )
        stored = AuditEvent.objects.get(pk=row.pk)
        assert (stored.actor_user, stored.actor_program) == (admin, "")
        assert (stored.channel, stored.request_id) == ("admin", "r-1")
        assert stored.target_type == ContentType.objects.get_for_model(term)
        assert (stored.target_id, stored.target_repr) == (str(term.pk), str(term))
        assert stored.params == {"reason": "x"}

    def test_a_program_can_act_alone(self, term):
        row = audit.record(actor=Actor.command("nightly"), code=LOCKED, target=term)
        assert (row.actor_user, row.actor_program, row.channel) == (
            None,
            "nightly",
            "command",
        )

    def test_many_records_are_one_insert(self, admin, django_assert_num_queries):
        subjects = factories.SubjectFactory.create_batch(5)
        ContentType.objects.get_for_model(Subject)  # cached for the process
        with django_assert_num_queries(1):
            audit.record_many(
                actor=Actor(user=admin), code=audit.CHANGED, targets=subjects
            )
        assert AuditEvent.objects.count() == 5

    def test_an_unregistered_code_is_refused(self, admin, term):
        with pytest.raises(ValueError, match="Unregistered"):
            audit.record(actor=Actor(user=admin), code="made_up", target=term)

    def test_a_code_cannot_be_registered_with_two_messages(self):
        with pytest.raises(ValueError, match="registered twice"):
            audit.event(LOCKED, "Something else")


class TestDescribing:
    def test_an_event_reads_in_the_readers_language(self, admin, term):
        row = audit.record(
            actor=Actor(user=admin), code=LOCKED, target=term, params={"reason": "fin"}
        )
        assert audit.describe(row) == "Locked grading. Reason: fin"
        with translation.override("es"):
            spanish = audit.describe(row)
        assert spanish == "Periodo cerrado a cambios de notas. Motivo: fin"

    def test_changed_fields_are_named_in_the_readers_language(self, admin):
        subject = factories.SubjectFactory()
        row = audit.record(
            actor=Actor(user=admin),
            code=audit.CHANGED,
            target=subject,
            params=audit.field_changes(Subject, ["name"]),
        )
        assert audit.describe(row) == "Changed name."
        with translation.override("es"):
            assert audit.describe(row) == "Modificado nombre."

    def test_legacy_text_is_shown_as_it_was_stored(self, admin, term):
        row = AuditEvent(code=audit.LEGACY, params={"text": "Locked by hand"})
        assert audit.describe(row) == "Locked by hand"


class TestAdminPages:
    def test_the_history_page_lists_events_with_actor_and_channel(
        self, client, admin, term
    ):
        audit.record(
            actor=Actor(user=admin, channel=Channel.ADMIN),
            code=LOCKED,
            target=term,
            params={"reason": "exams"},
        )
        audit.record(actor=Actor.command("nightly"), code=audit.CHANGED, target=term)
        client.force_login(admin)
        url = reverse("admin:classrooms_term_history", args=[term.pk])
        page = client.get(url).content.decode()
        assert "Locked grading. Reason: exams" in page
        assert admin.full_name in page and "staff admin" in page
        assert "nightly" in page and "command" in page
        admin.language = "es"
        admin.save(update_fields=["language"])
        spanish = client.get(url).content.decode()
        assert "Periodo cerrado a cambios de notas. Motivo: exams" in spanish

    def test_an_admin_change_is_recorded_with_the_actor_and_channel(
        self, client, admin
    ):
        subject = factories.SubjectFactory(name="History", code="HIST")
        client.force_login(admin)
        response = client.post(
            reverse("admin:classrooms_subject_change", args=[subject.pk]),
            {"name": "World history", "code": "HIST"},
        )
        assert response.status_code == 302
        event = AuditEvent.objects.get(target_id=str(subject.pk))
        assert (event.actor_user, event.channel) == (admin, "admin")
        assert event.request_id
        assert audit.describe(event).lower() == "changed name."

    def test_the_admin_index_lists_my_recent_actions(self, client, admin, term):
        audit.record(
            actor=Actor(user=admin, channel=Channel.ADMIN),
            code=LOCKED,
            target=term,
            params={"reason": "exams"},
        )
        client.force_login(admin)
        page = client.get(reverse("admin:index")).content.decode()
        assert reverse("admin:classrooms_term_change", args=[term.pk]) in page
        assert "Locked grading. Reason: exams" in page
