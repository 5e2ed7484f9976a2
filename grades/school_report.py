"""Reads for the staff's school report: published term grades of one term, grouped.

Staff only (the view's gate): it reads every class of the school, so it is not
scoped to a user.

Rules:

- Only published term grades count: rows of the term with `published_at` set,
  taken at their `published_percent` (the snapshot students see). Running grades,
  drafts and scores are never read, so the report matches the report cards.
- A grade passes when its published percent is at least the passing mark
  (`grades.reports.passing_mark`: where the "D" band starts); exactly at the mark
  passes.
- Each group (grade level, classroom, subject, teacher of the classroom subject)
  shows how many published grades it has, their mean, the share that passes (in
  percent) and how many are below the mark. Means and rates are rounded half up to
  one decimal at the end only, as everywhere in the portal. A group with no
  published grade in the term does not appear; coverage counts it instead.
- Coverage: the classroom subjects of the term's school year, split into those with
  at least one published grade in the term and those with none yet.

The database does the counting: one GROUP BY over the term's published grades per
classroom subject (a count, a sum and a conditional count), never a row per
grade, and never the scores. The classroom subject is the finest group: it has
one classroom (so one grade level), one subject and one teacher, so each larger
group is the exact sum of its classroom subjects' counts and sums. Adding those
up here costs one pass over the classroom subjects (a few thousand rows for
50,000 students) instead of one scan of every published grade per grouping,
about seven times faster on PostgreSQL. The sum rather than the database's
average keeps the mean exact on every database (SQLite's AVG is a float).
Five queries in all when not cached, whatever the size of the school.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, Exists, Max, OuterRef, Q, Sum
from django.http import Http404
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from classrooms.models import ClassroomSubject, ReportVersion, Term
from classrooms.selectors import current_school_year
from grades import calc, report_cache
from grades.models import TermGrade
from grades.reports import passing_mark
from grades.selectors import current_term, grade_bands
from school.collation import name_key
from school.ids import id_or_404

GRADE_LEVEL = "grade_level"
CLASSROOM = "classroom"
SUBJECT = "subject"
TEACHER = "teacher"
SCHOOL = "school"

# Wide enough for the sum of every published percent of a large school.
_SUM_FIELD = DecimalField(max_digits=14, decimal_places=1)


@dataclass(frozen=True)
class GroupStats:
    kind: str  # GRADE_LEVEL, CLASSROOM, SUBJECT, TEACHER or SCHOOL
    key: int | None  # the grade level, or the classroom's, subject's, teacher's id
    name: str
    count: int  # published grades
    passed: int
    total: Decimal  # sum of the published percents

    @property
    def below(self) -> int:
        return self.count - self.passed

    @property
    def mean(self) -> Decimal | None:
        if not self.count:
            return None
        return calc.round_percent(self.total / self.count)

    @property
    def pass_rate(self) -> Decimal | None:
        if not self.count:
            return None
        return calc.round_percent(Decimal(self.passed * 100) / self.count)


@dataclass(frozen=True)
class SubjectGroup(GroupStats):
    code: str = ""


@dataclass(frozen=True)
class SchoolReport:
    term: Term
    passing: Decimal
    school: GroupStats
    grade_levels: list[GroupStats]  # by level
    classrooms: list[GroupStats]  # by grade level, then name
    subjects: list[SubjectGroup]  # by name
    teachers: list[GroupStats]  # by family name, then given name
    subjects_total: int  # classroom subjects of the term's school year
    subjects_published: int  # ... with at least one published grade in the term

    @property
    def subjects_unpublished(self) -> int:
        return self.subjects_total - self.subjects_published

    @property
    def groups(self) -> list[GroupStats]:
        """Every group, the whole school first: the rows of the CSV download."""
        return [
            self.school,
            *self.grade_levels,
            *self.classrooms,
            *self.subjects,
            *self.teachers,
        ]


def report_terms(today=None) -> list[Term]:
    """The terms of the current school year, in order (none without a year)."""
    year = current_school_year(today)
    if year is None:
        return []
    return list(
        Term.objects.filter(school_year=year)
        .select_related("school_year")
        .order_by("starts_on", "pk")
    )


def get_report_term(terms: list[Term], term_id: str | None, today=None) -> Term | None:
    """The chosen term; without a choice the current one of `terms`.

    Staff see every year, so a term of another school year is allowed; an id that
    is no term (or no number) is 404.
    """
    if term_id in (None, ""):
        return current_term(terms, today)
    wanted = id_or_404(term_id)
    for term in terms:
        if term.pk == wanted:
            return term
    term = Term.objects.select_related("school_year").filter(pk=wanted).first()
    if term is None:
        raise Http404
    return term


def grade_level_name(level: int) -> str:
    return _("Grade %(level)s") % {"level": level}


@dataclass
class _Sums:
    """Running totals of one group while the classroom subjects are added up."""

    name: str
    order: tuple
    code: str = ""
    count: int = 0
    passed: int = 0
    total: Decimal = Decimal(0)

    def add(self, row) -> None:
        self.count += row["count"]
        self.passed += row["passed"]
        self.total += row["total"] or Decimal(0)


def _groups(kind: str, sums: dict) -> list:
    ordered = sorted(sums.items(), key=lambda item: item[1].order)
    return [
        (SubjectGroup if kind == SUBJECT else GroupStats)(
            kind=kind,
            key=key,
            name=group.name,
            count=group.count,
            passed=group.passed,
            total=group.total,
            **({"code": group.code} if kind == SUBJECT else {}),
        )
        for key, group in ordered
    ]


def school_report(term: Term) -> SchoolReport:
    """The published term grades of `term`, grouped; cached.

    Three queries when cached: grade bands, the count and sum of every report
    version (a publish anywhere bumps one, so the sum moves), and the classroom
    subjects counted with their highest id per teacher, with the teacher's names
    and email (one added or removed, a new teacher or a renamed one moves those;
    `accounts` bumps nothing). The services that
    change a classroom, subject or classroom subject bump versions too
    (`classrooms.report_versions`), so a renamed class shows on the next load.
    Group names are translated, so the language is part of the key. Two more
    queries when not cached (`_school_report`).
    """
    bands = grade_bands()
    versions = ReportVersion.objects.aggregate(count=Count("pk"), sum=Sum("version"))
    teachers = list(
        ClassroomSubject.objects.values_list("teacher_id", *TEACHER_NAME_FIELDS)
        .annotate(count=Count("pk"), last=Max("pk"))
        .order_by("teacher_id")
    )
    stamp = report_cache.digest(bands, versions, teachers)
    key = f"school-report:{term.pk}:{get_language()}:{stamp}"
    report = report_cache.get(key)
    if report is None:
        report = _school_report(term, passing_mark(bands))
        report_cache.put(key, report)
    return report


# What the report shows of a teacher: the key digests them, so a rename shows.
TEACHER_NAME_FIELDS = (
    "teacher__full_name",
    "teacher__given_name",
    "teacher__family_name",
    "teacher__email",
)


def _published(term: Term):
    return TermGrade.objects.filter(
        term=term, published_at__isnull=False, published_percent__isnull=False
    )


def _shown_classroom_subjects(term: Term):
    """The classroom subjects of the term's year, and any other with a published
    grade in the term."""
    return ClassroomSubject.objects.filter(
        Q(classroom__school_year_id=term.school_year_id)
        | Q(Exists(_published(term).filter(classroom_subject=OuterRef("pk"))))
    )


def _school_report(term: Term, passing: Decimal) -> SchoolReport:
    """The report itself, in two queries: published grades counted, summed and
    counted passing per classroom subject; the classroom subjects (of the term's
    year, and any other with a published grade in the term) with their classroom,
    subject and teacher."""
    published = _published(term)
    per_subject = {
        row["classroom_subject_id"]: row
        for row in published.values("classroom_subject_id")
        .annotate(
            count=Count("pk"),
            total=Sum("published_percent", output_field=_SUM_FIELD),
            passed=Count("pk", filter=Q(published_percent__gte=passing)),
        )
        .order_by()
    }
    classroom_subjects = (
        _shown_classroom_subjects(term)
        .values(
            "pk",
            "classroom_id",
            "classroom__name",
            "classroom__grade_level",
            "classroom__school_year_id",
            "subject_id",
            "subject__name",
            "subject__code",
            "teacher_id",
            *TEACHER_NAME_FIELDS,
        )
        .order_by()
    )
    levels, classrooms, subjects, teachers = {}, {}, {}, {}
    subjects_total = subjects_published = 0
    for cs in classroom_subjects:
        row = per_subject.get(cs["pk"])
        if cs["classroom__school_year_id"] == term.school_year_id:
            subjects_total += 1
            subjects_published += row is not None
        if row is None:
            continue
        level = cs["classroom__grade_level"]
        teacher = cs["teacher__full_name"] or cs["teacher__email"]
        for sums in (
            levels.setdefault(level, _Sums(grade_level_name(level), (level,))),
            classrooms.setdefault(
                cs["classroom_id"],
                _Sums(cs["classroom__name"], (level, cs["classroom__name"])),
            ),
            subjects.setdefault(
                cs["subject_id"],
                _Sums(cs["subject__name"], (cs["subject__name"],), cs["subject__code"]),
            ),
            teachers.setdefault(
                cs["teacher_id"],
                _Sums(
                    teacher,
                    (
                        name_key(cs["teacher__family_name"]),
                        name_key(cs["teacher__given_name"]),
                        cs["teacher__email"],
                    ),
                ),
            ),
        ):
            sums.add(row)
    grade_levels = _groups(GRADE_LEVEL, levels)
    school = GroupStats(
        kind=SCHOOL,
        key=None,
        name=_("Whole school"),
        count=sum(group.count for group in grade_levels),
        passed=sum(group.passed for group in grade_levels),
        total=sum((group.total for group in grade_levels), Decimal(0)),
    )
    return SchoolReport(
        term=term,
        passing=passing,
        school=school,
        grade_levels=grade_levels,
        classrooms=_groups(CLASSROOM, classrooms),
        subjects=_groups(SUBJECT, subjects),
        teachers=_groups(TEACHER, teachers),
        subjects_total=subjects_total,
        subjects_published=subjects_published,
    )
