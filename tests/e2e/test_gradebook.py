"""A teacher in a hurry: keyboard only, in a real browser, against a live server."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from grades.models import Assessment, Score, TermGrade
from tests import factories
from tests.e2e.conftest import audit, follow, log_in, visit

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def class_of_30(classroom_subject, term, homework):
    return [
        factories.EnrollmentFactory(
            classroom=classroom_subject.classroom,
            student=factories.StudentFactory(full_name=f"Student {n:02d}"),
        ).student
        for n in range(30)
    ]


def grid_url(live_server, classroom_subject, term):
    return (
        f"{live_server.url}/classrooms/{classroom_subject.classroom_id}/gradebook/"
        f"?subject={classroom_subject.pk}&term={term.pk}"
    )


def test_a_teacher_grades_a_new_assessment_by_keyboard_and_publishes_the_term(
    page, live_server, teacher, password, classroom_subject, term, class_of_30
):
    log_in(page, live_server, teacher, password)
    follow(page, page.get_by_role("link", name="7A").first.click)
    follow(page, page.get_by_role("link", name="Gradebook").click)
    follow(page, page.get_by_role("link", name="New assessment").click)
    page.get_by_label("Title").fill("Fractions test")
    page.get_by_label("Maximum points").fill("100")
    follow(page, lambda: page.get_by_label("Maximum points").press("Enter"))
    assessment = Assessment.objects.get(title="Fractions test")

    def cell(student):
        name = f"{student.sorting_name} Fractions test"
        return page.get_by_role("textbox", name=name)

    cell(class_of_30[0]).focus()
    typed = {}
    for index, student in enumerate(class_of_30):
        value = "105" if index == 7 else str(60 + index)
        typed[student.pk] = value
        page.keyboard.type(value)
        page.keyboard.press("Enter")

    bad = cell(class_of_30[7])
    expect(bad).to_have_accessible_description("105 is more than the maximum of 100.")
    expect(bad).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#gradebook-status")).to_have_text(
        "Not saved: 1 cell needs your attention."
    )
    for student in class_of_30:
        expect(cell(student)).to_have_value(typed[student.pk])
    audit(page)

    bad.focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("97")
    page.get_by_role("button", name="Save").focus()
    follow(page, lambda: page.keyboard.press("Enter"))
    expect(page.get_by_role("status").first).to_be_visible()

    stored = {
        score.student_id: score.points
        for score in Score.objects.filter(assessment=assessment)
    }
    expected = {pk: Decimal(value) for pk, value in typed.items()}
    expected[class_of_30[7].pk] = Decimal("97")
    assert stored == expected
    row = page.get_by_role("row", name=re.compile(r"^00, Student\b"))
    expect(row.locator(".grid__total")).to_contain_text(re.compile(r"60[.,]0\s*%"))

    follow(page, page.get_by_role("link", name="Term grades and publishing").click)
    publish = page.get_by_role("button", name="Publish term grades")
    publish.focus()
    follow(page, lambda: page.keyboard.press("Enter"))
    published = TermGrade.objects.filter(
        classroom_subject=classroom_subject, term=term, published_at__isnull=False
    )
    assert published.count() == 30
    assert published.get(student=class_of_30[7]).published_percent == Decimal("97.0")


def test_the_grid_is_a_labelled_table_whose_cells_name_student_and_assessment(
    page, live_server, teacher, password, classroom_subject, term, student, quiz
):
    log_in(page, live_server, teacher, password)
    visit(page, grid_url(live_server, classroom_subject, term))
    table = page.get_by_role("table", name="Scores in Mathematics, Autumn")
    expect(table).to_be_visible()
    expect(table.get_by_role("columnheader", name="Quiz 1")).to_be_visible()
    # Rows are a class list: family name first.
    expect(table.get_by_role("rowheader", name="Student, Sofía")).to_be_visible()
    cell = table.get_by_role(
        "textbox", name="Student, Sofía Quiz 1 Homework · out of 20", exact=True
    )
    expect(cell).to_have_count(1)

    cell.fill("abc")
    follow(page, page.get_by_role("button", name="Save").click)
    # The grid comes back refused: the message is tied to its cell and announced.
    expect(cell).to_have_accessible_description(
        "“abc” is not a score: type a number, EX (excused) or M (missing)."
    )
    expect(cell).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("alert")).to_contain_text("Nothing was saved.")
    expect(page.locator("#gradebook-status")).to_have_attribute("aria-live", "polite")


def test_the_grid_fits_a_phone_and_moves_with_arrow_keys(
    phone, live_server, teacher, password, classroom_subject, term, class_of_30, quiz
):
    log_in(phone, live_server, teacher, password)
    visit(phone, grid_url(live_server, classroom_subject, term))
    first = phone.locator(f'input[name="c-{class_of_30[0].pk}-{quiz.pk}"]')
    first.focus()
    phone.keyboard.press("ArrowDown")
    second = phone.locator(f'input[name="c-{class_of_30[1].pk}-{quiz.pk}"]')
    expect(second).to_be_focused()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page must not scroll sideways; the grid scrolls inside"


def test_published_scores_and_term_grades_reach_the_student_and_nothing_else(
    open_page,
    live_server,
    teacher,
    password,
    classroom_subject,
    term,
    homework,
    student,
):
    quiz = factories.AssessmentFactory(
        classroom_subject=classroom_subject,
        term=term,
        category=homework,
        title="Published quiz",
        max_points=Decimal("20"),
    )
    hidden = factories.AssessmentFactory(
        classroom_subject=classroom_subject,
        term=term,
        category=homework,
        title="Unpublished quiz",
        max_points=Decimal("20"),
    )
    factories.ScoreFactory(assessment=quiz, student=student, points=Decimal("17"))
    factories.ScoreFactory(assessment=hidden, student=student, points=Decimal("3"))

    teacher_page = open_page()
    log_in(teacher_page, live_server, teacher, password)
    visit(
        teacher_page,
        f"{live_server.url}/classrooms/{classroom_subject.classroom_id}"
        f"/subjects/{classroom_subject.pk}/assessments/{quiz.pk}/",
    )
    follow(
        teacher_page,
        teacher_page.get_by_role("button", name="Publish to students").click,
    )
    visit(teacher_page, grid_url(live_server, classroom_subject, term))
    follow(
        teacher_page,
        teacher_page.get_by_role("link", name="Term grades and publishing").click,
    )
    follow(
        teacher_page,
        teacher_page.get_by_role("button", name="Publish term grades").click,
    )

    student_page = open_page()
    log_in(student_page, live_server, student, password)
    visit(
        student_page,
        f"{live_server.url}/classrooms/{classroom_subject.classroom_id}/",
    )
    results = student_page.locator(
        "section", has=student_page.locator("#my-results-heading")
    )
    expect(results).to_contain_text("Published quiz")
    expect(results).to_contain_text("17")
    # (17 + 3) / 40 = 50.0 %: the term grade counts every score, published or not.
    expect(results).to_contain_text(re.compile(r"50[.,]0"))
    expect(results).not_to_contain_text("Unpublished quiz")


def test_typing_survives_a_failed_save_and_a_reload(
    page, live_server, teacher, password, classroom_subject, term, student, quiz
):
    log_in(page, live_server, teacher, password)
    page.route("**/gradebook/cells/**", lambda route: route.abort())
    visit(page, grid_url(live_server, classroom_subject, term))
    cell = page.locator(f'input[name="c-{student.pk}-{quiz.pk}"]')
    cell.focus()
    page.keyboard.type("13,5")
    page.keyboard.press("Enter")
    td = page.locator("td", has=cell)
    expect(td).to_have_attribute("data-state", "error")
    assert not Score.objects.exists()

    page.reload()
    audit(page)
    expect(cell).to_have_value("13,5")
    expect(page.locator("#gradebook-status")).to_contain_text(
        "Restored 1 unsaved score"
    )

    page.unroute("**/gradebook/cells/**")
    page.reload()
    audit(page)
    expect(td).to_have_attribute("data-state", "saved")
    assert Score.objects.get().points == Decimal("13.5")
    expect(cell).to_have_value("13.5")


def test_the_grid_modules_run_under_the_portals_content_security_policy(
    browser, live_server, teacher, password, classroom_subject, term, student, quiz
):
    # The other browser tests bypass the CSP to inject axe-core; this one keeps it,
    # so a module script the policy blocked would show here.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        problems = []
        page.on(
            "console",
            lambda message: (
                message.type in ("error", "warning") and problems.append(message.text)
            ),
        )
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Email address").fill(teacher.email)
        page.get_by_label("Password").fill(password)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        response = page.goto(grid_url(live_server, classroom_subject, term))
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy
        cell = page.locator(f'input[name="c-{student.pk}-{quiz.pk}"]')
        cell.focus()
        page.keyboard.type("12,5")
        page.keyboard.press("Enter")
        expect(page.locator("td", has=cell)).to_have_attribute("data-state", "saved")
        expect(page.locator("#gradebook-status")).to_have_text("All changes saved")
        expect(cell).to_have_value("12.5")
        assert Score.objects.get().points == Decimal("12.5")
        artifacts = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"
        artifacts.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(artifacts / "grid-under-csp.png"), full_page=True)
        assert problems == []
    finally:
        context.close()
