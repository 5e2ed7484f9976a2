"""One write path: every grades service shows on the next cached report, and the
admin writes the gradebook's own audit rows through the same services."""

from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.urls import reverse

from classrooms.models import ReportVersion
from grades.models import Assessment, Category, GradeBand, GradeChange, Score, TermGrade
from grades.services import assessments as assessment_services
from grades.services import grade_bands as band_services
from grades.services.scores import CellChange, score_set, scores_record
from grades.services.term_grades import (
    TermGradeEdit,
    term_grades_publish,
    term_grades_update,
)
from school.audit import Actor, AuditEvent, Channel
from tests import factories
from tests.admin.conftest import admin_url

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------
# Every service: the next report card and class report show the change, with
# the cache left alone


@pytest.fixture
def gradebook(teacher, student, classroom_subject, term, homework, quiz, exam):
    """Quiz (published, 12/20) and exam (not published, 80/100) in Homework; a
    published Test (25/50) in Tests; an empty Projects category; an assessment
    without scores."""
    actor = Actor(user=teacher)
    tests = factories.CategoryFactory(
        classroom_subject=classroom_subject, name="Tests", weight=Decimal("60")
    )
    test = factories.AssessmentFactory(
        classroom_subject=classroom_subject,
        term=term,
        category=tests,
        title="Test",
        max_points=Decimal("50"),
    )
    empty = factories.CategoryFactory(
        classroom_subject=classroom_subject, name="Projects", weight=Decimal("10")
    )
    unscored = factories.AssessmentFactory(
        classroom_subject=classroom_subject,
        term=term,
        category=homework,
        title="Unscored",
        max_points=Decimal("10"),
    )
    assessment_services.assessment_publish(actor=actor, assessment=quiz)
    assessment_services.assessment_publish(actor=actor, assessment=test)
    scores_record(
        actor=actor,
        classroom_subject=classroom_subject,
        changes=[
            CellChange(student.pk, quiz.pk, "12", None),
            CellChange(student.pk, exam.pk, "80", None),
            CellChange(student.pk, test.pk, "25", None),
        ],
    )
    return {
        "actor": actor,
        "teacher": teacher,
        "student": student,
        "cs": classroom_subject,
        "term": term,
        "homework": homework,
        "tests": tests,
        "empty": empty,
        "quiz": quiz,
        "exam": exam,
        "test": test,
        "unscored": unscored,
    }


def class_summary(client, g):
    client.force_login(g["teacher"])
    url = reverse("class_report", args=[g["cs"].classroom_id, g["cs"].pk, g["term"].pk])
    report = client.get(url).context["report"]
    return (
        [
            (a.assessment.title, a.assessment.max_points, a.stats, a.graded)
            for a in report.assessments
        ],
        [
            (s.enrollment.student_id, s.grade.percent, s.grade.letter)
            for s in report.students
        ],
        [(band.letter, band.minimum, band.count) for band in report.bands],
    )


def card_summary(client, g):
    client.force_login(g["student"])
    response = client.get(reverse("report_card"), {"term": g["term"].pk})
    return [
        (
            line.subject_name,
            line.percent,
            line.letter,
            [(c.name, c.weight) for c in line.categories],
            [
                (s.assessment.title, s.score.points if s.score else None)
                for s in line.scores
            ],
        )
        for line in response.context["card"].lines
    ]


def score(g, assessment, text):
    current = Score.objects.filter(assessment=assessment, student=g["student"]).first()
    scores_record(
        actor=g["actor"],
        classroom_subject=g["cs"],
        changes=[
            CellChange(
                g["student"].pk, assessment.pk, text, current and current.version
            )
        ],
    )


def override(g, percent):
    term_grades_update(
        actor=g["actor"],
        classroom_subject=g["cs"],
        term=g["term"],
        changes=[TermGradeEdit(g["student"].pk, Decimal(percent), "Reviewed")],
    )


def staff(g):
    return Actor(user=factories.AdminFactory(), channel=Channel.ADMIN)


def update_assessment(g, assessment, **changes):
    values = {
        "term": assessment.term,
        "category": assessment.category,
        "title": assessment.title,
        "max_points": assessment.max_points,
        "due_on": assessment.due_on,
        **changes,
    }
    assessment_services.assessment_update(
        actor=g["actor"], assessment=assessment, **values
    )


def band_of_student(client, g):
    return class_summary(client, g)[1][0][2]


