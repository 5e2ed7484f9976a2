from decimal import Decimal

import pytest

from grades.models import GradeChange, Score, ScoreState
from grades.services.scores import CellChange, GridRejected, scores_record
from school.audit import Actor
from tests import factories
from tests.grades.conftest import add_students

pytestmark = pytest.mark.django_db


def record(actor, classroom_subject, *changes):
    return scores_record(
        actor=Actor(user=actor), classroom_subject=classroom_subject, changes=changes
    )


def typed(student, assessment, text, version=None, comment=None):
    return CellChange(student.pk, assessment.pk, text, version, comment)


class TestRecordingNewScores:
    def test_it_saves_points_excused_and_missing_with_audit_rows(
        self, teacher, classroom_subject, student, quiz, exam
    ):
        other = add_students(classroom_subject.classroom, 1)[0]
        saved = record(
            teacher,
            classroom_subject,
            typed(student, quiz, "17,5"),
            typed(student, exam, "EX"),
            typed(other, quiz, "m"),
        )
        assert {(c.student_id, c.assessment_id, c.text, c.version) for c in saved} == {
            (student.pk, quiz.pk, "17.5", 1),
            (student.pk, exam.pk, "EX", 1),
            (other.pk, quiz.pk, "M", 1),
        }
        score = Score.objects.get(student=student, assessment=quiz)
        assert (score.state, score.points, score.updated_by) == (
            ScoreState.GRADED,
            Decimal("17.50"),
            teacher,
        )
        assert Score.objects.get(student=student, assessment=exam).state == "excused"
        assert Score.objects.get(student=other, assessment=quiz).state == "missing"
        changes = GradeChange.objects.filter(score__isnull=False)
        assert changes.count() == 3
        change = changes.get(score=score)
        assert change.before is None
        assert change.after == {"state": "graded", "points": "17.50", "comment": ""}
        assert change.changed_by == teacher

    def test_an_empty_cell_that_stays_empty_writes_nothing(
        self, teacher, classroom_subject, student, quiz
    ):
        saved = record(teacher, classroom_subject, typed(student, quiz, "  "))
        assert [(c.text, c.version) for c in saved] == [("", None)]
        assert not Score.objects.exists()
        assert not GradeChange.objects.exists()


class TestAllOrNothing:
    def test_one_bad_cell_saves_nothing_and_names_every_problem(
        self, teacher, classroom_subject, student, quiz, exam
    ):
        other = add_students(classroom_subject.classroom, 1)[0]
        with pytest.raises(GridRejected) as rejected:
            record(
                teacher,
                classroom_subject,
                typed(student, quiz, "18"),
                typed(student, exam, "105"),
                typed(other, quiz, "abc"),
                typed(other, exam, "-3"),
            )
        problems = rejected.value.problems
        assert set(problems) == {
            (student.pk, exam.pk),
            (other.pk, quiz.pk),
            (other.pk, exam.pk),
        }
        assert problems[(student.pk, exam.pk)].code == "above_max"
        assert (
            problems[(student.pk, exam.pk)].message
            == "105 is more than the maximum of 100."
        )
        assert problems[(other.pk, quiz.pk)].code == "not_a_number"
        assert problems[(other.pk, exam.pk)].code == "negative"
        assert not Score.objects.exists()
        assert not GradeChange.objects.exists()

    def test_it_refuses_a_student_outside_the_class(
        self, teacher, classroom_subject, quiz, other_student
    ):
        with pytest.raises(GridRejected) as rejected:
            record(teacher, classroom_subject, typed(other_student, quiz, "10"))
        assert (
            rejected.value.problems[(other_student.pk, quiz.pk)].code
            == "unknown_student"
        )
        assert not Score.objects.exists()

    def test_it_refuses_an_assessment_of_another_gradebook(
        self, teacher, classroom_subject, student, term
    ):
        foreign = factories.AssessmentFactory(term=term)
        with pytest.raises(GridRejected) as rejected:
            record(teacher, classroom_subject, typed(student, foreign, "10"))
        assert (
            rejected.value.problems[(student.pk, foreign.pk)].code
            == "unknown_assessment"
        )

    def test_it_refuses_an_archived_assessment(
        self, teacher, classroom_subject, student, quiz
    ):
        quiz.archived_at = (
            quiz.due_on and __import__("django.utils.timezone").utils.timezone.now()
        )
        quiz.save()
        with pytest.raises(GridRejected) as rejected:
            record(teacher, classroom_subject, typed(student, quiz, "10"))
        assert (
            rejected.value.problems[(student.pk, quiz.pk)].code == "unknown_assessment"
        )

    def test_a_locked_term_refuses_every_change(
        self, teacher, classroom_subject, student, quiz, term
    ):
        term.locked = True
        term.save()
        with pytest.raises(GridRejected) as rejected:
            record(teacher, classroom_subject, typed(student, quiz, "10"))
        assert "Autumn is locked" in rejected.value.general
        assert not Score.objects.exists()


