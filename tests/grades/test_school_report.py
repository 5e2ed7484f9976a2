import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grades.models import GradeBand
from grades.school_report import school_report
from tests import factories
from tests.school_calendar import SCHOOL

pytestmark = pytest.mark.django_db

D = Decimal
PUBLISHED_AT = SCHOOL.at(2, 20)
REPORT_URL = reverse("school_report")
CSV_URL = reverse("school_report_csv")


def publish(classroom_subject, term, percent):
    """A published term grade of a new student."""
    return factories.TermGradeFactory(
        classroom_subject=classroom_subject,
        term=term,
        computed=D(percent),
        published_percent=D(percent),
        published_letter="X",
        published_at=PUBLISHED_AT,
    )


def read_csv(response):
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


@pytest.fixture
def spring(school_year):
    return factories.TermFactory(
        school_year=school_year,
        name="Spring",
        starts_on=SCHOOL.second_term_start,
        ends_on=SCHOOL.year_end,
    )


@pytest.fixture
def school(
    school_year, term, spring, classroom, classroom_subject, teacher, other_teacher
):
    """Three classes, five classroom subjects, ten published grades in Autumn.

        class  level  subject      teacher   published percents
        7A     7      Mathematics  Tomás     95.0, 60.0 (exactly passing), 59.9
        7A     7      History      Sam       80.0, 40.0
        7B     7      Mathematics  Olga      65.0
        8B     8      Mathematics  Olga      70.0, 50.5, 88.8, 100.0
        8B     8      History      Olga      nothing published

    Left out: an unpublished grade of 7A Mathematics (computed 10.0), a Spring
    grade of 8B Mathematics, and a subject of another school year.
    """
    maths = classroom_subject.subject
    history = factories.SubjectFactory(name="History", code="HIST")
    sam = factories.TeacherFactory(full_name="Sam Subject")
    seven_b = factories.ClassroomFactory(
        name="7B", grade_level=7, teacher=other_teacher, school_year=school_year
    )
    eight_b = factories.ClassroomFactory(
        name="8B", grade_level=8, teacher=other_teacher, school_year=school_year
    )
    history_7a = factories.ClassroomSubjectFactory(
        classroom=classroom, subject=history, teacher=sam
    )
    maths_7b = factories.ClassroomSubjectFactory(classroom=seven_b, subject=maths)
    maths_8b = factories.ClassroomSubjectFactory(classroom=eight_b, subject=maths)
    factories.ClassroomSubjectFactory(classroom=eight_b, subject=history)
    for percent in ("95.0", "60.0", "59.9"):
        publish(classroom_subject, term, percent)
    for percent in ("80.0", "40.0"):
        publish(history_7a, term, percent)
    publish(maths_7b, term, "65.0")
    for percent in ("70.0", "50.5", "88.8", "100.0"):
        publish(maths_8b, term, percent)

    factories.TermGradeFactory(
        classroom_subject=classroom_subject, term=term, computed=D("10.0")
    )
    publish(maths_8b, spring, "0.0")
    last_year = factories.SchoolYearFactory(
        name=SCHOOL.shifted(-1).name,
        starts_on=SCHOOL.shifted(-1).year_start,
        ends_on=SCHOOL.shifted(-1).year_end,
    )
    factories.ClassroomSubjectFactory(
        classroom=factories.ClassroomFactory(school_year=last_year, name="7A")
    )
    return {"7A": classroom, "7B": seven_b, "8B": eight_b, "Sam": sam}


def rows(groups):
    return [(g.name, g.count, g.mean, g.pass_rate, g.below) for g in groups]


