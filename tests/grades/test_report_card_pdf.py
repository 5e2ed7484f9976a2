"""The report card as PDF: it opens, names the school, the student (accents and
non-Latin letters included), the term, each line and the overall average."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from grades.pdf import markup, report_card_pdf, report_cards_pdf
from grades.report_cards import report_card
from tests import factories
from tests.school_calendar import SCHOOL

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(data))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def history(classroom):
    return factories.ClassroomSubjectFactory(
        classroom=classroom,
        subject=factories.SubjectFactory(name="History", code="HIST"),
    )


@pytest.fixture
def published(student, classroom_subject, history, term):
    factories.TermGradeFactory(
        student=student,
        classroom_subject=classroom_subject,
        term=term,
        comment="Muy bien, Ωμέγα.",
        published_percent=Decimal("88.5"),
        published_letter="B+",
        published_at=timezone.now(),
    )
    factories.TermGradeFactory(
        student=student, classroom_subject=history, term=term, computed=Decimal("60")
    )
    return term


def pdf_url(student, term):
    return reverse("report_card_pdf", args=[student.pk, term.pk])


def test_the_pdf_downloads_with_a_safe_filename_and_no_store(
    client, student, published
):
    client.force_login(student)
    response = client.get(pdf_url(student, published))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition == 'attachment; filename="report-card-sofia-student-autumn.pdf"'
    assert disposition.isascii()
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_the_pdf_contains_the_card(client, student, published, settings):
    client.force_login(student)
    reader, text = pdf_text(client.get(pdf_url(student, published)).content)
    assert len(reader.pages) == 1
    assert settings.SCHOOL_NAME in text
    assert "Sofía Student" in text
    assert "Autumn" in text and SCHOOL.name in text
    assert "Mathematics" in text and "Tomás Teacher" in text
    assert "88.5 %" in text and "B+" in text
    assert "Muy bien, Ωμέγα." in text
    assert "History" in text and "Not yet published" in text
    assert "60" not in text  # the unpublished live grade never shows
    assert "Overall average: 88.5 %" in text


def test_a_teachers_pdf_has_only_their_lines(
    client, student, published, history, classroom_subject
):
    sam = factories.TeacherFactory(full_name="Sam Subject")
    history.teacher = sam
    history.save()
    client.force_login(sam)
    _, text = pdf_text(client.get(pdf_url(student, published)).content)
    assert "History" in text
    assert "Mathematics" not in text and "88.5" not in text


def test_other_students_and_anonymous_users_get_no_pdf(
    client, student, other_student, published
):
    url = pdf_url(student, published)
    response = client.get(url)
    assert response.status_code == 302
    client.force_login(other_student)
    assert client.get(url).status_code == 404


def test_non_latin_names_render_in_embedded_fonts(student, published, admin):
    student.given_name, student.family_name = "Ωμέγα", "Παπαδοπούλου 李明"
    student.save()
    data = report_card_pdf(report_card(student, published, admin))
    reader, text = pdf_text(data)
    assert "Ωμέγα Παπαδοπούλου" in text
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert any("DejaVuSans" in name for name in fonts)
    assert any("STSong-Light" in name for name in fonts)  # the run 李明


def test_cjk_runs_switch_font_and_markup_is_escaped():
    assert markup("Li <b> 李明 & co") == (
        'Li &lt;b&gt; <font name="STSong-Light">李明</font> &amp; co'
    )
    assert "HYSMyeongJo-Medium" in markup("김민준")


def test_a_batch_puts_one_student_per_page(student, published, admin):
    card = report_card(student, published, admin)
    reader, _ = pdf_text(report_cards_pdf([card, card, card]))
    assert len(reader.pages) == 3
