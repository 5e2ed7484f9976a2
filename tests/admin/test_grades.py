"""Grades changed in the admin leave the usual trail; the change log is read-only."""

from decimal import Decimal

import pytest

from grades.models import GradeChange, Score, ScoreState
from tests.admin.conftest import admin_url

pytestmark = pytest.mark.django_db


def test_it_rejects_a_teacher_as_a_score_student(admin_client_, school, teacher):
    assessment = school["score"].assessment
    response = admin_client_.post(
        admin_url(Score, "add"),
        {
            "assessment": str(assessment.pk),
            "student": str(teacher.pk),
            "points": "10",
            "state": ScoreState.GRADED,
            "comment": "",
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["student"] == [
        "Choose a user with the student role."
    ]
    assert not Score.objects.filter(student=teacher).exists()


# ---------------------------------------------------------------------------
# Grades changed in the admin leave the usual trail


def score_post(score, **overrides):
    return {
        "points": str(score.points),
        "state": score.state,
        "comment": score.comment,
        **overrides,
    }


def test_a_score_changed_in_the_admin_is_versioned_and_audited(
    admin_client_, admin, school
):
    score = school["score"]
    response = admin_client_.post(
        admin_url(Score, "change", score.pk), score_post(score, points="18")
    )
    assert response.status_code == 302
    score.refresh_from_db()
    assert score.points == Decimal("18")
    assert score.version == 2
    assert score.updated_by == admin
    change = GradeChange.objects.filter(score=score).order_by("-pk").first()
    assert change.changed_by == admin
    assert change.channel == "admin"
    # The gradebook's snapshot: points as stored, with two decimals.
    assert change.before["points"] == "15.00"
    assert change.after["points"] == "18.00"
    assert change.request_id == response["X-Request-ID"]


def test_it_rejects_points_above_the_maximum_in_the_admin(admin_client_, school):
    score = school["score"]
    response = admin_client_.post(
        admin_url(Score, "change", score.pk), score_post(score, points="21")
    )
    assert response.status_code == 200
    # The gradebook's own check and message.
    assert "21 is more than the maximum of 20." in str(
        response.context["adminform"].form.errors["points"]
    )
    score.refresh_from_db()
    assert score.points == Decimal("15")


def test_it_refuses_grade_changes_in_a_locked_term(admin_client_, school):
    score = school["score"]
    term = score.assessment.term
    term.locked = True
    term.save()
    response = admin_client_.post(
        admin_url(Score, "change", score.pk), score_post(score, points="18")
    )
    assert response.status_code == 200
    assert "is locked" in str(response.context["adminform"].form.non_field_errors())
    score.refresh_from_db()
    assert (score.points, score.version) == (Decimal("15"), 1)


@pytest.mark.parametrize("staff_client", ["admin", "superuser"], indirect=True)
def test_the_grade_change_log_is_read_only_for_everyone(staff_client, school):
    change = GradeChange.objects.first()
    response = staff_client.get(admin_url(GradeChange, "change", change.pk))
    assert response.status_code == 200
    assert response.context["adminform"].form.fields == {}
    assert not response.context["has_change_permission"]
    posted = staff_client.post(
        admin_url(GradeChange, "change", change.pk), {"reason": "tampered"}
    )
    assert posted.status_code == 403
    deleted = staff_client.post(
        admin_url(GradeChange, "delete", change.pk), {"post": "yes"}
    )
    assert deleted.status_code == 403
    change.refresh_from_db()
    assert change.reason == ""
