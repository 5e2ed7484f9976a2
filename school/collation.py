"""People's names in the order people read them: family name, then given name.

A plain ORDER BY compares code points: "Zoë" before "Ángel", "de la Cruz" after
"Zapata". Lists of people sort instead with a collation that ignores accents and
case first:

- on PostgreSQL, ICU's root collation (`und-x-icu`, shipped with every PostgreSQL
  built with ICU);
- on SQLite, the "names" collation registered here on every connection, which
  compares `name_key`: the name decomposed (NFKD), without its combining marks,
  case-folded, with the stroked letters (ø, ł, đ ...) read as their base
  letter; ties (names equal but for accents or case) break on the name as
  typed, so the order is total and stable. ICU breaks the same ties a little
  differently (accents first, then lower case before upper case); lists add
  the id as the last key either way.

A family name sorts under its first letter as written, particles included: "de la
Cruz" is under D (after "Dale", before "Díaz"), as Spanish lists print it.

`NameCollate(expression)` picks the collation when the query is compiled, by the
vendor of the connection compiling it, so it can sit in module-level orderings
(the admin's). `person_ordering(prefix)` is the whole order of a list of people.
`name_key` sorts in Python what the database sorts with the collation.
"""

import unicodedata

from django.db.models import F, Func

POSTGRESQL_COLLATION = "und-x-icu"
SQLITE_COLLATION = "names"
COLLATIONS = {"postgresql": POSTGRESQL_COLLATION, "sqlite": SQLITE_COLLATION}


# Letters that do not decompose, read as ICU reads them: stroked ones as their
# base letter, ligatures as their two letters.
UNDECOMPOSED = str.maketrans(
    {"ø": "o", "ł": "l", "đ": "d", "ħ": "h", "ŧ": "t", "æ": "ae", "œ": "oe"}
)


def name_key(value: str | None) -> tuple[str, str]:
    """Accents and case ignored first, then the name as typed."""
    value = value or ""
    decomposed = unicodedata.normalize("NFKD", value)
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    return (base.casefold().translate(UNDECOMPOSED), value)


def compare_names(a: str | None, b: str | None) -> int:
    key_a, key_b = name_key(a), name_key(b)
    return (key_a > key_b) - (key_a < key_b)


def register_sqlite_collation(sender, connection, **kwargs):
    """`connection_created` receiver: SQLite learns the "names" collation."""
    if connection.vendor == "sqlite":
        connection.connection.create_collation(SQLITE_COLLATION, compare_names)


class NameCollate(Func):
    """`expression COLLATE <the names collation of the compiling database>`.

    On a database without one, the expression as it is (code-point order).
    """

    function = "COLLATE"
    template = "%(expressions)s %(function)s %(collation)s"
    allowed_default = False

    def __init__(self, expression):
        if isinstance(expression, str):
            expression = F(expression)
        super().__init__(expression)

    def as_sql(self, compiler, connection, **extra_context):
        collation = COLLATIONS.get(connection.vendor)
        if collation is None:
            return compiler.compile(self.source_expressions[0])
        extra_context.setdefault("collation", connection.ops.quote_name(collation))
        return super().as_sql(compiler, connection, **extra_context)


def person_ordering(prefix: str = "") -> list:
    """`order_by(*person_ordering("student__"))`: family name, given name, id."""
    return [
        NameCollate(F(f"{prefix}family_name")).asc(),
        NameCollate(F(f"{prefix}given_name")).asc(),
        F(f"{prefix}pk").asc(),
    ]
