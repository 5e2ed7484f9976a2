"""Reading a posted gradebook grid into cell changes.

Each cell posts three fields: `c-<student>-<assessment>` (what is typed now),
`o-<student>-<assessment>` (what the page showed when it was loaded) and
`v-<student>-<assessment>` (the version of that score, empty when there was none).
A cell whose typed text equals its original is not a change. With JavaScript the
page disables unchanged cells before posting, so only changes travel.
"""

import re

from grades.services.scores import CellChange

CELL_FIELD = re.compile(r"^c-(\d+)-(\d+)$")


def cell_key(student_id: int, assessment_id: int) -> str:
    return f"{student_id}-{assessment_id}"


def _version(raw: str) -> int | None:
    raw = raw.strip()
    return int(raw) if raw.isdigit() else None


def grid_changes(post) -> list[CellChange]:
    changes = []
    for name, text in post.items():
        match = CELL_FIELD.match(name)
        if not match:
            continue
        key = f"{match[1]}-{match[2]}"
        if text.strip() == post.get(f"o-{key}", "").strip():
            continue
        changes.append(
            CellChange(
                student_id=int(match[1]),
                assessment_id=int(match[2]),
                text=text,
                version=_version(post.get(f"v-{key}", "")),
            )
        )
    return changes


def typed_values(post) -> dict[str, dict[str, str]]:
    """What the teacher typed, original and version per cell key, to re-show a grid."""
    typed = {}
    for name, text in post.items():
        match = CELL_FIELD.match(name)
        if match:
            key = f"{match[1]}-{match[2]}"
            typed[key] = {
                "text": text,
                "original": post.get(f"o-{key}", ""),
                "version": post.get(f"v-{key}", ""),
            }
    return typed