class TestVersions:
    def test_changing_a_score_moves_its_version_and_audits_before_and_after(
        self, teacher, classroom_subject, student, quiz
    ):
        record(teacher, classroom_subject, typed(student, quiz, "10"))
        saved = record(
            teacher, classroom_subject, typed(student, quiz, "12", version=1)
        )
        assert saved[0].version == 2
        change = GradeChange.objects.order_by("pk").last()
        assert change.before == {"state": "graded", "points": "10.00", "comment": ""}
        assert change.after == {"state": "graded", "points": "12.00", "comment": ""}

    def test_a_stale_version_with_another_value_is_a_conflict_and_saves_nothing(
        self, teacher, other_teacher, admin, classroom_subject, student, quiz, exam
    ):
        record(teacher, classroom_subject, typed(student, quiz, "10"))
        record(admin, classroom_subject, typed(student, quiz, "11", version=1))
        with pytest.raises(GridRejected) as rejected:
            record(
                teacher,
                classroom_subject,
                typed(student, quiz, "15", version=1),
                typed(student, exam, "90"),
            )
        conflict = rejected.value.problems[(student.pk, quiz.pk)]
        assert conflict.code == "conflict"
        assert conflict.current_text == "11"
        assert conflict.current_version == 2
        assert conflict.changed_by == admin.full_name
        assert Score.objects.get(student=student, assessment=quiz).points == Decimal(
            "11"
        )
        assert not Score.objects.filter(assessment=exam).exists()

    def test_a_cell_someone_filled_while_it_looked_empty_is_a_conflict(
        self, teacher, admin, classroom_subject, student, quiz
    ):
        record(admin, classroom_subject, typed(student, quiz, "9"))
        with pytest.raises(GridRejected) as rejected:
            record(teacher, classroom_subject, typed(student, quiz, "15", version=None))
        assert rejected.value.problems[(student.pk, quiz.pk)].code == "conflict"

    def test_saving_again_with_the_version_now_stored_keeps_the_teachers_value(
        self, teacher, admin, classroom_subject, student, quiz
    ):
        record(teacher, classroom_subject, typed(student, quiz, "10"))
        record(admin, classroom_subject, typed(student, quiz, "11", version=1))
        record(teacher, classroom_subject, typed(student, quiz, "15", version=2))
        assert Score.objects.get(student=student, assessment=quiz).points == Decimal(
            "15"
        )

    def test_a_double_submit_creates_one_score_and_one_audit_row(
        self, teacher, classroom_subject, student, quiz
    ):
        first = record(teacher, classroom_subject, typed(student, quiz, "14"))
        second = record(teacher, classroom_subject, typed(student, quiz, "14"))
        assert Score.objects.count() == 1
        assert GradeChange.objects.count() == 1
        assert first[0].version == second[0].version == 1

    def test_a_comment_change_alone_is_saved_and_audited(
        self, teacher, classroom_subject, student, quiz
    ):
        record(teacher, classroom_subject, typed(student, quiz, "14"))
        record(
            teacher,
            classroom_subject,
            typed(student, quiz, "14", version=1, comment="Late, but good work"),
        )
        score = Score.objects.get()
        assert (score.comment, score.version) == ("Late, but good work", 2)
        assert GradeChange.objects.count() == 2


class TestQueryBudget:
    # SQLite caps the parameters of one statement, so its bulk writes split into
    # batches as the grid grows; PostgreSQL writes any grid in one statement each.
    @pytest.mark.postgres
    @pytest.mark.parametrize("size", [5, 40])
    def test_a_whole_grid_save_costs_the_same_queries_at_any_size(
        self,
        teacher,
        classroom_subject,
        term,
        homework,
        django_assert_num_queries,
        size,
    ):
        students = add_students(classroom_subject.classroom, size)
        assessments = [
            factories.AssessmentFactory(
                classroom_subject=classroom_subject, term=term, category=homework
            )
            for _ in range(4)
        ]
        record(
            teacher,
            classroom_subject,
            *[typed(s, a, "10") for s in students for a in assessments[:2]],
        )
        changes = [
            typed(s, a, "12", version=1) for s in students for a in assessments[:2]
        ]
        changes += [typed(s, a, "8") for s in students for a in assessments[2:]]
        # assessments, enrollments, savepoint, scores FOR UPDATE, bulk update,
        # bulk insert of new scores, bulk insert of audit rows, the report
        # version, release savepoint
        with django_assert_num_queries(9):
            record(teacher, classroom_subject, *changes)
        assert Score.objects.filter(points=Decimal("12")).count() == size * 2
        assert Score.objects.filter(points=Decimal("8")).count() == size * 2
