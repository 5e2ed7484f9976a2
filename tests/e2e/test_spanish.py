"""The portal in Spanish: by the user's setting, by the browser's, by the switcher."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from accounts.models import User
from grades.models import Score
from tests import factories
from tests.e2e.conftest import follow, log_in, visit

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# Texts of our templates that a page in Spanish must not show (visible text, page
# title and the labels assistive technology reads).
ENGLISH = [
    "Skip to content",
    "My classes",
    "My advisees",
    "My report card",
    "Log out",
    "Password",
    "Language",
    "Change",
    "Subjects",
    "Roster",
    "Homeroom teacher",
    "Gradebook",
    "New assessment",
    "Categories and weights",
    "Term grades and publishing",
    "Class report",
    "Export CSV",
    "Import CSV",
    "Student",
    "Term grade",
    "Class average",
    "Scores in",
    "out of",
    "Save",
    "Show",
    "Breadcrumb",
    "Main",
    "Not yet published",
    "Download PDF",
    "Overall average",
]

TEXTS_SEEN = """() => {
  const labels = [...document.querySelectorAll('[aria-label], [title], [alt]')]
    .flatMap(el => ['aria-label', 'title', 'alt'].map(a => el.getAttribute(a)))
    .filter(Boolean);
  return [document.title, document.body.innerText, ...labels].join('\\n');
}"""


def english_on(page):
    seen = page.evaluate(TEXTS_SEEN)
    return [text for text in ENGLISH if re.search(rf"\b{re.escape(text)}\b", seen)]


def assert_no_english(page):
    assert english_on(page) == [], f"English left at {page.url}"


@pytest.fixture
def spanish_class(teacher, classroom_subject, term, homework, student):
    """Names in Spanish too, so that any English on the page is ours."""
    teacher.full_name, teacher.language = "Lucía Pérez", "es"
    teacher.save()
    student.full_name, student.language = "Ana Ruiz", "es"
    student.save()
    classroom_subject.subject.name = "Matemáticas"
    classroom_subject.subject.save()
    term.name = "Primer trimestre"
    term.save()
    homework.name = "Deberes"
    homework.save()
    return factories.AssessmentFactory(
        classroom_subject=classroom_subject,
        term=term,
        category=homework,
        title="Prueba de fracciones",
        max_points=Decimal("10"),
    )


def test_a_spanish_teacher_sees_every_page_in_spanish_and_types_decimal_commas(
    page, live_server, teacher, password, classroom_subject, student, spanish_class
):
    log_in(page, live_server, teacher, password)
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mis clases")
    expect(page.get_by_role("navigation", name="Principal")).to_contain_text(
        "Mis clases"
    )
    assert_no_english(page)

    follow(page, page.get_by_role("link", name="7A").first.click)
    assert_no_english(page)
    follow(page, page.get_by_role("link", name="Cuaderno de notas").click)
    assert_no_english(page)

    cell = page.get_by_role("textbox", name="Ruiz, Ana Prueba de fracciones")
    cell.focus()
    page.keyboard.type("8,5")
    page.keyboard.press("Enter")
    expect(page.locator("td", has=cell)).to_have_attribute("data-state", "saved")
    assert Score.objects.get(student=student).points == Decimal("8.5")
    expect(page.locator("#gradebook-status")).to_have_text(
        "Todos los cambios guardados"
    )

    follow(
        page,
        page.get_by_role("link", name="Notas del periodo y publicación").click,
    )
    assert_no_english(page)
    follow(
        page, page.get_by_role("button", name="Publicar las notas del periodo").click
    )
    assert_no_english(page)


def test_a_spanish_student_reads_the_report_card_in_spanish(
    page, live_server, student, password, spanish_class
):
    log_in(page, live_server, student, password)
    expect(page.get_by_role("heading", level=1)).to_have_text("Mi boletín de notas")
    expect(page.get_by_role("link", name="Descargar PDF")).to_be_visible()
    assert_no_english(page)


def test_a_browser_asking_for_spanish_gets_the_login_page_in_spanish(
    open_page, live_server
):
    page = open_page(extra_http_headers={"Accept-Language": "es"})
    visit(page, f"{live_server.url}/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text("Iniciar sesión")
    expect(page.get_by_label("Correo electrónico")).to_be_visible()
    assert_no_english(page)


def tab_to(page, locator, limit=80):
    """Press Tab until `locator` has the focus, as a keyboard user would."""
    for _ in range(limit):
        if locator.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{locator} never received the focus")


def test_the_language_switcher_works_by_keyboard_and_is_remembered(
    page, live_server, teacher, password, classroom
):
    log_in(page, live_server, teacher, password)
    expect(page.get_by_role("heading", level=1)).to_have_text("My classes")
    assert {"My classes", "Language", "Log out"} <= set(english_on(page))

    tab_to(page, page.get_by_label("Language"))
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("Language")).to_have_value("es")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Change")).to_be_focused()
    follow(page, lambda: page.keyboard.press("Enter"))

    expect(page.get_by_role("heading", level=1)).to_have_text("Mis clases")
    assert_no_english(page)
    assert User.objects.get(pk=teacher.pk).language == "es"

    tab_to(page, page.get_by_label("Idioma"))
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Tab")
    follow(page, lambda: page.keyboard.press("Enter"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My classes")
    assert User.objects.get(pk=teacher.pk).language == "en"
