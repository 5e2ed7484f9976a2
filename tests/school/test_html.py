from django.utils.html import escape
from django.utils.safestring import mark_safe

from school.html import escape_text


def test_it_escapes_like_django_for_text_and_quoted_attributes():
    value = """<a href="x" title='y'>Tom & Jerry</a>"""
    assert escape_text(value) == str(escape(value))
    assert escape_text(value) == (
        "&lt;a href=&quot;x&quot; title=&#x27;y&#x27;&gt;Tom &amp; Jerry&lt;/a&gt;"
    )


def test_it_escapes_even_text_marked_safe_elsewhere():
    # A builder takes plain values, never markup made elsewhere.
    assert escape_text(mark_safe("<b>")) == "&lt;b&gt;"


def test_it_writes_numbers_and_other_values_as_text():
    assert escape_text(42) == "42"
    assert escape_text(True) == "True"
    assert escape_text(None) == "None"
    assert escape_text(12.5) == "12.5"
