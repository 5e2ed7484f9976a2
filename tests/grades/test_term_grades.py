from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from grades import calc
from grades.models import Category, GradeBand, GradeChange, ScoreState, TermGrade
from grades.services.scores import CellChange, scores_record
from grades.services.term_grades import (
    TermGradeEdit,
    term_grades_publish,
    term_grades_update,
)
from grades.term_grade_selectors import (
    student_results,
    term_grade_explanation,
    term_grade_sheet,
)
from school.audit import Actor
from tests import factories
from tests.grades.conftest import add_students
from tests.school_calendar import SCHOOL

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------
# Helpers


@pytest.fixture
def exams(classroom_subject):
    return factories.CategoryFactory(
        classroom_subject=classroom_subject, name="Exams", weight=Decimal("60")
    )


def grade(student, assessment, points=None, state=ScoreState.GRADED, comment=""):
    return factories.ScoreFactory(
        student=student,
        assessment=assessment,
        state=state,
        points=None if points is None else Decimal(points),
        comment=comment,
    )


def assessment(classroom_subject, term, category, max_points="20", **kwargs):
    return factories.AssessmentFactory(
        classroom_subject=classroom_subject,
        term=term,
        category=category,
        max_points=Decimal(max_points),
        **kwargs,
    )


def update(actor, classroom_subject, term, *edits):
    return term_grades_update(
        actor=Actor(user=actor),
        classroom_subject=classroom_subject,
        term=term,
        changes=edits,
    )


def publish(actor, classroom_subject, term, reason=""):
    return term_grades_publish(
        actor=Actor(user=actor),
        classroom_subject=classroom_subject,
        term=term,
        reason=reason,
    )


def edit(student, override=None, reason="", comment=""):
    return TermGradeEdit(
        student_id=student.pk,
        override=None if override is None else Decimal(override),
        override_reason=reason,
        comment=comment,
    )


def urls(classroom_subject, term):
    args = [classroom_subject.classroom_id, classroom_subject.pk, term.pk]
    return {
        "page": reverse("term_grades", args=args),
        "publish": reverse("term_grades_publish", args=args),
    }


def detail_url(classroom_subject, term, student):
    args = [classroom_subject.classroom_id, classroom_subject.pk, term.pk, student.pk]
    return reverse("term_grade_detail", args=args)


def row_data(student, override="", reason="", comment="", *, was=("", "", "")):
    """The POST fields of one line: what is typed now and what the page showed."""
    prefix = f"tg-{student.pk}"
    data = {}
    for name, now, before in zip(
        ("override", "override_reason", "comment"),
        (override, reason, comment),
        was,
        strict=True,
    ):
        data[f"{prefix}-{name}"] = now
        data[f"initial-{prefix}-{name}"] = before
    return data


def row_of(sheet, student):
    return next(row for row in sheet.rows if row.student == student)


@pytest.fixture
def golden(classroom_subject, term, student, homework, exams):
    """5/6 in homework (weight 40) and 7/9 in exams (weight 60).

    Exactly 100 * (40*5/6 + 60*7/9) / 100 = 80 (33.33... + 46.66...): B.
    """
    hw = assessment(classroom_subject, term, homework, "6", title="HW")
    ex = assessment(classroom_subject, term, exams, "9", title="Exam")
    grade(student, hw, "5")
    grade(student, ex, "7")
    return hw, ex


# ---------------------------------------------------------------------------
# Computed percent


