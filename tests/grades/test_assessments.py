"""Categories and assessments: their services, their pages, the per-assessment view."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from structlog.testing import CapturingLogger

from grades import selectors
from grades.assessment_forms import score_changes
from grades.models import Assessment, Category, GradeChange, Score, ScoreState
from grades.services import assessments as services
from grades.services.scores import CellChange, scores_record
from school.audit import Actor, AuditEvent, Channel
from tests import factories
from tests.grades.conftest import add_students
from tests.school_calendar import SCHOOL

pytestmark = pytest.mark.django_db

ALL = "__all__"


@pytest.fixture
def log(monkeypatch):
    """The service module's logger, recording every event instead of writing it."""
    logger = CapturingLogger()
    monkeypatch.setattr(services, "logger", logger)
    return logger


def events(log):
    return [(call.args[0], call.kwargs) for call in log.calls]


def errors_of(excinfo):
    return excinfo.value.message_dict


@pytest.fixture
def locked_term(school_year):
    return factories.TermFactory(
        school_year=school_year,
        name="Spring",
        starts_on=SCHOOL.second_term_start,
        ends_on=SCHOOL.year_end,
        locked=True,
    )


@pytest.fixture
def foreign_term():
    other_year = factories.SchoolYearFactory(
        name=SCHOOL.shifted(-1).name,
        starts_on=SCHOOL.shifted(-1).year_start,
        ends_on=SCHOOL.shifted(-1).year_end,
    )
    return factories.TermFactory(
        school_year=other_year,
        name="Old autumn",
        starts_on=SCHOOL.shifted(-1).year_start,
        ends_on=SCHOOL.shifted(-1).first_term_end,
    )


def create_assessment(actor, classroom_subject, term, category, **overrides):
    fields = {
        "title": "Quiz 2",
        "max_points": Decimal("20"),
        "due_on": SCHOOL.on(1, 15),
        **overrides,
    }
    return services.assessment_create(
        actor=Actor(user=actor),
        classroom_subject=classroom_subject,
        term=term,
        category=category,
        **fields,
    )


def update_assessment(actor, assessment, **overrides):
    fields = {
        "term": assessment.term,
        "category": assessment.category,
        "title": assessment.title,
        "max_points": assessment.max_points,
        "due_on": assessment.due_on,
        **overrides,
    }
    return services.assessment_update(
        actor=Actor(user=actor), assessment=assessment, **fields
    )


def graded(assessment, student, points="15"):
    return factories.ScoreFactory(
        assessment=assessment, student=student, points=Decimal(points)
    )


# ---------------------------------------------------------------------------
# Category services


