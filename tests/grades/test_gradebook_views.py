from decimal import Decimal
from unittest import mock
from urllib.parse import urlencode

import pytest
from django.db import OperationalError
from django.urls import reverse

from grades.models import GradeChange, Score
from tests import factories
from tests.grades.conftest import add_students
from tests.school_calendar import SCHOOL

pytestmark = pytest.mark.django_db


def grid_url(classroom_subject, term):
    return (
        reverse("gradebook", args=[classroom_subject.classroom_id])
        + f"?subject={classroom_subject.pk}&term={term.pk}"
    )


def cells_url(classroom_subject, term):
    return (
        reverse("gradebook_cells", args=[classroom_subject.classroom_id])
        + f"?subject={classroom_subject.pk}&term={term.pk}"
    )


def cell(student, assessment, text, original="", version=""):
    key = f"{student.pk}-{assessment.pk}"
    return {f"c-{key}": text, f"o-{key}": original, f"v-{key}": str(version)}


class TestAccess:
    def test_anonymous_users_go_to_login(self, client, classroom_subject, term):
        response = client.get(grid_url(classroom_subject, term))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))

    @pytest.mark.parametrize("persona", ["other_teacher", "other_student", "advisor"])
    def test_outsiders_get_404(self, request, client, classroom_subject, term, persona):
        client.force_login(request.getfixturevalue(persona))
        assert client.get(grid_url(classroom_subject, term)).status_code == 404

    def test_a_student_of_the_class_gets_403(
        self, client, student, classroom_subject, term
    ):
        client.force_login(student)
        assert client.get(grid_url(classroom_subject, term)).status_code == 403

    def test_the_homeroom_teacher_cannot_open_a_subject_teachers_gradebook(
        self, client, teacher, classroom, term
    ):
        science = factories.ClassroomSubjectFactory(
            classroom=classroom, teacher=factories.TeacherFactory()
        )
        client.force_login(teacher)
        assert client.get(grid_url(science, term)).status_code == 403

    def test_a_subject_teacher_grades_a_class_they_do_not_lead(
        self, client, classroom, student, term
    ):
        subject_teacher = factories.TeacherFactory()
        science = factories.ClassroomSubjectFactory(
            classroom=classroom, teacher=subject_teacher
        )
        factories.AssessmentFactory(classroom_subject=science, term=term)
        client.force_login(subject_teacher)
        response = client.get(grid_url(science, term))
        assert response.status_code == 200
        assert response.context["classroom_subject"] == science

    @pytest.mark.parametrize("persona", ["teacher", "admin"])
    def test_the_subject_teacher_and_staff_open_it(
        self, request, client, classroom_subject, term, quiz, persona
    ):
        client.force_login(request.getfixturevalue(persona))
        assert client.get(grid_url(classroom_subject, term)).status_code == 200

    def test_a_term_of_another_year_is_404(self, client, teacher, classroom_subject):
        other_year = factories.SchoolYearFactory(
            name=SCHOOL.shifted(-1).name,
            starts_on=SCHOOL.shifted(-1).year_start,
            ends_on=SCHOOL.shifted(-1).year_end,
        )
        foreign_term = factories.TermFactory(
            school_year=other_year,
            starts_on=SCHOOL.shifted(-1).year_start,
            ends_on=SCHOOL.shifted(-1).first_term_end,
        )
        client.force_login(teacher)
        assert client.get(grid_url(classroom_subject, foreign_term)).status_code == 404

    def test_the_autosave_url_refuses_get(
        self, client, teacher, classroom_subject, term
    ):
        client.force_login(teacher)
        assert client.get(cells_url(classroom_subject, term)).status_code == 405


