"""Every hot path of the portal, measured on a small and a large school in one run.

Run (PostgreSQL and Redis required):
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/school_bench \\
  REDIS_URL=redis://127.0.0.1:6379/1 \\
  .venv/bin/python bench/run.py [--sizes small,large] [--runs 7]

For each size it creates a throwaway test database next to the one named, loads a
school into it with seed_bulk (small: 1,000 students; large: 50,000), adds two
gradebook grids (40 students x 30 assessments, 60 x 40, a score in every cell),
measures each path with the Django test client in process (median and 95th
percentile of the server time, and queries) and drops the database. It prints a
table per size, the large set's figures as a ratio of the small set's, each path
against its target, and writes everything to bench/results/latest.json.
"""

import argparse
import csv
import io
import json
import os
import platform
import sys
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from harness import RUNS, Timing, setup_django, timed

setup_django()

import django  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_redis import get_redis_connection  # noqa: E402
from fixtures import CellAutosave, FullSave, build_grid  # noqa: E402

from accounts.models import Role, User  # noqa: E402
from accounts.services import user_sync_school_admin_group  # noqa: E402
from bench import bulk_seed  # noqa: E402
from classrooms.models import Classroom, Enrollment, Term  # noqa: E402
from grades.models import ReportBatch  # noqa: E402
from grades.services.report_batch_build import report_batch_build  # noqa: E402
from school.demo import school_year_bounds  # noqa: E402

SIZES = {"small": 1_000, "large": 50_000}
SEED = 1
RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"
# The slow paths run fewer times than the pages.
BATCH_RUNS = 3
IMPORT_RUNS = {1_000: 3, 10_000: 1}
IMPORT_VIA = (
    "the admin's import view (Students and teachers, CSV): the dry run with its "
    "preview page, then the confirmed import"
)
REPORT_CLASS_SIZE = 40
PROGRESS_UPDATE = '"grades_reportbatch" SET "done"'
# Within this ratio the large school's time counts as the small school's.
SCALE_TOLERANCE = 1.25


@dataclass(frozen=True)
class Target:
    """A path's target: at most `queries` and `ms`; `same_as`: the same queries as
    that path; `fixed`: the same queries on both data sets; `bounded`: a query
    count that does not grow with the rows of the file."""

    text: str
    queries: int | None = None
    ms: float | None = None
    same_as: str | None = None
    fixed: bool = False
    bounded: bool = False


TARGETS = {
    "gradebook_40x30": Target("<= 12 q, <= 25 ms", queries=12, ms=25),
    "gradebook_60x40": Target(
        "<= 12 q, same as 40 x 30", queries=12, same_as="gradebook_40x30"
    ),
    "save_40x30": Target("<= 20 q, <= 150 ms", queries=20, ms=150),
    "autosave": Target("<= 8 q, <= 10 ms", queries=8, ms=10),
    "report_card_cold": Target("<= 10 q, <= 10 ms", queries=10, ms=10),
    "report_card_cached": Target("<= 10 q, <= 4 ms", queries=10, ms=4),
    "class_report_cold": Target("fixed q, <= 60 ms", ms=60, fixed=True),
    "class_report_cached": Target("fixed q, <= 60 ms", ms=60, fixed=True),
    "school_report": Target("fixed q, <= 300 ms", ms=300, fixed=True),
    "batch_pdf": Target("fixed q, <= 1 s", ms=1000, fixed=True),
    "import_10000": Target("bounded q, <= 20 s", ms=20_000, bounded=True),
}
# Imports change with the file, not with the school: no large/small comparison.
NOT_COMPARED = {"import_1000", "import_10000"}


@dataclass
class Row:
    key: str
    label: str
    timing: Timing
    note: str = ""


def bulk_email(kind: str, number: int = 1) -> str:
    return f"{kind}{number}@{bulk_seed.DOMAIN}"


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def roster_csv(rows: int, prefix: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["email", "full_name", "role", "language"])
    for n in range(rows):
        writer.writerow(
            [f"{prefix}-{n}@import.example", f"Imported {n}", "student", ""]
        )
    return out.getvalue().encode()


