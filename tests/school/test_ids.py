"""The one reader of ids that arrive from outside (school.ids)."""

import pytest
from django.http import Http404
from django.urls import resolve, reverse
from django.urls.exceptions import Resolver404

from school.ids import MalformedId, id_or_400, id_or_404, parse_id

pytestmark = pytest.mark.django_db(databases=[])

FULL_WIDTH_SIX = chr(0xFF16)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1", 1), ("42", 42), ("007", 7), ("0", 0), ("9" * 18, 10**18 - 1)],
)
def test_it_reads_ascii_digits(text, expected):
    assert parse_id(text) == expected


def test_it_reads_ints_it_is_given():
    assert parse_id(17) == 17
    assert parse_id(-1) is None
    assert parse_id(True) is None


@pytest.mark.parametrize("text", ["٦", "٤٢", "۶", FULL_WIDTH_SIX, "४"])
def test_it_refuses_arabic_indic_and_other_scripts_digits(text):
    # int() reads each of these as a number: an alias of another id.
    assert int(text) >= 0
    assert parse_id(text) is None


@pytest.mark.parametrize("text", ["²", "①", "¹²"])
def test_it_refuses_superscript_and_circled_digits(text):
    # str.isdigit() says yes, int() raises.
    assert text.isdigit()
    assert parse_id(text) is None


@pytest.mark.parametrize("text", ["9" * 19, "1" + "0" * 18, "9" * 5000])
def test_it_refuses_more_than_18_digits(text):
    assert parse_id(text) is None


@pytest.mark.parametrize(
    "text", ["-1", "+1", " 1", "1 ", "1\n", "0x1", "1_000", "1e3", "1.0", "", "abc"]
)
def test_it_refuses_signs_spaces_and_other_notations(text):
    assert parse_id(text) is None


def test_it_refuses_nothing_at_all():
    assert parse_id(None) is None


def test_a_bad_id_is_a_404_where_it_names_the_page_object():
    assert id_or_404("12") == 12
    with pytest.raises(Http404):
        id_or_404("٦")


def test_a_bad_id_is_a_400_with_a_message_in_a_posted_body():
    assert id_or_400("12") == 12
    with pytest.raises(MalformedId) as raised:
        id_or_400("²", "Bad cell.")
    assert raised.value.message == "Bad cell."


@pytest.mark.parametrize("text", ["12", "9" * 18])
def test_the_url_converter_matches_ids(text):
    match = resolve(f"/classrooms/{text}/")
    assert match.kwargs == {"pk": int(text)}


@pytest.mark.parametrize("text", ["9" * 19, "%D9%A6", "-1", "%C2%B2"])
def test_the_url_converter_refuses_what_is_not_an_id(text):
    with pytest.raises(Resolver404):
        resolve(f"/classrooms/{text}/")


def test_urls_are_built_with_the_converter():
    assert reverse("classroom_detail", args=[12]) == "/classrooms/12/"
