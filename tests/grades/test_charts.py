import xml.etree.ElementTree as ET

import pytest
from django.utils.safestring import SafeString

from grades.charts import PLOT_HEIGHT, bar_chart_svg

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup):
    # Our own markup, drawn in the test: not untrusted input.
    return ET.fromstring(str(markup))  # noqa: S314


def bars_of(root):
    return [
        (
            group.find(f"{SVG}text[@class='chart__label']").text,
            int(group.find(f"{SVG}text[@class='chart__count']").text),
            int(group.find(f"{SVG}rect").get("height")),
        )
        for group in root.iter(f"{SVG}g")
    ]


def test_it_draws_well_formed_svg_with_role_img_title_and_desc():
    markup = bar_chart_svg(
        [("A", 3), ("B", 5)], title="Students per letter", description="A 3, B 5."
    )
    assert isinstance(markup, SafeString)
    root = parse(markup)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert title.text == "Students per letter"
    assert desc.text == "A 3, B 5."
    # The accessible name and description point at the title and desc.
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"


def test_it_draws_one_bar_per_count_scaled_to_the_highest():
    root = parse(
        bar_chart_svg([("A", 2), ("B", 4), ("F", 0)], title="t", description="d")
    )
    assert bars_of(root) == [
        ("A", 2, PLOT_HEIGHT // 2),
        ("B", 4, PLOT_HEIGHT),
        ("F", 0, 0),
    ]


def test_it_escapes_labels_title_and_description():
    markup = bar_chart_svg(
        [('<script>"x"</script>', 1)],
        title="<b>Title & co</b>",
        description="</desc><script>alert(1)</script>",
    )
    assert "<script>" not in markup
    assert "<b>" not in markup
    root = parse(markup)
    assert root.find(f"{SVG}title").text == "<b>Title & co</b>"
    assert root.find(f"{SVG}desc").text == "</desc><script>alert(1)</script>"
    assert bars_of(root)[0][0] == '<script>"x"</script>'


def test_it_draws_only_the_axis_when_there_are_no_bars_or_all_are_zero():
    empty = parse(bar_chart_svg([], title="t", description="d"))
    assert bars_of(empty) == []
    assert empty.find(f"{SVG}line") is not None
    zeros = parse(bar_chart_svg([("A", 0), ("B", 0)], title="t", description="d"))
    assert [height for _label, _count, height in bars_of(zeros)] == [0, 0]


def test_it_is_pure_the_same_input_draws_the_same_markup():
    first = bar_chart_svg([("A", 1)], title="t", description="d")
    assert first == bar_chart_svg([("A", 1)], title="t", description="d")
    # Two different charts on one page get different ids.
    other = bar_chart_svg([("A", 2)], title="t", description="d")
    assert parse(first).find(f"{SVG}title").get("id") != parse(other).find(
        f"{SVG}title"
    ).get("id")


@pytest.mark.parametrize("count", [-1, 1.5, "3", True])
def test_it_rejects_counts_that_are_not_whole_and_non_negative(count):
    with pytest.raises(ValueError, match="whole count"):
        bar_chart_svg([("A", count)], title="t", description="d")