class TestStatistics:
    def test_the_whole_school_has_hand_computed_totals(self, school, term):
        report = school_report(term)
        # 10 grades summing 709.2: mean 70.92 -> 70.9; 7 at 60 or more: 70.0%
        assert rows([report.school]) == [("Whole school", 10, D("70.9"), D("70.0"), 3)]
        assert report.passing == D("60")

    def test_grade_levels_have_hand_computed_statistics(self, school, term):
        report = school_report(term)
        # Grade 7: 95, 60, 59.9, 80, 40, 65 = 399.9 / 6 = 66.65 -> 66.7 (half up);
        # 4 of 6 pass = 66.66... -> 66.7. Grade 8: 309.3 / 4 = 77.325 -> 77.3.
        assert rows(report.grade_levels) == [
            ("Grade 7", 6, D("66.7"), D("66.7"), 2),
            ("Grade 8", 4, D("77.3"), D("75.0"), 1),
        ]
        assert [g.key for g in report.grade_levels] == [7, 8]

    def test_classrooms_have_hand_computed_statistics(self, school, term):
        report = school_report(term)
        # 7A: 334.9 / 5 = 66.98 -> 67.0; 3 of 5 pass (60.0 exactly passes).
        assert rows(report.classrooms) == [
            ("7A", 5, D("67.0"), D("60.0"), 2),
            ("7B", 1, D("65.0"), D("100.0"), 0),
            ("8B", 4, D("77.3"), D("75.0"), 1),
        ]
        assert [g.key for g in report.classrooms] == [
            school["7A"].pk,
            school["7B"].pk,
            school["8B"].pk,
        ]

    def test_subjects_have_hand_computed_statistics(self, school, term):
        report = school_report(term)
        # Mathematics: 214.9 + 65 + 309.3 = 589.2 / 8 = 73.65 -> 73.7; 6 of 8.
        assert rows(report.subjects) == [
            ("History", 2, D("60.0"), D("50.0"), 1),
            ("Mathematics", 8, D("73.7"), D("75.0"), 2),
        ]
        assert [g.code for g in report.subjects] == ["HIST", "MATH"]

    def test_teachers_are_those_of_each_classroom_subject(
        self, school, term, teacher, other_teacher
    ):
        report = school_report(term)
        # Olga teaches 7B and 8B Mathematics: 374.3 / 5 = 74.86 -> 74.9; 4 of 5.
        # Sam teaches History in Tomás's homeroom 7A.
        assert rows(report.teachers) == [
            ("Olga Other", 5, D("74.9"), D("80.0"), 1),
            ("Sam Subject", 2, D("60.0"), D("50.0"), 1),
            ("Tomás Teacher", 3, D("71.6"), D("66.7"), 1),
        ]
        assert [g.key for g in report.teachers] == [
            other_teacher.pk,
            school["Sam"].pk,
            teacher.pk,
        ]

    def test_coverage_counts_classroom_subjects_of_the_year(self, school, term):
        report = school_report(term)
        assert (report.subjects_total, report.subjects_published) == (5, 4)
        assert report.subjects_unpublished == 1

    def test_a_grade_of_a_class_of_another_year_still_counts(
        self, school, term, teacher
    ):
        old_year = factories.SchoolYearFactory(
            name=SCHOOL.shifted(-2).name,
            starts_on=SCHOOL.shifted(-2).year_start,
            ends_on=SCHOOL.shifted(-2).year_end,
        )
        old_class = factories.ClassroomFactory(
            school_year=old_year, name="6Z", grade_level=6, teacher=teacher
        )
        publish(factories.ClassroomSubjectFactory(classroom=old_class), term, "30.0")
        report = school_report(term)
        assert rows(report.grade_levels)[0] == ("Grade 6", 1, D("30.0"), D("0.0"), 1)
        assert report.school.count == 11
        # Coverage stays about the term's own school year.
        assert (report.subjects_total, report.subjects_published) == (5, 4)

    def test_another_term_counts_only_its_own_grades(self, school, spring):
        report = school_report(spring)
        assert rows([report.school]) == [("Whole school", 1, D("0.0"), D("0.0"), 1)]
        assert (report.subjects_total, report.subjects_published) == (5, 1)

    def test_a_grade_exactly_at_a_raised_passing_mark_passes(self, school, term):
        GradeBand.objects.filter(letter="C").update(min_percent=D("75"))
        GradeBand.objects.filter(letter="D").update(min_percent=D("65"))
        report = school_report(term)
        assert report.passing == D("65")
        # 95, 80, 65 (exactly), 70, 88.8, 100 pass; 60, 59.9, 40, 50.5 do not.
        assert rows([report.school]) == [("Whole school", 10, D("70.9"), D("60.0"), 4)]

    def test_with_nothing_published_there_is_no_mean_and_no_rate(
        self, term, classroom_subject
    ):
        factories.TermGradeFactory(classroom_subject=classroom_subject, term=term)
        report = school_report(term)
        assert rows([report.school]) == [("Whole school", 0, None, None, 0)]
        assert report.grade_levels == report.subjects == report.teachers == []
        assert (report.subjects_total, report.subjects_published) == (1, 0)


