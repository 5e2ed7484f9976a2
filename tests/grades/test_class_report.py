from decimal import Decimal

import pytest
from django.urls import reverse

from grades.models import GradeBand, ScoreState
from grades.reports import class_report, passing_mark
from tests import factories
from tests.grades.conftest import add_students
from tests.school_calendar import SCHOOL

pytestmark = pytest.mark.django_db

D = Decimal


def report_url(classroom_subject, term):
    return reverse(
        "class_report",
        args=[classroom_subject.classroom_id, classroom_subject.pk, term.pk],
    )


def detail_url(classroom_subject, term, student):
    return reverse(
        "term_grade_detail",
        args=[
            classroom_subject.classroom_id,
            classroom_subject.pk,
            term.pk,
            student.pk,
        ],
    )


def enrol(classroom, name, **kwargs):
    student = factories.StudentFactory(full_name=name)
    factories.EnrollmentFactory(student=student, classroom=classroom, **kwargs)
    return student


def score(student, assessment, points=None, state=ScoreState.GRADED):
    return factories.ScoreFactory(
        student=student,
        assessment=assessment,
        state=state,
        points=None if points is None else D(points),
    )


@pytest.fixture
def small_class(classroom, classroom_subject, quiz, exam):
    """Six current students and one withdrawn, in one category (Homework).

    Quiz 1 is out of 20, Exam out of 100; "-" is no score (not graded yet).

        student  Quiz 1   Exam     term grade (counted points / counted max)
        Ann      18       95       113/120 = 94.2  A
        Ben      10       missing   10/120 =  8.3  F
        Cal      excused  70        70/100 = 70.0  C
        Dee      missing  -          0/20  =  0.0  F
        Eve      -        -        nothing counted: no grade
        Fay      missing  100      100/120 = 83.3  B
        Wes      20       -        withdrawn: not in the report
    """
    students = {
        name: enrol(classroom, name)
        for name in ("Ann Able", "Ben Brown", "Cal Cruz", "Dee Diaz", "Eve Evans")
    }
    students["Fay Fox"] = enrol(classroom, "Fay Fox")
    wes = enrol(classroom, "Wes West", withdrawn_on=SCHOOL.on(1))
    score(students["Ann Able"], quiz, "18")
    score(students["Ann Able"], exam, "95")
    score(students["Ben Brown"], quiz, "10")
    score(students["Ben Brown"], exam, state=ScoreState.MISSING)
    score(students["Cal Cruz"], quiz, state=ScoreState.EXCUSED)
    score(students["Cal Cruz"], exam, "70")
    score(students["Dee Diaz"], quiz, state=ScoreState.MISSING)
    score(students["Eve Evans"], quiz, state=ScoreState.BLANK)
    score(students["Fay Fox"], quiz, state=ScoreState.MISSING)
    score(students["Fay Fox"], exam, "100")
    score(wes, quiz, "20")
    return students


