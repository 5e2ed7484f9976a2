"""Given and family names: the split rule, the backfill, full_name, the collation."""

import importlib
import sqlite3
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse

from accounts.models import User
from accounts.names import join_name, sorting_name, split_full_name
from classrooms.selectors import roster_of
from grades.selectors import gradebook
from school.collation import (
    SQLITE_COLLATION,
    name_key,
    person_ordering,
    register_sqlite_collation,
)
from tests import factories

backfill_migration = importlib.import_module("accounts.migrations.0004_backfill_names")

# full_name -> (given, family), by the rule of accounts.names and migration 0004.
SPLITS = [
    ("Ana María de la Cruz", ("Ana María", "de la Cruz")),
    ("Ludwig van Beethoven", ("Ludwig", "van Beethoven")),
    ("Alexander von Humboldt", ("Alexander", "von Humboldt")),
    ("Leonardo da Vinci", ("Leonardo", "da Vinci")),
    ("Pedro del Río", ("Pedro", "del Río")),
    ("José Ortega y Gasset", ("José Ortega", "y Gasset")),
    ("Jean le Rond", ("Jean", "le Rond")),
    ("Marie du Bois", ("Marie", "du Bois")),
    ("Maria dos Santos", ("Maria", "dos Santos")),
    ("Ana De la Cruz", ("Ana De", "la Cruz")),  # a capitalised "De" is no particle
    ("Gabriel García Márquez", ("Gabriel García", "Márquez")),  # staff fix these
    ("Sofía Student", ("Sofía", "Student")),
    ("Madonna", ("", "Madonna")),
    ("李明", ("", "李明")),
    ("de la", ("", "de la")),
    ("  Ana   María   de  la   Cruz ", ("Ana María", "de la Cruz")),
    ("\tZoë\nÅngström ", ("Zoë", "Ångström")),
    ("", ("", "")),
    ("   ", ("", "")),
]


@pytest.mark.parametrize(
    "split",
    [split_full_name, backfill_migration.split_full_name],
    ids=["accounts.names", "migration 0004"],
)
@pytest.mark.parametrize(("full_name", "parts"), SPLITS)
def test_the_split_rule(split, full_name, parts):
    assert tuple(split(full_name)) == parts


def test_the_migration_freezes_the_same_particles():
    from accounts import names

    assert backfill_migration.PARTICLES == names.PARTICLES


def test_join_and_sorting_name():
    assert join_name(" Ana  María ", "de la Cruz") == "Ana María de la Cruz"
    assert join_name("", "Madonna") == "Madonna"
    assert sorting_name("Ana María", "de la Cruz") == "de la Cruz, Ana María"
    assert sorting_name("", "Madonna") == "Madonna"


class _SchemaEditor:
    def __init__(self):
        self.connection = connection


@pytest.mark.django_db
def test_the_backfill_fills_both_parts_and_leaves_filled_ones_alone():
    old = {
        "Ana María de la Cruz": ("Ana María", "de la Cruz"),
        "Madonna": ("", "Madonna"),
        "  Jan   van  Eyck ": ("Jan", "van Eyck"),
    }
    users = [factories.StudentFactory() for _ in old]
    for user, full_name in zip(users, old, strict=True):
        # As the rows stood before migration 0003: only full_name.
        User.objects.filter(pk=user.pk).update(
            full_name=full_name, given_name="", family_name=""
        )
    kept = factories.StudentFactory(given_name="Carmen", family_name="Ruiz Ortega")

    backfill_migration.backfill(apps, _SchemaEditor())

    for user, parts in zip(users, old.values(), strict=True):
        user.refresh_from_db()
        assert (user.given_name, user.family_name) == parts
        assert user.full_name == join_name(*parts)
    kept.refresh_from_db()
    assert (kept.given_name, kept.family_name) == ("Carmen", "Ruiz Ortega")
    assert kept.full_name == "Carmen Ruiz Ortega"