class TestGrid:
    def test_it_shows_scores_the_running_grade_and_the_class_average(
        self, client, teacher, classroom_subject, term, student, quiz, exam
    ):
        factories.ScoreFactory(assessment=quiz, student=student, points=Decimal("15"))
        factories.ScoreFactory(assessment=exam, student=student, points=Decimal("90"))
        client.force_login(teacher)
        response = client.get(grid_url(classroom_subject, term))
        page = response.content.decode()
        assert 'value="15"' in page
        row = response.context["rows"][0].row
        # One category: (15 + 90) / (20 + 100) = 87.5 %
        assert row.grade.rounded == Decimal("87.5")
        assert row.letter == "B"
        averages = [column.average for column in response.context["book"].columns]
        assert averages == [Decimal("75.0"), Decimal("90.0")]

    def test_withdrawn_students_are_shown_apart_with_their_scores(
        self, client, teacher, classroom_subject, term, student, quiz
    ):
        leaver = factories.StudentFactory(full_name="Lucas Leaver")
        factories.EnrollmentFactory(
            student=leaver,
            classroom=classroom_subject.classroom,
            withdrawn_on=SCHOOL.on(1),
        )
        factories.ScoreFactory(assessment=quiz, student=leaver, points=Decimal("12"))
        client.force_login(teacher)
        response = client.get(grid_url(classroom_subject, term))
        assert [d.row.student for d in response.context["rows"]] == [student]
        withdrawn = response.context["withdrawn_rows"]
        assert [d.row.student for d in withdrawn] == [leaver]
        assert withdrawn[0].cells[0].text == "12"

    def test_a_locked_term_shows_read_only_cells(
        self, client, teacher, classroom_subject, term, student, quiz
    ):
        term.locked = True
        term.save()
        client.force_login(teacher)
        page = client.get(grid_url(classroom_subject, term)).content.decode()
        assert "This term is locked" in page
        assert " readonly" in page


class TestSave:
    def test_it_saves_the_changed_cells_and_redirects(
        self, client, teacher, classroom_subject, term, student, quiz, exam
    ):
        client.force_login(teacher)
        data = {**cell(student, quiz, "17,5"), **cell(student, exam, "EX")}
        response = client.post(grid_url(classroom_subject, term), data)
        assert response.status_code == 302
        assert response.url == grid_url(classroom_subject, term)
        assert Score.objects.get(assessment=quiz).points == Decimal("17.5")
        assert Score.objects.get(assessment=exam).state == "excused"
        followed = client.get(response.url)
        assert "Saved 2 scores." in followed.content.decode()

    def test_the_audit_rows_carry_the_request_id_of_the_save(
        self, client, teacher, classroom_subject, term, student, quiz, exam
    ):
        client.force_login(teacher)
        data = {**cell(student, quiz, "12"), **cell(student, exam, "M")}
        response = client.post(grid_url(classroom_subject, term), data)
        assert response.status_code == 302
        assert set(GradeChange.objects.values_list("request_id", flat=True)) == {
            response["X-Request-ID"]
        }

    def test_unchanged_cells_are_not_sent_to_the_service(
        self, client, teacher, classroom_subject, term, student, quiz
    ):
        score = factories.ScoreFactory(assessment=quiz, student=student, points=15)
        client.force_login(teacher)
        client.post(
            grid_url(classroom_subject, term), cell(student, quiz, "15", "15", 1)
        )
        score.refresh_from_db()
        assert score.version == 1
        assert not GradeChange.objects.exists()

    def test_a_bad_cell_saves_nothing_and_keeps_every_typed_value(
        self, client, teacher, classroom_subject, term, student, quiz, exam
    ):
        client.force_login(teacher)
        data = {**cell(student, quiz, "18"), **cell(student, exam, "105")}
        response = client.post(grid_url(classroom_subject, term), data)
        assert response.status_code == 422
        page = response.content.decode()
        assert "Nothing was saved." in page
        assert "105 is more than the maximum of 100." in page
        assert f'name="c-{student.pk}-{quiz.pk}" value="18"' in page
        assert f'name="c-{student.pk}-{exam.pk}" value="105"' in page
        assert 'aria-invalid="true"' in page
        assert not Score.objects.exists()

    def test_a_conflict_shows_the_other_value_and_saving_again_keeps_mine(
        self, client, teacher, admin, classroom_subject, term, student, quiz
    ):
        score = factories.ScoreFactory(
            assessment=quiz, student=student, points=10, version=2, updated_by=admin
        )
        client.force_login(teacher)
        stale = cell(student, quiz, "15", "9", 1)
        response = client.post(grid_url(classroom_subject, term), stale)
        assert response.status_code == 422
        page = response.content.decode()
        assert "Someone else changed this score" in page
        assert f"Now saved: 10 (by {admin.full_name}" in page
        assert f'name="v-{student.pk}-{quiz.pk}" value="2"' in page
        score.refresh_from_db()
        assert score.points == Decimal("10")
        again = client.post(
            grid_url(classroom_subject, term), cell(student, quiz, "15", "9", 2)
        )
        assert again.status_code == 302
        score.refresh_from_db()
        assert score.points == Decimal("15")

    def test_a_60_by_40_grid_saves_in_one_post(
        self, client, teacher, classroom_subject, term, homework
    ):
        students = add_students(classroom_subject.classroom, 60)
        assessments = [
            factories.AssessmentFactory(
                classroom_subject=classroom_subject, term=term, category=homework
            )
            for _ in range(40)
        ]
        data = {}
        for index, student in enumerate(students):
            for assessment in assessments:
                data.update(cell(student, assessment, str(index % 20)))
        assert len(data) == 7200  # beyond Django's default limit of 1,000 fields
        client.force_login(teacher)
        response = client.post(grid_url(classroom_subject, term), data)
        assert response.status_code == 302
        assert Score.objects.count() == 2400
        assert GradeChange.objects.count() == 2400