class TestStatistics:
    def test_each_assessment_has_hand_computed_statistics(
        self, classroom_subject, term, small_class, quiz, exam
    ):
        report = class_report(classroom_subject, term)
        lines = {line.assessment: line for line in report.assessments}
        # Quiz 1: 90, 50, 0 (Dee missing), 0 (Fay missing); Cal excused and
        # Eve not graded do not count; Wes has left.
        # mean 140/4 = 35.0; median (0+50)/2 = 25.0; min 0.0; max 90.0
        q = lines[quiz].stats
        assert (q.mean, q.median, q.minimum, q.maximum, q.count) == (
            D("35.0"),
            D("25.0"),
            D("0.0"),
            D("90.0"),
            4,
        )
        # Exam: 95, 0 (Ben missing), 70, 100; Dee and Eve have no score.
        # mean 265/4 = 66.25 -> 66.3 (half up); median (70+95)/2 = 82.5
        e = lines[exam].stats
        assert (e.mean, e.median, e.minimum, e.maximum, e.count) == (
            D("66.3"),
            D("82.5"),
            D("0.0"),
            D("100.0"),
            4,
        )

    def test_it_counts_scores_by_state_among_current_students(
        self, classroom_subject, term, small_class, quiz, exam
    ):
        report = class_report(classroom_subject, term)
        counts = {
            line.assessment: (line.graded, line.missing, line.excused, line.not_graded)
            for line in report.assessments
        }
        # Quiz 1: Ann, Ben graded; Dee, Fay missing; Cal excused; Eve blank.
        assert counts[quiz] == (2, 2, 1, 1)
        # Exam: Ann, Cal, Fay graded; Ben missing; Dee and Eve have no score row.
        assert counts[exam] == (3, 1, 0, 2)

    def test_the_subject_has_hand_computed_statistics_of_term_grades(
        self, classroom_subject, term, small_class
    ):
        report = class_report(classroom_subject, term)
        # Term grades 94.2, 8.3, 70.0, 0.0, 83.3 (Eve has none):
        # mean 255.8/5 = 51.16 -> 51.2; median 70.0; min 0.0; max 94.2
        stats = report.stats
        assert (stats.mean, stats.median, stats.minimum, stats.maximum) == (
            D("51.2"),
            D("70.0"),
            D("0.0"),
            D("94.2"),
        )
        assert stats.count == 5
        assert report.without_grade == 1
        assert [(b.letter, b.count) for b in report.bands] == [
            ("A", 1),
            ("B", 1),
            ("C", 1),
            ("D", 0),
            ("F", 2),
        ]
        assert dict(report.buckets) == {
            "0-9": 2,
            "10-19": 0,
            "20-29": 0,
            "30-39": 0,
            "40-49": 0,
            "50-59": 0,
            "60-69": 0,
            "70-79": 1,
            "80-89": 1,
            "90-100": 1,
        }

    def test_archived_assessments_and_other_terms_are_left_out(
        self, classroom_subject, term, small_class, quiz, homework, school_year
    ):
        factories.AssessmentFactory(
            classroom_subject=classroom_subject,
            term=term,
            category=homework,
            archived_at=SCHOOL.at(1, 1, hour=0),
        )
        spring = factories.TermFactory(
            school_year=school_year,
            starts_on=SCHOOL.second_term_start,
            ends_on=SCHOOL.year_end,
        )
        factories.AssessmentFactory(
            classroom_subject=classroom_subject, term=spring, category=homework
        )
        report = class_report(classroom_subject, term)
        assert [line.assessment.title for line in report.assessments] == [
            "Quiz 1",
            "Exam",
        ]


class TestAtRisk:
    def test_low_grades_and_missing_work_are_at_risk_lowest_first(
        self, classroom_subject, term, small_class, quiz, exam
    ):
        report = class_report(classroom_subject, term)
        assert report.passing == D("60")
        at_risk = [
            (item.student.full_name, item.grade.percent, item.missing)
            for item in report.at_risk
        ]
        assert at_risk == [
            ("Dee Diaz", D("0.0"), [quiz]),  # low and missing work
            ("Ben Brown", D("8.3"), [exam]),  # low and missing work
            ("Fay Fox", D("83.3"), [quiz]),  # a B, but missing work
        ]
        assert [item.low for item in report.at_risk] == [True, True, False]

    def test_an_override_counts_as_the_grade(
        self, classroom_subject, term, small_class
    ):
        factories.TermGradeFactory(
            student=small_class["Cal Cruz"],
            classroom_subject=classroom_subject,
            term=term,
            computed=D("70.0"),
            override=D("55.0"),
            override_reason="Project not handed in",
        )
        report = class_report(classroom_subject, term)
        assert "Cal Cruz" in [item.student.full_name for item in report.at_risk]

    def test_the_passing_mark_is_where_the_d_band_starts(self):
        bands = list(GradeBand.objects.values_list("letter", "min_percent"))
        assert passing_mark(bands) == D("60")
        assert passing_mark([("A", D("90")), ("D", D("65")), ("F", D("0"))]) == 65
        assert passing_mark([("P", D("50")), ("F", D("0"))]) == D("60")

    def test_a_higher_d_band_raises_the_passing_mark(
        self, classroom_subject, term, small_class
    ):
        GradeBand.objects.filter(letter="C").update(min_percent=D("75"))
        GradeBand.objects.filter(letter="D").update(min_percent=D("72"))
        report = class_report(classroom_subject, term)
        assert report.passing == D("72")
        assert "Cal Cruz" in [item.student.full_name for item in report.at_risk]