class TestComputedPercent:
    def test_the_computed_percent_matches_calc_for_a_golden_case(
        self, classroom_subject, term, student, homework, exams
    ):
        # 5/6 weighted 50 and 7/9 weighted 30 is exactly 81.25, shown 81.3 (a B);
        # naive Decimal division would give 81.2.
        homework.weight, exams.weight = Decimal("50"), Decimal("30")
        homework.save()
        exams.save()
        hw = assessment(classroom_subject, term, homework, "6")
        ex = assessment(classroom_subject, term, exams, "9")
        grade(student, hw, "5")
        grade(student, ex, "7")
        expected = calc.term_grade(
            [
                calc.CategoryInput(exams.pk, "Exams", Decimal("30")),
                calc.CategoryInput(homework.pk, "Homework", Decimal("50")),
            ],
            [
                calc.ScoreInput(homework.pk, "graded", Decimal("5"), Decimal("6")),
                calc.ScoreInput(exams.pk, "graded", Decimal("7"), Decimal("9")),
            ],
        )
        row = row_of(term_grade_sheet(classroom_subject, term), student)
        assert expected.percent == Decimal("81.25")
        assert row.grade.computed == expected.rounded == Decimal("81.3")
        assert row.grade.computed_letter == "B"
        assert (row.grade.percent, row.grade.letter) == (Decimal("81.3"), "B")

    def test_missing_counts_zero_and_excused_archived_and_other_terms_do_not_count(
        self, classroom_subject, term, school_year, student, homework
    ):
        counted = assessment(classroom_subject, term, homework, "10")
        missing = assessment(classroom_subject, term, homework, "10")
        excused = assessment(classroom_subject, term, homework, "10")
        archived = assessment(
            classroom_subject, term, homework, "10", archived_at=timezone.now()
        )
        spring = factories.TermFactory(
            school_year=school_year,
            name="Spring",
            starts_on=SCHOOL.second_term_start,
            ends_on=SCHOOL.year_end,
        )
        elsewhere = assessment(classroom_subject, spring, homework, "10")
        grade(student, counted, "8")
        grade(student, missing, state=ScoreState.MISSING)
        grade(student, excused, state=ScoreState.EXCUSED)
        grade(student, archived, "0")
        grade(student, elsewhere, "0")
        row = row_of(term_grade_sheet(classroom_subject, term), student)
        assert row.grade.computed == Decimal("40.0")  # 8 / (10 + 10)

    def test_nothing_counted_is_no_grade_not_zero(
        self, client, teacher, classroom_subject, term, student, quiz
    ):
        row = row_of(term_grade_sheet(classroom_subject, term), student)
        assert row.grade.computed is None
        assert row.grade.percent is None
        client.force_login(teacher)
        page = client.get(urls(classroom_subject, term)["page"]).content.decode()
        assert "nothing counted" in page
        assert "0.0%" not in page

    def test_withdrawn_students_are_listed_apart_and_read_only(
        self, client, teacher, classroom_subject, term, student
    ):
        leaver = factories.StudentFactory(full_name="Lucas Leaver")
        factories.EnrollmentFactory(
            student=leaver,
            classroom=classroom_subject.classroom,
            withdrawn_on=SCHOOL.on(1),
        )
        sheet = term_grade_sheet(classroom_subject, term)
        assert [row.student for row in sheet.rows] == [student]
        assert [row.student for row in sheet.withdrawn_rows] == [leaver]
        client.force_login(teacher)
        page = client.get(urls(classroom_subject, term)["page"]).content.decode()
        assert "Lucas Leaver" in page
        assert f'name="tg-{leaver.pk}-override"' not in page
        with pytest.raises(ValidationError, match="not in this class"):
            update(teacher, classroom_subject, term, edit(leaver, "50", "ill"))


# ---------------------------------------------------------------------------
# Overrides and comments: the service


