from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from grades.models import ScoreState
from grades.reports import advisee_overview
from tests import factories
from tests.school_calendar import SCHOOL

pytestmark = pytest.mark.django_db

D = Decimal
URL = reverse("advisees")


def score(student, assessment, points=None, state=ScoreState.GRADED):
    return factories.ScoreFactory(
        student=student,
        assessment=assessment,
        state=state,
        points=None if points is None else D(points),
    )


def subject_with_exam(classroom, term, name):
    cs = factories.ClassroomSubjectFactory(
        classroom=classroom, subject=factories.SubjectFactory(name=name)
    )
    category = factories.CategoryFactory(classroom_subject=cs, name="Exams")
    exam = factories.AssessmentFactory(
        classroom_subject=cs,
        term=term,
        category=category,
        title=f"{name} exam",
        max_points=D("100"),
    )
    return cs, exam


@pytest.fixture
def advised(advisor, classroom, classroom_subject, term, student, quiz, exam):
    """The advisor's three advisees in 7A (Mathematics: Quiz 1 /20 and Exam /100).

    Sofía   Quiz 18, Exam 92            -> 110/120 = 91.7, on track
    Bruno   Quiz 8,  Exam missing       ->   8/120 =  6.7, low, 1 missing
    Carla   Quiz missing, Exam 100      -> 100/120 = 83.3, 1 missing
    """
    bruno = factories.StudentFactory(full_name="Bruno Bajo")
    carla = factories.StudentFactory(full_name="Carla Cero")
    for person in (bruno, carla):
        factories.EnrollmentFactory(student=person, classroom=classroom)
        factories.AdvisingFactory(teacher=advisor, student=person)
    score(student, quiz, "18")
    score(student, exam, "92")
    score(bruno, quiz, "8")
    score(bruno, exam, state=ScoreState.MISSING)
    score(carla, quiz, state=ScoreState.MISSING)
    score(carla, exam, "100")
    return {"Sofía": student, "Bruno": bruno, "Carla": carla}


class TestOverview:
    def test_students_needing_attention_come_first(self, advisor, advised):
        overview = advisee_overview(advisor)
        assert [line.student.full_name for line in overview.advisees] == [
            "Bruno Bajo",  # a low grade and missing work: two things to look at
            "Carla Cero",  # missing work
            "Sofía Student",  # on track
        ]
        assert overview.attention_count == 2

    def test_each_class_shows_the_running_grade_low_flag_and_missing_titles(
        self, advisor, advised, quiz, exam
    ):
        lines = {
            line.student.full_name: line.subjects[0]
            for line in advisee_overview(advisor).advisees
        }
        bruno, carla, sofia = (
            lines["Bruno Bajo"],
            lines["Carla Cero"],
            lines["Sofía Student"],
        )
        assert (bruno.running.percent, bruno.low, bruno.missing) == (
            D("6.7"),
            True,
            [exam],
        )
        assert (carla.running.percent, carla.low, carla.missing) == (
            D("83.3"),
            False,
            [quiz],
        )
        assert (sofia.running.percent, sofia.running.letter, sofia.low) == (
            D("91.7"),
            "A",
            False,
        )
        assert not sofia.is_published

    def test_a_published_grade_is_shown_as_published(
        self, client, advisor, advised, classroom_subject, term
    ):
        factories.TermGradeFactory(
            student=advised["Sofía"],
            classroom_subject=classroom_subject,
            term=term,
            computed=D("91.7"),
            published_percent=D("88.0"),
            published_letter="B",
            published_at=timezone.now(),
        )
        client.force_login(advisor)
        page = client.get(URL).content.decode()
        assert "88.0% B" in page
        assert "running now: 91.7%" in page  # changed since it was published
        assert "running, not yet published" in page  # the others' lines

    def test_every_class_of_the_current_year_is_listed(
        self, advisor, advised, classroom, term
    ):
        _history, history_exam = subject_with_exam(classroom, term, "History")
        score(advised["Sofía"], history_exam, "40")
        sofia = next(
            line
            for line in advisee_overview(advisor).advisees
            if line.student == advised["Sofía"]
        )
        assert [s.classroom_subject.subject.name for s in sofia.subjects] == [
            "History",
            "Mathematics",
        ]
        assert sofia.low_count == 1  # 40% in History

    def test_withdrawn_classes_and_past_years_are_left_out(
        self, advisor, advised, school_year
    ):
        last_year = factories.SchoolYearFactory(
            name=SCHOOL.shifted(-1).name,
            starts_on=SCHOOL.shifted(-1).year_start,
            ends_on=SCHOOL.shifted(-1).year_end,
        )
        old_term = factories.TermFactory(
            school_year=last_year,
            starts_on=SCHOOL.shifted(-1).year_start,
            ends_on=SCHOOL.shifted(-1).first_term_end,
        )
        old_class = factories.ClassroomFactory(name="6A", school_year=last_year)
        factories.EnrollmentFactory(student=advised["Sofía"], classroom=old_class)
        subject_with_exam(old_class, old_term, "Old Art")
        left = factories.ClassroomFactory(name="7C", school_year=school_year)
        factories.EnrollmentFactory(
            student=advised["Sofía"],
            classroom=left,
            withdrawn_on=SCHOOL.on(1),
        )
        subject_with_exam(left, old_term, "Left Music")
        overview = advisee_overview(advisor, today=SCHOOL.on(2, 15))
        sofia = next(
            line for line in overview.advisees if line.student == advised["Sofía"]
        )
        assert [s.classroom_subject.subject.name for s in sofia.subjects] == [
            "Mathematics"
        ]