class TestCategoryCreate:
    def test_it_creates_a_category_with_a_trimmed_name_and_logs_it(
        self, teacher, classroom_subject, log, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            category = services.category_create(
                actor=Actor(user=teacher),
                classroom_subject=classroom_subject,
                name="  Quizzes ",
                weight=Decimal("30"),
            )
        category.refresh_from_db()
        assert (category.name, category.weight) == ("Quizzes", Decimal("30"))
        assert category.classroom_subject == classroom_subject
        assert events(log) == [
            (
                "category_created",
                {
                    "category_id": category.pk,
                    "classroom_subject_id": classroom_subject.pk,
                    "weight": "30",
                    "actor_id": teacher.pk,
                },
            )
        ]

    def test_it_refuses_an_empty_name(self, teacher, classroom_subject):
        with pytest.raises(ValidationError) as excinfo:
            services.category_create(
                actor=Actor(user=teacher),
                classroom_subject=classroom_subject,
                name="   ",
                weight=Decimal("10"),
            )
        assert errors_of(excinfo) == {"name": ["Enter a name."]}
        assert not Category.objects.exists()

    def test_it_refuses_a_name_the_subject_already_has_in_any_case(
        self, teacher, classroom_subject, homework
    ):
        with pytest.raises(ValidationError) as excinfo:
            services.category_create(
                actor=Actor(user=teacher),
                classroom_subject=classroom_subject,
                name="HOMEWORK",
                weight=Decimal("10"),
            )
        assert errors_of(excinfo) == {
            "name": ["This subject already has a category with this name."]
        }
        assert Category.objects.count() == 1

    def test_another_subject_may_use_the_same_name(
        self, teacher, classroom, classroom_subject, homework
    ):
        science = factories.ClassroomSubjectFactory(classroom=classroom)
        category = services.category_create(
            actor=Actor(user=teacher),
            classroom_subject=science,
            name="Homework",
            weight=Decimal("1"),
        )
        assert category.classroom_subject == science

    @pytest.mark.parametrize(
        ("weight", "message"),
        [
            (Decimal("0"), "A category's weight must be more than zero."),
            (Decimal("-5"), "A category's weight must be more than zero."),
            (Decimal("1000"), "A weight can be at most 999.99."),
            (Decimal("12.345"), "Use at most two decimals."),
            (Decimal("NaN"), "Enter a number."),
        ],
    )
    def test_it_refuses_a_weight_that_is_not_above_zero_or_does_not_fit(
        self, teacher, classroom_subject, weight, message
    ):
        with pytest.raises(ValidationError) as excinfo:
            services.category_create(
                actor=Actor(user=teacher),
                classroom_subject=classroom_subject,
                name="Exams",
                weight=weight,
            )
        assert errors_of(excinfo) == {"weight": [message]}
        assert not Category.objects.exists()

    def test_it_reports_every_problem_at_once(self, teacher, classroom_subject):
        with pytest.raises(ValidationError) as excinfo:
            services.category_create(
                actor=Actor(user=teacher),
                classroom_subject=classroom_subject,
                name="",
                weight=Decimal("0"),
            )
        assert set(errors_of(excinfo)) == {"name", "weight"}


class TestCategoryUpdate:
    def test_it_renames_and_reweights(self, teacher, homework, log):
        services.category_update(
            actor=Actor(user=teacher),
            category=homework,
            name="Homework",
            weight=Decimal("12.5"),
        )
        homework.refresh_from_db()
        assert homework.weight == Decimal("12.5")

    def test_it_refuses_the_name_of_another_category(
        self, teacher, classroom_subject, homework
    ):
        exams = factories.CategoryFactory(
            classroom_subject=classroom_subject, name="Exams"
        )
        with pytest.raises(ValidationError) as excinfo:
            services.category_update(
                actor=Actor(user=teacher),
                category=exams,
                name="homework",
                weight=Decimal("60"),
            )
        assert errors_of(excinfo) == {
            "name": ["This subject already has a category with this name."]
        }
        exams.refresh_from_db()
        assert exams.name == "Exams"

    def test_it_refuses_a_zero_weight(self, teacher, homework):
        with pytest.raises(ValidationError) as excinfo:
            services.category_update(
                actor=Actor(user=teacher),
                category=homework,
                name="Homework",
                weight=Decimal(0),
            )
        assert errors_of(excinfo) == {
            "weight": ["A category's weight must be more than zero."]
        }
        homework.refresh_from_db()
        assert homework.weight == Decimal("40")


class TestCategoryDelete:
    def test_it_deletes_a_category_without_assessments(
        self, teacher, homework, log, django_capture_on_commit_callbacks
    ):
        category_id = homework.pk
        with django_capture_on_commit_callbacks(execute=True):
            services.category_delete(actor=Actor(user=teacher), category=homework)
        assert not Category.objects.filter(pk=category_id).exists()
        assert events(log) == [
            ("category_deleted", {"category_id": category_id, "actor_id": teacher.pk})
        ]

    def test_it_refuses_a_category_that_still_has_an_archived_assessment(
        self, teacher, homework, quiz
    ):
        quiz.archived_at = timezone.now()
        quiz.save()
        with pytest.raises(ValidationError) as excinfo:
            services.category_delete(actor=Actor(user=teacher), category=homework)
        assert errors_of(excinfo) == {
            ALL: [
                "This category still has 1 assessment (archived ones count too): "
                "move it to another category before deleting this one."
            ]
        }
        assert Category.objects.filter(pk=homework.pk).exists()

    def test_the_refusal_counts_every_assessment(self, teacher, homework, quiz, exam):
        with pytest.raises(ValidationError) as excinfo:
            services.category_delete(actor=Actor(user=teacher), category=homework)
        assert errors_of(excinfo)[ALL][0].startswith(
            "This category still has 2 assessments"
        )


# ---------------------------------------------------------------------------
# Assessment services


class TestAssessmentCreate:
    def test_it_creates_an_assessment_and_logs_it(
        self,
        teacher,
        classroom_subject,
        term,
        homework,
        log,
        django_capture_on_commit_callbacks,
    ):
        with django_capture_on_commit_callbacks(execute=True):
            assessment = create_assessment(
                teacher, classroom_subject, term, homework, title="  Quiz 2 "
            )
        assessment.refresh_from_db()
        assert (assessment.title, assessment.max_points, assessment.due_on) == (
            "Quiz 2",
            Decimal("20"),
            SCHOOL.on(1, 15),
        )
        assert (assessment.published_at, assessment.archived_at) == (None, None)
        assert events(log) == [
            (
                "assessment_created",
                {
                    "assessment_id": assessment.pk,
                    "classroom_subject_id": classroom_subject.pk,
                    "term_id": term.pk,
                    "actor_id": teacher.pk,
                },
            )
        ]

    def test_the_due_date_is_optional(self, teacher, classroom_subject, term, homework):
        assessment = create_assessment(
            teacher, classroom_subject, term, homework, due_on=None
        )
        assert assessment.due_on is None

    def test_it_refuses_a_category_of_another_subject(
        self, teacher, classroom, classroom_subject, term
    ):
        science = factories.ClassroomSubjectFactory(classroom=classroom)
        foreign = factories.CategoryFactory(classroom_subject=science)
        with pytest.raises(ValidationError) as excinfo:
            create_assessment(teacher, classroom_subject, term, foreign)
        assert errors_of(excinfo) == {
            "category": ["Choose a category of this classroom subject."]
        }
        assert not Assessment.objects.exists()

    def test_it_refuses_a_term_of_another_school_year(
        self, teacher, classroom_subject, homework, foreign_term
    ):
        with pytest.raises(ValidationError) as excinfo:
            create_assessment(teacher, classroom_subject, foreign_term, homework)
        assert errors_of(excinfo) == {
            "term": ["Choose a term of the classroom's school year."]
        }

    def test_a_locked_term_refuses_new_assessments(
        self, teacher, classroom_subject, homework, locked_term
    ):
        with pytest.raises(ValidationError) as excinfo:
            create_assessment(teacher, classroom_subject, locked_term, homework)
        assert errors_of(excinfo) == {
            "term": [
                "The term Spring is locked: its assessments cannot be added or changed."
            ]
        }
        assert not Assessment.objects.exists()

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("title", " ", "Enter a title."),
            ("title", "x" * 201, "Use at most 200 characters."),
            ("max_points", Decimal("0"), "Maximum points must be more than zero."),
            ("max_points", Decimal("-1"), "Maximum points must be more than zero."),
            ("max_points", Decimal("10000"), "Maximum points can be at most 9999.99."),
            ("max_points", Decimal("10.125"), "Use at most two decimals."),
        ],
    )
    def test_it_refuses_a_bad_title_or_maximum(
        self, teacher, classroom_subject, term, homework, field, value, message
    ):
        with pytest.raises(ValidationError) as excinfo:
            create_assessment(
                teacher, classroom_subject, term, homework, **{field: value}
            )
        assert errors_of(excinfo) == {field: [message]}
        assert not Assessment.objects.exists()