class RosterImport:
    """One upload of new students through the admin: dry run, then confirm."""

    def __init__(self, client, rows: int):
        self.client, self.rows, self.count = client, rows, 0
        self.url = reverse("admin:accounts_user_import")
        self.confirm_url = reverse("admin:accounts_user_process_import")

    def __call__(self):
        self.count += 1
        content = roster_csv(self.rows, f"roster{self.rows}-{self.count}")
        dry_run = self.client.post(
            self.url,
            {"format": "0", "import_file": SimpleUploadedFile("roster.csv", content)},
        )
        form = (dry_run.context or {}).get("confirm_form")
        if form is None:
            raise SystemExit(f"the import's dry run refused the file ({self.rows})")
        return self.client.post(
            self.confirm_url, {name: form.initial[name] for name in form.fields}
        )


def not_progress(sql: str) -> bool:
    return not sql.startswith(f"UPDATE {PROGRESS_UPDATE}")


def report_classroom(term: Term) -> Classroom:
    """A seeded classroom of 40 current students (else the largest), every subject
    published for the first term by seed_bulk."""
    rooms = (
        Classroom.objects.filter(school_year_id=term.school_year_id)
        .filter(teacher__email__iendswith=f"@{bulk_seed.DOMAIN}")
        .annotate(
            size=Count(
                "enrollments", filter=Enrollment.current_q(prefix="enrollments__")
            )
        )
    )
    exact = rooms.filter(size=REPORT_CLASS_SIZE).order_by("pk").first()
    return exact or rooms.order_by("-size", "pk").first()


def measure_school(runs: int) -> list[Row]:
    """Every path on the school in the current database."""
    # seed_bulk's school year is the current one; its first term is published.
    year_name = school_year_bounds(timezone.localdate())[0]
    term = Term.objects.filter(school_year__name=year_name).order_by("starts_on")[0]
    rows: list[Row] = []

    def add(key, label, call, *, runs=runs, warm=True, note="", **options):
        """Measure `call`; `options` go to `timed` (ok, before, counted)."""
        if warm:
            if options.get("before") is not None:
                options["before"]()
            call()
        timing = timed(call, runs=runs, **options)
        rows.append(Row(key, label, timing, note))
        print(f"  {label:<44} {timing.median_ms:>9.1f} ms {timing.queries:>5.0f} q")

    anonymous = Client()
    add("health", "/health-check", partial(anonymous.get, reverse("health_check")))

    login_clients = []

    def login():
        return login_clients[-1].post(
            reverse("login"),
            {"username": bulk_email("student"), "password": bulk_seed.PASSWORD},
        )

    add(
        "login",
        "login (POST, real password)",
        login,
        ok=(302,),
        before=lambda: login_clients.append(Client()),
    )

    teacher = User.objects.get(email=bulk_email("teacher"))
    add(
        "my_classes",
        "my classes (teacher)",
        partial(logged_in(teacher).get, reverse("my_classes")),
    )

    grid_40 = build_grid(40, 30, "40x30", term=term)
    grid_60 = build_grid(60, 40, "60x40", term=term)
    for key, grid in (("gradebook_40x30", grid_40), ("gradebook_60x40", grid_60)):
        client = logged_in(grid.teacher)
        add(key, f"gradebook GET, {grid.label}", partial(client.get, grid.url))
    client = logged_in(grid_40.teacher)
    add(
        "save_40x30",
        f"whole-grid save, {grid_40.label} (every cell)",
        FullSave(client, grid_40),
        ok=(302,),
    )
    add("autosave", "one-cell autosave (cells endpoint)", CellAutosave(client, grid_40))
    term_grades_url = reverse(
        "term_grades",
        args=[
            grid_40.classroom_subject.classroom_id,
            grid_40.classroom_subject.pk,
            term.pk,
        ],
    )
    add(
        "term_grades",
        f"term grades page, {grid_40.label}",
        partial(client.get, term_grades_url),
    )

    classroom = report_classroom(term)
    students = list(
        classroom.enrollments.current().order_by("pk").values_list("student", flat=True)
    )
    student = User.objects.get(pk=students[0])
    card = partial(logged_in(student).get, reverse("report_card") + f"?term={term.pk}")
    add("report_card_cold", "report card (student), cold", card, before=cache.clear)
    add("report_card_cached", "report card (student), cached", card)

    subject = classroom.subjects.select_related("teacher").order_by("pk").first()
    class_report = partial(
        logged_in(subject.teacher).get,
        reverse("class_report", args=[classroom.pk, subject.pk, term.pk]),
    )
    size = len(students)
    add(
        "class_report_cold",
        f"class report, {size} students, cold",
        class_report,
        before=cache.clear,
    )
    add("class_report_cached", f"class report, {size} students, cached", class_report)

    admin = User.objects.create_user(
        "bench-admin@example.org",
        bulk_seed.PASSWORD,
        full_name="Bench Admin",
        role=Role.ADMIN,
    )
    # A raw loader, like seed_bulk: the group user_create would grant, by hand.
    user_sync_school_admin_group(user=admin)
    admin_client = logged_in(admin)
    add(
        "school_report",
        "school report (staff)",
        partial(admin_client.get, reverse("school_report") + f"?term={term.pk}"),
    )

    def batch_pdf():
        batch = ReportBatch.objects.create(
            requested_by=admin, term=term, classroom=classroom, total=size
        )
        report_batch_build(batch.pk)

    add(
        "batch_pdf",
        f"batch PDF, {size} report cards (task), cold",
        batch_pdf,
        before=cache.clear,
        runs=min(runs, BATCH_RUNS),
        counted=not_progress,
        note="not counted: progress updates, at most 2 a second (time, not data)",
    )
    built = ReportBatch.objects.order_by("-pk").first()
    if built.status != "done" or built.done != size:
        raise SystemExit(f"the batch PDF was not built: {built.status}")

    for count, import_runs in IMPORT_RUNS.items():
        add(
            f"import_{count}",
            f"roster CSV import, {count:,} new students",
            RosterImport(admin_client, count),
            ok=(302,),
            runs=min(runs, import_runs),
            warm=False,
        )
    return rows


