"""One write through each channel: its audit rows name the actor and the channel.

A page, the admin, a roster import and a management command each write through a
service, which records who made the write (a person, or with none a program), the
door it came through and the request it belongs to.

The API channel has no endpoint yet: its test comes with the API.
"""

import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command

from accounts.models import User
from classrooms.models import Term
from grades.models import GradeChange
from school import audit
from school.models import AuditEvent, Channel
from tests.admin.conftest import run_action
from tests.admin.test_import import import_file, students_csv
from tests.grades.test_gradebook_views import cell, grid_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(client, admin):
    client.force_login(admin)
    return client


def test_a_page_write_names_the_teacher_the_page_and_the_request(
    client, teacher, classroom_subject, term, student, quiz, exam
):
    client.force_login(teacher)
    data = {**cell(student, quiz, "12"), **cell(student, exam, "M")}

    response = client.post(grid_url(classroom_subject, term), data)

    assert response.status_code == 302
    changes = GradeChange.objects.all()
    assert changes.count() == 2
    assert set(
        changes.values_list("changed_by", "actor_program", "channel", "request_id")
    ) == {(teacher.pk, "", Channel.PAGE, response["X-Request-ID"])}


def test_an_admin_write_names_the_staff_member_and_the_admin(
    admin_client_, admin, term
):
    response = run_action(
        admin_client_, Term, "lock_terms", [term], {"reason": "Report cards out"}
    )

    assert response.status_code == 302
    event = AuditEvent.objects.get(
        target_type=ContentType.objects.get_for_model(Term), target_id=str(term.pk)
    )
    assert (event.actor_user, event.actor_program, event.channel) == (
        admin,
        "",
        Channel.ADMIN,
    )
    assert event.request_id == response["X-Request-ID"]


def test_an_import_names_the_staff_member_and_the_import(admin_client_, admin):
    import_file(admin_client_, User, students_csv(3))

    imported = User.objects.filter(email__endswith="@school.example")
    assert imported.count() == 3
    events = AuditEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(User),
        target_id__in=[str(pk) for pk in imported.values_list("pk", flat=True)],
    )
    assert events.count() == 3
    assert set(
        events.values_list("code", "actor_user", "actor_program", "channel")
    ) == {(audit.ADDED, admin.pk, "", Channel.IMPORT)}
    assert events.exclude(request_id="").count() == 3


def test_a_command_names_the_program_and_the_command_channel():
    call_command("seed_demo", "--force", stdout=io.StringIO())

    event = AuditEvent.objects.get(
        target_type=ContentType.objects.get_for_model(User),
        target_id=str(User.objects.get(email="admin@demo.school").pk),
    )
    assert (event.actor_user, event.actor_program, event.channel) == (
        None,
        "seed_demo",
        Channel.COMMAND,
    )
    change = GradeChange.objects.first()
    assert (change.changed_by, change.actor_program, change.channel) == (
        None,
        "seed_demo",
        Channel.COMMAND,
    )