class TestAssessmentUpdate:
    def test_it_changes_every_field(
        self, teacher, classroom_subject, school_year, quiz, log
    ):
        winter = factories.TermFactory(
            school_year=school_year,
            name="Winter",
            starts_on=SCHOOL.second_term_start,
            ends_on=SCHOOL.last_day(6),
        )
        exams = factories.CategoryFactory(
            classroom_subject=classroom_subject, name="Exams"
        )
        update_assessment(
            teacher,
            quiz,
            term=winter,
            category=exams,
            title="Quiz one",
            max_points=Decimal("25.5"),
            due_on=None,
        )
        quiz.refresh_from_db()
        assert (quiz.term, quiz.category, quiz.title, quiz.max_points) == (
            winter,
            exams,
            "Quiz one",
            Decimal("25.5"),
        )
        assert quiz.due_on is None

    def test_the_maximum_cannot_drop_below_the_highest_stored_score(
        self, teacher, classroom_subject, student, quiz
    ):
        other = add_students(classroom_subject.classroom, 1)[0]
        graded(quiz, student, "18.5")
        graded(quiz, other, "12")
        with pytest.raises(ValidationError) as excinfo:
            update_assessment(teacher, quiz, max_points=Decimal("18"))
        assert errors_of(excinfo) == {
            "max_points": ["Maximum points cannot be below a stored score (18.5)."]
        }
        quiz.refresh_from_db()
        assert quiz.max_points == Decimal("20")

    def test_the_maximum_may_equal_the_highest_stored_score(
        self, teacher, student, quiz
    ):
        graded(quiz, student, "18.5")
        update_assessment(teacher, quiz, max_points=Decimal("18.5"))
        quiz.refresh_from_db()
        assert quiz.max_points == Decimal("18.5")

    def test_it_refuses_a_category_of_another_subject(self, teacher, classroom, quiz):
        science = factories.ClassroomSubjectFactory(classroom=classroom)
        foreign = factories.CategoryFactory(classroom_subject=science)
        with pytest.raises(ValidationError) as excinfo:
            update_assessment(teacher, quiz, category=foreign)
        assert errors_of(excinfo) == {
            "category": ["Choose a category of this classroom subject."]
        }

    def test_it_refuses_a_term_of_another_school_year(
        self, teacher, quiz, foreign_term
    ):
        with pytest.raises(ValidationError) as excinfo:
            update_assessment(teacher, quiz, term=foreign_term)
        assert errors_of(excinfo) == {
            "term": ["Choose a term of the classroom's school year."]
        }

    def test_an_assessment_of_a_locked_term_cannot_change(self, teacher, quiz, term):
        term.locked = True
        term.save()
        with pytest.raises(ValidationError) as excinfo:
            update_assessment(teacher, quiz, title="Renamed")
        assert errors_of(excinfo) == {
            "term": [
                "The term Autumn is locked: its assessments cannot be added or changed."
            ]
        }
        quiz.refresh_from_db()
        assert quiz.title == "Quiz 1"

    def test_an_assessment_cannot_move_into_a_locked_term(
        self, teacher, quiz, locked_term
    ):
        with pytest.raises(ValidationError) as excinfo:
            update_assessment(teacher, quiz, term=locked_term)
        assert "The term Spring is locked" in errors_of(excinfo)["term"][0]

    def test_an_archived_assessment_must_be_restored_before_changing(
        self, teacher, quiz
    ):
        quiz.archived_at = timezone.now()
        quiz.save()
        with pytest.raises(ValidationError) as excinfo:
            update_assessment(teacher, quiz, title="Renamed")
        assert errors_of(excinfo) == {
            ALL: ["This assessment is archived: restore it before changing it."]
        }


class TestAssessmentDelete:
    def test_it_deletes_an_assessment_without_scores(
        self, teacher, quiz, log, django_capture_on_commit_callbacks
    ):
        quiz_id = quiz.pk
        with django_capture_on_commit_callbacks(execute=True):
            services.assessment_delete(actor=Actor(user=teacher), assessment=quiz)
        assert not Assessment.objects.filter(pk=quiz_id).exists()
        assert events(log) == [
            (
                "assessment_deleted",
                {
                    "assessment_id": quiz_id,
                    "blank_scores_deleted": 0,
                    "actor_id": teacher.pk,
                },
            )
        ]

    def test_blank_score_rows_are_deleted_with_it(self, teacher, student, quiz):
        factories.ScoreFactory(
            assessment=quiz, student=student, state=ScoreState.BLANK, points=None
        )
        services.assessment_delete(actor=Actor(user=teacher), assessment=quiz)
        assert not Assessment.objects.filter(pk=quiz.pk).exists()
        assert not Score.objects.exists()

    @pytest.mark.parametrize(
        ("state", "points"),
        [
            (ScoreState.GRADED, Decimal("0")),
            (ScoreState.EXCUSED, None),
            (ScoreState.MISSING, None),
        ],
    )
    def test_an_assessment_with_scores_must_be_archived_instead(
        self, teacher, student, quiz, state, points
    ):
        factories.ScoreFactory(
            assessment=quiz, student=student, state=state, points=points
        )
        with pytest.raises(ValidationError) as excinfo:
            services.assessment_delete(actor=Actor(user=teacher), assessment=quiz)
        assert errors_of(excinfo) == {
            ALL: [
                "This assessment has scores, comments or a score history: "
                "archive it instead (it can be restored)."
            ]
        }
        assert Assessment.objects.filter(pk=quiz.pk).exists()
        assert Score.objects.count() == 1

    def test_a_blank_score_with_a_comment_counts_as_work(self, teacher, student, quiz):
        factories.ScoreFactory(
            assessment=quiz,
            student=student,
            state=ScoreState.BLANK,
            points=None,
            comment="Absent, will sit it next week",
        )
        with pytest.raises(ValidationError):
            services.assessment_delete(actor=Actor(user=teacher), assessment=quiz)
        assert Score.objects.count() == 1

    def test_a_blank_score_with_a_history_keeps_it_from_deletion(
        self, teacher, classroom_subject, student, quiz
    ):
        # Typed, then cleared: the score is blank again, but its audit rows stay.
        scores_record(
            actor=Actor(user=teacher),
            classroom_subject=classroom_subject,
            changes=[CellChange(student.pk, quiz.pk, "12", None)],
        )
        scores_record(
            actor=Actor(user=teacher),
            classroom_subject=classroom_subject,
            changes=[CellChange(student.pk, quiz.pk, "", 1)],
        )
        assert Score.objects.get().state == ScoreState.BLANK
        assert not services.assessment_is_deletable(quiz)
        with pytest.raises(ValidationError):
            services.assessment_delete(actor=Actor(user=teacher), assessment=quiz)
        assert GradeChange.objects.count() == 2

    def test_a_locked_term_refuses_deletion(self, teacher, quiz, term):
        term.locked = True
        term.save()
        with pytest.raises(ValidationError) as excinfo:
            services.assessment_delete(actor=Actor(user=teacher), assessment=quiz)
        assert errors_of(excinfo) == {
            ALL: [
                "The term Autumn is locked: its assessments cannot be added or changed."
            ]
        }
        assert Assessment.objects.filter(pk=quiz.pk).exists()