class TestUpdateService:
    def test_it_saves_override_reason_and_comment_with_an_audit_row(
        self, teacher, classroom_subject, term, student, golden
    ):
        saved = update(
            teacher,
            classroom_subject,
            term,
            edit(student, "85", " Oral exam retaken ", "Well done"),
        )
        term_grade = TermGrade.objects.get(student=student)
        assert saved == [term_grade]
        assert term_grade.computed == Decimal("80.0")
        assert term_grade.override == Decimal("85.0")
        assert term_grade.override_reason == "Oral exam retaken"
        assert term_grade.comment == "Well done"
        change = GradeChange.objects.get(term_grade=term_grade)
        assert change.changed_by == teacher
        assert change.before is None
        assert change.after["override"] == "85.0"
        assert change.after["computed"] == "80.0"
        assert change.after["comment"] == "Well done"
        assert change.reason == "Oral exam retaken"

    def test_a_change_is_audited_with_before_and_after(
        self, teacher, classroom_subject, term, student, golden
    ):
        update(teacher, classroom_subject, term, edit(student, "85", "Retake"))
        update(teacher, classroom_subject, term, edit(student, None, "", "Good term"))
        term_grade = TermGrade.objects.get(student=student)
        assert term_grade.override is None
        assert term_grade.override_reason == ""  # the reason went with the override
        change = GradeChange.objects.filter(term_grade=term_grade).order_by("pk")[1]
        assert change.before["override"] == "85.0"
        assert change.before["override_reason"] == "Retake"
        assert change.after["override"] is None
        assert change.after["comment"] == "Good term"
        assert change.reason == ""

    def test_a_comment_edit_is_audited_without_the_older_override_reason(
        self, teacher, classroom_subject, term, student, golden
    ):
        update(teacher, classroom_subject, term, edit(student, "85", "Retake"))
        update(teacher, classroom_subject, term, edit(student, "85", "Retake", "Hi"))
        first, second = GradeChange.objects.order_by("pk")
        assert first.reason == "Retake"
        assert (second.before["comment"], second.after["comment"]) == ("", "Hi")
        assert second.reason == ""

    def test_an_override_needs_a_reason(
        self, teacher, classroom_subject, term, student, golden
    ):
        with pytest.raises(ValidationError) as error:
            update(teacher, classroom_subject, term, edit(student, "85", "   "))
        assert error.value.messages == ["Sofía Student: an override needs a reason."]
        assert not TermGrade.objects.exists()
        assert not GradeChange.objects.exists()

    @pytest.mark.parametrize("override", ["-0.1", "100.1", "250"])
    def test_an_override_outside_0_to_100_is_refused(
        self, teacher, classroom_subject, term, student, override
    ):
        with pytest.raises(ValidationError, match="between 0 and 100"):
            update(teacher, classroom_subject, term, edit(student, override, "why"))
        assert not TermGrade.objects.exists()

    def test_one_bad_row_saves_no_row(self, teacher, classroom_subject, term, student):
        other = add_students(classroom_subject.classroom, 1)[0]
        with pytest.raises(ValidationError):
            update(
                teacher,
                classroom_subject,
                term,
                edit(student, "90", "fine", "ok"),
                edit(other, "101", "too much"),
            )
        assert not TermGrade.objects.exists()
        assert not GradeChange.objects.exists()

    def test_rows_that_did_not_change_write_nothing(
        self, teacher, classroom_subject, term, student
    ):
        other = add_students(classroom_subject.classroom, 1)[0]
        update(teacher, classroom_subject, term, edit(student, "90", "r", "c"))
        saved = update(
            teacher,
            classroom_subject,
            term,
            edit(student, "90.0", "r", "c"),
            edit(other),  # empty, and no row yet
        )
        assert saved == []
        assert TermGrade.objects.count() == 1
        assert GradeChange.objects.count() == 1

    def test_only_the_subjects_teacher_or_staff_may_write(
        self, teacher, other_teacher, admin, classroom_subject, term, student
    ):
        with pytest.raises(PermissionDenied):
            update(other_teacher, classroom_subject, term, edit(student, None, "", "x"))
        update(admin, classroom_subject, term, edit(student, None, "", "by staff"))
        assert TermGrade.objects.get().comment == "by staff"


# ---------------------------------------------------------------------------
# The term grades page


class TestTermGradesPage:
    def test_it_shows_computed_override_effective_and_published_values(
        self, client, teacher, classroom_subject, term, student, golden
    ):
        update(
            teacher, classroom_subject, term, edit(student, "91.5", "Project", "Great")
        )
        publish(teacher, classroom_subject, term)
        client.force_login(teacher)
        response = client.get(urls(classroom_subject, term)["page"])
        assert response.status_code == 200
        page = response.content.decode()
        assert "80.0%" in page  # computed
        assert 'value="91.5"' in page  # override
        assert 'value="Project"' in page
        assert "Great</textarea>" in page
        assert "Changed since publishing" not in page
        row = row_of(response.context["sheet"], student)
        assert (row.grade.percent, row.grade.letter) == (Decimal("91.5"), "A")
        assert row.term_grade.published_percent == Decimal("91.5")

    def test_one_post_saves_every_line_and_accepts_comma_decimals(
        self, client, teacher, classroom_subject, term, student, golden
    ):
        other = add_students(classroom_subject.classroom, 1)[0]
        client.force_login(teacher)
        response = client.post(
            urls(classroom_subject, term)["page"],
            {
                **row_data(student, "87,5", "Portfolio", "Keep going"),
                **row_data(other, "", "", "Missed a lot"),
            },
        )
        assert response.status_code == 302
        saved = {tg.student: tg for tg in TermGrade.objects.all()}
        assert saved[student].override == Decimal("87.5")
        assert saved[student].override_reason == "Portfolio"
        assert saved[other].override is None
        assert saved[other].comment == "Missed a lot"
        assert GradeChange.objects.filter(term_grade__isnull=False).count() == 2

    def test_an_override_without_a_reason_is_an_error_and_nothing_is_saved(
        self, client, teacher, classroom_subject, term, student, golden
    ):
        other = add_students(classroom_subject.classroom, 1)[0]
        client.force_login(teacher)
        response = client.post(
            urls(classroom_subject, term)["page"],
            {
                **row_data(student, "87,5", "", "Typed comment"),
                **row_data(other, "", "", "A valid comment"),
            },
        )
        assert response.status_code == 422
        page = response.content.decode()
        assert "Nothing was saved." in page
        assert "An override needs a reason" in page
        # Typed values stay, as typed.
        assert 'value="87,5"' in page
        assert "Typed comment</textarea>" in page
        assert "A valid comment</textarea>" in page
        # The error is tied to its field.
        field_id = f"id_tg-{student.pk}-override_reason"
        assert f'aria-describedby="{field_id}_error"' in page
        assert f'id="{field_id}_error"' in page
        assert not TermGrade.objects.exists()
        assert not GradeChange.objects.exists()

    @pytest.mark.parametrize(
        ("typed", "message"),
        [
            ("101", "An override lies between 0 and 100."),
            ("-5", "An override lies between 0 and 100."),
            ("87,25", "Use at most one decimal."),
            ("abc", "“abc” is not a percentage"),
        ],
    )
    def test_a_bad_override_is_an_error_in_words(
        self, client, teacher, classroom_subject, term, student, typed, message
    ):
        client.force_login(teacher)
        response = client.post(
            urls(classroom_subject, term)["page"],
            row_data(student, typed, "A reason"),
        )
        assert response.status_code == 422
        page = response.content.decode()
        assert message in page
        assert f'value="{typed}"' in page
        assert not TermGrade.objects.exists()

    def test_lines_nobody_touched_are_not_written(
        self, client, teacher, admin, classroom_subject, term, student
    ):
        # The page was loaded while the line was empty; meanwhile staff set a
        # comment. The teacher saves other lines: staff's comment stays.
        other = add_students(classroom_subject.classroom, 1)[0]
        update(admin, classroom_subject, term, edit(student, None, "", "By staff"))
        client.force_login(teacher)
        response = client.post(
            urls(classroom_subject, term)["page"],
            {**row_data(student), **row_data(other, "", "", "Mine")},
        )
        assert response.status_code == 302
        assert TermGrade.objects.get(student=student).comment == "By staff"
        assert TermGrade.objects.get(student=other).comment == "Mine"


