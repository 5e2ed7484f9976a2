"""Server time and queries of the gradebook grid: the page, and a save of every cell.

Run:
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/school_bench \
  .venv/bin/python bench/gradebook.py
It creates (and afterwards drops) a throwaway test database next to the one named.
Prints, for each grid size, the median over several runs of the server time and
the number of queries for GET (the page) and POST (a save that changes every cell).
"""

from functools import partial

from harness import RUNS, measure, setup_django

setup_django()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from fixtures import FullSave, build_grid  # noqa: E402

SIZES = [(40, 30), (60, 40)]  # (students, assessments)


def main():
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        print(f"database: {connection.vendor}; median of {RUNS} runs")
        print(f"{'grid':<12} {'GET ms':>8} {'GET q':>6} {'save ms':>8} {'save q':>7}")
        for tag, (students_count, assessments_count) in enumerate(SIZES):
            grid = build_grid(students_count, assessments_count, tag)
            client = Client()
            client.force_login(grid.teacher)
            get_ms, get_queries = measure(partial(client.get, grid.url), ok=(200, 302))
            save_ms, save_queries = measure(FullSave(client, grid), ok=(200, 302))
            print(
                f"{grid.label:<12} {get_ms:>8.0f} {get_queries:>6.0f} "
                f"{save_ms:>8.0f} {save_queries:>7.0f}"
            )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