class TestPage:
    def test_it_shows_totals_charts_tables_and_links(
        self, client, admin, school, term, other_teacher
    ):
        client.force_login(admin)
        response = client.get(REPORT_URL)
        assert response.status_code == 200
        assert response.context["term"] == term
        page = response.content.decode()
        assert page.count("<h1") == 1
        assert page.count('role="img"') == 2
        assert "Mean percent by grade level, Autumn" in page
        assert "Pass rate by subject, Autumn" in page
        assert "70.9%" in page  # the school mean, as text
        assert "4 of 5 classroom subjects have published" in page
        assert "1 has not published anything yet." in page
        assert page.count('<th scope="col"') == 4 * 5
        for name in ("7A", "7B", "8B"):
            url = reverse("classroom_detail", args=[school[name].pk])
            assert f'<a href="{url}">{name}</a>' in page
        teacher_url = reverse("admin:accounts_user_change", args=[other_teacher.pk])
        assert teacher_url in page
        assert f"{CSV_URL}?term={term.pk}" in page

    def test_it_defaults_to_the_current_term_and_lists_the_years_terms(
        self, client, admin, school, term, spring
    ):
        client.force_login(admin)
        page = client.get(REPORT_URL).content.decode()
        assert f'href="{REPORT_URL}?term={term.pk}" aria-current="page"' in page
        assert f'href="{REPORT_URL}?term={spring.pk}">Spring' in page

    def test_the_term_chooser_shows_the_chosen_term(
        self, client, admin, school, spring
    ):
        client.force_login(admin)
        response = client.get(REPORT_URL, {"term": spring.pk})
        assert response.context["report"].school.count == 1
        page = response.content.decode()
        assert f'href="{REPORT_URL}?term={spring.pk}" aria-current="page"' in page

    def test_a_term_of_another_school_year_is_allowed(self, client, admin, school):
        old_year = factories.SchoolYearFactory(
            name=SCHOOL.shifted(-2).name,
            starts_on=SCHOOL.shifted(-2).year_start,
            ends_on=SCHOOL.shifted(-2).year_end,
        )
        old_term = factories.TermFactory(school_year=old_year, name="Old autumn")
        client.force_login(admin)
        response = client.get(REPORT_URL, {"term": old_term.pk})
        assert response.status_code == 200
        assert (
            f"Old autumn, school year {SCHOOL.shifted(-2).name}"
            in response.content.decode()
        )

    @pytest.mark.parametrize("url", [REPORT_URL, CSV_URL])
    @pytest.mark.parametrize("term_id", ["999999", "abc"])
    def test_an_unknown_term_is_404(self, client, admin, term, url, term_id):
        client.force_login(admin)
        assert client.get(url, {"term": term_id}).status_code == 404

    def test_with_nothing_published_it_says_so_without_charts(
        self, client, admin, term, classroom_subject
    ):
        client.force_login(admin)
        response = client.get(REPORT_URL)
        assert response.status_code == 200
        page = response.content.decode()
        assert "No term grades have been published for this term yet." in page
        assert "0 of 1 classroom subject has published" in page
        assert "<svg" not in page
        assert CSV_URL not in page

    def test_with_no_term_at_all_it_says_so(self, client, admin):
        client.force_login(admin)
        response = client.get(REPORT_URL)
        assert response.status_code == 200
        assert "No terms are set up yet." in response.content.decode()
        assert client.get(CSV_URL).status_code == 404

    @pytest.mark.parametrize("url", [REPORT_URL, CSV_URL])
    def test_responses_are_private_and_never_stored(self, client, admin, school, url):
        client.force_login(admin)
        response = client.get(url)
        assert response.status_code == 200
        cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
        assert {"private", "no-store"} <= cache_control

    def test_the_school_overview_links_to_the_report(self, client, admin, term):
        client.force_login(admin)
        page = client.get(reverse("school_overview")).content.decode()
        assert f'href="{REPORT_URL}"' in page


