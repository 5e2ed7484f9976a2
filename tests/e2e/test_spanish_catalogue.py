"""The Spanish catalogue ships complete, and the compiled one says the same.

No browser needed. Git does not keep file times, so "the .mo is up to date" is
checked by meaning: every message of the .po translates to its msgstr through the
compiled catalogue, read by the same `gettext` machinery Django uses.
"""

import gettext
from pathlib import Path

import polib
import pytest

LC_MESSAGES = Path(__file__).resolve().parents[2] / "locale" / "es" / "LC_MESSAGES"


@pytest.fixture(scope="module")
def po():
    return polib.pofile(str(LC_MESSAGES / "django.po"))


@pytest.fixture(scope="module")
def mo():
    with (LC_MESSAGES / "django.mo").open("rb") as file:
        return gettext.GNUTranslations(file)


def describe(entry):
    return f"line {entry.linenum}: {entry.msgid!r}"


def test_every_spanish_message_is_translated_and_none_is_fuzzy(po):
    live = [entry for entry in po if not entry.obsolete]
    assert len(live) > 100, "the catalogue looks empty"
    untranslated = [describe(entry) for entry in po.untranslated_entries()]
    fuzzy = [describe(entry) for entry in po.fuzzy_entries()]
    assert untranslated == []
    assert fuzzy == []


def plural_samples(mo, forms):
    """One count per plural form: the first n the catalogue's rule sends there."""
    samples = {}
    for n in [*range(200), 1_000_000]:
        samples.setdefault(mo.plural(n), n)
    assert sorted(samples) == list(range(forms)), samples
    return samples


def test_the_compiled_catalogue_matches_the_po_file(po, mo):
    forms = int(po.metadata["Plural-Forms"].split("nplurals=")[1].split(";")[0])
    samples = plural_samples(mo, forms)
    stale = []
    for entry in po.translated_entries():
        if entry.msgid_plural:
            for index, n in samples.items():
                if entry.msgctxt:
                    got = mo.npgettext(
                        entry.msgctxt, entry.msgid, entry.msgid_plural, n
                    )
                else:
                    got = mo.ngettext(entry.msgid, entry.msgid_plural, n)
                if got != entry.msgstr_plural[index]:
                    stale.append(f"{describe(entry)}[{index}]: .mo says {got!r}")
        else:
            if entry.msgctxt:
                got = mo.pgettext(entry.msgctxt, entry.msgid)
            else:
                got = mo.gettext(entry.msgid)
            if got != entry.msgstr:
                stale.append(f"{describe(entry)}: .mo says {got!r}")
    assert stale == [], "run `make messages` to recompile the catalogue"