class TestAutosave:
    def post_cells(self, client, classroom_subject, term, *cells):
        data = {"cell": []}
        for student, assessment, text, version in cells:
            key = f"{student.pk}-{assessment.pk}"
            data["cell"].append(key)
            data[f"c-{key}"] = text
            data[f"v-{key}"] = str(version or "")
        return client.post(cells_url(classroom_subject, term), data)

    def test_it_saves_one_cell_and_answers_with_the_new_version(
        self, client, teacher, classroom_subject, term, student, quiz
    ):
        client.force_login(teacher)
        response = self.post_cells(
            client, classroom_subject, term, (student, quiz, "12", None)
        )
        assert response.status_code == 200
        key = f"{student.pk}-{quiz.pk}"
        assert response.json() == {
            "saved": True,
            "cells": {key: {"text": "12", "version": 1}},
            # The student's term grade and the column average, recomputed.
            "rows": {str(student.pk): {"percent": "60.0%", "letter": "D"}},
            "columns": {str(quiz.pk): "60.0%"},
        }
        again = self.post_cells(
            client, classroom_subject, term, (student, quiz, "13", 1)
        )
        assert again.json()["cells"][key] == {"text": "13", "version": 2}

    def test_a_pasted_column_saves_as_one_batch_or_not_at_all(
        self, client, teacher, classroom_subject, term, student, quiz
    ):
        other = add_students(classroom_subject.classroom, 1)[0]
        client.force_login(teacher)
        response = self.post_cells(
            client,
            classroom_subject,
            term,
            (student, quiz, "12", None),
            (other, quiz, "21", None),
        )
        assert response.status_code == 422
        body = response.json()
        assert body["saved"] is False
        assert body["cells"][f"{other.pk}-{quiz.pk}"]["code"] == "above_max"
        assert not Score.objects.exists()

    def test_a_conflict_answers_with_the_stored_value(
        self, client, teacher, admin, classroom_subject, term, student, quiz
    ):
        factories.ScoreFactory(
            assessment=quiz, student=student, points=10, version=3, updated_by=admin
        )
        client.force_login(teacher)
        response = self.post_cells(
            client, classroom_subject, term, (student, quiz, "12", 2)
        )
        assert response.status_code == 422
        problem = response.json()["cells"][f"{student.pk}-{quiz.pk}"]
        assert problem["code"] == "conflict"
        assert (problem["current"], problem["version"]) == ("10", 3)
        assert problem["changed_by"] == admin.full_name

    def test_a_committed_save_says_saved_even_if_the_totals_cannot_be_read(
        self, client, teacher, classroom_subject, term, student, quiz
    ):
        client.force_login(teacher)
        with mock.patch(
            "grades.views.gradebook.selectors.grid_totals",
            side_effect=OperationalError("terminating connection"),
        ):
            response = self.post_cells(
                client, classroom_subject, term, (student, quiz, "12", None)
            )
        assert response.status_code == 200
        body = response.json()
        assert body["saved"] is True
        assert "rows" not in body
        assert Score.objects.get().points == Decimal("12")

    def test_a_malformed_cell_key_is_refused(
        self, client, teacher, classroom_subject, term
    ):
        client.force_login(teacher)
        response = client.post(cells_url(classroom_subject, term), {"cell": ["x-1"]})
        assert response.status_code == 400


