"""Roster import and export in the admin: dry run, all or nothing, idempotent."""

import csv
import io
import time

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Role, User
from accounts.resources import UserResource
from school import audit
from school.audit import AuditEvent, Channel
from tests import factories
from tests.admin.conftest import admin_url

pytestmark = pytest.mark.django_db

CSV_FORMAT, XLSX_FORMAT = "0", "1"
HEADERS = ["email", "full_name", "role", "language"]
EXPORT_HEADERS = ["email", "given_name", "family_name", "full_name", "role", "language"]


def students_csv(n, *, bad=False, header=HEADERS):
    rows = [
        [f"Student{i}@School.example", f"Student {i}", "student", "en"]
        for i in range(n)
    ]
    if bad:
        rows[10][0] = "not-an-email"
        rows[500][2] = "wizard"
        rows[900][0] = rows[3][0].upper()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def upload(client, model, content, *, name="roster.csv", fmt=CSV_FORMAT):
    return client.post(
        admin_url(model, "import"),
        {"format": fmt, "import_file": SimpleUploadedFile(name, content)},
    )


def confirm(client, model, dry_run_response):
    form = dry_run_response.context["confirm_form"]
    return client.post(
        admin_url(model, "process_import"),
        {name: form.initial[name] for name in form.fields},
    )


def statuses(result):
    return [row.import_type for row in result.rows]


def import_file(client, model, content, **kwargs):
    """Dry run, then confirm: the changelist comes back."""
    dry_run = upload(client, model, content, **kwargs)
    assert dry_run.status_code == 200
    assert dry_run.context["confirm_form"] is not None, dry_run.context["result"]
    response = confirm(client, model, dry_run)
    assert response.status_code == 302
    return dry_run