def load_and_measure(name: str, students: int, runs: int) -> dict:
    old_name = connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        # Cached pages of the previous data set would answer for this one.
        cache.clear()
        info = machine()
        print(
            f"PostgreSQL {info['postgresql']}, Redis {info['redis']}, Python "
            f"{info['python']}, {info['cpus']} CPUs; median of {runs} runs"
        )
        print(f"\n{name}: loading {students:,} students with seed_bulk...")
        progress = bulk_seed.Progress(sys.stderr.write, tty=sys.stderr.isatty())
        summary = bulk_seed.seed(
            bulk_seed.Options(students=students, seed=SEED), progress
        )
        print(f"{name}: {summary.rows:,} rows in {summary.seconds:.0f} s; measuring")
        rows = measure_school(runs)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        cache.clear()
    return {
        "machine": info,
        "students": students,
        "rows_loaded": summary.rows,
        "load_seconds": round(summary.seconds, 1),
        "rows": rows,
    }


# ---------------------------------------------------------------------------
# Targets and output


def verdict(ok: bool | None) -> str:
    return "" if ok is None else ("met" if ok else "NOT met")


def target_met(row: Row, by_key: dict[str, Row], other: dict[str, Row] | None):
    """Whether `row` meets its target on this data set (None: no target).

    `other` is the other data set's rows, for the targets that compare sizes.
    """
    target = TARGETS.get(row.key)
    if target is None:
        return None
    timing = row.timing
    checks = []
    if target.queries is not None:
        checks.append(timing.queries <= target.queries)
    if target.ms is not None:
        checks.append(timing.median_ms <= target.ms)
    if target.same_as is not None:
        checks.append(timing.queries == by_key[target.same_as].timing.queries)
    if target.fixed and other is not None and row.key in other:
        checks.append(timing.queries == other[row.key].timing.queries)
    if target.bounded:
        small = by_key["import_1000"].timing.queries
        # Fewer than one more query per 100 more rows: nothing done row by row.
        added_rows = max(IMPORT_RUNS) - min(IMPORT_RUNS)
        checks.append(timing.queries - small < added_rows / 100)
    return all(checks)


def scaling(large: Row, small: Row) -> dict:
    time_ratio = large.timing.median_ms / small.timing.median_ms
    same_queries = large.timing.queries == small.timing.queries
    return {
        "time_ratio": round(time_ratio, 2),
        "queries_small": small.timing.queries,
        "queries_large": large.timing.queries,
        "met": same_queries and time_ratio <= SCALE_TOLERANCE,
    }


