"""HTML written by code instead of the template engine, escaped in one place.

The gradebook grid (1,200 inputs on a 40 x 30 page) and the SVG charts are built
as joined f-strings: the template engine, or `format_html` for every cell, costs
tens of milliseconds a page. Every value interpolated into such markup goes
through `escape_text`, for text and attribute values alike (quotes included), and
each builder marks its joined result safe exactly once, at its end.

`escape_text` escapes always, even a `SafeString`: a builder takes plain values
(names, titles, numbers it formatted), never markup made elsewhere. The output is
that of `django.utils.html.escape`, without its `SafeString` wrapper per value.
"""

from html import escape as _escape


def escape_text(value) -> str:
    """`value` as text safe in an HTML (or SVG) text node or quoted attribute.

    Escapes `& < > " '`; a whole number needs none and is only converted.
    """
    if type(value) is int:
        return str(value)
    return _escape(str(value), quote=True)
