"""Every rule of the grades models, at both layers.

Model validation (`full_clean()`) gives the person a clear message; the database
constraint keeps the rule when a write goes past validation (bulk_create, update).
"""

import re
from decimal import Decimal

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from grades.models import (
    Assessment,
    Category,
    GradeBand,
    GradeChange,
    Score,
    ScoreState,
    TermGrade,
)
from tests import factories
from tests.assertions import assert_db_rejects, assert_invalid
from tests.school_calendar import SCHOOL

pytestmark = pytest.mark.django_db

POINTS_MATCH_STATE = (
    "A graded score needs points; excused, missing and blank scores have none."
)


def bulk_create(*instances):
    """A write that skips save() and full_clean()."""
    model = type(instances[0])
    return lambda: model.objects.bulk_create(instances)


@pytest.fixture
def term(school_year):
    return factories.TermFactory(
        school_year=school_year,
        name="Term 1",
        starts_on=SCHOOL.year_start,
        ends_on=SCHOOL.first_term_end,
    )


@pytest.fixture
def category(classroom_subject):
    return factories.CategoryFactory(
        classroom_subject=classroom_subject, name="Quizzes", weight=Decimal("40")
    )


@pytest.fixture
def assessment(classroom_subject, term, category):
    # Re-read, so max_points is the stored Decimal("20.00") on every database.
    created = factories.AssessmentFactory(
        classroom_subject=classroom_subject,
        term=term,
        category=category,
        title="Fractions quiz",
        max_points=Decimal("20"),
    )
    return Assessment.objects.get(pk=created.pk)


@pytest.fixture
def term_grade(student, classroom_subject, term):
    return factories.TermGradeFactory(
        student=student, classroom_subject=classroom_subject, term=term
    )


@pytest.fixture
def next_year():
    return factories.SchoolYearFactory(
        name=SCHOOL.shifted(1).name,
        starts_on=SCHOOL.shifted(1).year_start,
        ends_on=SCHOOL.shifted(1).year_end,
    )


class TestGradingScale:
    def test_the_default_letter_bands_exist_after_migrations(self):
        bands = list(
            GradeBand.objects.order_by("-min_percent").values_list(
                "letter", "min_percent"
            )
        )
        assert bands == [
            ("A", Decimal("90")),
            ("B", Decimal("80")),
            ("C", Decimal("70")),
            ("D", Decimal("60")),
            ("F", Decimal("0")),
        ]


class TestScore:
    def _new(self, assessment, student, **fields):
        values = {
            "assessment": assessment,
            "student": student,
            "state": ScoreState.GRADED,
        }
        return Score(**(values | fields))

    def test_it_accepts_a_graded_score_up_to_the_maximum(self, assessment, student):
        score = self._new(assessment, student, points=Decimal("20"))
        score.full_clean()
        score.save()
        assert Score.objects.filter(pk=score.pk).exists()

    def test_it_rejects_negative_points(self, assessment, student):
        assert_invalid(
            self._new(assessment, student, points=Decimal("-1")),
            NON_FIELD_ERRORS,
            "Points cannot be negative.",
        )

    def test_the_database_rejects_negative_points(self, assessment, student):
        assert_db_rejects(
            Score,
            bulk_create(self._new(assessment, student, points=Decimal("-0.5"))),
            "grades_score_points_not_negative",
        )

    def test_it_rejects_points_above_the_assessment_maximum(self, assessment, student):
        errors = assert_invalid(
            self._new(assessment, student, points=Decimal("20.5")),
            "points",
            "Points cannot be more than the maximum (20.00).",
        )
        assert list(errors) == ["points"]

    def test_it_rejects_a_graded_score_without_points(self, assessment, student):
        assert_invalid(
            self._new(assessment, student),
            NON_FIELD_ERRORS,
            POINTS_MATCH_STATE,
        )

    def test_the_database_rejects_a_graded_score_without_points(
        self, assessment, student
    ):
        assert_db_rejects(
            Score,
            bulk_create(self._new(assessment, student)),
            "grades_score_points_match_state",
        )

    @pytest.mark.parametrize(
        "state", [ScoreState.EXCUSED, ScoreState.MISSING, ScoreState.BLANK]
    )
    def test_it_rejects_points_on_a_score_that_is_not_graded(
        self, assessment, student, state
    ):
        assert_invalid(
            self._new(assessment, student, points=Decimal("10"), state=state),
            NON_FIELD_ERRORS,
            POINTS_MATCH_STATE,
        )

    @pytest.mark.parametrize(
        "state", [ScoreState.EXCUSED, ScoreState.MISSING, ScoreState.BLANK]
    )
    def test_the_database_rejects_points_on_a_score_that_is_not_graded(
        self, assessment, student, state
    ):
        assert_db_rejects(
            Score,
            bulk_create(
                self._new(assessment, student, points=Decimal("10"), state=state)
            ),
            "grades_score_points_match_state",
        )

    @pytest.mark.parametrize(
        "state", [ScoreState.EXCUSED, ScoreState.MISSING, ScoreState.BLANK]
    )
    def test_it_accepts_a_score_that_is_not_graded_without_points(
        self, assessment, student, state
    ):
        score = self._new(assessment, student, state=state)
        score.full_clean()
        score.save()
        assert Score.objects.get(pk=score.pk).points is None

    def test_it_rejects_a_second_score_for_the_same_student(self, assessment, student):
        factories.ScoreFactory(assessment=assessment, student=student)
        assert_invalid(
            self._new(assessment, student, points=Decimal("12")),
            NON_FIELD_ERRORS,
            "This student already has a score for this assessment.",
        )

    def test_the_database_rejects_a_second_score_for_the_same_student(
        self, assessment, student
    ):
        factories.ScoreFactory(assessment=assessment, student=student)
        assert_db_rejects(
            Score,
            bulk_create(self._new(assessment, student, points=Decimal("12"))),
            "grades_score_unique_per_student",
        )


