"""A person's name in two parts, and the rule that splits a one-line name.

The rule (used by the backfill migration, by a roster import row that only has
`full_name`, and by code that still sets only `full_name`):

- words are separated by whitespace; extra spaces do not count;
- the family name is the last word, plus the lowercase particles right before it
  ("de", "del", "la", "van", "von", "da", "di", "le", "du", "y", ... see
  `PARTICLES`): "Ana María de la Cruz" is given "Ana María", family "de la Cruz";
- a particle only counts in lowercase: in "Ana De la Cruz" the family name is
  "la Cruz" (a capitalised "De" may be a given name's part);
- everything before is the given name; a one-word name is a family name alone.

The rule cannot know double surnames ("García Márquez") or family-first orders:
staff correct those in the admin, where both parts are edited on their own.
"""

from typing import NamedTuple

PARTICLES = frozenset(
    {
        "da",
        "das",
        "de",
        "degli",
        "del",
        "della",
        "dello",
        "den",
        "der",
        "des",
        "di",
        "do",
        "dos",
        "du",
        "la",
        "las",
        "le",
        "lo",
        "los",
        "ten",
        "ter",
        "van",
        "von",
        "y",
        "zu",
    }
)


class Name(NamedTuple):
    given: str
    family: str


def split_full_name(full_name: str | None) -> Name:
    """("Ana María", "de la Cruz") from "Ana María de la Cruz"; see the module."""
    words = (full_name or "").split()
    if not words:
        return Name("", "")
    start = len(words) - 1
    while start > 0 and words[start - 1] in PARTICLES:
        start -= 1
    return Name(" ".join(words[:start]), " ".join(words[start:]))


def join_name(given: str | None, family: str | None) -> str:
    """ "Given Family", either part possibly empty, spaces collapsed."""
    parts = (" ".join((part or "").split()) for part in (given, family))
    return " ".join(part for part in parts if part)


def sorting_name(given: str | None, family: str | None) -> str:
    """ "Family, Given" (or the one part there is), as class lists show it."""
    given, family = " ".join((given or "").split()), " ".join((family or "").split())
    if given and family:
        return f"{family}, {given}"
    return family or given
