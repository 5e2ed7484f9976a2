"""Report cards as PDF, with reportlab: one student per page.

`report_card_pdf(card)` makes one student's PDF; `report_cards_pdf(cards)` puts
several on consecutive pages (for batches). Text is drawn in DejaVu Sans (vendored
under static/fonts/, Bitstream Vera / DejaVu license), which covers Latin with
accents, Greek, Cyrillic and more; runs of Chinese and Japanese characters switch
to reportlab's built-in CID font STSong-Light and Korean Hangul to
HYSMyeongJo-Medium (Adobe's Asian font packs: the PDF names them, the reader's
viewer supplies the glyphs). Scripts neither covers (Arabic shaping, Indic
scripts) may render without correct shaping.
"""

import io
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from grades.report_cards import ReportCard

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
CJK_FONT = "STSong-Light"
HANGUL_FONT = "HYSMyeongJo-Medium"
FONT_DIR = Path(settings.BASE_DIR) / "static" / "fonts"

_CJK = re.compile(
    "[\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]+"
)
_HANGUL = re.compile("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]+")

_registered = False


def _register_fonts() -> None:
    global _registered
    if _registered:
        return
    pdfmetrics.registerFont(TTFont(FONT, str(FONT_DIR / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(
        FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD
    )
    pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    pdfmetrics.registerFont(UnicodeCIDFont(HANGUL_FONT))
    _registered = True


def markup(text: str) -> str:
    """Escaped Paragraph markup with CJK and Hangul runs in fonts that draw them."""
    out = []
    position = 0
    pattern = re.compile(f"(?P<cjk>{_CJK.pattern})|(?P<hangul>{_HANGUL.pattern})")
    for match in pattern.finditer(text):
        out.append(escape(text[position : match.start()]))
        font = CJK_FONT if match.lastgroup == "cjk" else HANGUL_FONT
        out.append(f'<font name="{font}">{escape(match.group())}</font>')
        position = match.end()
    out.append(escape(text[position:]))
    return "".join(out).replace("\n", "<br/>")


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=FONT, fontSize=9.5, leading=12)
    return {
        "base": base,
        "school": ParagraphStyle(
            "school", parent=base, fontName=FONT_BOLD, fontSize=16, leading=20
        ),
        "title": ParagraphStyle("title", parent=base, fontSize=12, leading=16),
        "head": ParagraphStyle("head", parent=base, fontName=FONT_BOLD),
        "muted": ParagraphStyle(
            "muted", parent=base, textColor=colors.HexColor("#444")
        ),
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10),
    }


def _percent(value) -> str:
    return f"{number_format(value, 1)} %"


def _labelled(label: str, value_markup: str) -> str:
    return f"<b>{escape(label)}</b> {value_markup}"


def _card_story(card: ReportCard, styles) -> list:
    p = Paragraph
    story = [
        p(markup(card.school_name), styles["school"]),
        p(markup(_("Report card")), styles["title"]),
        Spacer(0, 3 * mm),
        p(
            _labelled(_("Student:"), markup(card.student.full_name)),
            styles["base"],
        ),
        p(
            _labelled(_("Term:"), markup(card.term.name))
            + " · "
            + _labelled(_("School year:"), markup(card.school_year.name)),
            styles["base"],
        ),
        Spacer(0, 5 * mm),
    ]
    rows = [
        [
            p(escape(_("Subject")), styles["head"]),
            p(escape(_("Teacher")), styles["head"]),
            p(escape(_("Grade")), styles["head"]),
            p(escape(_("Teacher's comment")), styles["head"]),
        ]
    ]
    for line in card.lines:
        subject = markup(line.subject_name)
        if line.withdrawn_on:
            withdrawn = _("Withdrawn %(date)s") % {
                "date": line.withdrawn_on.isoformat()
            }
            subject += f"<br/><font size=7>{escape(withdrawn)}</font>"
        if line.is_published:
            grade = f"<b>{escape(_percent(line.percent))}</b> {markup(line.letter)}"
        else:
            grade = escape(_("Not yet published"))
        rows.append(
            [
                p(subject, styles["base"]),
                p(markup(line.teacher_name), styles["base"]),
                p(grade, styles["base"]),
                p(markup(line.comment) or "—", styles["base"]),
            ]
        )
    if not card.lines:
        rows.append(
            [p(escape(_("No subjects for this term.")), styles["muted"]), "", "", ""]
        )
    table = Table(rows, colWidths=[34 * mm, 34 * mm, 40 * mm, 62 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, 0), 1, colors.black),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    story.append(table)
    story.append(Spacer(0, 4 * mm))
    average = card.overall_average
    if average is not None:
        story.append(
            p(
                _labelled(_("Overall average:"), escape(_percent(average))),
                styles["title"],
            )
        )
        story.append(
            p(
                escape(_("Plain mean of the published subject percentages.")),
                styles["small"],
            )
        )
    else:
        story.append(
            p(escape(_("No grade is published for this term yet.")), styles["muted"])
        )
    if not card.complete:
        story.append(Spacer(0, 2 * mm))
        story.append(
            p(escape(_("Only the subjects you teach are shown.")), styles["small"])
        )
    return [KeepTogether(story[:6]), *story[6:]]


class _CardDrawn(Flowable):
    """Draws nothing; tells `on_card` how many cards are on paper so far."""

    def __init__(self, count: int, on_card: Callable[[int], None]):
        super().__init__()
        self.count = count
        self.on_card = on_card

    def wrap(self, available_width, available_height):
        return (0, 0)

    def draw(self):
        self.on_card(self.count)


def report_cards_pdf(
    cards: Iterable[ReportCard], on_card: Callable[[int], None] | None = None
) -> bytes:
    """Several report cards in one PDF, each starting on its own page.

    `on_card(n)` is called as the n-th card has been laid out, for progress.
    """
    _register_fonts()
    styles = _styles()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,  # 210 mm wide; the 170 mm of content fits Letter too
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=_("Report card"),
    )
    story = []
    for index, card in enumerate(cards):
        if index:
            story.append(PageBreak())
        story.extend(_card_story(card, styles))
        if on_card is not None:
            story.append(_CardDrawn(index + 1, on_card))
    if not story:
        story.append(Paragraph(escape(_("No report cards.")), styles["base"]))
    document.build(story)
    return buffer.getvalue()


def report_card_pdf(card: ReportCard) -> bytes:
    """One student's report card for one term as PDF bytes."""
    return report_cards_pdf([card])