class TestRateLimit:
    def test_too_many_saves_answer_429(
        self, client, settings, teacher, classroom_subject, term, student, quiz
    ):
        settings.RATE_LIMIT_GRADE_WRITES = "2/m"
        client.force_login(teacher)
        url = grid_url(classroom_subject, term)
        for text in ["10", "11"]:
            client.post(url, cell(student, quiz, text, "", ""))
        response = client.post(url, cell(student, quiz, "12", "", ""))
        assert response.status_code == 429
        assert int(response["Retry-After"]) >= 1

    def test_every_grading_page_counts_against_the_same_limit(
        self, client, settings, teacher, classroom_subject, term, student, quiz
    ):
        settings.RATE_LIMIT_GRADE_WRITES = "3/m"
        client.force_login(teacher)
        cid, sid = classroom_subject.classroom_id, classroom_subject.pk
        urls = [
            grid_url(classroom_subject, term),
            reverse("assessment_detail", args=[cid, sid, quiz.pk]),
            reverse("term_grades", args=[cid, sid, term.pk]),
        ]
        for url in urls:
            assert client.post(url, {}).status_code != 429
        for url in urls:
            assert client.post(url, {}).status_code == 429

    def test_saves_keep_working_when_redis_is_down(
        self, client, settings, teacher, classroom_subject, term, student, quiz
    ):
        client.force_login(teacher)
        settings.CACHES = {
            "default": {
                "BACKEND": "django_redis.cache.RedisCache",
                "LOCATION": "redis://127.0.0.1:1/0",
                "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "IGNORE_EXCEPTIONS": True},
            }
        }
        response = client.post(
            grid_url(classroom_subject, term), cell(student, quiz, "14")
        )
        assert response.status_code == 302
        assert Score.objects.get().points == Decimal("14")


class TestQueryBudget:
    @pytest.mark.parametrize("size", [5, 40])
    def test_the_grid_page_costs_the_same_queries_at_any_size(
        self,
        client,
        teacher,
        classroom_subject,
        term,
        homework,
        django_assert_num_queries,
        size,
    ):
        students = add_students(classroom_subject.classroom, size)
        for _ in range(6):
            assessment = factories.AssessmentFactory(
                classroom_subject=classroom_subject, term=term, category=homework
            )
            for student in students:
                factories.ScoreFactory(
                    assessment=assessment, student=student, points=12
                )
        client.force_login(teacher)
        # user, classroom subject, terms, categories, assessments, enrollments with
        # students, scores, grade bands, subjects for the chooser
        with django_assert_num_queries(9):
            assert client.get(grid_url(classroom_subject, term)).status_code == 200