def print_table(name: str, result: dict, compare: dict[str, dict] | None) -> None:
    rows = result["rows"]
    health = rows[0].timing.median_ms
    header = (
        f"{'path':<44} {'median ms':>10} {'p95 ms':>9} {'queries':>8} "
        f"{'x health':>9}  {'target':<26} {'':<8}"
    )
    if compare is not None:
        header += f" {'L/S time':>8} {'L/S q':>9} {'':<7}"
    print(f"\n{name}: {result['students']:,} students")
    header = header.rstrip()
    print(header)
    print("-" * len(header))
    for row in rows:
        timing = row.timing
        target = TARGETS.get(row.key)
        line = (
            f"{row.label:<44} {timing.median_ms:>10.1f} {timing.p95_ms:>9.1f} "
            f"{timing.queries:>8.0f} {timing.median_ms / health:>9.1f}  "
            f"{target.text if target else '':<26} {verdict(result['met'][row.key]):<8}"
        )
        if compare is not None and row.key in compare:
            figures = compare[row.key]
            queries = f"{figures['queries_small']:.0f}->{figures['queries_large']:.0f}"
            line += (
                f" {figures['time_ratio']:>7.2f}x {queries:>9} "
                f"{verdict(figures['met']):<7}"
            )
        print(line.rstrip())
    for row in rows:
        if row.note:
            print(f"  {row.label}: {row.note}")


def machine() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    redis = get_redis_connection("default").info("server")["redis_version"]
    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": postgres,
        "redis": redis,
    }


def as_json(row: Row, met, health: float) -> dict:
    timing = row.timing
    return {
        "label": row.label,
        "median_ms": round(timing.median_ms, 1),
        "p95_ms": round(timing.p95_ms, 1),
        "queries": timing.queries,
        "max_queries": timing.max_queries,
        "runs": timing.runs,
        "x_health": round(timing.median_ms / health, 1),
        "target": TARGETS[row.key].text if row.key in TARGETS else None,
        "met": met,
        "note": row.note or None,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default="small,large",
        help="Data sets to measure, comma-separated: small (1,000 students), "
        "large (50,000).",
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=RUNS,
        help=f"Runs per path (default {RUNS}); the batch PDF runs at most "
        f"{BATCH_RUNS} times, the imports at most "
        + ", ".join(f"{n} ({rows:,} rows)" for rows, n in IMPORT_RUNS.items())
        + ".",
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    options = parser.parse_args()
    sizes = [s.strip() for s in options.sizes.split(",") if s.strip()]
    unknown = set(sizes) - set(SIZES)
    if unknown or not sizes or options.runs < 1:
        parser.error(f"--sizes takes {', '.join(SIZES)}; --runs at least 1")
    if connection.vendor != "postgresql" or not os.environ.get("REDIS_URL"):
        raise SystemExit(
            "run.py measures PostgreSQL + Redis: set DATABASE_URL and REDIS_URL"
        )

    setup_test_environment()
    started = time.perf_counter()
    results = {
        name: load_and_measure(name, SIZES[name], options.runs) for name in sizes
    }

    compare = None
    if "small" in results and "large" in results:
        small = {row.key: row for row in results["small"]["rows"]}
        compare = {
            row.key: scaling(row, small[row.key])
            for row in results["large"]["rows"]
            if row.key not in NOT_COMPARED and row.key in small
        }
    for name, result in results.items():
        by_key = {row.key: row for row in result["rows"]}
        others = [r for n, r in results.items() if n != name]
        other = {row.key: row for row in others[0]["rows"]} if others else None
        result["met"] = {
            row.key: target_met(row, by_key, other) for row in result["rows"]
        }
        print_table(name, result, compare if name == "large" else None)
    seconds = time.perf_counter() - started
    print(f"\nwhole run: {seconds:.0f} s; roster imports through {IMPORT_VIA}")

    document = {
        "generated_at": timezone.now().isoformat(timespec="seconds"),
        "machine": next(iter(results.values()))["machine"],
        "cache": settings.CACHES["default"]["BACKEND"],
        "runs": options.runs,
        "seed": SEED,
        "import_via": IMPORT_VIA,
        "seconds": round(seconds),
        "sizes": {
            name: {
                "students": result["students"],
                "rows_loaded": result["rows_loaded"],
                "load_seconds": result["load_seconds"],
                "paths": {
                    row.key: as_json(
                        row, result["met"][row.key], result["rows"][0].timing.median_ms
                    )
                    for row in result["rows"]
                },
            }
            for name, result in results.items()
        },
        "large_vs_small": compare,
    }
    options.output.parent.mkdir(parents=True, exist_ok=True)
    options.output.write_text(json.dumps(document, indent=1) + "\n")
    print(f"written: {options.output}")


if __name__ == "__main__":
    main()