class TestAssessment:
    def _new(self, classroom_subject, term, category, **fields):
        values = {
            "classroom_subject": classroom_subject,
            "term": term,
            "category": category,
            "title": "Chapter test",
            "max_points": Decimal("50"),
        }
        return Assessment(**(values | fields))

    def test_it_accepts_an_assessment_of_its_own_unit_term_and_category(
        self, classroom_subject, term, category
    ):
        assessment = self._new(classroom_subject, term, category)
        assessment.full_clean()
        assessment.save()
        assert Assessment.objects.filter(pk=assessment.pk).exists()

    @pytest.mark.parametrize("max_points", [Decimal("0"), Decimal("-5")])
    def test_it_rejects_max_points_that_are_not_above_zero(
        self, classroom_subject, term, category, max_points
    ):
        assert_invalid(
            self._new(classroom_subject, term, category, max_points=max_points),
            NON_FIELD_ERRORS,
            "Maximum points must be more than zero.",
        )

    def test_the_database_rejects_max_points_of_zero(
        self, classroom_subject, term, category
    ):
        assert_db_rejects(
            Assessment,
            bulk_create(
                self._new(classroom_subject, term, category, max_points=Decimal("0"))
            ),
            "grades_assessment_max_points_positive",
        )

    def test_it_rejects_lowering_max_points_below_a_stored_score(
        self, assessment, student
    ):
        factories.ScoreFactory(
            assessment=assessment, student=student, points=Decimal("15")
        )
        assessment.max_points = Decimal("10")
        before = Assessment.objects.count()
        with pytest.raises(ValidationError) as excinfo:
            assessment.full_clean()
            assessment.save()
        assert Assessment.objects.count() == before
        [message] = excinfo.value.message_dict["max_points"]
        # The highest score is quoted as stored: "15.00" on PostgreSQL, "15" on
        # SQLite (its aggregates are not quantized), so compare it as a number.
        quoted = re.fullmatch(
            r"Maximum points cannot be below a stored score \(([\d.]+)\)\.", message
        )
        assert quoted, message
        assert Decimal(quoted[1]) == Decimal("15")
        assessment.refresh_from_db()
        assert assessment.max_points == Decimal("20")

    def test_it_allows_lowering_max_points_to_the_highest_stored_score(
        self, assessment, student
    ):
        factories.ScoreFactory(
            assessment=assessment, student=student, points=Decimal("15")
        )
        assessment.max_points = Decimal("15")
        assessment.full_clean()
        assessment.save()
        assessment.refresh_from_db()
        assert assessment.max_points == Decimal("15")

    def test_it_rejects_a_category_of_another_classroom_subject(
        self, classroom_subject, term, other_classroom
    ):
        elsewhere = factories.ClassroomSubjectFactory(classroom=other_classroom)
        foreign_category = factories.CategoryFactory(classroom_subject=elsewhere)
        assert_invalid(
            self._new(classroom_subject, term, foreign_category),
            "category",
            "Choose a category of this classroom subject.",
        )

    def test_it_rejects_a_term_of_another_school_year(
        self, classroom_subject, category, next_year
    ):
        next_years_term = factories.TermFactory(
            school_year=next_year,
            starts_on=SCHOOL.shifted(1).year_start,
            ends_on=SCHOOL.shifted(1).first_term_end,
        )
        assert_invalid(
            self._new(classroom_subject, next_years_term, category),
            "term",
            "Choose a term of the classroom's school year.",
        )