def scored_grid(classroom_subject, term, category, size, points):
    """`size` new students and six assessments, every cell scored `points`."""
    students = add_students(classroom_subject.classroom, size)
    assessments = [
        factories.AssessmentFactory(
            classroom_subject=classroom_subject, term=term, category=category
        )
        for _ in range(6)
    ]
    for student in students:
        for assessment in assessments:
            factories.ScoreFactory(
                assessment=assessment, student=student, points=points
            )
    return students, assessments


class TestAutosaveTotals:
    def test_the_totals_of_an_autosave_match_the_whole_grid(
        self, teacher, classroom_subject, term, homework, quiz, exam
    ):
        from grades import selectors

        students = add_students(classroom_subject.classroom, 5)
        leaver = factories.EnrollmentFactory(
            classroom=classroom_subject.classroom,
            withdrawn_on=SCHOOL.on(1),
        ).student
        states = ["graded", "missing", "excused", "blank", "graded", "graded"]
        for index, student in enumerate([*students, leaver]):
            for assessment, points in ((quiz, 7 + index), (exam, 40 + 9 * index)):
                state = states[(index + assessment.pk) % len(states)]
                factories.ScoreFactory(
                    assessment=assessment,
                    student=student,
                    state=state,
                    points=Decimal(points) if state == "graded" else None,
                )
        book = selectors.gradebook(classroom_subject, term)
        everyone = {s.pk for s in [*students, leaver]}
        totals = selectors.grid_totals(
            classroom_subject, term, everyone, {quiz.pk, exam.pk}
        )
        assert totals.rows == {
            row.student.pk: (row.grade.rounded, row.letter)
            for row in [*book.rows, *book.withdrawn_rows]
        }
        assert totals.columns == {
            column.assessment.pk: column.average for column in book.columns
        }
        assert any(average is not None for average in totals.columns.values())

    @pytest.mark.parametrize("size", [5, 40])
    def test_an_autosave_costs_the_same_queries_at_any_size(
        self,
        client,
        teacher,
        classroom_subject,
        term,
        homework,
        django_assert_num_queries,
        size,
    ):
        students, assessments = scored_grid(classroom_subject, term, homework, size, 12)
        client.force_login(teacher)
        key = f"{students[0].pk}-{assessments[0].pk}"
        data = {"cell": [key], f"c-{key}": "15", f"v-{key}": "1"}
        # user, classroom subject, terms; the save: assessments, enrollments,
        # savepoint, scores FOR UPDATE, update, audit row, report version, release;
        # the totals: assessments with categories, scores of the row and of the
        # column's current students, grade bands
        with django_assert_num_queries(14):
            response = client.post(cells_url(classroom_subject, term), data)
        assert response.json()["saved"] is True


class TestSaveQueryBudget:
    # PostgreSQL: its update and audit insert are one statement each whatever the
    # size (SQLite's bulk_update and bulk_create split into batches).
    @pytest.mark.postgres
    @pytest.mark.parametrize("size", [5, 40])
    def test_saving_every_cell_costs_the_same_queries_at_any_size(
        self,
        client,
        teacher,
        classroom_subject,
        term,
        homework,
        django_assert_num_queries,
        size,
    ):
        students, assessments = scored_grid(classroom_subject, term, homework, size, 10)
        data = {}
        for student in students:
            for assessment in assessments:
                key = f"{student.pk}-{assessment.pk}"
                data.update({f"c-{key}": "11", f"o-{key}": "10", f"v-{key}": "1"})
        client.force_login(teacher)
        # user, classroom subject, terms; in the save's transaction (savepoint and
        # release here): assessments, enrollments, scores FOR UPDATE, one update,
        # one insert of audit rows, the report version
        with django_assert_num_queries(11):
            response = client.post(
                grid_url(classroom_subject, term),
                urlencode(data),
                content_type="application/x-www-form-urlencoded",
            )
        assert response.status_code == 302
        assert Score.objects.filter(points=11).count() == size * 6
        assert GradeChange.objects.count() == size * 6
