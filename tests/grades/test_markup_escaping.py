"""HTML built by code (the grid's rows, the SVG charts) carries hostile text as text.

Property tests: whatever names, titles, comments, cell texts and labels they are
given, the markup parses to exactly the elements and attributes the builder
writes, every text node and attribute value reads back as the value given, and
no element (a `<script>`, an `onmouseover`) comes from the data.
"""

from datetime import UTC, datetime
from decimal import Decimal
from html.parser import HTMLParser
from types import SimpleNamespace

from django.utils.safestring import SafeString
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grades.charts import bar_chart_svg
from grades.services.scores import CellProblem
from grades.views.gradebook import CellDisplay, _row_html

HOSTILE = [
    "<script>alert(1)</script>",
    '"onmouseover="alert(1)',
    "' onfocus='alert(1)' x='",
    '"><img src=x onerror=alert(1)>',
    "</td></tr><tr><td>",
    "&amp; &lt; &#x27; &",
    "O'Brien & Sons",
    "<!-- -->",
    "]]><![CDATA[",
    "Ñúñez 😀 ‮gnp.exe",
    "",
]
# Text a person could type: hostile samples, anything printable, and mixes of both.
texts = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=30),
    st.lists(st.sampled_from(HOSTILE) | st.text(max_size=5), max_size=4).map("".join),
)
# The clock is frozen by time-machine; hypothesis's deadline is off anyway.
examples = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


class Events(HTMLParser):
    """The parse as a flat list: ("start", tag, attrs), ("data", text), ("end", tag);
    adjacent text joined, character references resolved."""

    def __init__(self, markup):
        super().__init__(convert_charrefs=True)
        self.events = []
        self.feed(str(markup))
        self.close()

    def handle_starttag(self, tag, attrs):
        self.events.append(("start", tag, dict(attrs)))

    def handle_endtag(self, tag):
        self.events.append(("end", tag))

    def handle_data(self, data):
        if self.events and self.events[-1][0] == "data":
            self.events[-1] = ("data", self.events[-1][1] + data)
        else:
            self.events.append(("data", data))

    def handle_comment(self, data):
        self.events.append(("comment", data))

    def handle_decl(self, decl):
        self.events.append(("decl", decl))

    def unknown_decl(self, data):
        self.events.append(("decl", data))

    def handle_pi(self, data):
        self.events.append(("pi", data))

    def starts(self):
        """The start events as (position in `events`, tag, attrs)."""
        return [
            (at, *event[1:])
            for at, event in enumerate(self.events)
            if event[0] == "start"
        ]

    def text_in(self, index):
        """The text right after the start event at `index` ("" if none)."""
        following = self.events[index + 1]
        return following[1] if following[0] == "data" else ""


def tags(events):
    return [event[:2] for event in events if event[0] in ("start", "end")]


@st.composite
def rows(draw):
    student_id = draw(st.integers(1, 10**9))
    name = draw(texts)
    cells = []
    for assessment_id in range(1, draw(st.integers(1, 3)) + 1):
        kind = draw(st.sampled_from([None, "invalid", "conflict"]))
        problem = None
        if kind == "invalid":
            problem = CellProblem(code="invalid", message=draw(texts))
        elif kind == "conflict":
            problem = CellProblem(
                code="conflict",
                message=draw(texts),
                current_text=draw(texts),
                current_version=3,
                changed_by=draw(texts),
                changed_at=datetime(2030, 1, 2, 3, 4, tzinfo=UTC),
            )
        cells.append(
            CellDisplay(
                key=draw(st.sampled_from([f"{student_id}-{assessment_id}"]) | texts),
                student_id=student_id,
                assessment_id=assessment_id,
                text=draw(texts),
                original=draw(texts),
                version=draw(texts),
                comment=draw(texts),
                problem=problem,
            )
        )
    row = SimpleNamespace(
        enrollment=SimpleNamespace(student_id=student_id),
        student=SimpleNamespace(sorting_name=name),
        grade=SimpleNamespace(rounded=draw(st.sampled_from([None, Decimal("87.5")]))),
        letter=draw(texts),
    )
    return row, cells, draw(st.booleans())


