"""One score's detail page: its current value and every recorded change."""

import pytest
from django.urls import reverse
from django.utils import timezone

from grades.models import GradeChange
from grades.services.scores import CellChange, scores_record
from school.audit import Actor
from tests import factories
from tests.grades.conftest import add_students
from tests.school_calendar import SCHOOL

pytestmark = pytest.mark.django_db


def history_url(classroom_subject, term, assessment, student):
    return (
        reverse(
            "score_history",
            args=[classroom_subject.classroom_id, assessment.pk, student.pk],
        )
        + f"?subject={classroom_subject.pk}&term={term.pk}"
    )


@pytest.fixture
def changed_three_times(teacher, admin, classroom_subject, student, quiz):
    """15 by the teacher, then 17.5 by staff with a reason, then EX with a comment."""
    scores_record(
        actor=Actor(user=teacher),
        classroom_subject=classroom_subject,
        changes=[CellChange(student.pk, quiz.pk, "15", None)],
    )
    scores_record(
        actor=Actor(user=admin),
        classroom_subject=classroom_subject,
        changes=[CellChange(student.pk, quiz.pk, "17,5", 1)],
        reason="Regraded after appeal",
    )
    scores_record(
        actor=Actor(user=teacher),
        classroom_subject=classroom_subject,
        changes=[CellChange(student.pk, quiz.pk, "ex", 2, comment="Was ill")],
    )
    return GradeChange.objects.filter(score__student=student).order_by("pk")


class TestScoreHistoryContent:
    def test_it_lists_every_change_newest_first_with_who_when_and_values(
        self,
        client,
        teacher,
        classroom_subject,
        term,
        student,
        quiz,
        changed_three_times,
    ):
        first, second, third = changed_three_times
        client.force_login(teacher)

        response = client.get(history_url(classroom_subject, term, quiz, student))

        assert response.status_code == 200
        history = response.context["history"]
        assert [line.change for line in history.changes] == [third, second, first]
        assert [(line.before, line.after) for line in history.changes] == [
            ("17.5", "EX"),
            ("15", "17.5"),
            (None, "15"),
        ]
        assert [line.change.changed_by.full_name for line in history.changes] == [
            "Tomás Teacher",
            "Ada Admin",
            "Tomás Teacher",
        ]
        assert history.changes[0].comment_changed
        assert not history.changes[1].comment_changed
        page = response.content.decode()
        assert page.count("<h1>") == 1
        assert "Quiz 1: Sofía Student" in page
        assert "17.5 → EX" in page
        assert "15 → 17.5" in page
        assert "no score</span> → 15" in page
        assert "Regraded after appeal" in page
        assert "Comment: “none” → “Was ill”" in page
        for change in changed_three_times:
            stamp = timezone.localtime(change.changed_at).isoformat()
            assert f'datetime="{stamp}"' in page

    def test_it_shows_the_current_value_version_and_last_saver(
        self,
        client,
        teacher,
        classroom_subject,
        term,
        student,
        quiz,
        changed_three_times,
    ):
        client.force_login(teacher)
        response = client.get(history_url(classroom_subject, term, quiz, student))
        history = response.context["history"]
        assert (history.text, history.score.version) == ("EX", 3)
        assert history.score.comment == "Was ill"
        page = " ".join(response.content.decode().split())
        assert '<th scope="row">Score</th><td>EX</td>' in page
        assert '<th scope="row">Version</th><td>3</td>' in page
        assert '<th scope="row">Last saved by</th><td>Tomás Teacher</td>' in page
        assert "Was ill" in page

    def test_a_score_never_saved_says_so(
        self, client, teacher, classroom_subject, term, student, quiz
    ):
        client.force_login(teacher)
        response = client.get(history_url(classroom_subject, term, quiz, student))
        assert response.status_code == 200
        assert response.context["history"].changes == []
        page = response.content.decode()
        assert "Not graded yet" in page
        assert "No change of this score has been recorded." in page

    def test_a_withdrawn_student_keeps_a_history(
        self, client, teacher, classroom_subject, term, quiz
    ):
        leaver = factories.StudentFactory(full_name="Lucas Leaver")
        factories.EnrollmentFactory(
            student=leaver,
            classroom=classroom_subject.classroom,
            withdrawn_on=SCHOOL.on(1),
        )
        client.force_login(teacher)
        response = client.get(history_url(classroom_subject, term, quiz, leaver))
        assert response.status_code == 200
        assert "left the class" in response.content.decode()

    def test_an_assessment_of_another_subject_is_404(
        self, client, teacher, classroom_subject, term, student
    ):
        science = factories.ClassroomSubjectFactory(
            classroom=classroom_subject.classroom, teacher=teacher
        )
        foreign = factories.AssessmentFactory(classroom_subject=science, term=term)
        client.force_login(teacher)
        response = client.get(history_url(classroom_subject, term, foreign, student))
        assert response.status_code == 404

    def test_a_student_outside_the_class_is_404(
        self, client, teacher, classroom_subject, term, quiz, other_student
    ):
        client.force_login(teacher)
        response = client.get(history_url(classroom_subject, term, quiz, other_student))
        assert response.status_code == 404

    @pytest.mark.parametrize("size", [5, 40])
    def test_its_query_count_does_not_grow_with_class_or_history(
        self,
        client,
        teacher,
        classroom_subject,
        term,
        quiz,
        size,
        django_assert_num_queries,
    ):
        students = add_students(classroom_subject.classroom, size)
        for version in range(size):
            scores_record(
                actor=Actor(user=teacher),
                classroom_subject=classroom_subject,
                changes=[
                    CellChange(s.pk, quiz.pk, str(version % 20), version or None)
                    for s in students
                ],
            )
        client.force_login(teacher)
        # user; the classroom subject (access); terms; the assessment with category
        # and term; the enrollment with its student; the score with its last
        # saver; its changes with who made them.
        with django_assert_num_queries(7):
            response = client.get(
                history_url(classroom_subject, term, quiz, students[-1])
            )
        assert len(response.context["history"].changes) == size