class TestAccess:
    def test_anonymous_users_go_to_login(self, client):
        response = client.get(URL)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))

    def test_a_student_gets_403(self, client, student):
        client.force_login(student)
        assert client.get(URL).status_code == 403

    def test_a_teacher_with_no_advisees_sees_an_empty_state(
        self, client, teacher, advised
    ):
        client.force_login(teacher)
        response = client.get(URL)
        assert response.status_code == 200
        page = response.content.decode()
        assert "You have no advisees yet." in page
        assert "Bruno Bajo" not in page

    def test_staff_enter(self, client, admin):
        client.force_login(admin)
        assert client.get(URL).status_code == 200

    def test_an_advisor_sees_only_their_own_advisees(
        self, client, advisor, advised, other_teacher, other_student
    ):
        factories.AdvisingFactory(teacher=other_teacher, student=other_student)
        client.force_login(advisor)
        response = client.get(URL)
        assert response.status_code == 200
        page = response.content.decode()
        for name in ("Bruno Bajo", "Carla Cero", "Sofía Student"):
            assert name in page
        assert "Omar Other" not in page
        assert "Needs attention" in page
        assert page.count("<h1") == 1

    def test_it_refuses_post(self, client, advisor):
        client.force_login(advisor)
        assert client.post(URL).status_code == 405

    def test_teachers_see_the_link_students_do_not(self, client, advisor, student):
        client.force_login(advisor)
        assert f'href="{URL}"' in client.get(URL).content.decode()
        client.force_login(student)
        assert (
            f'href="{URL}"' not in client.get(reverse("report_card")).content.decode()
        )


class TestQueryBudget:
    @pytest.mark.parametrize("size", [2, 10])
    def test_the_page_costs_the_same_queries_at_any_size(
        self, client, advisor, school_year, term, django_assert_num_queries, size
    ):
        # Each advisee in two classrooms of two subjects each, three assessments per
        # subject: 2 * size classrooms, 4 * size classes, 12 * size assessments.
        for index in range(size):
            person = factories.StudentFactory()
            factories.AdvisingFactory(teacher=advisor, student=person)
            for room in range(2):
                classroom = factories.ClassroomFactory(
                    name=f"R{index}-{room}", school_year=school_year
                )
                factories.EnrollmentFactory(student=person, classroom=classroom)
                for subject in range(2):
                    cs, exam = subject_with_exam(
                        classroom, term, f"S{index}{room}{subject}"
                    )
                    score(person, exam, state=ScoreState.MISSING)
                    for extra in range(2):
                        item = factories.AssessmentFactory(
                            classroom_subject=cs, term=term, category=exam.category
                        )
                        score(person, item, str(extra * 10))
        client.force_login(advisor)
        # user (the session is cached); advising links with students; the current
        # school year; its terms; current enrollments; classroom subjects with
        # classroom, subject and teacher; categories; assessments of the term;
        # scores; term grades; grade bands
        with django_assert_num_queries(11):
            response = client.get(URL)
        assert response.status_code == 200
        overview = response.context["overview"]
        assert len(overview.advisees) == size
        assert all(len(line.subjects) == 4 for line in overview.advisees)
        assert all(line.missing_count == 4 for line in overview.advisees)
