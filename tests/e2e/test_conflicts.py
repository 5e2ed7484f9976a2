"""Two people grade the same cell at once: one wins, the other loses nothing.

Only a subject's teacher and staff may grade it, so the second person here is the
school admin covering the class, each in a browser of their own.
"""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from grades.models import GradeChange, Score
from tests import factories
from tests.e2e.conftest import follow, log_in, visit

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_second_save_of_a_score_shows_both_values_and_keeps_the_typing(
    open_page, live_server, teacher, admin, password, classroom_subject, term, student
):
    quiz = factories.AssessmentFactory(
        classroom_subject=classroom_subject,
        term=term,
        title="Quiz 1",
        max_points=Decimal("20"),
    )
    factories.ScoreFactory(assessment=quiz, student=student, points=Decimal("10"))
    url = (
        f"{live_server.url}/classrooms/{classroom_subject.classroom_id}/gradebook/"
        f"?subject={classroom_subject.pk}&term={term.pk}"
    )
    name = "Student, Sofía Quiz 1"  # the grid's rows show the family name first

    first = open_page()
    log_in(first, live_server, teacher, password)
    visit(first, url)
    second = open_page()
    log_in(second, live_server, admin, password)
    visit(second, url)

    first_cell = first.get_by_role("textbox", name=name)
    first_cell.focus()
    first.keyboard.type("15")
    first.keyboard.press("Enter")
    expect(first.locator("td", has=first_cell)).to_have_attribute("data-state", "saved")

    second_cell = second.get_by_role("textbox", name=name)
    second_cell.focus()
    second.keyboard.type("12")
    second.keyboard.press("Enter")
    expect(second.locator("td", has=second_cell)).to_have_attribute(
        "data-state", "error"
    )
    # The one who lost sees the stored value and who saved it, with theirs kept.
    expect(second_cell).to_have_value("12")
    expect(second_cell).to_have_accessible_description(
        "Someone else changed this score after you loaded it. "
        "Now saved: 15 (by Tomás Teacher). Save again to keep yours."
    )
    score = Score.objects.get()
    assert (score.points, score.version, score.updated_by) == (Decimal(15), 2, teacher)

    follow(second, second.get_by_role("button", name="Save").click)
    score.refresh_from_db()
    assert (score.points, score.version, score.updated_by) == (Decimal(12), 3, admin)
    history = [
        (change.changed_by, change.before["points"], change.after["points"])
        for change in GradeChange.objects.filter(score=score).order_by("pk")
    ]
    assert history == [(teacher, "10.00", "15.00"), (admin, "15.00", "12.00")]
    expect(second.get_by_role("textbox", name=name)).to_have_value("12")