class TestAssessmentRemove:
    def test_it_deletes_when_nothing_was_recorded(self, teacher, quiz):
        assert (
            services.assessment_remove(actor=Actor(user=teacher), assessment=quiz)
            == "deleted"
        )
        assert not Assessment.objects.filter(pk=quiz.pk).exists()

    def test_it_archives_when_there_are_scores(self, teacher, student, quiz):
        graded(quiz, student)
        assert (
            services.assessment_remove(actor=Actor(user=teacher), assessment=quiz)
            == "archived"
        )
        quiz.refresh_from_db()
        assert quiz.archived_at is not None
        assert Score.objects.filter(assessment=quiz).count() == 1


class TestArchiveAndRestore:
    def test_archiving_keeps_every_score_hides_it_from_the_grid_and_is_logged(
        self,
        teacher,
        classroom_subject,
        term,
        student,
        quiz,
        log,
        django_capture_on_commit_callbacks,
    ):
        graded(quiz, student)
        with django_capture_on_commit_callbacks(execute=True):
            services.assessment_archive(actor=Actor(user=teacher), assessment=quiz)
        quiz.refresh_from_db()
        assert quiz.archived_at is not None
        assert Score.objects.filter(assessment=quiz).count() == 1
        assert selectors.gradebook(classroom_subject, term).assessments == []
        assert events(log) == [
            ("assessment_archived", {"assessment_id": quiz.pk, "actor_id": teacher.pk})
        ]

    def test_restoring_brings_it_back_and_is_logged(
        self,
        teacher,
        classroom_subject,
        term,
        quiz,
        log,
        django_capture_on_commit_callbacks,
    ):
        services.assessment_archive(actor=Actor(user=teacher), assessment=quiz)
        with django_capture_on_commit_callbacks(execute=True):
            services.assessment_restore(actor=Actor(user=teacher), assessment=quiz)
        quiz.refresh_from_db()
        assert quiz.archived_at is None
        assert selectors.gradebook(classroom_subject, term).assessments == [quiz]
        assert (
            "assessment_restored",
            {"assessment_id": quiz.pk, "actor_id": teacher.pk},
        ) in events(log)

    def test_archiving_twice_keeps_the_first_date(self, teacher, quiz):
        first = services.assessment_archive(
            actor=Actor(user=teacher), assessment=quiz
        ).archived_at
        again = services.assessment_archive(
            actor=Actor(user=teacher), assessment=quiz
        ).archived_at
        assert first == again

    @pytest.mark.parametrize("action", ["assessment_archive", "assessment_restore"])
    def test_a_locked_term_refuses_archiving_and_restoring(
        self, teacher, quiz, term, action
    ):
        archived_at = timezone.now() if action == "assessment_restore" else None
        quiz.archived_at = archived_at
        quiz.save()
        term.locked = True
        term.save()
        with pytest.raises(ValidationError) as excinfo:
            getattr(services, action)(actor=Actor(user=teacher), assessment=quiz)
        assert "The term Autumn is locked" in errors_of(excinfo)[ALL][0]
        quiz.refresh_from_db()
        assert quiz.archived_at == archived_at


