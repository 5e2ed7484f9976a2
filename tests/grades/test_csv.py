"""The gradebook as CSV: export, import preview, confirmation, limits and access."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from grades import csv_io
from grades.models import GradeChange, Score
from grades.services.scores import CellChange, scores_record
from school.audit import Actor
from tests import factories
from tests.grades.conftest import add_students
from tests.school_calendar import SCHOOL

pytestmark = pytest.mark.django_db


def url(name, classroom_subject, term):
    return (
        reverse(name, args=[classroom_subject.classroom_id])
        + f"?subject={classroom_subject.pk}&term={term.pk}"
    )


def export(client, classroom_subject, term):
    return client.get(url("gradebook_export", classroom_subject, term))


def table_of(response):
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def upload(client, classroom_subject, term, content, name="grades.csv"):
    if isinstance(content, str):
        content = content.encode("utf-8")
    return client.post(
        url("gradebook_import", classroom_subject, term),
        {"file": SimpleUploadedFile(name, content, content_type="text/csv")},
    )


def confirm(client, classroom_subject, term, payload):
    return client.post(
        url("gradebook_import_confirm", classroom_subject, term), {"payload": payload}
    )


def record(actor, classroom_subject, *cells):
    return scores_record(
        actor=Actor(user=actor),
        classroom_subject=classroom_subject,
        changes=[CellChange(s.pk, a.pk, text, v) for s, a, text, v in cells],
    )


def heading(assessment):
    maximum = f"{assessment.max_points.normalize():f}"
    return f"{assessment.title} (/{maximum}) [#{assessment.pk}]"


def csv_text(*rows, delimiter=","):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


@pytest.fixture
def graded(teacher, classroom_subject, student, quiz, exam):
    """Sofía: 15 on the quiz, exam excused (version 1 each)."""
    record(
        teacher,
        classroom_subject,
        (student, quiz, "15", None),
        (student, exam, "EX", None),
    )
    return student


# --- pure functions ---------------------------------------------------------------


class TestNeutralising:
    @pytest.mark.parametrize(
        "text",
        [
            '=HYPERLINK("http://evil.example","x")',
            "@SUM(1)",
            "-2+3",
            "+1",
            "\tA",
            "\rB",
        ],
    )
    def test_it_quotes_every_formula_prefix(self, text):
        assert csv_io.neutralise(text) == "'" + text
        assert csv_io.unneutralise(csv_io.neutralise(text)) == text

    @pytest.mark.parametrize("text", ["Sofía", "17.5", "EX", "", "'quoted", "a=b"])
    def test_it_leaves_harmless_text_alone(self, text):
        assert csv_io.neutralise(text) == text
        assert csv_io.unneutralise(text) == text


class TestFilename:
    def test_an_ascii_name_has_only_filename(self):
        assert (
            csv_io.content_disposition(csv_io.export_filename("7A", "History", "T1"))
            == 'attachment; filename="7A-History-T1.csv"'
        )

    def test_accents_get_an_ascii_fallback_and_rfc_5987_filename_star(self):
        name = csv_io.export_filename("7A", "Educación Física", "1.er trimestre")
        assert name == "7A-Educación Física-1.er trimestre.csv"
        assert csv_io.content_disposition(name) == (
            'attachment; filename="7A-Educacion Fisica-1.er trimestre.csv"; '
            "filename*=UTF-8''7A-Educaci%C3%B3n%20F%C3%ADsica-1.er%20trimestre.csv"
        )

    def test_quotes_slashes_and_control_characters_never_reach_the_header(self):
        name = csv_io.export_filename('7"A', "Hist/ory\r\n", "T\\1")
        header = csv_io.content_disposition(name)
        assert name == "7 A-Hist ory-T 1.csv"
        assert header == 'attachment; filename="7 A-Hist ory-T 1.csv"'


class TestReadingFiles:
    def test_it_sniffs_semicolons(self):
        table = csv_io.read_csv(b"Student;Email;Quiz [#1]\r\nAna;ana@x.org;17,5\r\n")
        assert table.delimiter == ";"
        assert table.header == ["Student", "Email", "Quiz [#1]"]
        assert table.rows == [(2, ["Ana", "ana@x.org", "17,5"])]

    def test_a_title_with_a_comma_does_not_fool_the_sniffer(self):
        table = csv_io.read_csv(b'"Email","Quiz, part 1 [#1]"\n"a@x.org","3"\n')
        assert table.delimiter == ","
        assert table.header == ["Email", "Quiz, part 1 [#1]"]

    def test_blank_rows_are_skipped_and_rows_keep_their_spreadsheet_number(self):
        table = csv_io.read_csv(b"Email,X [#1]\n,,\n , \na@x.org,1\n")
        assert table.rows == [(4, ["a@x.org", "1"])]

    @pytest.mark.parametrize(
        ("data", "code"),
        [
            (b"", "empty"),
            (b"\r\n ,,\r\n", "empty"),
            (b"PK\x03\x04\x00\x00binary", "not_csv"),
            (b"x" * (csv_io.MAX_BYTES + 1), "too_big"),
            (b"Email\n" + b"a@x.org\n" * (csv_io.MAX_ROWS + 1), "too_many_rows"),
        ],
    )
    def test_it_refuses_unreadable_files(self, data, code):
        with pytest.raises(csv_io.CsvFileError) as error:
            csv_io.read_csv(data)
        assert error.value.code == code

    def test_exactly_the_row_limit_is_accepted(self):
        data = b"Email\n" + b"a@x.org\n" * csv_io.MAX_ROWS
        assert len(csv_io.read_csv(data).rows) == csv_io.MAX_ROWS


# --- export ------------------------------------------------------------------------


class TestExport:
    def test_it_has_a_header_and_one_row_per_student_current_first(
        self, client, teacher, classroom_subject, term, graded, quiz, exam
    ):
        classroom = classroom_subject.classroom
        ana = factories.StudentFactory(full_name="Ana Zed", email="zed@example.org")
        factories.EnrollmentFactory(student=ana, classroom=classroom)
        bruno = factories.StudentFactory(full_name="Bruno Left", email="b@example.org")
        factories.EnrollmentFactory(
            student=bruno, classroom=classroom, withdrawn_on=SCHOOL.on(1)
        )
        record(teacher, classroom_subject, (bruno, quiz, "M", None))
        client.force_login(teacher)

        response = export(client, classroom_subject, term)

        assert response.status_code == 200
        assert table_of(response) == [
            ["Student", "Email", heading(quiz), heading(exam), "Term %", "Letter"],
            # By family name, shown first: Student before Zed.
            ["Student, Sofía", "sofia@example.org", "15", "EX", "75.0", "C"],
            ["Zed, Ana", "zed@example.org", "", "", "", ""],
            ["Left, Bruno", "b@example.org", "M", "", "0.0", "F"],
        ]
        assert heading(quiz) == f"Quiz 1 (/20) [#{quiz.pk}]"

    def test_it_is_utf8_with_a_bom_named_after_class_subject_and_term(
        self, client, teacher, classroom_subject, term, graded
    ):
        client.force_login(teacher)
        response = export(client, classroom_subject, term)
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response.content.startswith(b"\xef\xbb\xbf")
        assert "Student, Sofía".encode() in response.content
        assert response["Content-Disposition"] == (
            'attachment; filename="7A-Mathematics-Autumn.csv"'
        )
        assert "no-store" in response["Cache-Control"]

    def test_an_accented_name_gets_filename_star(
        self, client, teacher, classroom_subject, term
    ):
        classroom_subject.subject.name = "Educación Física"
        classroom_subject.subject.save()
        client.force_login(teacher)
        disposition = export(client, classroom_subject, term)["Content-Disposition"]
        assert 'filename="7A-Educacion Fisica-Autumn.csv"' in disposition
        assert "filename*=UTF-8''7A-Educaci%C3%B3n%20F%C3%ADsica-Autumn.csv" in (
            disposition
        )

    def test_it_neutralises_formulas_in_names_emails_and_titles(
        self, client, teacher, classroom_subject, term, homework
    ):
        dangerous = [
            '=HYPERLINK("http://evil.example","click")',
            "@SUM(1)",
            "-2+3",
            "+cmd",
        ]
        for name in dangerous:
            factories.EnrollmentFactory(
                classroom=classroom_subject.classroom,
                student=factories.StudentFactory(full_name=name),
            )
        factories.EnrollmentFactory(
            classroom=classroom_subject.classroom,
            student=factories.StudentFactory(
                full_name="Dash", email="-dash@example.org"
            ),
        )
        titled = factories.AssessmentFactory(
            classroom_subject=classroom_subject,
            term=term,
            category=homework,
            title="=1+1",
        )
        # A name cannot start with a tab or a return any more (User.save collapses
        # the spaces of a name): titles still can.
        spaced = [
            factories.AssessmentFactory(
                classroom_subject=classroom_subject,
                term=term,
                category=homework,
                title=title,
            )
            for title in ("\tTabbed", "\rReturned")
        ]
        client.force_login(teacher)
        rows = table_of(export(client, classroom_subject, term))
        names = {row[0] for row in rows[1:]}
        assert names == {"'" + name for name in dangerous} | {"Dash"}
        assert ["Dash", "'-dash@example.org"] in [row[:2] for row in rows]
        assert rows[0][2] == f"'=1+1 (/20) [#{titled.pk}]"
        assert {
            f"'\tTabbed (/20) [#{spaced[0].pk}]",
            f"'\rReturned (/20) [#{spaced[1].pk}]",
        } <= set(rows[0])
        cells = [cell for row in rows for cell in row]
        assert not [c for c in cells if c.startswith(csv_io.FORMULA_PREFIXES)]

    @pytest.mark.parametrize("size", [5, 40])
    def test_its_query_count_does_not_grow_with_the_class(
        self,
        client,
        teacher,
        classroom_subject,
        term,
        quiz,
        exam,
        size,
        django_assert_num_queries,
    ):
        students = add_students(classroom_subject.classroom, size)
        record(
            teacher,
            classroom_subject,
            *((s, quiz, "10", None) for s in students),
            *((s, exam, "M", None) for s in students),
        )
        client.force_login(teacher)
        # user; the classroom subject (access); terms; categories; assessments;
        # enrollments with students; scores; grade bands.
        with django_assert_num_queries(8):
            response = export(client, classroom_subject, term)
        assert len(table_of(response)) == size + 1


# --- import preview ----------------------------------------------------------------


class TestImportPreview:
    def test_the_form_explains_the_format(
        self, client, teacher, classroom_subject, term
    ):
        client.force_login(teacher)
        response = client.get(url("gradebook_import", classroom_subject, term))
        page = response.content.decode()
        assert response.status_code == 200
        assert 'type="file"' in page
        assert '<label for="id_file">CSV file' in page
        assert "[#12]" in page
        assert 'enctype="multipart/form-data"' in page

    def test_a_round_trip_leaves_every_row_unchanged_and_writes_nothing(
        self, client, teacher, classroom_subject, term, graded, quiz
    ):
        dash = factories.StudentFactory(full_name="-Dash", email="-dash@example.org")
        factories.EnrollmentFactory(student=dash, classroom=classroom_subject.classroom)
        record(teacher, classroom_subject, (dash, quiz, "12.5", None))
        client.force_login(teacher)
        exported = export(client, classroom_subject, term).content
        scores, changes = Score.objects.count(), GradeChange.objects.count()

        response = upload(client, classroom_subject, term, exported)

        plan = response.context["plan"]
        assert response.status_code == 200
        assert [row.status for row in plan.rows] == ["unchanged", "unchanged"]
        assert {row.email for row in plan.rows} == {"sofia@example.org", dash.email}
        assert plan.changes == [] and not plan.has_errors
        page = response.content.decode()
        assert "Nothing to import" in page
        assert 'name="payload"' not in page
        assert (Score.objects.count(), GradeChange.objects.count()) == (scores, changes)

    def test_it_shows_the_changes_of_each_row_and_only_real_changes(
        self, client, teacher, classroom_subject, term, graded, quiz, exam
    ):
        other = factories.StudentFactory(full_name="Ana Zed", email="Zed@Example.org")
        factories.EnrollmentFactory(
            student=other, classroom=classroom_subject.classroom
        )
        client.force_login(teacher)
        content = csv_text(
            ["Student", "Email", heading(quiz), heading(exam), "Term %", "Letter"],
            ["Sofía Student", "SOFIA@example.org", "18", "ex", "99", "A"],
            ["Ana Zed", "zed@example.org", "'M", "17,5", "", ""],
        )

        response = upload(client, classroom_subject, term, content)

        plan = response.context["plan"]
        assert [(r.number, r.status, r.name) for r in plan.rows] == [
            (2, "changed", "Sofía Student"),
            (3, "changed", "Ana Zed"),
        ]
        assert plan.rows[0].changes == [csv_io.PlannedChange("Quiz 1", "15", "18")]
        assert plan.changes == [
            CellChange(graded.pk, quiz.pk, "18", 1),
            CellChange(other.pk, quiz.pk, "M", None),
            CellChange(other.pk, exam.pk, "17.5", None),
        ]
        page = response.content.decode()
        assert "Quiz 1: 15 → 18" in page
        assert "Exam: empty → 17.5" in page
        assert 'name="payload"' in page
        assert "Save 3 scores" in page
        assert Score.objects.count() == 2

    def test_it_shows_every_error_and_offers_no_confirmation(
        self, client, teacher, classroom_subject, term, graded, quiz, exam
    ):
        client.force_login(teacher)
        content = csv_text(
            ["Email", heading(quiz), heading(exam), "Ghost [#999999]"],
            ["sofia@example.org", "abc", "105", "1"],
            ["nobody@example.org", "25", "", ""],
            ["", "3", "", ""],
        )
        before = (Score.objects.count(), GradeChange.objects.count())

        response = upload(client, classroom_subject, term, content)

        plan = response.context["plan"]
        assert response.status_code == 422
        assert plan.file_errors == [
            "The column “Ghost [#999999]” names an assessment that is not in this "
            "gradebook (#999999)."
        ]
        assert [row.status for row in plan.rows] == ["error", "error", "error"]
        messages = [
            [(i.assessment_title, i.message) for i in r.errors] for r in plan.rows
        ]
        assert messages[0] == [
            (
                "Quiz 1",
                "“abc” is not a score: type a number, EX (excused) or M (missing).",
            ),
            ("Exam", "105 is more than the maximum of 100."),
        ]
        assert messages[1] == [
            ("", "No student of this class has this email."),
            ("Quiz 1", "25 is more than the maximum of 20."),
        ]
        assert messages[2] == [("", "No email: this row matches no student.")]
        page = response.content.decode()
        for text in [
            "Ghost [#999999]",
            "is not a score",
            "105 is more than the maximum of 100.",
            "nobody<wbr>@example.org",
            "No student of this class has this email.",
            "No email",
            '<a href="#row-2">2</a>, <a href="#row-3">3</a>, <a href="#row-4">4</a>',
            "3 rows have errors.",
        ]:
            assert text in page
        assert 'name="payload"' not in page
        assert (Score.objects.count(), GradeChange.objects.count()) == before

    def test_an_assessment_of_another_term_or_archived_is_unknown(
        self, client, teacher, classroom_subject, term, school_year, homework, quiz
    ):
        spring = factories.TermFactory(
            school_year=school_year,
            name="Spring",
            starts_on=SCHOOL.second_term_start,
            ends_on=SCHOOL.year_end,
        )
        later = factories.AssessmentFactory(
            classroom_subject=classroom_subject, term=spring, category=homework
        )
        client.force_login(teacher)
        content = csv_text(["Email", heading(later)], ["sofia@example.org", "1"])
        plan = upload(client, classroom_subject, term, content).context["plan"]
        assert plan.has_errors
        assert f"(#{later.pk})" in plan.file_errors[0]

    def test_a_student_twice_in_the_file_is_an_error(
        self, client, teacher, classroom_subject, term, student, quiz
    ):
        client.force_login(teacher)
        content = csv_text(
            ["Email", heading(quiz)],
            ["sofia@example.org", "1"],
            ["Sofia@example.org", "2"],
        )
        plan = upload(client, classroom_subject, term, content).context["plan"]
        assert plan.rows[1].errors == [
            csv_io.CellIssue("", "This student is already in row 2.")
        ]

    def test_a_file_without_an_email_column_is_refused(
        self, client, teacher, classroom_subject, term, student, quiz
    ):
        client.force_login(teacher)
        content = csv_text(["Name", heading(quiz)], ["Sofía", "1"])
        response = upload(client, classroom_subject, term, content)
        assert "with an “Email” column" in response.context["plan"].file_errors[0]
        assert 'name="payload"' not in response.content.decode()

    def test_a_short_row_leaves_its_missing_cells_alone(
        self, client, teacher, classroom_subject, term, graded, quiz, exam
    ):
        client.force_login(teacher)
        content = csv_text(
            ["Email", heading(quiz), heading(exam)], ["sofia@example.org", "16"]
        )
        plan = upload(client, classroom_subject, term, content).context["plan"]
        assert plan.changes == [CellChange(graded.pk, quiz.pk, "16", 1)]

    def test_an_emptied_cell_clears_the_score(
        self, client, teacher, classroom_subject, term, graded, quiz, exam
    ):
        client.force_login(teacher)
        content = csv_text(
            ["Email", heading(quiz), heading(exam)], ["sofia@example.org", "", "EX"]
        )
        plan = upload(client, classroom_subject, term, content).context["plan"]
        assert plan.rows[0].changes == [csv_io.PlannedChange("Quiz 1", "15", "")]

    def test_a_semicolon_file_without_bom_from_spanish_excel_is_accepted(
        self, client, teacher, classroom_subject, term, graded, quiz, exam
    ):
        client.force_login(teacher)
        content = csv_text(
            ["Estudiante", "Correo electrónico", heading(quiz), heading(exam)],
            ["Sofía Student", "sofia@example.org", "17,5", "EX"],
            delimiter=";",
        ).encode("cp1252")
        response = upload(client, classroom_subject, term, content)
        plan = response.context["plan"]
        assert not plan.has_errors
        assert plan.changes == [CellChange(graded.pk, quiz.pk, "17.5", 1)]

    def test_the_preview_lists_students_missing_from_the_file(
        self, client, teacher, classroom_subject, term, student, quiz
    ):
        absent = add_students(classroom_subject.classroom, 1)[0]
        client.force_login(teacher)
        content = csv_text(["Email", heading(quiz)], ["sofia@example.org", "1"])
        response = upload(client, classroom_subject, term, content)
        assert response.context["plan"].absent == [absent.full_name]
        page = response.content.decode()
        assert "One student of the class is not in the file" in page

    def test_a_locked_term_offers_no_confirmation(
        self, client, teacher, classroom_subject, term, student, quiz
    ):
        term.locked = True
        term.save()
        client.force_login(teacher)
        content = csv_text(["Email", heading(quiz)], ["sofia@example.org", "1"])
        response = upload(client, classroom_subject, term, content)
        page = response.content.decode()
        assert "This term is locked" in page
        assert 'name="payload"' not in page


class TestImportLimits:
    def test_it_refuses_a_file_over_1_mb(
        self, client, teacher, classroom_subject, term
    ):
        client.force_login(teacher)
        content = b"Email,Note\n" + b"a@example.org," + b"x" * csv_io.MAX_BYTES
        response = upload(client, classroom_subject, term, content)
        assert response.status_code == 200
        assert "plan" not in response.context
        assert response.context["form"].errors["file"] == [
            "The file is 1.0\xa0MB; the limit is 1.0\xa0MB. Split it and try again."
        ]

    def test_it_refuses_more_than_2000_rows(
        self, client, teacher, classroom_subject, term, quiz
    ):
        client.force_login(teacher)
        rows = "".join(f"s{n}@example.org,1\n" for n in range(2001))
        response = upload(client, classroom_subject, term, f"Email,Q [#1]\n{rows}")
        assert response.context["form"].errors["file"] == [
            "The file has more than 2,000 rows; split it and try again."
        ]
        assert "more than 2,000 rows" in response.content.decode()

    @pytest.mark.parametrize(
        ("content", "message"),
        [
            (b"", "The submitted file is empty."),
            (b"PK\x03\x04\x00\x00", "This is not a CSV file."),
        ],
    )
    def test_it_refuses_files_that_are_not_csv(
        self, client, teacher, classroom_subject, term, content, message
    ):
        client.force_login(teacher)
        response = upload(client, classroom_subject, term, content, name="g.xlsx")
        assert message in response.context["form"].errors["file"][0]

    def test_a_post_without_a_file_shows_the_form_again(
        self, client, teacher, classroom_subject, term
    ):
        client.force_login(teacher)
        response = client.post(url("gradebook_import", classroom_subject, term))
        assert response.status_code == 200
        assert response.context["form"].errors["file"] == ["This field is required."]
        assert 'aria-invalid="true"' in response.content.decode()


# --- confirmation --------------------------------------------------------------------


def preview_payload(client, classroom_subject, term, content):
    response = upload(client, classroom_subject, term, content)
    assert response.status_code == 200, response.context["plan"].rows
    return response.context["payload"]


class TestImportConfirm:
    def test_it_saves_every_change_with_audit_rows(
        self, client, teacher, classroom_subject, term, graded, quiz, exam
    ):
        other = add_students(classroom_subject.classroom, 1)[0]
        client.force_login(teacher)
        payload = preview_payload(
            client,
            classroom_subject,
            term,
            csv_text(
                ["Email", heading(quiz), heading(exam)],
                ["sofia@example.org", "18", "EX"],
                [other.email, "M", "70,5"],
            ),
        )

        response = confirm(client, classroom_subject, term, payload)

        assert response.status_code == 302
        assert response.url == url("gradebook", classroom_subject, term)
        stored = {
            (s.student_id, s.assessment_id): (s.state, s.points, s.version)
            for s in Score.objects.all()
        }
        assert stored == {
            (graded.pk, quiz.pk): ("graded", Decimal("18.00"), 2),
            (graded.pk, exam.pk): ("excused", None, 1),
            (other.pk, quiz.pk): ("missing", None, 1),
            (other.pk, exam.pk): ("graded", Decimal("70.50"), 1),
        }
        audits = GradeChange.objects.filter(reason="CSV import (grades.csv)")
        assert audits.count() == 3
        assert {a.changed_by for a in audits} == {teacher}
        change = audits.get(score__student=graded, score__assessment=quiz)
        assert (change.before["points"], change.after["points"]) == ("15.00", "18.00")
        messages = [str(m) for m in client.get(response.url).context["messages"]]
        assert messages == ["Imported 3 scores."]

    def test_a_conflict_since_the_preview_saves_nothing_and_says_so(
        self, client, teacher, admin, classroom_subject, term, graded, quiz, exam
    ):
        client.force_login(teacher)
        payload = preview_payload(
            client,
            classroom_subject,
            term,
            csv_text(
                ["Email", heading(quiz), heading(exam)],
                ["sofia@example.org", "18", "12"],
            ),
        )
        record(admin, classroom_subject, (graded, quiz, "9", 1))
        changes_before = GradeChange.objects.count()

        response = confirm(client, classroom_subject, term, payload)

        assert response.status_code == 422
        page = response.content.decode()
        assert "Nothing was saved." in page
        assert "Someone else changed this score after you loaded it." in page
        assert "Now saved: 9 (by Ada Admin" in page
        quiz_score = Score.objects.get(student=graded, assessment=quiz)
        assert (quiz_score.points, quiz_score.version) == (Decimal("9.00"), 2)
        exam_score = Score.objects.get(student=graded, assessment=exam)
        assert exam_score.state == "excused"
        assert GradeChange.objects.count() == changes_before

    def test_a_tampered_payload_is_refused(
        self, client, teacher, classroom_subject, term, graded, quiz
    ):
        client.force_login(teacher)
        payload = preview_payload(
            client,
            classroom_subject,
            term,
            csv_text(["Email", heading(quiz)], ["sofia@example.org", "18"]),
        )
        value, _sep, signature = payload.rpartition(":")
        forged = f"{value}:{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
        for bad in [forged, "", "garbage"]:
            response = confirm(client, classroom_subject, term, bad)
            assert response.status_code == 400
        assert Score.objects.get(student=graded, assessment=quiz).points == 15

    def test_a_payload_of_another_user_or_gradebook_is_refused(
        self, client, teacher, admin, classroom_subject, term, graded, quiz
    ):
        client.force_login(teacher)
        payload = preview_payload(
            client,
            classroom_subject,
            term,
            csv_text(["Email", heading(quiz)], ["sofia@example.org", "18"]),
        )
        client.force_login(admin)
        assert confirm(client, classroom_subject, term, payload).status_code == 400
        client.force_login(teacher)
        history = factories.ClassroomSubjectFactory(
            classroom=classroom_subject.classroom
        )
        assert confirm(client, history, term, payload).status_code == 400
        assert Score.objects.get(student=graded, assessment=quiz).points == 15

    def test_an_old_preview_asks_for_the_file_again(
        self, client, teacher, classroom_subject, term, graded, quiz, monkeypatch
    ):
        client.force_login(teacher)
        payload = preview_payload(
            client,
            classroom_subject,
            term,
            csv_text(["Email", heading(quiz)], ["sofia@example.org", "18"]),
        )
        monkeypatch.setattr(csv_io, "PREVIEW_MAX_AGE", -1)
        response = confirm(client, classroom_subject, term, payload)
        assert response.status_code == 400
        assert "This preview is too old to save." in response.content.decode()
        assert Score.objects.get(student=graded, assessment=quiz).points == 15


# --- access --------------------------------------------------------------------------


@pytest.fixture
def subject_teacher(classroom_subject):
    """Teaches the gradebook's subject but is not the classroom's homeroom teacher."""
    classroom_subject.teacher = factories.TeacherFactory(full_name="Sam Subject")
    classroom_subject.save()
    return classroom_subject.teacher


GET_VIEWS = ["gradebook_export", "gradebook_import"]


class TestAccess:
    @pytest.mark.parametrize("name", GET_VIEWS)
    def test_anonymous_users_go_to_login(self, client, classroom_subject, term, name):
        response = client.get(url(name, classroom_subject, term))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))

    @pytest.mark.parametrize("name", GET_VIEWS)
    @pytest.mark.parametrize("persona", ["other_teacher", "other_student", "advisor"])
    def test_outsiders_get_404(
        self, request, client, classroom_subject, term, student, name, persona
    ):
        client.force_login(request.getfixturevalue(persona))
        assert client.get(url(name, classroom_subject, term)).status_code == 404

    @pytest.mark.parametrize("name", GET_VIEWS)
    def test_members_who_do_not_grade_it_get_403(
        self, client, classroom_subject, term, student, teacher, subject_teacher, name
    ):
        for member in [student, teacher]:  # teacher: homeroom, not this subject
            client.force_login(member)
            assert client.get(url(name, classroom_subject, term)).status_code == 403

    @pytest.mark.parametrize("name", GET_VIEWS)
    @pytest.mark.parametrize("persona", ["subject_teacher", "admin"])
    def test_the_subject_teacher_and_staff_get_the_page(
        self, request, client, classroom_subject, term, name, persona
    ):
        client.force_login(request.getfixturevalue(persona))
        assert client.get(url(name, classroom_subject, term)).status_code == 200

    def test_the_export_refuses_post(self, client, teacher, classroom_subject, term):
        client.force_login(teacher)
        response = client.post(url("gradebook_export", classroom_subject, term))
        assert response.status_code == 405

    def test_the_confirmation_refuses_get(
        self, client, teacher, classroom_subject, term
    ):
        client.force_login(teacher)
        response = client.get(url("gradebook_import_confirm", classroom_subject, term))
        assert response.status_code == 405

    def test_the_confirmation_gates_like_the_gradebook(
        self,
        client,
        classroom_subject,
        term,
        student,
        other_teacher,
        subject_teacher,
        admin,
        quiz,
    ):
        target = url("gradebook_import_confirm", classroom_subject, term)
        response = client.post(target, {"payload": "x"})
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
        client.force_login(other_teacher)
        assert client.post(target, {"payload": "x"}).status_code == 404
        client.force_login(student)
        assert client.post(target, {"payload": "x"}).status_code == 403
        content = csv_text(["Email", heading(quiz)], ["sofia@example.org", "11"])
        for grader, points in [(subject_teacher, "11"), (admin, "12")]:
            client.force_login(grader)
            payload = preview_payload(
                client, classroom_subject, term, content.replace("11", points)
            )
            assert confirm(client, classroom_subject, term, payload).status_code == 302
        assert Score.objects.get(student=student, assessment=quiz).points == 12

    def test_a_term_of_another_year_is_404(
        self, client, teacher, classroom_subject, quiz
    ):
        foreign = factories.TermFactory(
            school_year=factories.SchoolYearFactory(
                name=SCHOOL.shifted(4).name,
                starts_on=SCHOOL.shifted(4).year_start,
                ends_on=SCHOOL.shifted(4).year_end,
            ),
            starts_on=SCHOOL.shifted(4).year_start,
            ends_on=SCHOOL.shifted(4).first_term_end,
        )
        client.force_login(teacher)
        assert export(client, classroom_subject, foreign).status_code == 404