# ---------------------------------------------------------------------------
# Publishing


class TestPublishing:
    def test_it_stores_effective_rounded_values_with_one_audit_row_per_line(
        self, teacher, classroom_subject, term, student, golden, homework
    ):
        overridden, empty = add_students(classroom_subject.classroom, 2)
        hw, _ex = golden
        grade(overridden, hw, "3")
        update(teacher, classroom_subject, term, edit(overridden, "72.5", "Retake"))
        result = publish(teacher, classroom_subject, term)
        assert (result.published, result.republished, result.nothing_counted) == (
            2,
            0,
            1,
        )
        lines = {tg.student: tg for tg in TermGrade.objects.all()}
        assert (lines[student].published_percent, lines[student].published_letter) == (
            Decimal("80.0"),
            "B",
        )
        assert (
            lines[overridden].published_percent,
            lines[overridden].published_letter,
        ) == (Decimal("72.5"), "C")
        assert lines[student].published_at is not None
        # A student with nothing counted gets no line, not a zero.
        assert empty not in lines
        changes = GradeChange.objects.filter(term_grade__isnull=False)
        publish_changes = changes.exclude(after__published_percent=None)
        assert publish_changes.count() == 2
        assert {c.term_grade.student for c in publish_changes} == {student, overridden}
        first = publish_changes.get(term_grade=lines[student])
        assert first.before is None
        assert first.after["published_percent"] == "80.0"
        assert first.after["published_letter"] == "B"

    def test_the_letter_comes_from_the_rounded_value(
        self, teacher, classroom_subject, term, student, homework
    ):
        big = assessment(classroom_subject, term, homework, "2000")
        grade(student, big, "1799")  # 89.95% shows as 90.0, an A
        publish(teacher, classroom_subject, term)
        line = TermGrade.objects.get()
        assert (line.published_percent, line.published_letter) == (
            Decimal("90.0"),
            "A",
        )

    def test_later_score_edits_do_not_alter_a_published_line(
        self, client, teacher, classroom_subject, term, student, golden
    ):
        publish(teacher, classroom_subject, term)
        hw, _ex = golden
        scores_record(
            actor=Actor(user=teacher),
            classroom_subject=classroom_subject,
            changes=[CellChange(student.pk, hw.pk, "1", version=1)],
        )
        line = TermGrade.objects.get()
        assert (line.published_percent, line.published_letter) == (
            Decimal("80.0"),
            "B",
        )
        row = row_of(term_grade_sheet(classroom_subject, term), student)
        assert row.grade.percent != Decimal("80.0")
        assert row.changed
        client.force_login(teacher)
        page = client.get(urls(classroom_subject, term)["page"]).content.decode()
        assert "Changed since publishing" in page

    def test_later_weight_edits_do_not_alter_a_published_line(
        self, teacher, classroom_subject, term, student, golden, homework
    ):
        publish(teacher, classroom_subject, term)
        Category.objects.filter(pk=homework.pk).update(weight=Decimal("90"))
        line = TermGrade.objects.get()
        assert line.published_percent == Decimal("80.0")
        row = row_of(term_grade_sheet(classroom_subject, term), student)
        assert row.grade.percent == Decimal("81.1")  # (90*5/6 + 60*7/9) / 150
        assert row.changed

    def test_later_grade_band_edits_do_not_alter_a_published_line(
        self, teacher, classroom_subject, term, student, golden
    ):
        publish(teacher, classroom_subject, term)
        GradeBand.objects.filter(letter="B").update(min_percent=Decimal("80.5"))
        line = TermGrade.objects.get()
        assert (line.published_percent, line.published_letter) == (
            Decimal("80.0"),
            "B",
        )
        row = row_of(term_grade_sheet(classroom_subject, term), student)
        assert (row.grade.percent, row.grade.letter) == (Decimal("80.0"), "C")
        assert row.changed

    def test_republishing_a_changed_line_needs_a_reason(
        self, teacher, classroom_subject, term, student, golden
    ):
        publish(teacher, classroom_subject, term)
        update(teacher, classroom_subject, term, edit(student, "95", "Extra project"))
        audits = GradeChange.objects.count()
        with pytest.raises(ValidationError) as error:
            publish(teacher, classroom_subject, term, reason="  ")
        assert error.value.code == "reason_required"
        assert "say why" in error.value.messages[0]
        line = TermGrade.objects.get()
        assert line.published_percent == Decimal("80.0")
        assert GradeChange.objects.count() == audits

        result = publish(teacher, classroom_subject, term, reason="Project graded")
        assert result.republished == 1
        line.refresh_from_db()
        assert (line.published_percent, line.published_letter) == (
            Decimal("95.0"),
            "A",
        )
        change = GradeChange.objects.order_by("pk").last()
        assert change.reason == "Project graded"
        assert change.before["published_percent"] == "80.0"
        assert change.after["published_percent"] == "95.0"

    def test_publishing_again_with_nothing_changed_writes_nothing(
        self, teacher, classroom_subject, term, student, golden
    ):
        publish(teacher, classroom_subject, term)
        audits = GradeChange.objects.count()
        result = publish(teacher, classroom_subject, term)
        assert (result.published, result.republished, result.unchanged) == (0, 0, 1)
        assert GradeChange.objects.count() == audits

    def test_a_new_student_is_published_without_a_reason(
        self, teacher, classroom_subject, term, student, golden
    ):
        publish(teacher, classroom_subject, term)
        newcomer = add_students(classroom_subject.classroom, 1)[0]
        grade(newcomer, golden[0], "6")
        result = publish(teacher, classroom_subject, term)
        assert (result.published, result.republished) == (1, 0)

    def test_the_publish_view_asks_for_a_reason_in_words(
        self, client, teacher, classroom_subject, term, student, golden
    ):
        client.force_login(teacher)
        publish_url = urls(classroom_subject, term)["publish"]
        response = client.post(publish_url, {"reason": ""})
        assert response.status_code == 302
        assert TermGrade.objects.get().published_percent == Decimal("80.0")
        update(teacher, classroom_subject, term, edit(student, "60", "Plagiarism"))

        response = client.post(publish_url, {"reason": ""})
        assert response.status_code == 422
        page = response.content.decode()
        assert "Nothing was published." in page
        assert "say why in the reason field" in page
        assert 'aria-invalid="true"' in page
        assert TermGrade.objects.get().published_percent == Decimal("80.0")

        response = client.post(publish_url, {"reason": "Plagiarism confirmed"})
        assert response.status_code == 302
        line = TermGrade.objects.get()
        assert (line.published_percent, line.published_letter) == (
            Decimal("60.0"),
            "D",
        )
        assert GradeChange.objects.order_by("pk").last().reason == (
            "Plagiarism confirmed"
        )