class TestPublishing:
    def test_publishing_sets_the_date_once_and_is_logged(
        self, teacher, quiz, log, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            first = services.assessment_publish(
                actor=Actor(user=teacher), assessment=quiz
            )
            again = services.assessment_publish(
                actor=Actor(user=teacher), assessment=quiz
            )
        assert first.published_at is not None
        assert again.published_at == first.published_at
        quiz.refresh_from_db()
        assert quiz.published_at == first.published_at
        assert events(log) == [
            ("assessment_published", {"assessment_id": quiz.pk, "actor_id": teacher.pk})
        ]

    def test_unpublishing_clears_it(
        self, teacher, quiz, log, django_capture_on_commit_callbacks
    ):
        services.assessment_publish(actor=Actor(user=teacher), assessment=quiz)
        with django_capture_on_commit_callbacks(execute=True):
            services.assessment_unpublish(actor=Actor(user=teacher), assessment=quiz)
        quiz.refresh_from_db()
        assert quiz.published_at is None
        assert events(log) == [
            (
                "assessment_unpublished",
                {"assessment_id": quiz.pk, "actor_id": teacher.pk},
            )
        ]

    def test_an_archived_assessment_cannot_be_published(self, teacher, quiz):
        quiz.archived_at = timezone.now()
        quiz.save()
        with pytest.raises(ValidationError) as excinfo:
            services.assessment_publish(actor=Actor(user=teacher), assessment=quiz)
        assert errors_of(excinfo) == {
            ALL: ["This assessment is archived: restore it before publishing it."]
        }
        quiz.refresh_from_db()
        assert quiz.published_at is None

    def test_a_locked_term_still_allows_publishing(self, teacher, quiz, term):
        # Publishing changes what students see, not any grade.
        term.locked = True
        term.save()
        services.assessment_publish(actor=Actor(user=teacher), assessment=quiz)
        quiz.refresh_from_db()
        assert quiz.published_at is not None


# ---------------------------------------------------------------------------
# Pages: access


def subject_url(name, classroom_subject, *args, query=""):
    return (
        reverse(
            name, args=[classroom_subject.classroom_id, classroom_subject.pk, *args]
        )
        + query
    )


GET_PAGES = [
    "gradebook_categories",
    "category_edit",
    "category_delete",
    "assessment_create",
    "assessments_archived",
    "assessment_detail",
    "assessment_update",
    "assessment_delete",
]
POST_ONLY = ["assessment_restore", "assessment_publish"]
CATEGORY_PAGES = {"category_edit", "category_delete"}
SUBJECT_PAGES = {"gradebook_categories", "assessment_create", "assessments_archived"}
OBJECT_PAGES = [name for name in GET_PAGES + POST_ONLY if name not in SUBJECT_PAGES]


def page_url(name, classroom_subject, category, assessment):
    if name in SUBJECT_PAGES:
        return subject_url(name, classroom_subject)
    if name in CATEGORY_PAGES:
        return subject_url(name, classroom_subject, category.pk)
    return subject_url(name, classroom_subject, assessment.pk)


def request_page(client, name, url):
    if name in POST_ONLY:
        return client.post(url, {"publish": "1"})
    return client.get(url)


@pytest.fixture
def science(classroom, term):
    """A subject of `classroom` taught by a subject teacher, not the homeroom one."""
    science = factories.ClassroomSubjectFactory(
        classroom=classroom,
        subject=factories.SubjectFactory(name="Science"),
        teacher=factories.TeacherFactory(full_name="Sam Science"),
    )
    category = factories.CategoryFactory(classroom_subject=science, name="Labs")
    factories.AssessmentFactory(
        classroom_subject=science, term=term, category=category, title="Lab 1"
    )
    return science


class TestAccess:
    @pytest.mark.parametrize("name", GET_PAGES + POST_ONLY)
    def test_anonymous_users_go_to_login(
        self, client, classroom_subject, homework, quiz, name
    ):
        response = request_page(
            client, name, page_url(name, classroom_subject, homework, quiz)
        )
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))

    @pytest.mark.parametrize("name", GET_PAGES + POST_ONLY)
    def test_an_outsider_teacher_gets_404(
        self, client, other_teacher, classroom_subject, homework, quiz, name
    ):
        client.force_login(other_teacher)
        response = request_page(
            client, name, page_url(name, classroom_subject, homework, quiz)
        )
        assert response.status_code == 404

    @pytest.mark.parametrize("name", GET_PAGES + POST_ONLY)
    def test_a_student_of_the_class_gets_403(
        self, client, student, classroom_subject, homework, quiz, name
    ):
        client.force_login(student)
        response = request_page(
            client, name, page_url(name, classroom_subject, homework, quiz)
        )
        assert response.status_code == 403
        quiz.refresh_from_db()
        assert quiz.published_at is None

    @pytest.mark.parametrize("name", GET_PAGES + POST_ONLY)
    def test_the_homeroom_teacher_gets_403_on_a_subject_teachers_subject(
        self, client, teacher, science, name
    ):
        category = science.categories.get()
        assessment = science.assessments.get()
        client.force_login(teacher)
        response = request_page(
            client, name, page_url(name, science, category, assessment)
        )
        assert response.status_code == 403

    @pytest.mark.parametrize("name", POST_ONLY)
    def test_post_only_urls_refuse_get(
        self, client, teacher, classroom_subject, homework, quiz, name
    ):
        client.force_login(teacher)
        url = page_url(name, classroom_subject, homework, quiz)
        assert client.get(url).status_code == 405

    @pytest.mark.parametrize("persona", ["teacher", "admin"])
    @pytest.mark.parametrize("name", GET_PAGES)
    def test_the_subject_teacher_and_staff_open_every_page(
        self, request, client, classroom_subject, homework, quiz, persona, name
    ):
        client.force_login(request.getfixturevalue(persona))
        response = client.get(page_url(name, classroom_subject, homework, quiz))
        assert response.status_code == 200

    @pytest.mark.parametrize("persona", ["teacher", "admin"])
    @pytest.mark.parametrize("name", POST_ONLY)
    def test_the_subject_teacher_and_staff_may_post(
        self, request, client, classroom_subject, homework, quiz, persona, name
    ):
        client.force_login(request.getfixturevalue(persona))
        response = client.post(
            page_url(name, classroom_subject, homework, quiz), {"publish": "1"}
        )
        assert response.status_code == 302

    def test_a_subject_teacher_manages_a_class_they_do_not_lead(self, client, science):
        client.force_login(science.teacher)
        response = client.get(subject_url("gradebook_categories", science))
        assert response.status_code == 200
        assert [row.category.name for row in response.context["rows"]] == ["Labs"]

    @pytest.mark.parametrize("name", OBJECT_PAGES)
    def test_an_object_of_another_subject_is_404(
        self, client, teacher, classroom_subject, science, name
    ):
        # The teacher grades `classroom_subject`; the ids belong to `science`.
        category = science.categories.get()
        assessment = science.assessments.get()
        client.force_login(teacher)
        response = request_page(
            client, name, page_url(name, classroom_subject, category, assessment)
        )
        assert response.status_code == 404
        assessment.refresh_from_db()
        assert assessment.published_at is None

    def test_a_subject_of_another_classroom_is_404(
        self, client, teacher, classroom_subject, other_classroom
    ):
        client.force_login(teacher)
        url = reverse(
            "gradebook_categories",
            args=[other_classroom.pk, classroom_subject.pk],
        )
        assert client.get(url).status_code == 404


# ---------------------------------------------------------------------------
# Pages: categories