class TestStudentImport:
    def test_it_shows_three_bad_rows_of_1000_and_writes_nothing_then_imports_once(
        self, admin_client_, admin
    ):
        before = User.objects.count()
        response = upload(admin_client_, User, students_csv(1000, bad=True))
        assert response.status_code == 200
        result = response.context["result"]
        assert response.context.get("confirm_form") is None
        assert len(result.rows) == 1000
        invalid = {row.number: row for row in result.rows if row.is_invalid()}
        assert sorted(invalid) == [11, 501, 901]
        assert invalid[11].messages == [
            ("email", ['"not-an-email" is not a valid email address.'])
        ]
        assert invalid[501].messages == [
            ("role", ['Unknown role "wizard": use student or teacher.'])
        ]
        assert invalid[901].messages == [
            ("email", ["This email is already on row 4 of the file."])
        ]
        assert statuses(result).count("new") == 997
        page = response.content.decode()
        assert "Nothing was imported" in page
        assert "3 rows have errors" in page
        assert page.count('<td class="import-type">') == 1000
        assert User.objects.count() == before

        response = import_file(admin_client_, User, students_csv(1000))
        assert set(statuses(response.context["result"])) == {"new"}
        imported = User.objects.filter(email__endswith="@school.example")
        assert imported.count() == 1000
        assert User.objects.count() == before + 1000
        student = imported.get(email="student7@school.example")
        assert (student.full_name, student.role, student.language) == (
            "Student 7",
            Role.STUDENT,
            "en",
        )
        assert not student.has_usable_password()
        assert not student.is_staff
        event = AuditEvent.objects.get(target_id=str(student.pk), code=audit.ADDED)
        assert (event.channel, event.actor_user, event.target_type.model) == (
            Channel.IMPORT,
            admin,
            "user",
        )
        assert event.request_id

        again = upload(admin_client_, User, students_csv(1000))
        assert set(statuses(again.context["result"])) == {"skip"}
        assert "Unchanged" in again.content.decode()
        assert User.objects.count() == before + 1000

    def test_the_dry_run_names_each_row_new_updated_or_unchanged(
        self, admin_client_, student
    ):
        factories.TeacherFactory(email="kept@example.org", full_name="Kept")
        content = (
            "email,full_name,role\n"
            "SOFIA@example.org,Sofía S. Student,student\n"
            "kept@example.org,Kept,teacher\n"
            "new@example.org,New Person,teacher\n"
        ).encode()
        response = upload(admin_client_, User, content)
        assert statuses(response.context["result"]) == ["update", "skip", "new"]
        page = response.content.decode()
        for word in ("Updated", "Unchanged", "New", "Confirm import"):
            assert word in page
        student.refresh_from_db()
        assert student.full_name == "Sofía Student"
        assert not User.objects.filter(email="new@example.org").exists()

    def test_an_update_keeps_the_password_and_the_language_left_blank(
        self, admin_client_, student, password
    ):
        student.language = "es"
        student.save()
        content = b"email,full_name,role,language\nsofia@example.org,Sofia S,student,\n"
        import_file(admin_client_, User, content)
        student.refresh_from_db()
        assert (student.full_name, student.language) == ("Sofia S", "es")
        assert student.check_password(password)

    def test_it_refuses_to_change_a_school_admin_or_to_import_one(
        self, admin_client_, admin
    ):
        content = (
            b"email,full_name,role\n"
            b"ada.admin@example.org,Ada,teacher\n"
            b"boss@example.org,Boss,admin\n"
        )
        response = upload(admin_client_, User, content)
        rows = response.context["result"].rows
        assert [row.import_type for row in rows] == ["invalid", "invalid"]
        assert "school admin" in str(rows[0].messages)
        assert rows[1].messages == [
            ("role", ['Unknown role "admin": use student or teacher.'])
        ]
        admin.refresh_from_db()
        assert admin.role == Role.ADMIN

    def test_a_row_gone_bad_since_the_dry_run_rolls_back_the_whole_file(
        self, admin_client_
    ):
        content = (
            b"email,full_name,role\na@example.org,A,student\nb@example.org,B,student\n"
        )
        dry_run = upload(admin_client_, User, content)
        assert dry_run.context["confirm_form"] is not None
        # Meanwhile, someone makes b@ a school admin by hand.
        factories.AdminFactory(email="b@example.org")
        response = confirm(admin_client_, User, dry_run)
        assert response.status_code == 200
        assert "Nothing was imported" in response.content.decode()
        assert not User.objects.filter(email="a@example.org").exists()

    def test_it_reads_excel_files(self, admin_client_):
        book = tablib.Dataset(headers=HEADERS)
        book.append(["xl@example.org", "Excel Person", "Teacher", "es"])
        dry_run = import_file(
            admin_client_,
            User,
            book.export("xlsx"),
            name="roster.xlsx",
            fmt=XLSX_FORMAT,
        )
        assert statuses(dry_run.context["result"]) == ["new"]
        user = User.objects.get(email="xl@example.org")
        assert (user.role, user.language) == (Role.TEACHER, "es")

    def test_the_export_reads_back_as_an_unchanged_import(self, admin_client_):
        import_file(admin_client_, User, students_csv(5))
        exported = UserResource().export()
        assert exported.headers == EXPORT_HEADERS
        response = upload(admin_client_, User, exported.export("csv").encode())
        assert set(statuses(response.context["result"])) == {"skip"}
        assert len(response.context["result"].rows) == 5

    def test_the_admin_export_page_offers_csv_and_excel(self, admin_client_):
        response = admin_client_.get(admin_url(User, "export"))
        assert response.status_code == 200
        choices = dict(response.context["form"].fields["format"].choices)
        assert sorted(choices.values()) == ["---", "csv", "xlsx"]


@pytest.mark.parametrize("persona", ["teacher", "student"])
def test_teachers_and_students_cannot_import(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    response = upload(client, User, students_csv(2))
    assert response.status_code == 302
    assert response.url.startswith(admin_url(User, "changelist").split("accounts")[0])
    assert not User.objects.filter(email__endswith="@school.example").exists()


# 60 rows stay within one INSERT on SQLite too (its limit on parameters splits
# larger bulk inserts); PostgreSQL inserts any number in one.
@pytest.mark.parametrize("n", [5, 60])
def test_the_dry_run_costs_the_same_queries_for_5_or_60_rows(
    admin_client_, django_assert_num_queries, n
):
    # The user and their two permission sets (3); the lookup of the file's
    # emails among existing users (1); eight savepoint statements around them.
    # Nothing is written: the rows wait for the confirmed import. None per row.
    with django_assert_num_queries(13):
        response = upload(admin_client_, User, students_csv(n))
    assert len(response.context["result"].rows) == n


def test_importing_1000_students_is_fast(admin_client_):
    start = time.perf_counter()
    import_file(admin_client_, User, students_csv(1000))
    elapsed = time.perf_counter() - start
    assert User.objects.filter(email__endswith="@school.example").count() == 1000
    # Dry run and confirmed import together; measured ~1 s on the CI machine.
    assert elapsed < 15, elapsed
