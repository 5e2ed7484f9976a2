"""Charts drawn on the server as inline SVG: pure functions, no JavaScript.

Every chart is an image to assistive technology (`role="img"`) named by its
`<title>` and described by its `<desc>`; the page shows the same numbers as text
or in a table next to it, so nothing is only in the picture.

Every interpolated value (labels, texts, numbers, ids) goes through
`school.html.escape_text`; the joined drawing is marked safe once, at the end.
"""

import hashlib

from django.utils.safestring import SafeString, mark_safe

from school.html import escape_text

# Geometry of the drawing (user units of the viewBox; the SVG scales to its box).
BAR_WIDTH = 36
GAP = 16
PLOT_HEIGHT = 120
TOP = 20  # room for the count above the tallest bar
BOTTOM = 28  # room for the labels under the axis
SIDE = 12


def _chart_id(title: str, description: str, bars) -> str:
    """A stable id for aria-labelledby: the same input always draws the same SVG."""
    digest = hashlib.sha256(repr((title, description, bars)).encode()).hexdigest()
    return f"chart-{digest[:10]}"


def bar_chart_svg(
    bars: list[tuple[str, int]], *, title: str, description: str
) -> SafeString:
    """A vertical bar chart: one bar per (label, count), the count written above it.

    Counts must be whole numbers of at least 0. An empty list draws only the axis.
    """
    for label, count in bars:
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise ValueError(f"Bar {label!r} needs a whole count >= 0, not {count!r}.")
    ident = escape_text(_chart_id(title, description, bars))
    slots = max(len(bars), 1)
    full_width = SIDE * 2 + slots * BAR_WIDTH + (slots - 1) * GAP
    axis_y = TOP + PLOT_HEIGHT
    highest = max((count for _label, count in bars), default=0)
    width, height = escape_text(full_width), escape_text(TOP + PLOT_HEIGHT + BOTTOM)
    side, axis_end = escape_text(SIDE), escape_text(full_width - SIDE)
    axis, label_y = escape_text(axis_y), escape_text(axis_y + 18)
    bar_width = escape_text(BAR_WIDTH)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-labelledby="{ident}-title {ident}-desc">',
        f'<title id="{ident}-title">{escape_text(title)}</title>',
        f'<desc id="{ident}-desc">{escape_text(description)}</desc>',
        f'<line class="chart__axis" x1="{side}" y1="{axis}" '
        f'x2="{axis_end}" y2="{axis}"/>',
    ]
    for index, (label, count) in enumerate(bars):
        x = SIDE + index * (BAR_WIDTH + GAP)
        bar_height = round(PLOT_HEIGHT * count / highest) if highest else 0
        y = axis_y - bar_height
        middle = escape_text(x + BAR_WIDTH // 2)
        parts.append(
            f'<g class="chart__bar"><rect x="{escape_text(x)}" y="{escape_text(y)}" '
            f'width="{bar_width}" height="{escape_text(bar_height)}"/>'
            f'<text class="chart__count" x="{middle}" y="{escape_text(y - 5)}" '
            f'text-anchor="middle">{escape_text(count)}</text>'
            f'<text class="chart__label" x="{middle}" y="{label_y}" '
            f'text-anchor="middle">{escape_text(label)}</text></g>'
        )
    parts.append("</svg>")
    # The one mark_safe: every value above went through escape_text.
    return mark_safe("".join(parts))  # noqa: S308