class TestCategory:
    @pytest.mark.parametrize("weight", [Decimal("0"), Decimal("-10")])
    def test_it_rejects_a_weight_that_is_not_above_zero(
        self, classroom_subject, weight
    ):
        assert_invalid(
            Category(
                classroom_subject=classroom_subject, name="Homework", weight=weight
            ),
            NON_FIELD_ERRORS,
            "A category's weight must be more than zero.",
        )

    def test_the_database_rejects_a_weight_of_zero(self, classroom_subject):
        assert_db_rejects(
            Category,
            bulk_create(
                Category(
                    classroom_subject=classroom_subject,
                    name="Homework",
                    weight=Decimal("0"),
                )
            ),
            "grades_category_weight_positive",
        )

    def test_it_rejects_a_second_category_with_the_same_name_in_a_unit(self, category):
        assert_invalid(
            Category(
                classroom_subject=category.classroom_subject,
                name="Quizzes",
                weight=Decimal("10"),
            ),
            NON_FIELD_ERRORS,
            "This subject already has a category with this name.",
        )

    def test_the_database_rejects_a_second_category_with_the_same_name_in_a_unit(
        self, category
    ):
        assert_db_rejects(
            Category,
            bulk_create(
                Category(
                    classroom_subject=category.classroom_subject,
                    name="Quizzes",
                    weight=Decimal("10"),
                )
            ),
            "grades_category_unique_name",
        )

    def test_the_same_category_name_is_allowed_in_another_unit(
        self, category, other_classroom
    ):
        elsewhere = factories.ClassroomSubjectFactory(classroom=other_classroom)
        quizzes = Category(
            classroom_subject=elsewhere, name="Quizzes", weight=Decimal("40")
        )
        quizzes.full_clean()
        quizzes.save()
        assert Category.objects.filter(name="Quizzes").count() == 2