# ---------------------------------------------------------------------------
# How a grade was computed


class TestDetail:
    def test_it_explains_each_category_and_which_assessments_counted(
        self, client, teacher, classroom_subject, term, student, homework, exams
    ):
        hw1 = assessment(classroom_subject, term, homework, "10", title="HW one")
        hw2 = assessment(classroom_subject, term, homework, "10", title="HW two")
        hw3 = assessment(classroom_subject, term, homework, "10", title="HW three")
        assessment(classroom_subject, term, homework, "10", title="HW four")
        ex = assessment(classroom_subject, term, exams, "50", title="Final")
        grade(student, hw1, "7.5")
        grade(student, hw2, state=ScoreState.MISSING)
        grade(student, hw3, state=ScoreState.EXCUSED)
        grade(student, ex, "45")
        explanation = term_grade_explanation(classroom_subject, term, student.pk)
        by_name = {line.category.name: line for line in explanation.categories}
        hw_line = by_name["Homework"].result
        assert (hw_line.earned, hw_line.possible) == (Decimal("7.5"), Decimal("20"))
        assert (hw_line.excused, hw_line.missing, hw_line.blank) == (1, 1, 1)
        assert hw_line.percent == Decimal("37.5")
        # (40 * 37.5 + 60 * 90) / 100 = 69.0
        assert explanation.breakdown.rounded == Decimal("69.0")
        assert explanation.grade.letter == "D"
        client.force_login(teacher)
        response = client.get(detail_url(classroom_subject, term, student))
        assert response.status_code == 200
        page = response.content.decode()
        for text in ("HW one", "HW four", "Final", "7.5 / 20", "37.5%", "69.0%"):
            assert text in page
        assert "yes, as 0" in page  # the missing one

    def test_it_lists_the_change_history(
        self, client, teacher, admin, classroom_subject, term, student, golden
    ):
        update(teacher, classroom_subject, term, edit(student, "85", "Oral retake"))
        publish(admin, classroom_subject, term)
        client.force_login(teacher)
        response = client.get(detail_url(classroom_subject, term, student))
        history = response.context["explanation"].history
        assert [item.change.changed_by for item in history] == [admin, teacher]
        assert ("Override", "", "85.0") in history[1].fields
        assert ("Published percent", "", "85.0") in history[0].fields
        page = response.content.decode()
        assert "Oral retake" in page
        assert "Ada Admin" in page

    def test_a_student_not_in_the_class_is_404(
        self, client, teacher, classroom_subject, term, other_student
    ):
        client.force_login(teacher)
        url = detail_url(classroom_subject, term, other_student)
        assert client.get(url).status_code == 404


