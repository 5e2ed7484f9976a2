"""Cached report cards and class reports: a saved or published grade shows on the
next load, always; a cached card never carries a line to a viewer who may not see
it; the cache is really used."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from accounts.services import user_update
from classrooms import report_versions, structure
from classrooms.models import ReportVersion
from grades.models import GradeBand
from grades.services import scores as scores_service
from grades.services.assessments import assessment_publish
from grades.services.scores import CellChange, scores_record
from grades.services.term_grades import (
    TermGradeEdit,
    term_grades_publish,
    term_grades_update,
)
from school.audit import Actor
from tests import factories

pytestmark = pytest.mark.django_db

DEAD_REDIS = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {
            "SOCKET_CONNECT_TIMEOUT": 1,
            "SOCKET_TIMEOUT": 1,
            "IGNORE_EXCEPTIONS": True,
        },
    }
}


@pytest.fixture
def history(classroom, other_teacher):
    return factories.ClassroomSubjectFactory(
        classroom=classroom,
        subject=factories.SubjectFactory(name="History", code="HIST"),
        teacher=other_teacher,
    )


@pytest.fixture
def published_quiz(quiz, student, teacher):
    assessment_publish(actor=Actor(user=teacher), assessment=quiz)
    record(teacher, quiz, student, "12")
    return quiz


def record(teacher, assessment, student, text):
    score = assessment.scores.filter(student=student).first()
    scores_record(
        actor=Actor(user=teacher),
        classroom_subject=assessment.classroom_subject,
        changes=[
            CellChange(
                student.pk, assessment.pk, text, score.version if score else None
            )
        ],
    )


def publish(teacher, classroom_subject, term, student, override=None):
    if override is not None:
        term_grades_update(
            actor=Actor(user=teacher),
            classroom_subject=classroom_subject,
            term=term,
            changes=[
                TermGradeEdit(
                    student_id=student.pk,
                    override=Decimal(override),
                    override_reason="Reviewed",
                    comment="",
                )
            ],
        )
    term_grades_publish(
        actor=Actor(user=teacher),
        classroom_subject=classroom_subject,
        term=term,
        reason="x",
    )


def card(client, student, term):
    response = client.get(reverse("report_card"), {"term": term.pk})
    assert response.status_code == 200
    return response.context["card"]


def line_of(report_card, subject_name):
    return next(line for line in report_card.lines if line.subject_name == subject_name)


class TestReportCard:
    def test_a_saved_score_shows_on_the_next_load(
        self, client, teacher, student, term, published_quiz
    ):
        client.force_login(student)
        before = line_of(card(client, student, term), "Mathematics")
        assert [s.score.points for s in before.scores] == [Decimal("12")]
        page = client.get(reverse("report_card"), {"term": term.pk}).content.decode()
        assert "12 / 20" in page

        record(teacher, published_quiz, student, "19")
        after = line_of(card(client, student, term), "Mathematics")
        assert [s.score.points for s in after.scores] == [Decimal("19")]
        # The page itself, whose lines are cached as rendered HTML, too.
        html = client.get(reverse("report_card"), {"term": term.pk}).content.decode()
        assert "19 / 20" in html
        assert "12 / 20" not in html

    def test_a_publish_shows_on_the_next_load(
        self, client, teacher, student, term, classroom_subject, published_quiz
    ):
        client.force_login(student)
        assert not line_of(card(client, student, term), "Mathematics").is_published
        publish(teacher, classroom_subject, term, student, override="91")
        line = line_of(card(client, student, term), "Mathematics")
        assert line.is_published
        assert line.percent == Decimal("91.0")

    def test_an_assessment_published_later_shows_on_the_next_load(
        self, client, teacher, student, term, exam
    ):
        record(teacher, exam, student, "80")
        client.force_login(student)
        assert line_of(card(client, student, term), "Mathematics").scores == []
        assessment_publish(actor=Actor(user=teacher), assessment=exam)
        scores = line_of(card(client, student, term), "Mathematics").scores
        assert [s.assessment.pk for s in scores] == [exam.pk]

    def test_an_admin_edit_shows_on_the_next_load(
        self, client, admin, student, term, classroom_subject
    ):
        grade = factories.TermGradeFactory(
            student=student,
            classroom_subject=classroom_subject,
            term=term,
            computed=Decimal("70"),
            published_percent=Decimal("70"),
            published_letter="C-",
            published_at=timezone.now(),
        )
        client.force_login(student)
        assert line_of(card(client, student, term), "Mathematics").comment == ""
        client.force_login(admin)
        response = client.post(
            reverse("admin:grades_termgrade_change", args=[grade.pk]),
            {"override": "", "override_reason": "", "comment": "Steady work"},
        )
        assert response.status_code == 302
        client.force_login(student)
        line = line_of(card(client, student, term), "Mathematics")
        assert (line.letter, line.comment) == ("C-", "Steady work")

    def test_a_rolled_back_change_leaves_the_version_alone(
        self, monkeypatch, teacher, student, classroom_subject, published_quiz
    ):
        version = ReportVersion.objects.get(pk=classroom_subject.pk).version
        bumped = []

        def bump_then_fail(ids):
            report_versions.bump_classroom_subjects(ids)
            bumped.append(ReportVersion.objects.get(pk=classroom_subject.pk).version)
            raise RuntimeError("rolled back")

        # The service's own (durable) transaction fails after the bump.
        monkeypatch.setattr(
            scores_service,
            "report_versions",
            SimpleNamespace(bump_classroom_subjects=bump_then_fail),
        )
        with pytest.raises(RuntimeError):
            record(teacher, published_quiz, student, "3")
        assert bumped == [version + 1]
        assert ReportVersion.objects.get(pk=classroom_subject.pk).version == version

    def test_no_stale_card_after_the_cache_comes_back(
        self, client, settings, teacher, student, term, published_quiz
    ):
        working = settings.CACHES
        client.force_login(student)
        assert line_of(card(client, student, term), "Mathematics").scores[
            0
        ].score.points == Decimal("12")
        cached_keys = _report_card_keys()
        assert cached_keys

        settings.CACHES = DEAD_REDIS
        record(teacher, published_quiz, student, "18")
        during = line_of(card(client, student, term), "Mathematics")
        assert during.scores[0].score.points == Decimal("18")

        settings.CACHES = working
        # The card cached before the change is still there, under its old key...
        assert _report_card_keys() == cached_keys
        after = line_of(card(client, student, term), "Mathematics")
        # ...and is never served again.
        assert after.scores[0].score.points == Decimal("18")

    def test_a_cached_card_never_carries_another_teachers_line(
        self, client, teacher, other_teacher, student, term, classroom_subject, history
    ):
        for subject, percent in ((classroom_subject, "80"), (history, "60")):
            factories.TermGradeFactory(
                student=student,
                classroom_subject=subject,
                term=term,
                computed=Decimal(percent),
                published_percent=Decimal(percent),
                published_letter="B",
                published_at=timezone.now(),
            )
        url = reverse("student_report_card", args=[student.pk])
        client.force_login(student)  # caches the whole card
        whole = client.get(url, {"term": term.pk}).context["card"]
        assert [line.subject_name for line in whole.lines] == ["History", "Mathematics"]

        client.force_login(teacher)
        mine = client.get(url, {"term": term.pk})
        assert [line.subject_name for line in mine.context["card"].lines] == [
            "Mathematics"
        ]
        assert "History" not in mine.content.decode()
        client.force_login(other_teacher)
        theirs = client.get(url, {"term": term.pk}).context["card"]
        assert [line.subject_name for line in theirs.lines] == ["History"]
        assert len(_report_card_keys()) == 1

    def test_a_new_teacher_sees_the_line_at_once(
        self, client, other_teacher, student, term, classroom_subject
    ):
        factories.TermGradeFactory(
            student=student,
            classroom_subject=classroom_subject,
            term=term,
            computed=Decimal("80"),
            published_percent=Decimal("80"),
            published_letter="B",
            published_at=timezone.now(),
        )
        url = reverse("student_report_card", args=[student.pk])
        client.force_login(student)
        client.get(url, {"term": term.pk})
        classroom_subject.teacher = other_teacher
        classroom_subject.save()
        client.force_login(other_teacher)
        lines = client.get(url, {"term": term.pk}).context["card"].lines
        assert [line.subject_name for line in lines] == ["Mathematics"]

    def test_the_second_load_reads_no_grades(
        self, client, student, term, published_quiz, django_assert_num_queries
    ):
        client.force_login(student)
        card(client, student, term)
        # user (the session is cached); terms; enrollments; classroom subjects
        # with their versions: no term grade, assessment or score
        with django_assert_num_queries(4):
            card(client, student, term)

    def test_the_card_is_cached_once_as_its_lines_never_as_markup(
        self, client, student, term, published_quiz
    ):
        client.force_login(student)
        first = client.get(reverse("report_card"), {"term": term.pk})
        second = client.get(reverse("report_card"), {"term": term.pk})
        # One cache layer, the versioned lines: no rendered fragment is kept, so
        # no page can show markup rendered for another viewer or another version.
        assert len(_report_card_keys()) == 1
        assert not [key for key in _all_keys() if "template.cache" in key]
        assert published_quiz.title in first.content.decode()
        assert published_quiz.title in second.content.decode()


def _all_keys():
    if hasattr(cache, "keys"):
        return list(cache.keys("*"))
    return list(cache._cache)


def _report_card_keys():
    """Keys of cached report cards, on Redis or the local-memory cache."""
    if hasattr(cache, "keys"):
        return sorted(cache.keys("report-card:*"))
    return sorted(key for key in cache._cache if "report-card:" in key)


class TestClassReport:
    def url(self, classroom_subject, term):
        return reverse(
            "class_report",
            args=[classroom_subject.classroom_id, classroom_subject.pk, term.pk],
        )

    def test_a_saved_score_shows_on_the_next_load(
        self, client, teacher, student, term, classroom_subject, quiz
    ):
        record(teacher, quiz, student, "10")
        client.force_login(teacher)
        url = self.url(classroom_subject, term)
        first = client.get(url).context["report"].assessments[0].stats
        assert client.get(url).context["report"].assessments[0].stats == first
        record(teacher, quiz, student, "20")
        report = client.get(url).context["report"]
        assert report.assessments[0].stats != first
        assert report.assessments[0].stats.maximum == Decimal("100")

    def test_a_missing_mark_and_a_new_student_show_on_the_next_load(
        self, client, teacher, student, term, classroom_subject, quiz
    ):
        client.force_login(teacher)
        url = self.url(classroom_subject, term)
        assert client.get(url).context["report"].at_risk == []
        record(teacher, quiz, student, "M")
        at_risk = client.get(url).context["report"].at_risk
        assert [s.student.pk for s in at_risk] == [student.pk]
        assert [a.pk for a in at_risk[0].missing] == [quiz.pk]
        newcomer = factories.EnrollmentFactory(classroom=classroom_subject.classroom)
        students = client.get(url).context["report"].students
        assert newcomer.student_id in [s.student.pk for s in students]

    def test_grade_bands_changed_in_the_admin_show_on_the_next_load(
        self, client, teacher, student, term, classroom_subject, quiz
    ):
        record(teacher, quiz, student, "15")  # 75 %
        client.force_login(teacher)
        url = self.url(classroom_subject, term)
        before = client.get(url).context["report"].students[0].grade.letter
        band = GradeBand.objects.get(letter=before)
        band.letter = "Q"
        band.save()
        after = client.get(url).context["report"].students[0].grade.letter
        assert after == "Q"


class TestSchoolReport:
    def url(self, term):
        return reverse("school_report") + f"?term={term.pk}"

    def test_a_publish_a_new_teacher_and_a_renamed_class_show_on_the_next_load(
        self, client, admin, teacher, other_teacher, student, term, classroom_subject
    ):
        factories.TermGradeFactory(
            student=student,
            classroom_subject=classroom_subject,
            term=term,
            computed=Decimal("70"),
            published_percent=Decimal("70"),
            published_letter="C-",
            published_at=timezone.now(),
        )
        client.force_login(admin)
        report = client.get(self.url(term)).context["report"]
        assert report.school.count == 1
        assert [t.name for t in report.teachers] == [teacher.full_name]

        newcomer = factories.EnrollmentFactory(classroom=classroom_subject.classroom)
        publish(teacher, classroom_subject, term, newcomer.student, override="95")
        # The publish takes a new snapshot of the class: the newcomer's 95, and
        # Sofía (no score, no override) no longer has a published grade.
        school = client.get(self.url(term)).context["report"].school
        assert (school.count, school.total) == (1, Decimal("95"))

        # Through the services (the admin's path); a bare save() bumps nothing.
        classroom_subject.teacher = other_teacher
        structure.classroom_subject_save(
            actor=Actor(user=admin),
            classroom_subject=classroom_subject,
            fields=["teacher"],
        )
        report = client.get(self.url(term)).context["report"]
        assert [t.name for t in report.teachers] == [other_teacher.full_name]

        classroom = classroom_subject.classroom
        classroom.name = "7A bis"
        structure.classroom_save(
            actor=Actor(user=admin), classroom=classroom, fields=["name"]
        )
        report = client.get(self.url(term)).context["report"]
        assert [c.name for c in report.classrooms] == ["7A bis"]

    def test_a_renamed_teacher_shows_on_the_next_load(
        self, client, admin, teacher, student, term, classroom_subject
    ):
        # accounts bumps no report version: the key digests the teachers' names.
        factories.TermGradeFactory(
            student=student,
            classroom_subject=classroom_subject,
            term=term,
            computed=Decimal("70"),
            published_percent=Decimal("70"),
            published_letter="C-",
            published_at=timezone.now(),
        )
        client.force_login(admin)
        report = client.get(self.url(term)).context["report"]
        assert [t.name for t in report.teachers] == [teacher.full_name]
        versions = list(ReportVersion.objects.values_list("pk", "version"))

        user_update(
            actor=Actor(user=admin),
            user=teacher,
            changes={"given_name": "Renata", "family_name": "Nueva", "full_name": ""},
        )
        assert list(ReportVersion.objects.values_list("pk", "version")) == versions
        report = client.get(self.url(term)).context["report"]
        teacher.refresh_from_db()
        assert teacher.full_name != "" and "Renata" in teacher.full_name
        assert [t.name for t in report.teachers] == [teacher.full_name]