class TestTermGrade:
    def test_it_rejects_a_second_term_grade_for_the_same_line(self, term_grade):
        assert_invalid(
            TermGrade(
                student=term_grade.student,
                classroom_subject=term_grade.classroom_subject,
                term=term_grade.term,
                computed=Decimal("70.0"),
            ),
            NON_FIELD_ERRORS,
            "This student already has a term grade for this subject and term.",
        )

    def test_the_database_rejects_a_second_term_grade_for_the_same_line(
        self, term_grade
    ):
        assert_db_rejects(
            TermGrade,
            bulk_create(
                TermGrade(
                    student=term_grade.student,
                    classroom_subject=term_grade.classroom_subject,
                    term=term_grade.term,
                    computed=Decimal("70.0"),
                )
            ),
            "grades_termgrade_unique",
        )

    def test_it_rejects_an_override_without_a_reason(self, term_grade):
        term_grade.override = Decimal("90.0")
        assert_invalid(term_grade, "override_reason", "An override needs a reason.")
        term_grade.refresh_from_db()
        assert term_grade.override is None

    def test_it_rejects_an_override_whose_reason_is_only_spaces(self, term_grade):
        term_grade.override = Decimal("90.0")
        term_grade.override_reason = "   "
        assert_invalid(term_grade, "override_reason", "An override needs a reason.")
        term_grade.refresh_from_db()
        assert term_grade.override is None

    def test_the_database_rejects_an_override_without_a_reason(self, term_grade):
        assert_db_rejects(
            TermGrade,
            lambda: TermGrade.objects.filter(pk=term_grade.pk).update(
                override=Decimal("90.0"), override_reason=""
            ),
            "grades_termgrade_override_has_reason",
        )
        term_grade.refresh_from_db()
        assert term_grade.override is None

    def test_it_accepts_an_override_with_a_reason(self, term_grade):
        term_grade.override = Decimal("90.0")
        term_grade.override_reason = "Retook the final exam."
        term_grade.full_clean()
        term_grade.save()
        term_grade.refresh_from_db()
        assert term_grade.override == Decimal("90.0")

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("computed", "100.1", "Ensure this value is less than or equal to 100."),
            ("computed", "-0.1", "Ensure this value is greater than or equal to 0."),
            ("override", "100.1", "Ensure this value is less than or equal to 100."),
            ("override", "-0.1", "Ensure this value is greater than or equal to 0."),
        ],
    )
    def test_it_rejects_a_percentage_outside_0_to_100(
        self, term_grade, field, value, message
    ):
        setattr(term_grade, field, Decimal(value))
        term_grade.override_reason = "Reviewed by the head of studies."
        assert_invalid(term_grade, field, message)

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("computed", "100.1"),
            ("computed", "-0.1"),
            ("override", "100.1"),
            ("override", "-0.1"),
        ],
    )
    def test_the_database_rejects_a_percentage_outside_0_to_100(
        self, student, classroom_subject, term, field, value
    ):
        line = TermGrade(
            student=student,
            classroom_subject=classroom_subject,
            term=term,
            override_reason="Reviewed by the head of studies.",
            **{field: Decimal(value)},
        )
        assert_db_rejects(
            TermGrade, bulk_create(line), "grades_termgrade_percent_range"
        )

    @pytest.mark.parametrize("value", ["0", "100"])
    def test_it_accepts_the_ends_of_the_percentage_range(self, term_grade, value):
        term_grade.computed = Decimal(value)
        term_grade.override = Decimal(value)
        term_grade.override_reason = "Checked."
        term_grade.full_clean()
        term_grade.save()
        term_grade.refresh_from_db()
        assert term_grade.computed == term_grade.override == Decimal(value)

    def test_the_effective_percent_is_the_override_when_set(self):
        line = TermGrade(computed=Decimal("85.0"), override=Decimal("91.0"))
        assert line.effective_percent == Decimal("91.0")

    def test_an_override_of_zero_still_wins_over_the_computed_percent(self):
        line = TermGrade(computed=Decimal("85.0"), override=Decimal("0"))
        assert line.effective_percent == Decimal("0")

    def test_the_effective_percent_is_the_computed_one_without_an_override(self):
        line = TermGrade(computed=Decimal("85.0"))
        assert line.effective_percent == Decimal("85.0")

    def test_the_effective_percent_is_empty_with_nothing_computed(self):
        assert TermGrade().effective_percent is None


class TestGradeChange:
    @pytest.fixture
    def score(self, assessment, student):
        return factories.ScoreFactory(assessment=assessment, student=student)

    def test_it_records_the_change_of_a_score(self, score, teacher):
        change = GradeChange(score=score, changed_by=teacher, after={"points": "15"})
        change.full_clean()
        change.save()
        assert score.changes.get() == change

    def test_it_records_the_change_of_a_term_grade(self, term_grade, teacher):
        change = GradeChange(term_grade=term_grade, changed_by=teacher)
        change.full_clean()
        change.save()
        assert term_grade.changes.get() == change

    def test_it_rejects_a_change_without_a_target(self, teacher):
        assert_invalid(
            GradeChange(changed_by=teacher),
            NON_FIELD_ERRORS,
            "A grade change records either a score or a term grade.",
        )

    def test_it_rejects_a_change_of_both_a_score_and_a_term_grade(
        self, score, term_grade, teacher
    ):
        assert_invalid(
            GradeChange(score=score, term_grade=term_grade, changed_by=teacher),
            NON_FIELD_ERRORS,
            "A grade change records either a score or a term grade.",
        )

    def test_the_database_rejects_a_change_without_a_target(self, teacher):
        assert_db_rejects(
            GradeChange,
            bulk_create(GradeChange(changed_by=teacher)),
            "grades_gradechange_one_target",
        )

    def test_the_database_rejects_a_change_of_both_a_score_and_a_term_grade(
        self, score, term_grade, teacher
    ):
        assert_db_rejects(
            GradeChange,
            bulk_create(
                GradeChange(score=score, term_grade=term_grade, changed_by=teacher)
            ),
            "grades_gradechange_one_target",
        )