# ---------------------------------------------------------------------------
# What a student sees


class TestStudentResults:
    @pytest.fixture
    def published_setup(self, teacher, classroom_subject, term, student, homework):
        shown = assessment(
            classroom_subject,
            term,
            homework,
            title="Published quiz",
            published_at=timezone.now(),
        )
        hidden = assessment(classroom_subject, term, homework, title="Draft quiz")
        archived = assessment(
            classroom_subject,
            term,
            homework,
            title="Old quiz",
            published_at=timezone.now(),
            archived_at=timezone.now(),
        )
        classmate = add_students(classroom_subject.classroom, 1)[0]
        grade(student, shown, "17", comment="Nice work")
        grade(student, hidden, "3")
        grade(student, archived, "1")
        grade(classmate, shown, "9.25")
        return shown, hidden, classmate

    def test_a_student_sees_published_scores_only(
        self, client, student, classroom_subject, published_setup
    ):
        client.force_login(student)
        response = client.get(
            reverse("classroom_detail", args=[classroom_subject.classroom_id])
        )
        page = response.content.decode()
        assert "My results" in page
        assert "Published quiz" in page
        assert "17 / 20" in page
        assert "Nice work" in page
        assert "Draft quiz" not in page
        assert "Old quiz" not in page
        assert "9.25" not in page  # the classmate's score

    def test_unpublished_term_grades_say_so_never_a_number(
        self, client, teacher, student, classroom_subject, term, published_setup
    ):
        update(teacher, classroom_subject, term, edit(student, "77", "r", "Secret"))
        client.force_login(student)
        response = client.get(
            reverse("classroom_detail", args=[classroom_subject.classroom_id])
        )
        page = response.content.decode()
        assert "Not yet published" in page
        assert "77.0" not in page
        assert "Secret" not in page

    def test_a_student_sees_the_published_snapshot_with_the_comment(
        self, client, teacher, student, classroom_subject, term, published_setup
    ):
        shown, _hidden, classmate = published_setup
        update(
            teacher,
            classroom_subject,
            term,
            edit(student, None, "", "Steady progress"),
            edit(classmate, "55.5", "r", "Classmate comment"),
        )
        publish(teacher, classroom_subject, term)
        # Later score changes move the live grade but not the published line.
        scores_record(
            actor=Actor(user=teacher),
            classroom_subject=classroom_subject,
            changes=[CellChange(student.pk, shown.pk, "2", version=1)],
        )
        client.force_login(student)
        response = client.get(
            reverse("classroom_detail", args=[classroom_subject.classroom_id])
        )
        page = response.content.decode()
        # 17/20 and the draft quiz's 3/20 (unpublished assessments count in the
        # grade, their scores are just not shown), as published: not the live 25.0.
        assert "50.0%" in page
        assert "25.0%" not in page
        assert "Steady progress" in page
        assert "Classmate comment" not in page
        assert "55.5" not in page
        results = response.context["my_results"]
        (line,) = results.terms[0].lines
        assert line.term_grade.student == student

    def test_teachers_and_staff_get_no_student_results(
        self, teacher, admin, classroom, django_assert_num_queries
    ):
        with django_assert_num_queries(0):
            assert student_results(teacher, classroom) is None
            assert student_results(admin, classroom) is None

    @pytest.mark.parametrize("size", [1, 6])
    def test_student_results_cost_the_same_queries_at_any_size(
        self, teacher, classroom, school_year, student, django_assert_num_queries, size
    ):
        for index in range(size):
            subject = factories.ClassroomSubjectFactory(classroom=classroom)
            category = factories.CategoryFactory(classroom_subject=subject)
            term = factories.TermFactory(school_year=school_year, name=f"T{index}")
            for _ in range(size):
                item = assessment(subject, term, category, published_at=timezone.now())
                grade(student, item, "10")
            update(teacher, subject, term, edit(student, None, "", "c"))
            publish(teacher, subject, term)
        classroom = type(classroom).objects.get(pk=classroom.pk)
        # subjects, terms, published term grades, published assessments, scores
        with django_assert_num_queries(5):
            results = student_results(student, classroom)
        assert len(results.subjects) == size
        assert sum(len(s.scores) for s in results.subjects) == size * size