@pytest.mark.django_db
class TestFullName:
    def test_it_is_rebuilt_from_the_parts_on_save(self):
        user = factories.StudentFactory(given_name="Ana", family_name="Cruz")
        user.given_name, user.family_name = "  Ana  María ", "de la Cruz"
        user.save()
        user.refresh_from_db()
        assert user.full_name == "Ana María de la Cruz"
        assert user.given_name == "Ana María"
        assert user.sorting_name == "de la Cruz, Ana María"
        assert str(user) == "Ana María de la Cruz"

    def test_saving_only_a_part_also_saves_full_name(self):
        user = factories.StudentFactory(given_name="Ana", family_name="Cruz")
        user.family_name = "Díaz"
        user.save(update_fields=["family_name"])
        user.refresh_from_db()
        assert user.full_name == "Ana Díaz"

    def test_code_that_sets_only_full_name_still_works(self):
        user = User.objects.create_user(
            "legacy@example.org", None, full_name="Pedro del Río"
        )
        assert (user.given_name, user.family_name) == ("Pedro", "del Río")
        loaded = User.objects.get(pk=user.pk)
        loaded.full_name = "Pedro Páramo"
        loaded.save()
        loaded.refresh_from_db()
        assert (loaded.given_name, loaded.family_name) == ("Pedro", "Páramo")
        assert loaded.full_name == "Pedro Páramo"

    def test_the_parts_win_when_both_change(self):
        user = factories.StudentFactory(given_name="Ana", family_name="Cruz")
        user.full_name = "Something Else"
        user.given_name = "Ana Sofía"
        user.save()
        assert user.full_name == "Ana Sofía Cruz"

    def test_a_one_word_name_is_a_family_name(self):
        user = factories.StudentFactory(full_name="Madonna")
        assert (user.given_name, user.family_name) == ("", "Madonna")
        assert user.sorting_name == "Madonna"
        assert user.get_short_name() == "Madonna"


# --- ordering ----------------------------------------------------------------------

# By family name, then given name: accents and case do not count first ("Ángel"
# with the A's), a family name sorts as written, particles included ("de la Cruz"
# under D, after "Dale" and before "Dean": a space sorts before the letters).
ORDERED = [
    ("Bea", "angel"),  # equal but for the accent: unaccented first
    ("Ana", "Ángel"),
    ("Émile", "Bruno"),  # the same family name: by given name
    ("Eva", "Bruno"),
    ("Zack", "Bruno"),
    ("Carla", "Cruz"),
    ("Dora", "Dale"),
    ("Ana María", "de la Cruz"),
    ("Dan", "Dean"),
    ("Diego", "Díaz"),
    ("Ada", "Œuvre"),  # a ligature as its two letters
    ("Olga", "Østergaard"),  # ø with the o's, as ICU sorts it
    ("Zara", "Zoë"),
]


@pytest.fixture
def named_students(classroom):
    students = []
    for given, family in reversed(ORDERED):
        student = factories.StudentFactory(given_name=given, family_name=family)
        factories.EnrollmentFactory(student=student, classroom=classroom)
        students.append(student)
    return students


def parts(users):
    return [(u.given_name, u.family_name) for u in users]


@pytest.mark.django_db
class TestOrdering:
    def test_the_database_orders_people_by_the_names_collation(self, named_students):
        pks = [s.pk for s in named_students]
        ordered = User.objects.filter(pk__in=pks).order_by(*person_ordering())
        assert parts(ordered) == ORDERED

    def test_python_sorts_the_same_way(self, named_students):
        ordered = sorted(
            named_students,
            key=lambda u: (name_key(u.family_name), name_key(u.given_name)),
        )
        assert parts(ordered) == ORDERED

    def test_the_sqlite_collation_sorts_names(self):
        # On a SQLite connection of its own, whatever database the suite runs on.
        raw = sqlite3.connect(":memory:")
        try:
            register_sqlite_collation(
                sender=None, connection=SimpleNamespace(vendor="sqlite", connection=raw)
            )
            rows = raw.execute(
                "SELECT n FROM (SELECT 'Zoë' AS n UNION ALL SELECT 'Ángel' "
                "UNION ALL SELECT 'Bruno') ORDER BY n COLLATE names"
            ).fetchall()
        finally:
            raw.close()
        assert SQLITE_COLLATION == "names"
        assert [row[0] for row in rows] == ["Ángel", "Bruno", "Zoë"]

    def test_the_roster_and_the_gradebook_follow_it(
        self, named_students, classroom, classroom_subject, term, student
    ):
        # The fixture's Sofía Student is in the class too: under S.
        expected = sorted(
            [*ORDERED, ("Sofía", "Student")],
            key=lambda p: (name_key(p[1]), name_key(p[0])),
        )
        assert expected.index(("Sofía", "Student")) == len(ORDERED) - 1
        roster = roster_of(classroom)
        assert parts(e.student for e in roster.current) == expected
        book = gradebook(classroom_subject, term)
        assert parts(row.student for row in book.rows) == expected

    def test_the_roster_page_shows_family_name_first_in_order(
        self, client, teacher, named_students, classroom
    ):
        client.force_login(teacher)
        page = client.get(reverse("classroom_detail", args=[classroom.pk]))
        html = page.content.decode()
        positions = [html.index(sorting_name(g, f)) for g, f in ORDERED]
        assert positions == sorted(positions)
