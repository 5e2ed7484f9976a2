"""A small HTML validity check: no duplicate ids, no stray or mismatched end tags.

Browsers repair broken markup silently, so this reads the HTML as the server sent
it (not the browser's DOM). It is deliberately narrower than a full validator:
enough to catch a template that closes the wrong element, forgets to close one,
or repeats an id (which breaks labels, aria-labelledby and aria-describedby).
"""

from html.parser import HTMLParser

VOID = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
    ]
)
# Elements whose end tag HTML allows to be left out.
OPTIONAL_END = frozenset(
    [
        "html",
        "head",
        "body",
        "p",
        "li",
        "dt",
        "dd",
        "option",
        "optgroup",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "td",
        "th",
        "colgroup",
        "caption",
        "rt",
        "rp",
    ]
)
# Foreign content, where XML's self-closing tags are allowed.
FOREIGN = frozenset(["svg", "math"])


class _Checker(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, int]] = []
        self.ids: dict[str, int] = {}
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        line = self.getpos()[0]
        for name, value in attrs:
            if name == "id":
                if not value:
                    self.problems.append(f"line {line}: empty id on <{tag}>")
                elif value in self.ids:
                    self.problems.append(
                        f'line {line}: duplicate id "{value}" '
                        f"(first on line {self.ids[value]})"
                    )
                else:
                    self.ids[value] = line
        if tag not in VOID:
            self.stack.append((tag, line))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in VOID:
            return
        if any(name in FOREIGN for name, _line in self.stack):
            # Inside SVG or MathML, `<rect/>` is a complete element.
            self.stack.pop()
        else:
            # In HTML `<div/>` opens a div that is never closed.
            self.problems.append(f"line {self.getpos()[0]}: self-closing <{tag}/>")

    def handle_endtag(self, tag):
        line = self.getpos()[0]
        if tag in VOID:
            self.problems.append(f"line {line}: end tag </{tag}> of a void element")
            return
        open_tags = [name for name, _line in self.stack]
        if tag not in open_tags:
            self.problems.append(f"line {line}: stray end tag </{tag}>")
            return
        while self.stack:
            name, opened = self.stack.pop()
            if name == tag:
                return
            if name not in OPTIONAL_END:
                self.problems.append(
                    f"line {line}: </{tag}> closes <{name}> opened on line {opened}"
                )

    def close(self):
        super().close()
        for name, opened in self.stack:
            if name not in OPTIONAL_END:
                self.problems.append(f"<{name}> opened on line {opened} never closed")


def html_problems(html: str) -> list[str]:
    """The problems found in a page's HTML, empty when there are none."""
    checker = _Checker()
    checker.feed(html)
    checker.close()
    return checker.problems