# ---------------------------------------------------------------------------
# Who may enter


@pytest.fixture
def subject_teacher(db):
    return factories.TeacherFactory(full_name="Sam Subject")


@pytest.fixture
def history(classroom, subject_teacher):
    """A subject of `classroom` taught by someone other than its homeroom teacher."""
    return factories.ClassroomSubjectFactory(
        classroom=classroom,
        subject=factories.SubjectFactory(name="History"),
        teacher=subject_teacher,
    )


def view_urls(history, term, student):
    args = [history.classroom_id, history.pk, term.pk]
    return {
        "term_grades": reverse("term_grades", args=args),
        "term_grade_detail": reverse("term_grade_detail", args=[*args, student.pk]),
        "term_grades_publish": reverse("term_grades_publish", args=args),
    }


GET_VIEWS = ["term_grades", "term_grade_detail"]
ALL_VIEWS = [*GET_VIEWS, "term_grades_publish"]


class TestAccess:
    @pytest.mark.parametrize("view", ALL_VIEWS)
    def test_anonymous_users_go_to_login(self, client, history, term, student, view):
        url = view_urls(history, term, student)[view]
        response = client.post(url) if view.endswith("publish") else client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))

    @pytest.mark.parametrize("view", ALL_VIEWS)
    @pytest.mark.parametrize(
        ("persona", "status"),
        [
            ("other_teacher", 404),  # no tie to the class
            ("other_student", 404),
            ("student", 403),  # in the class, but a student
            ("teacher", 403),  # the homeroom teacher, who does not teach History
        ],
    )
    def test_who_may_not_enter(
        self, request, client, history, term, student, view, persona, status
    ):
        client.force_login(request.getfixturevalue(persona))
        url = view_urls(history, term, student)[view]
        response = client.post(url) if view.endswith("publish") else client.get(url)
        assert response.status_code == status
        assert not TermGrade.objects.exists()

    @pytest.mark.parametrize("view", GET_VIEWS)
    @pytest.mark.parametrize("persona", ["subject_teacher", "admin"])
    def test_the_subject_teacher_and_staff_enter(
        self, request, client, history, term, student, view, persona
    ):
        client.force_login(request.getfixturevalue(persona))
        url = view_urls(history, term, student)[view]
        assert client.get(url).status_code == 200

    @pytest.mark.parametrize("persona", ["subject_teacher", "admin"])
    def test_the_subject_teacher_and_staff_publish(
        self, request, client, history, term, student, persona
    ):
        category = factories.CategoryFactory(classroom_subject=history)
        grade(student, assessment(history, term, category), "10")
        client.force_login(request.getfixturevalue(persona))
        response = client.post(view_urls(history, term, student)["term_grades_publish"])
        assert response.status_code == 302
        assert TermGrade.objects.get().published_percent == Decimal("50.0")

    def test_publish_refuses_get(self, client, subject_teacher, history, term, student):
        client.force_login(subject_teacher)
        url = view_urls(history, term, student)["term_grades_publish"]
        assert client.get(url).status_code == 405

    @pytest.mark.parametrize("view", ALL_VIEWS)
    def test_a_term_of_another_school_year_is_404(
        self, client, subject_teacher, history, student, view
    ):
        other_year = factories.SchoolYearFactory(
            name=SCHOOL.shifted(-1).name,
            starts_on=SCHOOL.shifted(-1).year_start,
            ends_on=SCHOOL.shifted(-1).year_end,
        )
        old_term = factories.TermFactory(
            school_year=other_year,
            starts_on=SCHOOL.shifted(-1).year_start,
            ends_on=SCHOOL.shifted(-1).first_term_end,
        )
        client.force_login(subject_teacher)
        url = view_urls(history, old_term, student)[view]
        response = client.post(url) if view.endswith("publish") else client.get(url)
        assert response.status_code == 404

    def test_the_current_term_link_redirects_to_a_term_page(
        self, client, subject_teacher, history, term
    ):
        client.force_login(subject_teacher)
        response = client.get(
            reverse("term_grades_current", args=[history.classroom_id, history.pk])
        )
        assert response.status_code == 302
        assert response.url == reverse(
            "term_grades", args=[history.classroom_id, history.pk, term.pk]
        )


