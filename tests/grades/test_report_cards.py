"""Report cards: who sees which lines, only published data, the overall average,
a fixed number of queries, and no caching."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from grades.models import ScoreState
from grades.report_cards import get_student_for_report_card, report_card
from tests import factories
from tests.school_calendar import SCHOOL

pytestmark = pytest.mark.django_db


@pytest.fixture
def subject_teacher(db):
    return factories.TeacherFactory(full_name="Sam Subject", email="sam@example.org")


@pytest.fixture
def history(classroom, subject_teacher):
    return factories.ClassroomSubjectFactory(
        classroom=classroom,
        subject=factories.SubjectFactory(name="History", code="HIST"),
        teacher=subject_teacher,
    )


@pytest.fixture
def published_math(student, classroom_subject, term):
    return factories.TermGradeFactory(
        student=student,
        classroom_subject=classroom_subject,
        term=term,
        computed=Decimal("91.0"),
        comment="Señal clara de progreso.",
        published_percent=Decimal("88.5"),
        published_letter="B+",
        published_at=timezone.now(),
    )


@pytest.fixture
def card_data(student, history, published_math, quiz, exam, term):
    """Math published (88.5, B+) with a published quiz; History not published.

    The exam is not published: neither it nor its score may show. History has a
    live (unpublished) term grade of 73.0 that must never show.
    """
    quiz.published_at = timezone.now()
    quiz.save()
    factories.ScoreFactory(assessment=quiz, student=student, points=Decimal("17"))
    factories.ScoreFactory(assessment=exam, student=student, points=Decimal("42"))
    factories.TermGradeFactory(
        student=student, classroom_subject=history, term=term, computed=Decimal("73.0")
    )
    return {"term": term}


def card_url(student, term=None):
    url = reverse("student_report_card", args=[student.pk])
    return f"{url}?term={term.pk}" if term else url


# ---------------------------------------------------------------------------
# Who sees it


class TestAccess:
    def test_the_student_sees_their_own_card_at_report_card(
        self, client, student, card_data
    ):
        client.force_login(student)
        response = client.get(reverse("report_card"))
        assert response.status_code == 200
        page = response.content.decode()
        assert "Sofía Student" in page
        assert "Mathematics" in page and "History" in page
        assert "Demo School" in page or response.context["SCHOOL_NAME"] in page

    def test_the_student_sees_their_own_card_by_id(self, client, student, card_data):
        client.force_login(student)
        assert client.get(card_url(student)).status_code == 200

    def test_another_student_gets_404(self, client, student, other_student, card_data):
        client.force_login(other_student)
        assert client.get(card_url(student)).status_code == 404

    def test_a_teacher_sees_only_the_lines_they_teach(
        self, client, student, subject_teacher, card_data
    ):
        client.force_login(subject_teacher)
        response = client.get(card_url(student))
        assert response.status_code == 200
        lines = response.context["card"].lines
        assert [line.subject_name for line in lines] == ["History"]
        assert "Mathematics" not in response.content.decode()
        assert "88.5" not in response.content.decode()

    def test_an_advisor_sees_every_line(self, client, student, advisor, card_data):
        client.force_login(advisor)
        response = client.get(card_url(student))
        assert response.status_code == 200
        names = [line.subject_name for line in response.context["card"].lines]
        assert names == ["History", "Mathematics"]

    def test_staff_see_every_line(self, client, student, admin, card_data):
        client.force_login(admin)
        response = client.get(card_url(student))
        assert response.status_code == 200
        assert len(response.context["card"].lines) == 2

    def test_an_outsider_teacher_gets_404(
        self, client, student, other_teacher, card_data
    ):
        client.force_login(other_teacher)
        assert client.get(card_url(student)).status_code == 404
        pdf = reverse("report_card_pdf", args=[student.pk, card_data["term"].pk])
        assert client.get(pdf).status_code == 404

    def test_a_non_student_id_gets_404(self, client, admin, teacher):
        client.force_login(admin)
        assert client.get(card_url(teacher)).status_code == 404

    def test_a_term_outside_the_students_years_gets_404(
        self, client, student, card_data
    ):
        year = factories.SchoolYearFactory(
            name=SCHOOL.shifted(4).name,
            starts_on=SCHOOL.shifted(4).year_start,
            ends_on=SCHOOL.shifted(4).year_end,
        )
        foreign = factories.TermFactory(
            school_year=year,
            starts_on=SCHOOL.shifted(4).year_start,
            ends_on=SCHOOL.shifted(4).first_term_end,
        )
        client.force_login(student)
        assert client.get(card_url(student, foreign)).status_code == 404
        pdf = reverse("report_card_pdf", args=[student.pk, foreign.pk])
        assert client.get(pdf).status_code == 404

    def test_anonymous_users_go_to_login(self, client, student):
        for url in (reverse("report_card"), card_url(student)):
            response = client.get(url)
            assert response.status_code == 302
            assert response.url == f"{reverse('login')}?next={url}"

    @pytest.mark.parametrize("persona", ["teacher", "admin"])
    def test_other_roles_get_403_at_my_report_card(self, request, client, persona):
        # Moved from tests/accounts/test_views.py (the placeholder page's tests).
        client.force_login(request.getfixturevalue(persona))
        assert client.get(reverse("report_card")).status_code == 403

    def test_the_selector_raises_404_for_outsiders(
        self, student, other_student, other_teacher
    ):
        from django.http import Http404

        for viewer in (other_student, other_teacher):
            with pytest.raises(Http404):
                get_student_for_report_card(viewer, student.pk)

    def test_it_sends_no_store(self, client, student, card_data):
        client.force_login(student)
        for url in (reverse("report_card"), card_url(student)):
            cache_control = client.get(url)["Cache-Control"]
            assert "no-store" in cache_control
            assert "private" in cache_control


# ---------------------------------------------------------------------------
# Only published data


class TestContents:
    def test_an_unpublished_line_says_not_yet_published(
        self, client, student, card_data
    ):
        client.force_login(student)
        response = client.get(reverse("report_card"))
        page = response.content.decode()
        history = next(
            line
            for line in response.context["card"].lines
            if line.subject_name == "History"
        )
        assert history.term_grade is None
        assert history.percent is None
        assert "Not yet published" in page
        assert "73.0" not in page and "73,0" not in page

    def test_it_shows_the_published_snapshot_not_the_live_grade(
        self, client, student, card_data
    ):
        client.force_login(student)
        page = client.get(reverse("report_card")).content.decode()
        assert "88.5%" in page
        assert "B+" in page
        assert "Señal clara de progreso." in page
        assert "Tomás Teacher" in page
        assert "91.0" not in page

    def test_it_lists_published_assessments_only(self, client, student, card_data):
        client.force_login(student)
        response = client.get(reverse("report_card"))
        page = response.content.decode()
        math = next(
            line
            for line in response.context["card"].lines
            if line.subject_name == "Mathematics"
        )
        assert [item.assessment.title for item in math.scores] == ["Quiz 1"]
        assert "Quiz 1" in page and "17 / 20" in page
        assert "Exam" not in page and "42 / " not in page
        assert "Homework" in page  # the category and its weight

    def test_archived_assessments_are_not_listed(self, student, quiz, card_data, admin):
        quiz.archived_at = timezone.now()
        quiz.save()
        card = report_card(student, card_data["term"], admin)
        assert all(not line.scores for line in card.lines)

    def test_excused_and_missing_show_as_ex_and_m(
        self, client, student, classroom_subject, term, homework
    ):
        for title, state in (
            ("Essay", ScoreState.EXCUSED),
            ("Lab", ScoreState.MISSING),
        ):
            item = factories.AssessmentFactory(
                classroom_subject=classroom_subject,
                term=term,
                category=homework,
                title=title,
                published_at=timezone.now(),
            )
            factories.ScoreFactory(
                assessment=item, student=student, state=state, points=None
            )
        client.force_login(student)
        page = client.get(reverse("report_card")).content.decode()
        assert ">EX</abbr>" in page
        assert ">M</abbr>" in page

    def test_the_overall_average_is_the_plain_mean_of_published_percents(
        self, student, classroom, classroom_subject, history, term, admin
    ):
        art = factories.ClassroomSubjectFactory(classroom=classroom)
        for subject, percent in ((classroom_subject, "80.0"), (history, "95.0")):
            factories.TermGradeFactory(
                student=student,
                classroom_subject=subject,
                term=term,
                published_percent=Decimal(percent),
                published_letter="B",
                published_at=timezone.now(),
            )
        # Unpublished: ignored, not counted as zero.
        factories.TermGradeFactory(
            student=student, classroom_subject=art, term=term, computed=Decimal("10")
        )
        card = report_card(student, term, admin)
        assert card.overall_average == Decimal("87.5")

    def test_no_overall_average_when_nothing_is_published(
        self, client, student, classroom_subject, term
    ):
        client.force_login(student)
        response = client.get(reverse("report_card"))
        assert response.context["card"].overall_average is None
        page = response.content.decode()
        assert "Overall average" not in page
        assert "No grade is published for this term yet." in page

    def test_a_teachers_average_covers_only_their_lines(
        self, student, subject_teacher, card_data
    ):
        viewer = get_student_for_report_card(subject_teacher, student.pk)
        card = report_card(viewer, card_data["term"], subject_teacher)
        assert not card.complete
        assert card.overall_average is None  # History is not published

    def test_a_withdrawn_enrollment_shows_for_the_terms_attended(
        self, student, other_classroom, term, admin
    ):
        enrollment = factories.EnrollmentFactory(
            student=student,
            classroom=other_classroom,
            withdrawn_on=SCHOOL.on(1, 15),
        )
        art = factories.ClassroomSubjectFactory(
            classroom=other_classroom,
            subject=factories.SubjectFactory(name="Art", code="ART"),
        )
        later = factories.TermFactory(
            school_year=term.school_year,
            name="Spring",
            starts_on=SCHOOL.second_term_start,
            ends_on=SCHOOL.year_end,
        )
        autumn = report_card(student, term, admin)
        art_line = next(line for line in autumn.lines if line.classroom_subject == art)
        assert art_line.withdrawn_on == enrollment.withdrawn_on
        spring = report_card(student, later, admin)
        assert art not in [line.classroom_subject for line in spring.lines]


# ---------------------------------------------------------------------------
# A fixed number of queries


def build_card(student, classroom, term, subjects, assessments):
    for index in range(subjects):
        subject = factories.ClassroomSubjectFactory(classroom=classroom)
        category = factories.CategoryFactory(classroom_subject=subject)
        for number in range(assessments):
            item = factories.AssessmentFactory(
                classroom_subject=subject,
                term=term,
                category=category,
                title=f"A{index}-{number}",
                published_at=timezone.now(),
            )
            factories.ScoreFactory(assessment=item, student=student)
        factories.TermGradeFactory(
            student=student,
            classroom_subject=subject,
            term=term,
            published_percent=Decimal("80.0"),
            published_letter="B",
            published_at=timezone.now(),
        )


@pytest.mark.parametrize(("subjects", "assessments"), [(2, 3), (6, 10)])
def test_the_selector_costs_the_same_queries_at_any_size(
    student, classroom, term, advisor, django_assert_num_queries, subjects, assessments
):
    build_card(student, classroom, term, subjects, assessments)
    # get_student_for_report_card: 1 (the student, annotated: advises / teaches)
    # report_card: enrollments, classroom subjects (+ subject, teacher, classroom),
    # published term grades, published assessments (+ category), the scores = 5
    with django_assert_num_queries(6):
        viewer_student = get_student_for_report_card(advisor, student.pk)
        card = report_card(viewer_student, term, advisor)
    assert len(card.lines) == subjects
    assert sum(len(line.scores) for line in card.lines) == subjects * assessments


@pytest.mark.parametrize(("subjects", "assessments"), [(2, 3), (6, 10)])
def test_the_page_costs_the_same_queries_at_any_size(
    client, student, classroom, term, django_assert_num_queries, subjects, assessments
):
    build_card(student, classroom, term, subjects, assessments)
    client.force_login(student)
    # the user (the session is read from the cache); terms of the student's years;
    # enrollments, classroom subjects, published term grades, published
    # assessments, scores
    with django_assert_num_queries(7):
        response = client.get(reverse("report_card") + f"?term={term.pk}")
    assert response.status_code == 200
    assert len(response.context["card"].lines) == subjects
