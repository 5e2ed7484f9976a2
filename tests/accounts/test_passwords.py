"""Every way a password is set goes through user_set_password, audited."""

import re

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.services import user_set_password
from school.audit import Actor
from school.models import AuditEvent

pytestmark = pytest.mark.django_db

NEW = "a-new-Passphrase-42"


def events_of(user):
    return list(
        AuditEvent.objects.filter(target_id=str(user.pk)).values_list(
            "code", "actor_user", "channel"
        )
    )


class TestService:
    def test_a_person_sets_their_own(self, teacher):
        user_set_password(actor=Actor(user=teacher), user=teacher, password=NEW)
        teacher.refresh_from_db()
        assert teacher.check_password(NEW)
        assert events_of(teacher) == [("password_set", teacher.pk, "page")]

    def test_staff_set_or_disable_someone_elses(self, admin, student):
        user_set_password(actor=Actor(user=admin), user=student, password=None)
        student.refresh_from_db()
        assert not student.has_usable_password()
        assert events_of(student) == [("password_disabled", admin.pk, "page")]

    def test_nobody_else_does(self, teacher, student, other_student):
        for actor in (teacher, other_student):
            with pytest.raises(PermissionDenied):
                user_set_password(actor=Actor(user=actor), user=student, password=NEW)
        student.refresh_from_db()
        assert not student.check_password(NEW)
        assert AuditEvent.objects.count() == 0


class TestPages:
    def test_changing_ones_password_keeps_one_signed_in(
        self, client, teacher, password
    ):
        client.force_login(teacher)
        response = client.post(
            reverse("password_change"),
            {
                "old_password": password,
                "new_password1": NEW,
                "new_password2": NEW,
            },
        )
        assert response.status_code == 302
        teacher.refresh_from_db()
        assert teacher.check_password(NEW)
        assert client.get(reverse("home")).status_code in (200, 302)
        assert client.get(reverse("my_classes")).status_code == 200
        [(code, actor, channel)] = events_of(teacher)
        assert (code, actor, channel) == ("password_set", teacher.pk, "page")
        event = AuditEvent.objects.get()
        assert event.request_id == response["X-Request-ID"]

    def test_a_reset_link_sets_it_in_its_persons_name(self, client, student):
        uid = urlsafe_base64_encode(force_bytes(student.pk))
        token = default_token_generator.make_token(student)
        link = reverse("password_reset_confirm", args=[uid, token])
        form_url = client.get(link)["Location"]
        response = client.post(form_url, {"new_password1": NEW, "new_password2": NEW})
        assert response.status_code == 302
        student.refresh_from_db()
        assert student.check_password(NEW)
        assert events_of(student) == [("password_set", student.pk, "page")]

    def test_staff_set_a_password_in_the_admin(self, client, admin, student):
        client.force_login(admin)
        url = reverse("admin:auth_user_password_change", args=[student.pk])
        response = client.post(
            url,
            {"password1": NEW, "password2": NEW, "usable_password": "true"},
        )
        assert response.status_code == 302, response.content.decode()[:500]
        student.refresh_from_db()
        assert student.check_password(NEW)
        assert events_of(student) == [("password_set", admin.pk, "admin")]
        assert not mail.outbox
        assert re.search(r"/admin/accounts/user/\d+/change/", response["Location"])