class TestCategoryPages:
    def test_the_list_shows_weights_and_their_share(
        self, client, teacher, classroom_subject, homework, quiz
    ):
        factories.CategoryFactory(
            classroom_subject=classroom_subject, name="Exams", weight=Decimal("60")
        )
        factories.CategoryFactory(
            classroom_subject=classroom_subject, name="Oral", weight=Decimal("20")
        )
        client.force_login(teacher)
        response = client.get(subject_url("gradebook_categories", classroom_subject))
        shares = [
            (row.category.name, row.share, row.assessment_count)
            for row in response.context["rows"]
        ]
        # 60 / 120, 40 / 120, 20 / 120
        assert shares == [
            ("Exams", Decimal("50.0"), 0),
            ("Homework", Decimal("33.3"), 1),
            ("Oral", Decimal("16.7"), 0),
        ]
        page = response.content.decode()
        assert "33.3%" in page
        assert '<label for="id_weight"' in page

    def test_adding_a_category_reads_a_decimal_comma(
        self, client, teacher, classroom_subject, term
    ):
        client.force_login(teacher)
        url = subject_url(
            "gradebook_categories", classroom_subject, query=f"?term={term.pk}"
        )
        response = client.post(url, {"name": "Quizzes", "weight": "12,5"}, follow=True)
        assert response.redirect_chain == [(url, 302)]
        category = Category.objects.get()
        assert (category.name, category.weight) == ("Quizzes", Decimal("12.5"))
        assert "Category “Quizzes” added." in response.content.decode()

    def test_a_refused_category_shows_the_message_at_its_field(
        self, client, teacher, classroom_subject, homework
    ):
        client.force_login(teacher)
        response = client.post(
            subject_url("gradebook_categories", classroom_subject),
            {"name": "homework", "weight": "0"},
        )
        assert response.status_code == 422
        form = response.context["form"]
        assert form.errors == {
            "name": ["This subject already has a category with this name."],
            "weight": ["A category's weight must be more than zero."],
        }
        page = response.content.decode()
        assert 'value="homework"' in page
        assert Category.objects.count() == 1

    def test_editing_a_category(self, client, teacher, classroom_subject, homework):
        client.force_login(teacher)
        response = client.get(
            subject_url("category_edit", classroom_subject, homework.pk)
        )
        assert 'value="40"' in response.content.decode()
        response = client.post(
            subject_url("category_edit", classroom_subject, homework.pk),
            {"name": "Homework and classwork", "weight": "45.5"},
        )
        assert response.status_code == 302
        assert response.url == subject_url("gradebook_categories", classroom_subject)
        homework.refresh_from_db()
        assert (homework.name, homework.weight) == (
            "Homework and classwork",
            Decimal("45.5"),
        )

    def test_deleting_a_category_asks_first_then_deletes(
        self, client, teacher, classroom_subject, homework
    ):
        client.force_login(teacher)
        url = subject_url("category_delete", classroom_subject, homework.pk)
        response = client.get(url)
        assert "Delete category" in response.content.decode()
        assert Category.objects.exists()
        response = client.post(url)
        assert response.status_code == 302
        assert not Category.objects.exists()

    def test_a_category_with_assessments_is_not_deleted(
        self, client, teacher, classroom_subject, homework, quiz
    ):
        client.force_login(teacher)
        url = subject_url("category_delete", classroom_subject, homework.pk)
        page = client.get(url).content.decode()
        assert "This category cannot be deleted: it still has 1 assessment" in page
        response = client.post(url)
        assert response.status_code == 422
        assert "This category still has 1 assessment" in response.content.decode()
        assert Category.objects.filter(pk=homework.pk).exists()


# ---------------------------------------------------------------------------
# Pages: assessments


class TestAssessmentPages:
    def test_the_gradebook_links_to_the_new_pages(
        self, client, teacher, classroom_subject, term, quiz
    ):
        client.force_login(teacher)
        response = client.get(
            reverse("gradebook", args=[classroom_subject.classroom_id])
            + f"?subject={classroom_subject.pk}&term={term.pk}"
        )
        page = response.content.decode()
        query = f"?term={term.pk}"
        assert subject_url("assessment_create", classroom_subject, query=query) in page
        assert (
            subject_url("gradebook_categories", classroom_subject, query=query) in page
        )
        assert subject_url("assessment_detail", classroom_subject, quiz.pk) in page

    def test_the_new_assessment_form_starts_in_the_gradebooks_term(
        self, client, teacher, classroom_subject, term, locked_term, homework
    ):
        client.force_login(teacher)
        response = client.get(
            subject_url(
                "assessment_create", classroom_subject, query=f"?term={locked_term.pk}"
            )
        )
        assert response.context["form"]["term"].value() == locked_term.pk
        assert "Spring (locked)" in response.content.decode()

    def test_without_categories_it_asks_for_one_first(
        self, client, teacher, classroom_subject, term
    ):
        client.force_login(teacher)
        response = client.get(subject_url("assessment_create", classroom_subject))
        page = response.content.decode()
        assert "Add a category first" in page
        assert 'name="title"' not in page

    def test_creating_an_assessment_goes_back_to_its_gradebook_term(
        self, client, teacher, classroom_subject, term, homework
    ):
        client.force_login(teacher)
        response = client.post(
            subject_url("assessment_create", classroom_subject),
            {
                "title": "Fractions quiz",
                "category": homework.pk,
                "term": term.pk,
                "max_points": "12,5",
                "due_on": str(SCHOOL.on(1, 20)),
            },
        )
        assert response.status_code == 302
        assert response.url == (
            reverse("gradebook", args=[classroom_subject.classroom_id])
            + f"?subject={classroom_subject.pk}&term={term.pk}"
        )
        assessment = Assessment.objects.get()
        assert (assessment.title, assessment.max_points, assessment.due_on) == (
            "Fractions quiz",
            Decimal("12.5"),
            SCHOOL.on(1, 20),
        )

    def test_add_and_start_another_keeps_the_term_and_category(
        self, client, teacher, classroom_subject, term, homework
    ):
        client.force_login(teacher)
        response = client.post(
            subject_url("assessment_create", classroom_subject),
            {
                "title": "Quiz 5",
                "category": homework.pk,
                "term": term.pk,
                "max_points": "10",
                "another": "1",
            },
        )
        assert response.url == subject_url(
            "assessment_create",
            classroom_subject,
            query=f"?term={term.pk}&category={homework.pk}",
        )
        response = client.get(response.url)
        assert response.context["form"]["category"].value() == homework.pk

    def test_a_locked_term_shows_its_message_at_the_term_field(
        self, client, teacher, classroom_subject, locked_term, homework
    ):
        client.force_login(teacher)
        response = client.post(
            subject_url("assessment_create", classroom_subject),
            {
                "title": "Late quiz",
                "category": homework.pk,
                "term": locked_term.pk,
                "max_points": "10",
            },
        )
        assert response.status_code == 422
        assert response.context["form"].errors == {
            "term": [
                "The term Spring is locked: its assessments cannot be added or changed."
            ]
        }
        assert 'value="Late quiz"' in response.content.decode()
        assert not Assessment.objects.exists()

    def test_editing_below_a_stored_score_is_refused_at_the_maximum_field(
        self, client, teacher, classroom_subject, student, term, homework, quiz
    ):
        graded(quiz, student, "18")
        client.force_login(teacher)
        url = subject_url("assessment_update", classroom_subject, quiz.pk)
        assert 'value="20"' in client.get(url).content.decode()
        response = client.post(
            url,
            {
                "title": "Quiz 1",
                "category": homework.pk,
                "term": term.pk,
                "max_points": "15",
            },
        )
        assert response.status_code == 422
        assert response.context["form"].errors == {
            "max_points": ["Maximum points cannot be below a stored score (18)."]
        }
        quiz.refresh_from_db()
        assert quiz.max_points == Decimal("20")

    def test_the_delete_page_deletes_an_assessment_without_scores(
        self, client, teacher, classroom_subject, quiz
    ):
        client.force_login(teacher)
        url = subject_url("assessment_delete", classroom_subject, quiz.pk)
        page = client.get(url).content.decode()
        assert "Deleting it removes it for good." in page
        response = client.post(url, follow=True)
        assert not Assessment.objects.filter(pk=quiz.pk).exists()
        assert "Assessment “Quiz 1” deleted." in response.content.decode()

    def test_the_delete_page_archives_an_assessment_with_scores(
        self, client, teacher, classroom_subject, student, quiz
    ):
        graded(quiz, student)
        client.force_login(teacher)
        url = subject_url("assessment_delete", classroom_subject, quiz.pk)
        page = client.get(url).content.decode()
        assert "it will be archived instead of deleted" in page
        assert "you can restore it at any time" in page
        response = client.post(url, follow=True)
        quiz.refresh_from_db()
        assert quiz.archived_at is not None
        assert "so it was archived" in response.content.decode()
        assert Score.objects.filter(assessment=quiz).count() == 1

    def test_the_archived_list_restores(
        self, client, teacher, classroom_subject, student, quiz
    ):
        graded(quiz, student)
        services.assessment_archive(actor=Actor(user=teacher), assessment=quiz)
        client.force_login(teacher)
        response = client.get(subject_url("assessments_archived", classroom_subject))
        assert response.context["assessments"] == [quiz]
        assert response.context["assessments"][0].score_count == 1
        restore = subject_url("assessment_restore", classroom_subject, quiz.pk)
        assert f'action="{restore}"' in response.content.decode()
        response = client.post(restore)
        assert response.status_code == 302
        quiz.refresh_from_db()
        assert quiz.archived_at is None

    def test_publishing_and_unpublishing(
        self, client, teacher, classroom_subject, quiz
    ):
        client.force_login(teacher)
        url = subject_url("assessment_publish", classroom_subject, quiz.pk)
        detail = subject_url("assessment_detail", classroom_subject, quiz.pk)
        response = client.post(url, {"publish": "1"})
        assert response.url == detail
        quiz.refresh_from_db()
        assert quiz.published_at is not None
        client.post(url, {"publish": "0"})
        quiz.refresh_from_db()
        assert quiz.published_at is None

    def test_publishing_needs_a_clear_choice(
        self, client, teacher, classroom_subject, quiz
    ):
        client.force_login(teacher)
        url = subject_url("assessment_publish", classroom_subject, quiz.pk)
        assert client.post(url, {"publish": "yes"}).status_code == 400
        quiz.refresh_from_db()
        assert quiz.published_at is None