class TestPage:
    def test_it_shows_the_numbers_chart_and_links_to_students_at_risk(
        self, client, teacher, classroom_subject, term, small_class
    ):
        client.force_login(teacher)
        response = client.get(report_url(classroom_subject, term))
        assert response.status_code == 200
        page = response.content.decode()
        assert 'role="img"' in page
        assert "<title id=" in page
        assert "51.2%" in page  # the class mean, as text
        assert "a missing score counts as 0" in page
        for name in ("Dee Diaz", "Ben Brown", "Fay Fox"):
            assert detail_url(classroom_subject, term, small_class[name]) in page
        for name in ("Ann Able", "Cal Cruz", "Eve Evans"):
            assert detail_url(classroom_subject, term, small_class[name]) not in page
        assert page.count("<h1") == 1

    def test_the_gradebook_links_to_the_report(
        self, client, teacher, classroom_subject, term, quiz
    ):
        client.force_login(teacher)
        url = reverse("gradebook", args=[classroom_subject.classroom_id])
        response = client.get(url, {"subject": classroom_subject.pk, "term": term.pk})
        assert report_url(classroom_subject, term) in response.content.decode()

    def test_an_empty_term_shows_no_chart(
        self, client, teacher, classroom_subject, term
    ):
        client.force_login(teacher)
        response = client.get(report_url(classroom_subject, term))
        assert response.status_code == 200
        page = response.content.decode()
        assert "<svg" not in page
        assert "No assessments in this term yet." in page


# ---------------------------------------------------------------------------
# Who may enter


@pytest.fixture
def history(classroom):
    """A subject of `classroom` taught by someone other than its homeroom teacher."""
    return factories.ClassroomSubjectFactory(
        classroom=classroom,
        subject=factories.SubjectFactory(name="History"),
        teacher=factories.TeacherFactory(full_name="Sam Subject"),
    )


class TestAccess:
    def test_anonymous_users_go_to_login(self, client, classroom_subject, term):
        response = client.get(report_url(classroom_subject, term))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))

    @pytest.mark.parametrize(
        ("persona", "status"),
        [
            ("other_teacher", 404),  # no tie to the class
            ("other_student", 404),
            ("student", 403),  # in the class, but a student
            ("advisor", 404),  # advises a student, but no tie to the class itself
        ],
    )
    def test_who_may_not_enter(
        self, request, client, classroom_subject, term, student, persona, status
    ):
        client.force_login(request.getfixturevalue(persona))
        assert client.get(report_url(classroom_subject, term)).status_code == status

    def test_the_homeroom_teacher_of_another_subject_gets_403(
        self, client, teacher, history, term
    ):
        client.force_login(teacher)
        assert client.get(report_url(history, term)).status_code == 403

    @pytest.mark.parametrize("persona", ["teacher", "admin"])
    def test_the_subject_teacher_and_staff_enter(
        self, request, client, classroom_subject, term, student, persona
    ):
        client.force_login(request.getfixturevalue(persona))
        assert client.get(report_url(classroom_subject, term)).status_code == 200

    def test_it_refuses_post(self, client, teacher, classroom_subject, term):
        client.force_login(teacher)
        assert client.post(report_url(classroom_subject, term)).status_code == 405

    def test_a_term_of_another_school_year_is_404(
        self, client, teacher, classroom_subject
    ):
        other_year = factories.SchoolYearFactory(
            name=SCHOOL.shifted(-1).name,
            starts_on=SCHOOL.shifted(-1).year_start,
            ends_on=SCHOOL.shifted(-1).year_end,
        )
        old_term = factories.TermFactory(school_year=other_year)
        client.force_login(teacher)
        assert client.get(report_url(classroom_subject, old_term)).status_code == 404


# ---------------------------------------------------------------------------
# Query budgets


class TestQueryBudget:
    @pytest.mark.parametrize("size", [5, 40])
    def test_the_report_costs_the_same_queries_at_any_size(
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
        items = [
            factories.AssessmentFactory(
                classroom_subject=classroom_subject,
                term=term,
                category=homework,
                title=f"A{index}",
            )
            for index in range(3)
        ]
        for index, student in enumerate(students):
            for item in items:
                if index % 4 == 0:
                    score(student, item, state=ScoreState.MISSING)
                else:
                    score(student, item, str(index % 20))
        client.force_login(teacher)
        url = report_url(classroom_subject, term)
        # user (the session is cached); classroom subject; terms of the year;
        # current enrollments with students; grade bands; report version; then,
        # not cached yet: categories; assessments; scores; term grades
        with django_assert_num_queries(10):
            response = client.get(url)
        assert response.status_code == 200
        assert len(response.context["report"].students) == size
        # Cached: the statistics come from the cache, the rest is read again.
        with django_assert_num_queries(6):
            response = client.get(url)
        assert response.status_code == 200
        assert len(response.context["report"].students) == size
