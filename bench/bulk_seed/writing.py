"""Writing rows fast: COPY on PostgreSQL (bulk_create elsewhere), ids assigned
here, foreign keys checked once, progress shown per table."""

import itertools
import math
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max

from .plan import FILLED_MODELS, PROGRESS_STEP, Summary, TableFigures

# ---------------------------------------------------------------------------
# Progress


@dataclass
class _Table:
    total: int
    rows: int = 0
    seconds: float = 0.0
    shown_step: int = -1


class Progress:
    """Rows written per table and their rate.

    On a terminal one line is redrawn in place (`\\r`) with a bar; elsewhere (a
    log, a pipe) a plain line is written at every tenth and when a table is done.
    """

    BAR = 24

    def __init__(
        self,
        write: Callable[[str], None],
        *,
        tty: bool,
        interval: float = 0.2,
        clock: Callable[[], float] = time.perf_counter,
    ):
        self.write = write
        self.tty = tty
        self.interval = interval
        self.clock = clock
        self.tables: dict[str, _Table] = {}
        self.last_drawn = -math.inf

    def start(self, table: str, total: int) -> None:
        self.tables[table] = _Table(total=total)

    def add(self, table: str, rows: int, seconds: float) -> None:
        state = self.tables[table]
        state.rows += rows
        state.seconds += seconds
        done = state.rows >= state.total
        if self.tty:
            now = self.clock()
            if done or now - self.last_drawn >= self.interval:
                self.last_drawn = now
                self.write("\r" + self.line(table) + ("\n" if done else ""))
            return
        step = 10 if done else state.rows * 10 // max(1, state.total)
        if step > state.shown_step:
            state.shown_step = step
            self.write(self.line(table) + "\n")

    def line(self, table: str) -> str:
        state = self.tables[table]
        share = min(1.0, state.rows / state.total) if state.total else 1.0
        filled = round(share * self.BAR)
        rate = state.rows / state.seconds if state.seconds else 0.0
        return (
            f"{table:<28} [{'#' * filled}{'.' * (self.BAR - filled)}] "
            f"{share * 100:5.1f}% {state.rows:>10,}/{state.total:,} rows "
            f"{rate:>10,.0f} rows/s"
        )

    def figures(self) -> list[TableFigures]:
        return [
            TableFigures(table, state.rows, state.seconds)
            for table, state in self.tables.items()
        ]


# ---------------------------------------------------------------------------
# Writing rows


class Writer:
    """Inserts rows (tuples in `columns` order) with COPY, or bulk_create on SQLite."""

    def __init__(self, progress: Progress):
        self.progress = progress
        self.copy = connection.vendor == "postgresql"

    def write(
        self, model: type[models.Model], columns: tuple[str, ...], rows: Iterable
    ) -> None:
        """Insert `rows`, reporting each chunk once written.

        A chunk's time covers drawing its rows too: that is what a table costs. The
        last chunk of a COPY is reported only when the COPY has ended, with the
        work the server does at its end (the checks of the foreign keys left on).
        """
        table = model._meta.db_table
        started = time.perf_counter()

        def report(count: int) -> None:
            nonlocal started
            now = time.perf_counter()
            self.progress.add(table, count, now - started)
            started = now

        iterator = iter(rows)
        chunks = iter(lambda: list(itertools.islice(iterator, PROGRESS_STEP)), [])
        if not self.copy:
            for chunk in chunks:
                model.objects.bulk_create(
                    [model(**dict(zip(columns, row, strict=True))) for row in chunk],
                    batch_size=500,
                )
                report(len(chunk))
            return
        quote = connection.ops.quote_name
        sql = f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
        pending = 0
        with connection.cursor() as cursor, cursor.copy(sql) as copy:
            for chunk in chunks:
                if pending:
                    report(pending)
                for row in chunk:
                    copy.write_row(row)
                pending = len(chunk)
        if pending:
            report(pending)


class Ids:
    """Primary keys handed out here, after the highest one in the table."""

    def __init__(self):
        self.next = {}

    def take(self, model: type[models.Model], count: int) -> range:
        if model not in self.next:
            highest = model.objects.aggregate(highest=Max("pk"))["highest"]
            self.next[model] = (highest or 0) + 1
        first = self.next[model]
        self.next[model] = first + count
        return range(first, first + count)


def _lock_tables() -> None:
    # Ids are assigned here from the highest one in each table; an insert from
    # elsewhere waits until the load commits and the sequences have moved on.
    tables = ", ".join(
        connection.ops.quote_name(m._meta.db_table) for m in FILLED_MODELS
    )
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE")


@contextmanager
def _foreign_keys_checked_once(models_: list[type[models.Model]], summary: Summary):
    """Drop the foreign keys of `models_` for the load and add them back after.

    Checked row by row, each key costs a lookup and a lock on the row it points
    at: millions of them for the scores. Added back, a key is checked by one
    join over the table. Both happen in the load's transaction, so no other
    session ever sees the table without its keys.
    """
    tables = [m._meta.db_table for m in models_]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f' "
            "AND conrelid::regclass::text = ANY(%s) ORDER BY conrelid, conname",
            [tables],
        )
        keys = cursor.fetchall()
        quote = connection.ops.quote_name
        # A table with checks still queued (from the deletes of --reset) cannot
        # be altered: run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table, name, _definition in keys:
            cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
    yield
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for table, name, definition in keys:
            cursor.execute(
                f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}"
            )
    summary.key_check_seconds = time.perf_counter() - started


def _reset_sequences() -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), FILLED_MODELS)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def _analyze() -> None:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in FILLED_MODELS:
            cursor.execute(f"ANALYZE {quote(model._meta.db_table)}")
