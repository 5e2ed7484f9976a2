"""Classrooms, terms, the grading scale and the grade change log in the admin."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from classrooms.models import Classroom, ClassroomSubject, Enrollment, Term
from grades.models import GradeBand, GradeChange
from school import audit
from school.audit import AuditEvent, Channel
from tests import factories
from tests.admin.conftest import admin_url, count_queries, run_action
from tests.admin.test_import import confirm, statuses, upload
from tests.school_calendar import SCHOOL

pytestmark = pytest.mark.django_db


def post_csv(client, model, text):
    dry_run = upload(client, model, text.encode())
    assert dry_run.status_code == 200
    return dry_run


class TestClassroomImports:
    def test_a_new_school_year_is_set_up_by_import_leaving_last_year_alone(
        self, admin_client_, student, classroom, teacher
    ):
        factories.SubjectFactory(name="History", code="HIST")
        new_year = factories.SchoolYearFactory(
            name=SCHOOL.shifted(1).name,
            starts_on=SCHOOL.shifted(1).year_start,
            ends_on=SCHOOL.shifted(1).year_end,
        )
        last_year = list(Enrollment.objects.values_list("pk", "withdrawn_on"))
        classrooms = (
            "school_year,name,grade_level,teacher\n"
            f"{new_year.name},8A,8,TOMAS@example.org\n"
            f"{new_year.name},7A,7,tomas@example.org\n"
        )
        dry_run = post_csv(admin_client_, Classroom, classrooms)
        assert statuses(dry_run.context["result"]) == ["new", "new"]
        assert confirm(admin_client_, Classroom, dry_run).status_code == 302
        subjects = f"school_year,classroom,subject,teacher\n{new_year.name},8A,hist,\n"
        dry_run = post_csv(admin_client_, ClassroomSubject, subjects)
        assert confirm(admin_client_, ClassroomSubject, dry_run).status_code == 302
        enrollments = (
            "student,school_year,classroom,enrolled_on,withdrawn_on\n"
            f"Sofia@example.org,{new_year.name},8A,{new_year.starts_on},\n"
        )
        dry_run = post_csv(admin_client_, Enrollment, enrollments)
        assert statuses(dry_run.context["result"]) == ["new"]
        assert confirm(admin_client_, Enrollment, dry_run).status_code == 302

        eighth = Classroom.objects.get(school_year=new_year, name="8A")
        assert eighth.teacher == teacher
        assert ClassroomSubject.objects.get(classroom=eighth).teacher == teacher
        assert Enrollment.objects.get(classroom=eighth).student == student
        # Last year's 7A and its enrollment are untouched; next year's 7A is another.
        assert classroom.enrollments.get().withdrawn_on is None
        assert set(
            Enrollment.objects.filter(pk__in=[pk for pk, _ in last_year]).values_list(
                "pk", "withdrawn_on"
            )
        ) == set(last_year)
        assert Classroom.objects.filter(name="7A").count() == 2

        for model, text in [
            (Classroom, classrooms),
            (ClassroomSubject, subjects),
            (Enrollment, enrollments),
        ]:
            again = post_csv(admin_client_, model, text)
            assert set(statuses(again.context["result"])) == {"skip"}, model

    def test_it_names_unknown_years_teachers_and_students_in_words(
        self, admin_client_, school_year, student
    ):
        response = post_csv(
            admin_client_,
            Classroom,
            "school_year,name,grade_level,teacher\n"
            "1999-2000,9A,9,tomas@example.org\n"
            f"{school_year.name},9B,nine,nobody@example.org\n",
        )
        rows = response.context["result"].rows
        assert rows[0].messages == [
            ("school_year", ['No school year is named "1999-2000": add it first.'])
        ]
        assert dict(rows[1].messages).get("teacher") == [
            'No teacher has the email "nobody@example.org".'
        ]
        assert dict(rows[1].messages)["grade_level"] == [
            '"nine" is not a whole number.'
        ]
        assert not Classroom.objects.filter(name__in=["9A", "9B"]).exists()
        response = post_csv(
            admin_client_,
            Enrollment,
            f"student,school_year,classroom\nsofia@example.org,{school_year.name},Z9\n",
        )
        assert response.context["result"].rows[0].messages == [
            (
                "classroom",
                [f'No classroom "Z9" in the school year "{school_year.name}".'],
            )
        ]

    def test_enrollments_export_in_the_columns_the_import_reads(
        self, admin_client_, student
    ):
        from classrooms.resources import EnrollmentResource

        exported = EnrollmentResource().export()
        assert exported.headers == [
            "student",
            "school_year",
            "classroom",
            "enrolled_on",
            "withdrawn_on",
        ]
        assert exported.dict[0]["student"] == "sofia@example.org"
        again = post_csv(admin_client_, Enrollment, exported.export("csv"))
        assert set(statuses(again.context["result"])) == {"skip"}


class TestClassroomPage:
    def test_it_links_to_the_gradebook_and_the_reports(
        self, admin_client_, classroom_subject, term
    ):
        classroom = classroom_subject.classroom
        response = admin_client_.get(admin_url(Classroom, "change", classroom.pk))
        page = response.content.decode()
        assert f'href="{reverse("gradebook", args=[classroom.pk])}"' in page
        report = reverse(
            "class_report", args=[classroom.pk, classroom_subject.pk, term.pk]
        )
        assert f'href="{report}"' in page


class TestTermLocking:
    def test_locking_asks_for_a_reason_then_records_it_in_the_history(
        self, admin_client_, term, admin
    ):
        page = run_action(admin_client_, Term, "lock_terms", [term])
        assert page.status_code == 200
        assert '<label for="id_reason"' in page.content.decode()
        empty = run_action(admin_client_, Term, "lock_terms", [term], {"reason": " "})
        assert empty.context["form"].errors
        term.refresh_from_db()
        assert not term.locked
        response = run_action(
            admin_client_, Term, "lock_terms", [term], {"reason": "Report cards out"}
        )
        assert response.status_code == 302
        term.refresh_from_db()
        assert term.locked
        event = AuditEvent.objects.get(
            target_type=ContentType.objects.get_for_model(Term), target_id=term.pk
        )
        assert (event.actor_user, event.channel) == (admin, Channel.ADMIN)
        assert "Report cards out" in audit.describe(event)
        history = admin_client_.get(admin_url(Term, "history", term.pk))
        assert "Report cards out" in history.content.decode()

    def test_unlocking_goes_through_the_service_too(self, admin_client_, term):
        term.locked = True
        term.save()
        response = run_action(
            admin_client_, Term, "unlock_terms", [term], {"reason": "Late work"}
        )
        assert response.status_code == 302
        term.refresh_from_db()
        assert not term.locked

    def test_the_lock_box_is_not_editable_on_the_term_page(self, admin_client_, term):
        form = (
            admin_client_.get(admin_url(Term, "change", term.pk))
            .context["adminform"]
            .form
        )
        assert "locked" not in form.fields


class TestGradingScale:
    def bands(self):
        return dict(GradeBand.objects.values_list("letter", "min_percent"))

    def test_it_refuses_a_scale_with_a_gap_at_the_bottom(self, admin_client_):
        f_band = GradeBand.objects.get(letter="F")
        response = admin_client_.post(
            admin_url(GradeBand, "change", f_band.pk),
            {"letter": "F", "min_percent": "10"},
        )
        assert response.status_code == 200
        assert (
            "The lowest band starts at 10%: a grade below it would have no letter. "
            "Make the lowest band start at 0."
        ) in response.context["adminform"].form.non_field_errors()
        assert self.bands()["F"] == Decimal("0")

    def test_it_refuses_a_new_band_overlapping_another(self, admin_client_):
        response = admin_client_.post(
            admin_url(GradeBand, "add"), {"letter": "a", "min_percent": "95"}
        )
        assert "Two bands have the letter A." in str(
            response.context["adminform"].form.non_field_errors()
        )
        assert not GradeBand.objects.filter(letter="a").exists()

    def test_the_list_checks_the_whole_scale_at_once(self, admin_client_):
        bands = list(GradeBand.objects.order_by("-min_percent"))
        data = {
            "form-TOTAL_FORMS": str(len(bands)),
            "form-INITIAL_FORMS": str(len(bands)),
            "_save": "Save",
        }
        for i, band in enumerate(bands):
            data[f"form-{i}-id"] = str(band.pk)
            data[f"form-{i}-min_percent"] = str(band.min_percent)
        f_index = next(i for i, b in enumerate(bands) if b.letter == "F")
        data[f"form-{f_index}-min_percent"] = "5"
        response = admin_client_.post(admin_url(GradeBand, "changelist"), data)
        assert response.status_code == 200
        errors = response.context["cl"].formset.non_form_errors()
        assert any("lowest band starts at 5" in e for e in errors)
        assert self.bands()["F"] == Decimal("0")
        data[f"form-{f_index}-min_percent"] = "0"
        data[f"form-{[b.letter for b in bands].index('A')}-min_percent"] = "92"
        assert (
            admin_client_.post(admin_url(GradeBand, "changelist"), data).status_code
            == 302
        )
        assert self.bands()["A"] == Decimal("92")

    def test_the_floor_band_cannot_be_deleted(self, admin_client_):
        f_band = GradeBand.objects.get(letter="F")
        response = admin_client_.post(
            admin_url(GradeBand, "delete", f_band.pk), {"post": "yes"}
        )
        assert response.status_code == 403
        assert GradeBand.objects.filter(pk=f_band.pk).exists()

    def test_published_grades_keep_their_letter_when_the_scale_changes(
        self, admin_client_, student, classroom_subject, term
    ):
        line = factories.TermGradeFactory(
            student=student,
            classroom_subject=classroom_subject,
            term=term,
            computed=Decimal("85.0"),
            published_percent=Decimal("85.0"),
            published_letter="B",
            published_at=timezone.now(),
        )
        b_band = GradeBand.objects.get(letter="B")
        response = admin_client_.post(
            admin_url(GradeBand, "change", b_band.pk),
            {"letter": "B", "min_percent": "86"},
        )
        assert response.status_code == 302
        line.refresh_from_db()
        assert (line.published_percent, line.published_letter) == (
            Decimal("85.0"),
            "B",
        )
        # The scale now says C for 85; the report card line still says B.
        assert GradeBand.objects.filter(min_percent__lte=85).first().letter == "C"


class TestGradeChangeLog:
    @pytest.fixture
    def changes(self, student, other_student, classroom_subject, teacher):
        other_subject = factories.ClassroomSubjectFactory(
            classroom=Classroom.objects.get(name="8B")
        )
        mine = factories.ScoreFactory(
            student=student,
            assessment=factories.AssessmentFactory(classroom_subject=classroom_subject),
        )
        theirs = factories.ScoreFactory(
            student=other_student,
            assessment=factories.AssessmentFactory(classroom_subject=other_subject),
        )
        return {
            "mine": GradeChange.objects.create(score=mine, changed_by=teacher),
            "theirs": GradeChange.objects.create(
                score=theirs, changed_by=other_subject.teacher
            ),
        }

    def listed(self, client, **params):
        response = client.get(admin_url(GradeChange, "changelist"), params)
        assert response.status_code == 200
        return set(response.context["cl"].result_list)

    def test_it_filters_by_classroom_teacher_and_student(
        self, admin_client_, changes, classroom, teacher, student
    ):
        mine = {changes["mine"]}
        assert self.listed(admin_client_, classroom=classroom.pk) == mine
        assert self.listed(admin_client_, teacher=teacher.pk) == mine
        assert self.listed(admin_client_, student=student.pk) == mine
        assert self.listed(admin_client_, q="sofia@example.org") == mine
        # The date filter's "Today", as its link writes it.
        today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
        assert self.listed(
            admin_client_,
            changed_at__gte=str(today),
            changed_at__lt=str(today + datetime.timedelta(days=1)),
        ) == set(changes.values())
        assert self.listed(admin_client_, changed_at__lt=str(today)) == set()


# ---------------------------------------------------------------------------
# Changelists cost the same queries for 5 or 60 rows


def grow(n, year):
    for _ in range(n):
        classroom_subject = factories.ClassroomSubjectFactory(
            classroom=factories.ClassroomFactory(school_year=year)
        )
        enrollment = factories.EnrollmentFactory(classroom=classroom_subject.classroom)
        score = factories.ScoreFactory(
            student=enrollment.student,
            assessment=factories.AssessmentFactory(classroom_subject=classroom_subject),
        )
        GradeChange.objects.create(score=score, changed_by=classroom_subject.teacher)
        factories.TermFactory(school_year=year)


@pytest.mark.parametrize(
    ("model", "params"),
    [
        (User, {}),
        (User, {"classroom": "0", "role__exact": "student"}),
        (Enrollment, {}),
        (Classroom, {}),
        (GradeChange, {}),
        (Term, {}),
    ],
    ids=["users", "users-filtered", "enrollments", "classrooms", "changes", "terms"],
)
def test_changelists_cost_the_same_queries_for_5_or_60_rows(
    admin_client_, school_year, model, params
):
    url = admin_url(model, "changelist")
    grow(5, school_year)
    small, response = count_queries(admin_client_, url, params)
    small_rows = response.context["cl"].result_count
    grow(55, school_year)
    large, response = count_queries(admin_client_, url, params)
    if not params:
        assert response.context["cl"].result_count >= small_rows + 55
    assert small == large
