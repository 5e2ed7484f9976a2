"""A district-size school for benchmarks, written straight into the tables.

`manage.py seed_bulk` runs it. The data is drawn from one `random.Random(seed)`
consumed in a fixed order, so the same options and seed give the same school.
It bypasses the services (no actor, no audit rows, no report bumps) on purpose:
its rows are benchmark data, not a school's records, and millions of them go in
only at the speed of COPY.

What it writes, for the current school year (the one `seed_demo` uses, reused when
it exists, with its terms and subjects):

- students and teachers `studentN@bulk.school` / `teacherN@bulk.school`, all with
  the password `PASSWORD` (hashed once, the same hash on every row);
- classrooms of 25 to 40 students across grade levels 1-12, each with every
  subject, its teacher assigned round-robin; each student's advisor is the
  homeroom teacher;
- per classroom subject three weighted categories, and per term N published
  assessments with a score for every student (mostly graded, some missing or
  excused, a few blank);
- a term grade for every student, classroom subject and term whose `computed`
  follows `grades.calc`, published (percent, letter, date) for the first term.

Everything seed_bulk writes hangs from its users (`@bulk.school`), which is what
`--reset` deletes: those users, their classrooms and everything in them, their
enrollments, advisors and grades, and the grade changes recorded on those grades.
Other users (the demo school, real accounts), school years, terms, subjects and
the grading scale stay.

On PostgreSQL every table is loaded with COPY in one transaction: ids are
assigned here (the tables are locked meanwhile) and the sequences moved past them
afterwards, the foreign keys of scores and term grades are checked once at the
end rather than row by row, and the tables are analyzed. On SQLite the same rows
go through `bulk_create`, slowly.

Modules (`bench.bulk_seed` re-exports what the command, the benchmarks and the tests
use):

- `plan`: sizes, subjects, categories, options, summary, and the pure arithmetic
  (class sizes, teacher and classroom counts, term grades in tenths);
- `writing`: COPY (or bulk_create), ids, progress, the PostgreSQL table chores;
- `school`: the school drawn and written table by table;
- `load`: `seed()`, the one transaction around it, and `--reset`.
"""

from .load import bulk_users, delete_bulk_data, seed
from .plan import (
    DEFAULT_ASSESSMENTS,
    DEFAULT_SEED,
    DEFAULT_STUDENTS,
    DEFAULT_SUBJECTS,
    DEFAULT_TERMS,
    DOMAIN,
    PASSWORD,
    SUBJECTS,
    Options,
    SeedError,
    Summary,
    TableFigures,
    class_sizes,
    classroom_count,
    teacher_count,
    term_tenths,
)
from .school import _School
from .writing import Progress

__all__ = [
    "DEFAULT_ASSESSMENTS",
    "DEFAULT_SEED",
    "DEFAULT_STUDENTS",
    "DEFAULT_SUBJECTS",
    "DEFAULT_TERMS",
    "DOMAIN",
    "PASSWORD",
    "SUBJECTS",
    "Options",
    "Progress",
    "SeedError",
    "Summary",
    "TableFigures",
    "_School",
    "bulk_users",
    "class_sizes",
    "classroom_count",
    "delete_bulk_data",
    "seed",
    "teacher_count",
    "term_tenths",
]
