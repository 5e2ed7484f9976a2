"""Given and family names in the user admin and the roster import."""

import pytest

from accounts.models import Role, User
from accounts.resources import UserResource
from tests import factories
from tests.admin.conftest import admin_url
from tests.admin.test_import import confirm, import_file, statuses, upload

pytestmark = pytest.mark.django_db


class TestImport:
    def test_a_file_with_given_and_family_columns(self, admin_client_):
        import_file(
            admin_client_,
            User,
            "email,given_name,family_name,role\n"
            "ana@example.org,Ana María,de la Cruz,student\n"
            "solo@example.org,,Madonna,teacher\n".encode(),
        )
        ana = User.objects.get(email="ana@example.org")
        assert (ana.given_name, ana.family_name, ana.full_name) == (
            "Ana María",
            "de la Cruz",
            "Ana María de la Cruz",
        )
        solo = User.objects.get(email="solo@example.org")
        assert (solo.given_name, solo.family_name, solo.full_name) == (
            "",
            "Madonna",
            "Madonna",
        )

    def test_a_file_with_only_full_name_is_split_by_the_rule(self, admin_client_):
        factories.StudentFactory(
            email="old@example.org", given_name="Old", family_name="Name"
        )
        import_file(
            admin_client_,
            User,
            "email,full_name,role\n"
            "new@example.org,  Ludwig  van Beethoven ,student\n"
            "old@example.org,Pedro del Río,student\n".encode(),
        )
        new = User.objects.get(email="new@example.org")
        assert (new.given_name, new.family_name, new.full_name) == (
            "Ludwig",
            "van Beethoven",
            "Ludwig van Beethoven",
        )
        old = User.objects.get(email="old@example.org")
        assert (old.given_name, old.family_name, old.full_name) == (
            "Pedro",
            "del Río",
            "Pedro del Río",
        )

    def test_a_row_without_any_name_is_an_error(self, admin_client_):
        response = upload(
            admin_client_,
            User,
            b"email,given_name,family_name,role\nnoname@example.org,Ana,,student\n",
        )
        assert response.context.get("confirm_form") is None
        [row] = response.context["result"].rows
        assert row.messages == [("family_name", ["A family name is required."])]
        response = upload(
            admin_client_, User, b"email,full_name,role\nnoname@example.org,,student\n"
        )
        [row] = response.context["result"].rows
        assert row.messages == [("full_name", ["A full name is required."])]
        assert not User.objects.filter(email="noname@example.org").exists()

    def test_the_export_has_all_three_and_reads_back_unchanged(self, admin_client_):
        factories.StudentFactory(
            email="ana@example.org", given_name="Ana María", family_name="de la Cruz"
        )
        exported = UserResource().export()
        assert exported.headers[:4] == [
            "email",
            "given_name",
            "family_name",
            "full_name",
        ]
        assert list(exported[0])[:4] == [
            "ana@example.org",
            "Ana María",
            "de la Cruz",
            "Ana María de la Cruz",
        ]
        response = upload(admin_client_, User, exported.export("csv").encode())
        assert set(statuses(response.context["result"])) == {"skip"}
        confirm(admin_client_, User, response)


class TestAdmin:
    def test_the_change_form_edits_both_parts_and_full_name_follows(
        self, admin_client_, teacher
    ):
        response = admin_client_.post(
            admin_url(User, "change", teacher.pk),
            {
                "email": teacher.email,
                "given_name": "Tomás",
                "family_name": "de la Torre",
                "role": Role.TEACHER,
                "language": "es",
                "is_active": "on",
            },
        )
        assert response.status_code == 302
        teacher.refresh_from_db()
        assert (teacher.given_name, teacher.family_name) == ("Tomás", "de la Torre")
        assert teacher.full_name == "Tomás de la Torre"

    def test_the_family_name_is_required(self, admin_client_, teacher):
        response = admin_client_.post(
            admin_url(User, "change", teacher.pk),
            {
                "email": teacher.email,
                "given_name": "Tomás",
                "family_name": "",
                "role": Role.TEACHER,
                "language": "en",
                "is_active": "on",
            },
        )
        assert response.status_code == 200
        assert "family_name" in response.context["adminform"].form.errors

    def test_the_list_sorts_by_family_name_and_finds_either_part(
        self, admin_client_, admin
    ):
        for given, family in [("Zara", "Zoë"), ("Bea", "Bruno"), ("Ana", "Ángel")]:
            factories.StudentFactory(given_name=given, family_name=family)
        response = admin_client_.get(admin_url(User, "changelist"), {"role": "student"})
        assert [u.family_name for u in response.context["cl"].result_list] == [
            "Ángel",
            "Bruno",
            "Zoë",
        ]
        for term in ("Bruno", "Bea", "Bea Bruno"):
            found = admin_client_.get(admin_url(User, "changelist"), {"q": term})
            assert [u.family_name for u in found.context["cl"].result_list] == ["Bruno"]