# (name, what to do before the reports are first read, the change, the reports
# that show it: "class", "card", both, or none, for a change no report shows)
CASES = [
    (
        "category_create",
        None,
        lambda g: assessment_services.category_create(
            actor=g["actor"], classroom_subject=g["cs"], name="Labs", weight=Decimal(5)
        ),
        (),
    ),
    (
        "category_update",
        None,
        lambda g: assessment_services.category_update(
            actor=g["actor"], category=g["homework"], name="Homework", weight=Decimal(5)
        ),
        ("class", "card"),
    ),
    (
        "category_delete",
        None,
        lambda g: assessment_services.category_delete(
            actor=g["actor"], category=g["empty"]
        ),
        (),
    ),
    (
        "assessment_create",
        None,
        lambda g: assessment_services.assessment_create(
            actor=g["actor"],
            classroom_subject=g["cs"],
            term=g["term"],
            category=g["homework"],
            title="New",
            max_points=Decimal(10),
            due_on=None,
        ),
        ("class",),
    ),
    (
        "assessment_update",
        None,
        lambda g: update_assessment(g, g["quiz"], title="Quiz one"),
        ("class", "card"),
    ),
    (
        "assessment_delete",
        None,
        lambda g: assessment_services.assessment_delete(
            actor=g["actor"], assessment=g["unscored"]
        ),
        ("class",),
    ),
    (
        "assessment_remove",
        None,
        lambda g: assessment_services.assessment_remove(
            actor=g["actor"], assessment=g["exam"]
        ),
        ("class",),
    ),
    (
        "assessment_archive",
        None,
        lambda g: assessment_services.assessment_archive(
            actor=g["actor"], assessment=g["test"]
        ),
        ("class", "card"),
    ),
    (
        "assessment_restore",
        lambda g: assessment_services.assessment_archive(
            actor=g["actor"], assessment=g["test"]
        ),
        lambda g: assessment_services.assessment_restore(
            actor=g["actor"], assessment=g["test"]
        ),
        ("class", "card"),
    ),
    (
        "assessment_publish",
        None,
        lambda g: assessment_services.assessment_publish(
            actor=g["actor"], assessment=g["exam"]
        ),
        ("card",),
    ),
    (
        "assessment_unpublish",
        None,
        lambda g: assessment_services.assessment_unpublish(
            actor=g["actor"], assessment=g["quiz"]
        ),
        ("card",),
    ),
    ("scores_record", None, lambda g: score(g, g["quiz"], "19"), ("class", "card")),
    (
        "score_set",
        None,
        lambda g: score_set(
            actor=staff(g),
            assessment=g["quiz"],
            student_id=g["student"].pk,
            state="graded",
            points=Decimal("3"),
            comment="",
            version=Score.objects.get(assessment=g["quiz"]).version,
        ),
        ("class", "card"),
    ),
    ("term_grades_update", None, lambda g: override(g, "97"), ("class",)),
    (
        "term_grades_publish",
        None,
        lambda g: term_grades_publish(
            actor=g["actor"], classroom_subject=g["cs"], term=g["term"]
        ),
        ("card",),
    ),
    (
        "grade_band_create",
        None,
        lambda g: band_services.grade_band_create(
            actor=staff(g), letter="A+", min_percent=Decimal("97")
        ),
        ("class",),
    ),
    (
        "grade_band_update",
        None,
        lambda g: band_services.grade_band_update(
            actor=staff(g),
            band=GradeBand.objects.get(letter="C"),
            letter="Q",
            min_percent=GradeBand.objects.get(letter="C").min_percent,
        ),
        ("class",),
    ),
    (
        "grade_band_delete",
        None,
        lambda g: band_services.grade_band_delete(
            actor=staff(g), band=GradeBand.objects.get(letter="A")
        ),
        ("class",),
    ),
]