# ---------------------------------------------------------------------------
# The per-assessment score page


def row_fields(student, text, original="", version="", comment="", loaded=""):
    pk = student.pk
    return {
        f"c-{pk}": text,
        f"o-{pk}": original,
        f"v-{pk}": str(version),
        f"m-{pk}": comment,
        f"mo-{pk}": loaded,
    }


class TestScorePage:
    def test_it_lists_every_student_with_withdrawn_ones_apart(
        self, client, teacher, classroom_subject, student, quiz
    ):
        leaver = factories.StudentFactory(full_name="Lucas Leaver")
        factories.EnrollmentFactory(
            student=leaver,
            classroom=classroom_subject.classroom,
            withdrawn_on=SCHOOL.on(1),
        )
        factories.ScoreFactory(
            assessment=quiz,
            student=student,
            points=Decimal("17.5"),
            comment="Well done",
        )
        client.force_login(teacher)
        response = client.get(
            subject_url("assessment_detail", classroom_subject, quiz.pk)
        )
        assert [row.student for row in response.context["rows"]] == [student]
        assert [row.student for row in response.context["withdrawn_rows"]] == [leaver]
        page = response.content.decode()
        assert f'name="c-{student.pk}" value="17.5"' in page
        assert "Well done</textarea>" in page
        assert f'<label for="m-{leaver.pk}"' in page
        assert response.context["average"] == Decimal("87.5")

    def test_it_saves_points_and_comments_with_audit_rows(
        self, client, teacher, classroom_subject, student, quiz
    ):
        other = add_students(classroom_subject.classroom, 1)[0]
        client.force_login(teacher)
        url = subject_url("assessment_detail", classroom_subject, quiz.pk)
        response = client.post(
            url,
            {
                **row_fields(student, "17,5", comment="Good\r\nwork "),
                **row_fields(other, "ex"),
            },
        )
        assert response.status_code == 302
        assert response.url == url
        score = Score.objects.get(student=student)
        assert (score.state, score.points, score.comment) == (
            ScoreState.GRADED,
            Decimal("17.5"),
            "Good\nwork",
        )
        assert Score.objects.get(student=other).state == ScoreState.EXCUSED
        change = GradeChange.objects.get(score=score)
        assert change.before is None
        assert change.after == {
            "state": "graded",
            "points": "17.50",
            "comment": "Good\nwork",
        }
        assert change.changed_by == teacher
        assert GradeChange.objects.count() == 2

    def test_an_error_saves_nothing_and_keeps_every_typed_value(
        self, client, teacher, classroom_subject, student, quiz
    ):
        other = add_students(classroom_subject.classroom, 1)[0]
        client.force_login(teacher)
        response = client.post(
            subject_url("assessment_detail", classroom_subject, quiz.pk),
            {
                **row_fields(student, "18", comment="Nice"),
                **row_fields(other, "25", comment="Check again"),
            },
        )
        assert response.status_code == 422
        assert not Score.objects.exists()
        assert not GradeChange.objects.exists()
        page = response.content.decode()
        assert f'name="c-{student.pk}" value="18"' in page
        assert f'name="c-{other.pk}" value="25"' in page
        assert "Nice</textarea>" in page
        assert "Check again</textarea>" in page
        assert "Nothing was saved." in page
        # The message sits next to its input and is tied to it.
        assert (
            f'aria-describedby="e-{other.pk} score-legend" aria-invalid="true"' in page
        )
        assert (
            f'<span class="score-error" id="e-{other.pk}">'
            "25 is more than the maximum of 20.</span>" in page
        )

    def test_a_comment_only_change_is_saved_and_audited(
        self, client, teacher, classroom_subject, student, quiz
    ):
        other = add_students(classroom_subject.classroom, 1)[0]
        scores_record(
            actor=Actor(user=teacher),
            classroom_subject=classroom_subject,
            changes=[
                CellChange(student.pk, quiz.pk, "14", None, "First try"),
                CellChange(other.pk, quiz.pk, "9", None, "Keep"),
            ],
        )
        client.force_login(teacher)
        response = client.post(
            subject_url("assessment_detail", classroom_subject, quiz.pk),
            {
                **row_fields(student, "14", "14", 1, "Second try", "First try"),
                **row_fields(other, "9", "9", 1, "Keep", "Keep"),
            },
        )
        assert response.status_code == 302
        score = Score.objects.get(student=student)
        assert (score.points, score.comment, score.version) == (
            Decimal("14"),
            "Second try",
            2,
        )
        assert Score.objects.get(student=other).version == 1
        change = GradeChange.objects.filter(score=score).order_by("pk").last()
        assert change.before["comment"] == "First try"
        assert change.after["comment"] == "Second try"
        assert GradeChange.objects.count() == 3

    def test_only_changed_rows_and_comments_are_sent(self, student, quiz):
        other = factories.StudentFactory()
        post = {
            **row_fields(student, "12", "10", 3, "Same", "Same"),
            **row_fields(other, "7", "7", 1, "New\r\n", "Old"),
        }
        assert score_changes(post, quiz.pk) == [
            CellChange(student.pk, quiz.pk, "12", 3, None),
            CellChange(other.pk, quiz.pk, "7", 1, "New"),
        ]

    def test_a_conflict_shows_the_value_saved_meanwhile(
        self, client, teacher, admin, classroom_subject, student, quiz
    ):
        scores_record(
            actor=Actor(user=admin),
            classroom_subject=classroom_subject,
            changes=[CellChange(student.pk, quiz.pk, "11", None)],
        )
        client.force_login(teacher)
        response = client.post(
            subject_url("assessment_detail", classroom_subject, quiz.pk),
            row_fields(student, "15"),
        )
        assert response.status_code == 422
        page = response.content.decode()
        assert "Now saved: 11 (by Ada Admin" in page
        # Saving again keeps the teacher's value: the version is the current one.
        assert f'name="v-{student.pk}" value="1"' in page

    def test_a_locked_term_saves_nothing(
        self, client, teacher, classroom_subject, student, quiz, term
    ):
        term.locked = True
        term.save()
        client.force_login(teacher)
        url = subject_url("assessment_detail", classroom_subject, quiz.pk)
        page = client.get(url).content.decode()
        assert "readonly" in page
        response = client.post(url, row_fields(student, "10"))
        assert response.status_code == 422
        assert "The term Autumn is locked" in response.content.decode()
        assert not Score.objects.exists()