@pytest.fixture
def subject_teacher(classroom_subject):
    classroom_subject.teacher = factories.TeacherFactory(full_name="Sam Subject")
    classroom_subject.save()
    return classroom_subject.teacher


class TestScoreHistoryAccess:
    def test_anonymous_users_go_to_login(
        self, client, classroom_subject, term, student, quiz
    ):
        response = client.get(history_url(classroom_subject, term, quiz, student))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))

    @pytest.mark.parametrize("persona", ["other_teacher", "other_student", "advisor"])
    def test_outsiders_get_404(
        self, request, client, classroom_subject, term, student, quiz, persona
    ):
        client.force_login(request.getfixturevalue(persona))
        response = client.get(history_url(classroom_subject, term, quiz, student))
        assert response.status_code == 404

    def test_members_who_do_not_grade_it_get_403(
        self, client, classroom_subject, term, student, teacher, subject_teacher, quiz
    ):
        for member in [student, teacher]:  # teacher: homeroom, not this subject
            client.force_login(member)
            response = client.get(history_url(classroom_subject, term, quiz, student))
            assert response.status_code == 403

    @pytest.mark.parametrize("persona", ["subject_teacher", "admin"])
    def test_the_subject_teacher_and_staff_see_it(
        self, request, client, classroom_subject, term, student, quiz, persona
    ):
        client.force_login(request.getfixturevalue(persona))
        response = client.get(history_url(classroom_subject, term, quiz, student))
        assert response.status_code == 200

    def test_it_refuses_post(
        self, client, teacher, classroom_subject, term, student, quiz
    ):
        client.force_login(teacher)
        response = client.post(history_url(classroom_subject, term, quiz, student))
        assert response.status_code == 405


def test_the_per_assessment_page_links_each_saved_score_to_its_history(
    client, teacher, classroom_subject, term, student, quiz
):
    factories.ScoreFactory(assessment=quiz, student=student, points=12)
    client.force_login(teacher)
    page = client.get(
        reverse(
            "assessment_detail",
            args=[classroom_subject.classroom_id, classroom_subject.pk, quiz.pk],
        )
    ).content.decode()
    history = reverse(
        "score_history", args=[classroom_subject.classroom_id, quiz.pk, student.pk]
    )
    assert f'href="{history}?subject={classroom_subject.pk}&amp;term={term.pk}"' in page
