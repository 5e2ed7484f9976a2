"""Assertions shared by the model tests: a rule holds at both layers.

Model validation (`full_clean()`) gives the person a clear message; the database
constraint keeps the rule when a write goes past validation (bulk_create, update).

pytest rewrites the `assert` statements of test modules and conftest files only,
so each assertion here carries its own message with the values it compared.
"""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction


def assert_invalid(instance, field, message):
    """Validation refuses `instance` with `message` on `field`; nothing is saved."""
    model = type(instance)
    before = model.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        instance.full_clean()
        instance.save()
    errors = excinfo.value.message_dict
    assert message in errors.get(field, []), errors
    after = model.objects.count()
    assert after == before, f"{model.__name__} rows: {before} before, {after} after"
    return errors


def violated_constraint_text(model, name):
    """How the database names the constraint `name` when a write violates it."""
    if connection.vendor != "sqlite":
        return f'"{name}"'
    constraint = next(c for c in model._meta.constraints if c.name == name)
    if isinstance(constraint, models.CheckConstraint):
        return f"CHECK constraint failed: {name}"
    if constraint.expressions:
        return f"index '{name}'"
    table = model._meta.db_table
    columns = (model._meta.get_field(field).column for field in constraint.fields)
    return "UNIQUE constraint failed: " + ", ".join(f"{table}.{c}" for c in columns)


def violated_unique_field_text(model, field):
    """How the database names the `unique=True` of `field` when a write violates it."""
    table = model._meta.db_table
    column = model._meta.get_field(field).column
    if connection.vendor == "sqlite":
        return f"UNIQUE constraint failed: {table}.{column}"
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    name = next(
        name
        for name, details in constraints.items()
        if details["unique"]
        and not details["primary_key"]
        and details["columns"] == [column]
    )
    return f'"{name}"'


def assert_db_rejects(model, write, constraint=None, *, unique_field=None):
    """`write` goes past validation: the database itself refuses it.

    Name what must refuse it: the Meta constraint `constraint`, or the
    `unique=True` of the field `unique_field`.
    """
    if (constraint is None) == (unique_field is None):
        raise TypeError("Pass exactly one of `constraint` and `unique_field`.")
    before = model.objects.count()
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        write()
    if unique_field is not None:
        expected = violated_unique_field_text(model, unique_field)
    else:
        expected = violated_constraint_text(model, constraint)
    assert expected in str(excinfo.value), (expected, str(excinfo.value))
    after = model.objects.count()
    assert after == before, f"{model.__name__} rows: {before} before, {after} after"