# ---------------------------------------------------------------------------
# Query budgets


class TestQueryBudget:
    @pytest.mark.parametrize(("size", "category_count"), [(5, 2), (40, 8)])
    def test_the_categories_page_costs_the_same_queries_at_any_size(
        self,
        client,
        teacher,
        classroom_subject,
        term,
        django_assert_num_queries,
        size,
        category_count,
    ):
        students = add_students(classroom_subject.classroom, size)
        for index in range(category_count):
            category = factories.CategoryFactory(
                classroom_subject=classroom_subject, name=f"Category {index}"
            )
            for _ in range(3):
                assessment = factories.AssessmentFactory(
                    classroom_subject=classroom_subject, term=term, category=category
                )
                for student in students:
                    graded(assessment, student, "10")
        client.force_login(teacher)
        url = subject_url("gradebook_categories", classroom_subject)
        # user, classroom subject, categories with assessment counts,
        # archived assessments count
        with django_assert_num_queries(4):
            response = client.get(url)
        assert response.status_code == 200
        assert len(response.context["rows"]) == category_count

    @pytest.mark.parametrize("size", [5, 40])
    def test_the_score_page_costs_the_same_queries_at_any_size(
        self,
        client,
        teacher,
        classroom_subject,
        quiz,
        django_assert_num_queries,
        size,
    ):
        students = add_students(classroom_subject.classroom, size)
        for student in students:
            graded(quiz, student, "10")
        client.force_login(teacher)
        url = subject_url("assessment_detail", classroom_subject, quiz.pk)
        # user, classroom subject, assessment with term and category,
        # enrollments with students, scores
        with django_assert_num_queries(5):
            response = client.get(url)
        assert response.status_code == 200
        assert len(response.context["rows"]) == size


class TestAdminHistory:
    """Archiving, restoring and publishing show in the assessment's admin history."""

    def test_each_step_is_a_line_of_the_admin_history(self, teacher, student, quiz):
        factories.ScoreFactory(assessment=quiz, student=student)
        services.assessment_publish(actor=Actor(user=teacher), assessment=quiz)
        services.assessment_archive(actor=Actor(user=teacher), assessment=quiz)
        services.assessment_restore(actor=Actor(user=teacher), assessment=quiz)
        entries = AuditEvent.objects.filter(target_id=str(quiz.pk)).order_by("pk")
        assert [(e.actor_user, e.channel, e.code) for e in entries] == [
            (teacher, Channel.PAGE, "assessment_published"),
            (teacher, Channel.PAGE, "assessment_archived"),
            (teacher, Channel.PAGE, "assessment_restored"),
        ]

    def test_a_deletion_is_recorded_before_the_row_goes(self, teacher, quiz):
        object_id = str(quiz.pk)
        services.assessment_delete(actor=Actor(user=teacher), assessment=quiz)
        entry = AuditEvent.objects.get(target_id=object_id)
        assert (entry.code, entry.target_repr) == ("assessment_deleted", str(quiz))