# ---------------------------------------------------------------------------
# Query budgets


def populate(classroom_subject, term, homework, size):
    students = add_students(classroom_subject.classroom, size)
    items = [
        assessment(classroom_subject, term, homework, title=f"A{index}")
        for index in range(3)
    ]
    for index, student in enumerate(students):
        for item in items:
            grade(student, item, str(index % 20))
    factories.EnrollmentFactory(
        classroom=classroom_subject.classroom, withdrawn_on=SCHOOL.on(1)
    )
    return students


class TestQueryBudgets:
    @pytest.mark.parametrize("size", [5, 40])
    def test_the_term_grades_page_costs_the_same_queries_at_any_size(
        self,
        client,
        teacher,
        classroom_subject,
        term,
        homework,
        django_assert_num_queries,
        size,
    ):
        students = populate(classroom_subject, term, homework, size)
        update(
            teacher,
            classroom_subject,
            term,
            *(edit(s, "70", "r", "c") for s in students[::2]),
        )
        publish(teacher, classroom_subject, term)
        client.force_login(teacher)
        url = urls(classroom_subject, term)["page"]
        # user; classroom subject; terms of the year; enrollments with students;
        # categories; assessments; scores; term grades; grade bands
        with django_assert_num_queries(9):
            assert client.get(url).status_code == 200

    @pytest.mark.parametrize("size", [5, 40])
    def test_publishing_costs_the_same_queries_at_any_size(
        self,
        client,
        teacher,
        classroom_subject,
        term,
        homework,
        django_assert_num_queries,
        size,
    ):
        students = populate(classroom_subject, term, homework, size)
        # Half the class already has a row (a comment), half has none yet: the
        # publish both updates and creates rows.
        update(
            teacher,
            classroom_subject,
            term,
            *(edit(s, None, "", "c") for s in students[::2]),
        )
        client.force_login(teacher)
        url = urls(classroom_subject, term)["publish"]
        # user; classroom subject; terms of the year; then in one transaction
        # (savepoint and release): the term FOR UPDATE; current enrollments with
        # students; categories; assessments; scores; grade bands; term grades
        # FOR UPDATE; one bulk insert and one bulk update of term grades; the
        # report version; one bulk insert of grade changes
        with django_assert_num_queries(16):
            assert client.post(url, {"reason": ""}).status_code == 302
        assert TermGrade.objects.exclude(published_at=None).count() == size

    @pytest.mark.parametrize("size", [5, 40])
    def test_saving_the_page_costs_the_same_queries_at_any_size(
        self,
        client,
        teacher,
        classroom_subject,
        term,
        homework,
        django_assert_num_queries,
        size,
    ):
        students = populate(classroom_subject, term, homework, size)
        update(
            teacher,
            classroom_subject,
            term,
            *(edit(s, None, "", "old") for s in students[::2]),
        )
        data = {}
        for index, student in enumerate(students):
            was = ("", "", "old" if index % 2 == 0 else "")
            data.update(row_data(student, "75", "Reviewed", "new", was=was))
        client.force_login(teacher)
        url = urls(classroom_subject, term)["page"]
        # user; classroom subject; terms of the year; current students; then in
        # one transaction (savepoint and release): the term FOR UPDATE; current
        # enrollments with students; categories; assessments; scores; term grades
        # FOR UPDATE; one bulk insert and one bulk update of term grades; the
        # report version; one bulk insert of grade changes
        with django_assert_num_queries(16):
            assert client.post(url, data).status_code == 302
        assert TermGrade.objects.filter(override=Decimal("75")).count() == size