@pytest.mark.parametrize(
    ("prepare", "change", "shown_on"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_every_service_shows_on_the_next_report_without_clearing_the_cache(
    client, gradebook, prepare, change, shown_on
):
    g = gradebook
    if prepare:
        prepare(g)
    before = (class_summary(client, g), card_summary(client, g))
    # Read again: served from the cache, unchanged.
    assert (class_summary(client, g), card_summary(client, g)) == before
    version = ReportVersion.objects.get(pk=g["cs"].pk).version

    change(g)

    after = (class_summary(client, g), card_summary(client, g))
    cache.clear()
    fresh = (class_summary(client, g), card_summary(client, g))
    assert after == fresh
    assert (after[0] != before[0]) == ("class" in shown_on)
    assert (after[1] != before[1]) == ("card" in shown_on)
    if not GradeBand.objects.filter(letter__in=["A+", "Q"]).exists() and (
        GradeBand.objects.filter(letter="A").exists()
    ):
        # Bands reach the keys as a digest; everything else bumps the version.
        assert ReportVersion.objects.get(pk=g["cs"].pk).version > version


# ---------------------------------------------------------------------------
# The admin writes the gradebook's audit rows


@pytest.fixture
def staff_client(client, admin):
    client.force_login(admin)
    return client


def last_change(**target):
    return GradeChange.objects.filter(**target).order_by("-pk").first()


def test_an_admin_score_edit_writes_the_gradebooks_grade_change(
    staff_client, admin, gradebook
):
    g = gradebook
    stored = Score.objects.get(assessment=g["quiz"], student=g["student"])
    score(g, g["quiz"], "14")
    from_gradebook = last_change(score=stored)

    response = staff_client.post(
        admin_url(Score, "change", stored.pk),
        {"points": "17.5", "state": "graded", "comment": "Re-marked"},
    )
    assert response.status_code == 302
    from_admin = last_change(score=stored)
    assert from_admin.pk != from_gradebook.pk
    assert from_admin.before.keys() == from_gradebook.before.keys()
    assert from_admin.after.keys() == from_gradebook.after.keys()
    assert from_admin.before == from_gradebook.after
    assert from_admin.after == {
        "state": "graded",
        "points": "17.50",
        "comment": "Re-marked",
    }
    assert (from_admin.changed_by, from_admin.channel) == (admin, Channel.ADMIN)
    assert (from_gradebook.changed_by, from_gradebook.channel) == (
        g["teacher"],
        Channel.PAGE,
    )
    assert from_admin.reason == "Changed in the admin"
    assert from_admin.request_id == response["X-Request-ID"]
    stored.refresh_from_db()
    assert (stored.version, stored.updated_by) == (3, admin)
    # The admin does not log it a second time.
    assert not AuditEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(Score), target_id=str(stored.pk)
    ).exists()


def test_an_admin_term_grade_edit_writes_the_gradebooks_grade_change(
    staff_client, admin, gradebook
):
    g = gradebook
    override(g, "88")
    line = TermGrade.objects.get(student=g["student"], classroom_subject=g["cs"])
    term_grades_update(
        actor=g["actor"],
        classroom_subject=g["cs"],
        term=g["term"],
        changes=[TermGradeEdit(g["student"].pk, Decimal("89"), "Reviewed again")],
    )
    from_gradebook = last_change(term_grade=line)

    response = staff_client.post(
        admin_url(TermGrade, "change", line.pk),
        {"override": "91.5", "override_reason": "Appeal", "comment": "Well done"},
    )
    assert response.status_code == 302
    from_admin = last_change(term_grade=line)
    assert from_admin.pk != from_gradebook.pk
    assert from_admin.before.keys() == from_gradebook.before.keys()
    assert from_admin.after.keys() == from_gradebook.after.keys()
    assert from_admin.before == from_gradebook.after
    assert from_admin.after["override"] == "91.5"
    assert from_admin.after["override_reason"] == "Appeal"
    assert from_admin.after["comment"] == "Well done"
    assert (from_admin.changed_by, from_admin.channel) == (admin, Channel.ADMIN)
    assert from_admin.reason == "Changed in the admin"
    assert from_gradebook.reason == "Reviewed again"


def test_an_admin_term_grade_edit_shows_on_the_next_class_report(
    client, admin, gradebook
):
    g = gradebook
    override(g, "88")
    line = TermGrade.objects.get(student=g["student"], classroom_subject=g["cs"])
    assert class_summary(client, g)[1][0][1] == Decimal("88.0")
    client.force_login(admin)
    client.post(
        admin_url(TermGrade, "change", line.pk),
        {"override": "61", "override_reason": "Appeal", "comment": ""},
    )
    assert class_summary(client, g)[1][0][1] == Decimal("61.0")


def test_scores_and_term_grades_are_not_deleted_in_the_admin(staff_client, gradebook):
    stored = Score.objects.get(assessment=gradebook["quiz"])
    response = staff_client.post(admin_url(Score, "delete", stored.pk), {"post": "yes"})
    assert response.status_code == 403
    assert Score.objects.filter(pk=stored.pk).exists()


# ---------------------------------------------------------------------------
# The services' refusals show as form errors in the admin


def form_errors(response):
    assert response.status_code == 200
    return response.context["adminform"].form.errors


def test_a_score_for_a_student_outside_the_class_is_a_form_error(
    staff_client, gradebook, other_student
):
    response = staff_client.post(
        admin_url(Score, "add"),
        {
            "assessment": str(gradebook["quiz"].pk),
            "student": str(other_student.pk),
            "points": "10",
            "state": "graded",
            "comment": "",
        },
    )
    assert "not in this class" in str(form_errors(response))
    assert not Score.objects.filter(student=other_student).exists()


def test_a_score_of_an_archived_assessment_is_a_form_error(staff_client, gradebook):
    g = gradebook
    assessment_services.assessment_archive(actor=g["actor"], assessment=g["test"])
    stored = Score.objects.get(assessment=g["test"])
    response = staff_client.post(
        admin_url(Score, "change", stored.pk),
        {"points": "30", "state": "graded", "comment": ""},
    )
    assert "no longer in this gradebook" in str(form_errors(response))
    stored.refresh_from_db()
    assert stored.points == Decimal("25")


def test_a_term_grade_of_a_student_who_left_is_a_form_error(
    staff_client, gradebook, student
):
    g = gradebook
    override(g, "70")
    line = TermGrade.objects.get(student=student)
    student.enrollments.update(withdrawn_on=g["term"].starts_on)
    response = staff_client.post(
        admin_url(TermGrade, "change", line.pk),
        {"override": "75", "override_reason": "Appeal", "comment": ""},
    )
    assert "not in this class now" in str(form_errors(response))
    line.refresh_from_db()
    assert line.override == Decimal("70")


def test_a_duplicate_category_name_is_a_form_error(staff_client, gradebook):
    response = staff_client.post(
        admin_url(Category, "add"),
        {
            "classroom_subject": str(gradebook["cs"].pk),
            "name": "homework",
            "weight": "10",
        },
    )
    assert "already has a category with this name" in str(form_errors(response)["name"])
    assert Category.objects.filter(name__iexact="homework").count() == 1


def test_an_assessment_of_a_locked_term_is_a_form_error(staff_client, gradebook):
    g = gradebook
    g["term"].locked = True
    g["term"].save()
    response = staff_client.post(
        admin_url(Assessment, "change", g["quiz"].pk),
        {
            "term": str(g["term"].pk),
            "category": str(g["homework"].pk),
            "title": "Renamed",
            "max_points": "20",
            "due_on": "",
        },
    )
    assert "is locked" in str(form_errors(response)["term"])
    g["quiz"].refresh_from_db()
    assert g["quiz"].title == "Quiz 1"


def test_the_admin_adds_changes_and_deletes_a_category_through_its_services(
    client, staff_client, admin, gradebook
):
    g = gradebook
    response = staff_client.post(
        admin_url(Category, "add"),
        {"classroom_subject": str(g["cs"].pk), "name": "Labs", "weight": "15"},
    )
    assert response.status_code == 302
    labs = Category.objects.get(name="Labs")
    response = staff_client.post(
        admin_url(Category, "change", labs.pk), {"name": "Labs", "weight": "20"}
    )
    assert response.status_code == 302
    # Deleting is a superuser's (the School admin group may not).
    superuser = factories.AdminFactory(is_superuser=True)
    client.force_login(superuser)
    response = client.post(admin_url(Category, "delete", labs.pk), {"post": "1"})
    assert response.status_code == 302
    assert not Category.objects.filter(pk=labs.pk).exists()
    events = AuditEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(Category),
        target_id=str(labs.pk),
    ).order_by("pk")
    assert [(e.code, e.channel, e.actor_user) for e in events] == [
        ("added", Channel.ADMIN, admin),
        ("changed", Channel.ADMIN, admin),
        ("deleted", Channel.ADMIN, superuser),
    ]


def test_a_refusal_seen_only_under_the_lock_is_a_message_and_changes_nothing(
    monkeypatch, staff_client, gradebook
):
    # Another save in between the form's check and the service's: the form's
    # check passes, the service refuses.
    monkeypatch.setattr(
        "grades.admin.assessment_services.category_problems", lambda **kw: {}
    )
    response = staff_client.post(
        admin_url(Category, "add"),
        {
            "classroom_subject": str(gradebook["cs"].pk),
            "name": "HOMEWORK",
            "weight": "10",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "already has a category with this name" in response.content.decode()
    assert Category.objects.filter(name__iexact="homework").count() == 1
