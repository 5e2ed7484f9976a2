"""A student (or a parent on their phone) reads the report card and downloads it."""

import io
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from tests import factories
from tests.e2e.conftest import log_in, visit

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def card(classroom_subject, term, homework, student):
    """Mathematics published (and changed since), Science not published yet."""
    published = factories.AssessmentFactory(
        classroom_subject=classroom_subject,
        term=term,
        category=homework,
        title="Published quiz",
        max_points=Decimal("20"),
        published_at=timezone.now(),
    )
    hidden = factories.AssessmentFactory(
        classroom_subject=classroom_subject,
        term=term,
        category=homework,
        title="Unpublished quiz",
        max_points=Decimal("20"),
    )
    factories.ScoreFactory(assessment=published, student=student, points=Decimal("17"))
    factories.ScoreFactory(assessment=hidden, student=student, points=Decimal("3"))
    factories.TermGradeFactory(
        student=student,
        classroom_subject=classroom_subject,
        term=term,
        computed=Decimal("61.3"),
        published_percent=Decimal("88.5"),
        published_letter="B",
        published_at=timezone.now(),
        comment="Steady work all term.",
    )
    science = factories.ClassroomSubjectFactory(
        classroom=classroom_subject.classroom,
        subject=factories.SubjectFactory(name="Science", code="SCI"),
    )
    factories.TermGradeFactory(
        student=student, classroom_subject=science, term=term, computed=Decimal("42.7")
    )


def test_a_student_sees_only_published_grades_and_downloads_the_pdf(
    phone, live_server, student, password, card
):
    log_in(phone, live_server, student, password)
    expect(phone).to_have_url(re.compile(r"/report-card/$"))
    table = phone.get_by_role("table", name="Term grades for Autumn")
    maths = table.get_by_role("row", name=re.compile(r"^Mathematics"))
    expect(maths).to_contain_text(re.compile(r"88[.,]5\s*%\s*B"))
    expect(maths).to_contain_text("Steady work all term.")
    science = table.get_by_role("row", name=re.compile(r"^Science"))
    expect(science).to_contain_text("Not yet published")
    body = phone.locator("main")
    expect(body).to_contain_text("Published quiz")
    for unpublished in ("Unpublished quiz", "61.3", "61,3", "42.7", "42,7"):
        expect(body).not_to_contain_text(unpublished)

    with phone.expect_download() as download_info:
        phone.get_by_role("link", name="Download PDF").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    data = download.path().read_bytes()
    assert data.startswith(b"%PDF")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert "Sofía Student" in text
    assert re.search(r"88[.,]5", text)
    assert "Unpublished quiz" not in text
    assert "61.3" not in text


def test_a_student_opening_another_students_card_gets_the_not_found_page(
    page, live_server, student, other_student, password, card
):
    log_in(page, live_server, student, password)
    response = visit(
        page, f"{live_server.url}/students/{other_student.pk}/report-card/"
    )
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.locator("body")).not_to_contain_text("Omar Other")
    expect(page.get_by_role("link", name="Go to the start page")).to_be_visible()