def expected_grid_tags(row, cells):
    expected = [("start", "tr"), ("start", "th"), ("end", "th")]
    for cell in cells:
        expected += [("start", "td")] + [("start", "input")] * 3
        if cell.problem:
            expected += [("start", "span"), ("end", "span")]
        expected.append(("end", "td"))
    expected.append(("start", "td"))
    if row.grade.rounded is not None:
        expected += [("start", "span"), ("end", "span")] * 2
    return [*expected, ("end", "td"), ("end", "tr")]


@examples
@given(rows())
def test_grid_rows_carry_hostile_text_as_text(drawn):
    row, cells, locked = drawn
    markup = _row_html(row, cells, locked)
    assert isinstance(markup, SafeString)
    parsed = Events(markup)
    # Only the elements the builder writes, no comment or declaration from data.
    assert tags(parsed.events) == expected_grid_tags(row, cells)
    assert {event[0] for event in parsed.events} <= {"start", "end", "data"}
    starts = parsed.starts()
    assert parsed.text_in(starts[1][0]) == row.student.sorting_name
    assert starts[1][2]["id"] == f"s-{row.enrollment.student_id}"
    inputs = [event for event in starts if event[1] == "input"]
    errors = [
        at
        for at, tag, attrs in starts
        if tag == "span" and attrs.get("class") == "grid__error"
    ]
    for cell, (shown, original, version) in zip(
        cells, zip(inputs[::3], inputs[1::3], inputs[2::3], strict=True), strict=True
    ):
        key = cell.key
        expected_shown = {
            "type": "text",
            "class": "grid__input",
            "name": f"c-{key}",
            "value": cell.text,
            "size": "5",
            "autocomplete": "off",
            "spellcheck": "false",
            "aria-labelledby": f"s-{cell.student_id} a-{cell.assessment_id}",
            "data-cell": key,
        }
        if cell.problem:
            expected_shown |= {"aria-invalid": "true", "aria-describedby": f"e-{key}"}
        if locked:
            expected_shown["readonly"] = None
        assert shown[2] == expected_shown
        assert original[2] == {
            "type": "hidden",
            "name": f"o-{key}",
            "value": cell.original,
        }
        assert version[2] == {
            "type": "hidden",
            "name": f"v-{key}",
            "value": cell.version,
        }
        if cell.problem:
            at = errors.pop(0)
            assert parsed.events[at][2] == {"class": "grid__error", "id": f"e-{key}"}
            message = parsed.text_in(at)
            assert message.startswith(cell.problem.message)
            if cell.problem.code == "conflict":
                assert (cell.problem.current_text or "empty") in message
                assert cell.problem.changed_by in message
    assert errors == []
    total = starts[-1][2] if row.grade.rounded is None else starts[-3][2]
    assert total == {
        "class": "grid__total",
        "data-total": str(row.enrollment.student_id),
    }
    if row.grade.rounded is not None:
        assert parsed.text_in(starts[-1][0]) == row.letter


@examples
@given(
    bars=st.lists(st.tuples(texts, st.integers(0, 500)), max_size=6),
    title=texts,
    description=texts,
)
def test_charts_carry_hostile_labels_titles_and_descriptions_as_text(
    bars, title, description
):
    markup = bar_chart_svg(bars, title=title, description=description)
    assert isinstance(markup, SafeString)
    parsed = Events(markup)
    expected = [("start", "svg"), ("start", "title"), ("end", "title")]
    expected += [("start", "desc"), ("end", "desc"), ("start", "line"), ("end", "line")]
    for _bar in bars:
        expected += [("start", "g"), ("start", "rect"), ("end", "rect")]
        expected += [("start", "text"), ("end", "text")] * 2 + [("end", "g")]
    assert tags(parsed.events) == [*expected, ("end", "svg")]
    assert {event[0] for event in parsed.events} <= {"start", "end", "data"}
    starts = parsed.starts()
    ident = starts[0][2]["aria-labelledby"].split()[0].removesuffix("-title")
    assert starts[0][2]["aria-labelledby"] == f"{ident}-title {ident}-desc"
    assert parsed.text_in(starts[1][0]) == title
    assert parsed.text_in(starts[2][0]) == description
    texts_drawn = [event for event in starts if event[1] == "text"]
    for (label, count), (count_text, label_text) in zip(
        bars, zip(texts_drawn[::2], texts_drawn[1::2], strict=True), strict=True
    ):
        assert parsed.text_in(count_text[0]) == str(count)
        assert parsed.text_in(label_text[0]) == label
        assert set(label_text[2]) == {"class", "x", "y", "text-anchor"}
