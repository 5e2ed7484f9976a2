"""District-size benchmark data: `bench.bulk_seed` writes it, this reports it."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from bench import bulk_seed

REFUSAL = (
    "seed_bulk writes thousands of accounts sharing a known password; it runs only "
    "with DEBUG on. Use --force to run it anyway."
)


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = (
        "Fill the database with a district-size school for benchmarks: by default "
        "50,000 students, 1,500 teachers, 1,600 classrooms with 8 subjects each, 2 "
        "terms of 6 published assessments per subject (about 5 million scores) and "
        "a term grade for every student, subject and term, published for the first "
        "term. Users are studentN@bulk.school and teacherN@bulk.school, all with the "
        f'password "{bulk_seed.PASSWORD}". The same --seed gives the same data. '
        "Other data (the demo school, real accounts) is kept; the current school "
        "year, its terms and the subjects are reused. --reset first deletes the "
        "@bulk.school users and everything that hangs from them. Fast on "
        "PostgreSQL (COPY); works, slowly, on SQLite. Runs only with DEBUG on "
        "unless --force is given."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--students",
            type=_positive,
            default=bulk_seed.DEFAULT_STUDENTS,
            help=(
                "Number of students; teachers (30 per 1,000) and classrooms (32 "
                "per 1,000) scale with it."
            ),
        )
        parser.add_argument(
            "--assessments",
            type=_positive,
            default=bulk_seed.DEFAULT_ASSESSMENTS,
            help="Assessments per classroom subject and term (30 for a heavy load).",
        )
        parser.add_argument(
            "--terms",
            type=_positive,
            default=bulk_seed.DEFAULT_TERMS,
            help="Terms of the school year that get assessments and term grades.",
        )
        parser.add_argument(
            "--subjects",
            type=_positive,
            choices=range(1, len(bulk_seed.SUBJECTS) + 1),
            metavar=f"1-{len(bulk_seed.SUBJECTS)}",
            default=bulk_seed.DEFAULT_SUBJECTS,
            help="Subjects taught in every classroom.",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=bulk_seed.DEFAULT_SEED,
            help="Seed of the random draws: the same seed gives the same data.",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help=(
                "First delete what seed_bulk wrote before: the @bulk.school users, "
                "their classrooms, enrollments, advisors, assessments, scores, term "
                "grades and grade changes. Nothing else is deleted."
            ),
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off (the accounts have a known password).",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(REFUSAL)
        progress = bulk_seed.Progress(
            lambda text: self.stderr.write(text, ending=""),
            tty=self.stderr.isatty(),
        )
        try:
            summary = bulk_seed.seed(
                bulk_seed.Options(
                    students=options["students"],
                    assessments=options["assessments"],
                    terms=options["terms"],
                    subjects=options["subjects"],
                    seed=options["seed"],
                    reset=options["reset"],
                ),
                progress,
            )
        except bulk_seed.SeedError as error:
            raise CommandError(str(error)) from error
        self.report(summary)

    def report(self, summary: bulk_seed.Summary) -> None:
        out = self.stdout
        if summary.deleted:
            out.write(
                f"Deleted {summary.deleted:,} rows of the previous seed_bulk in "
                f"{summary.delete_seconds:.1f} s."
            )
        out.write(f"{'table':<28} {'rows':>12} {'seconds':>9} {'rows/s':>12}")
        for figures in summary.tables:
            out.write(
                f"{figures.table:<28} {figures.rows:>12,} {figures.seconds:>9.1f} "
                f"{figures.rate:>12,.0f}"
            )
        if summary.key_check_seconds:
            out.write(
                f"{'(foreign keys checked)':<28} {'':>12} "
                f"{summary.key_check_seconds:>9.1f}"
            )
        rate = summary.rows / summary.seconds if summary.seconds else 0.0
        out.write(
            f"{'total':<28} {summary.rows:>12,} {summary.seconds:>9.1f} {rate:>12,.0f}"
        )
        out.write(
            self.style.SUCCESS(
                f"School year {summary.school_year}: log in as "
                f"student1@{bulk_seed.DOMAIN} or teacher1@{bulk_seed.DOMAIN} (and "
                f'every other bulk user) with the password "{bulk_seed.PASSWORD}".'
            )
        )
