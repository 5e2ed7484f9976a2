"""The portal's main pages for each role, with the status each must answer.

Shared by the HTML validity test (Django's test client) and the accessibility tour
(a browser). URLs are filled in from the `school` fixture.
"""

from decimal import Decimal

import pytest

from tests import factories


@pytest.fixture
def school(classroom_subject, term, quiz, student, other_student, advisor):
    factories.ScoreFactory(assessment=quiz, student=student, points=Decimal("15"))
    return {
        "c": classroom_subject.classroom_id,
        "cs": classroom_subject.pk,
        "term": term.pk,
        "quiz": quiz.pk,
        "student": student.pk,
        "other_student": other_student.pk,
    }


PAGES = {
    None: [
        ("/accounts/login/", 200),
        ("/accounts/password/reset/", 200),
        ("/no-such-page/", 404),
    ],
    "student": [
        ("/report-card/", 200),
        ("/classrooms/", 200),
        ("/classrooms/{c}/", 200),
        ("/accounts/password/change/", 200),
        ("/students/{other_student}/report-card/", 404),
        ("/classrooms/{c}/gradebook/?subject={cs}&term={term}", 403),
    ],
    "teacher": [
        ("/classrooms/", 200),
        ("/classrooms/{c}/", 200),
        ("/classrooms/{c}/gradebook/?subject={cs}&term={term}", 200),
        ("/classrooms/{c}/subjects/{cs}/assessments/new/?term={term}", 200),
        ("/classrooms/{c}/subjects/{cs}/assessments/{quiz}/", 200),
        ("/classrooms/{c}/subjects/{cs}/categories/", 200),
        ("/classrooms/{c}/subjects/{cs}/terms/{term}/grades/", 200),
        ("/classrooms/{c}/subjects/{cs}/terms/{term}/report/", 200),
        ("/classrooms/{c}/gradebook/import/?subject={cs}&term={term}", 200),
        ("/classrooms/{c}/gradebook/scores/{quiz}/{student}/", 200),
        ("/students/{student}/report-card/", 200),
        ("/advisees/", 200),
    ],
    "other_teacher": [
        ("/classrooms/", 200),
        ("/classrooms/{c}/gradebook/?subject={cs}&term={term}", 404),
    ],
    "advisor": [
        ("/advisees/", 200),
        ("/students/{student}/report-card/", 200),
    ],
    "admin": [
        ("/school/", 200),
        ("/classrooms/", 200),
        ("/classrooms/{c}/", 200),
        ("/classrooms/{c}/gradebook/?subject={cs}&term={term}", 200),
        ("/admin/", 200),
        ("/admin/classrooms/classroom/add/", 200),
        ("/admin/classrooms/classroom/{c}/change/", 200),
        ("/admin/accounts/user/", 200),
    ],
}