class TestCsv:
    def test_it_has_one_row_per_group_with_translated_headers(
        self, client, admin, school, term
    ):
        client.force_login(admin)
        response = client.get(CSV_URL, {"term": term.pk})
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"] == (
            f'attachment; filename="school-report-{SCHOOL.name}-Autumn.csv"'
        )
        assert read_csv(response) == [
            [
                "Group type",
                "Group",
                "Term",
                "Published grades",
                "Mean percent",
                "Pass rate",
                "Below passing",
            ],
            ["Whole school", "Whole school", "Autumn", "10", "70.9", "70.0", "3"],
            ["Grade level", "Grade 7", "Autumn", "6", "66.7", "66.7", "2"],
            ["Grade level", "Grade 8", "Autumn", "4", "77.3", "75.0", "1"],
            ["Classroom", "7A", "Autumn", "5", "67.0", "60.0", "2"],
            ["Classroom", "7B", "Autumn", "1", "65.0", "100.0", "0"],
            ["Classroom", "8B", "Autumn", "4", "77.3", "75.0", "1"],
            ["Subject", "History", "Autumn", "2", "60.0", "50.0", "1"],
            ["Subject", "Mathematics", "Autumn", "8", "73.7", "75.0", "2"],
            ["Teacher", "Olga Other", "Autumn", "5", "74.9", "80.0", "1"],
            ["Teacher", "Sam Subject", "Autumn", "2", "60.0", "50.0", "1"],
            ["Teacher", "Tomás Teacher", "Autumn", "3", "71.6", "66.7", "1"],
        ]

    def test_names_a_spreadsheet_would_run_are_neutralised(
        self, client, admin, school, term, school_year, other_teacher
    ):
        evil = factories.ClassroomFactory(
            name='=HYPERLINK("http://x","y")',
            grade_level=9,
            teacher=factories.TeacherFactory(full_name="@SUM(A1)"),
            school_year=school_year,
        )
        publish(
            factories.ClassroomSubjectFactory(
                classroom=evil,
                subject=factories.SubjectFactory(name="+Drama", code="DRA"),
            ),
            term,
            "55.0",
        )
        client.force_login(admin)
        names = [row[1] for row in read_csv(client.get(CSV_URL, {"term": term.pk}))]
        assert '\'=HYPERLINK("http://x","y")' in names
        assert "'@SUM(A1)" in names
        assert "'+Drama" in names
        assert not any(name.startswith(("=", "+", "-", "@")) for name in names)


class TestAccess:
    @pytest.mark.parametrize("url", [REPORT_URL, CSV_URL])
    def test_anonymous_users_go_to_login(self, client, term, url):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))

    @pytest.mark.parametrize("url", [REPORT_URL, CSV_URL])
    @pytest.mark.parametrize(
        "persona", ["student", "teacher", "other_teacher", "advisor"]
    )
    def test_students_and_teachers_are_refused(
        self, request, client, school, term, student, url, persona
    ):
        client.force_login(request.getfixturevalue(persona))
        assert client.get(url).status_code == 403

    @pytest.mark.parametrize("url", [REPORT_URL, CSV_URL])
    def test_staff_enter(self, client, admin, school, url):
        client.force_login(admin)
        assert client.get(url).status_code == 200

    @pytest.mark.parametrize("url", [REPORT_URL, CSV_URL])
    def test_it_refuses_post(self, client, admin, term, url):
        client.force_login(admin)
        assert client.post(url).status_code == 405


class TestQueryBudget:
    def build(self, school_year, term, classrooms, students):
        """`classrooms` classes over two grade levels, two subjects each, every
        student with a published grade in each and a score the report never reads.
        """
        subjects = [factories.SubjectFactory() for _ in range(2)]
        for index in range(classrooms):
            classroom = factories.ClassroomFactory(
                school_year=school_year, grade_level=7 + index % 2
            )
            for subject in subjects:
                classroom_subject = factories.ClassroomSubjectFactory(
                    classroom=classroom, subject=subject
                )
                assessment = factories.AssessmentFactory(
                    classroom_subject=classroom_subject, term=term
                )
                for number in range(students):
                    grade = publish(classroom_subject, term, f"{40 + number * 5}.0")
                    factories.ScoreFactory(assessment=assessment, student=grade.student)

    @pytest.mark.parametrize(
        ("classrooms", "students"),
        [(2, 3), (6, 10)],
    )
    @pytest.mark.parametrize("url", [REPORT_URL, CSV_URL])
    def test_it_costs_the_same_queries_at_any_size(
        self, client, admin, school_year, term, classrooms, students, url
    ):
        self.build(school_year, term, classrooms, students)
        client.force_login(admin)
        # user (the session is cached); current school year; its terms; grade
        # bands; report versions counted and summed; classroom subjects counted
        # per teacher, with the teacher's names;
        # then, not cached yet: published grades counted per classroom subject;
        # the classroom subjects with their classroom, subject and teacher
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        assert len(queries) == 8, [q["sql"] for q in queries]
        assert not any("grades_score" in q["sql"] for q in queries)
        with CaptureQueriesContext(connection) as cached:
            assert client.get(url).status_code == 200
        assert len(cached) == 6, [q["sql"] for q in cached]
        assert not any("grades_termgrade" in q["sql"] for q in cached)
        if url == REPORT_URL:
            report = response.context["report"]
            assert report.school.count == classrooms * students * 2
            assert len(report.classrooms) == classrooms
