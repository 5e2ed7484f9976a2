"""No role or ownership comparison outside the policy module and the role gates.

Reads the source of the apps as syntax trees and reports every place that decides
by a person's role (`.role`, `.is_staff`, `.is_teacher`, `role=...`) or by
ownership (`x.teacher_id == user.pk`, `filter(teacher=user)`, `Q(student=viewer)`),
unless the file is the policy module, `accounts/mixins.py`, or named in the
allowlist with its reason. A self-test feeds the checker a violation of each kind.
"""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ["accounts", "classrooms", "grades", "school"]
THE_RULES = {"policies/__init__.py", "policies/people.py", "accounts/mixins.py"}

ROLE_ATTRIBUTES = {
    "role",
    "is_staff",
    "is_superuser",
    "is_teacher",
    "is_student",
    # Not on the model any more (it was never read); still named so that a role
    # property brought back under this name is caught like the others.
    "is_school_admin",
}
OWNER_FIELDS = {"teacher", "student", "requested_by", "changed_by", "updated_by"}
# Names under which code holds the person asking: comparing an owner with them, or
# filtering by them, is an access rule.
PERSON_NAMES = {"user", "viewer", "actor", "requester"}
LOOKUPS = {"in", "exact", "id", "pk"}
# Calls whose keyword arguments select rows: a person there is an ownership rule
# (a person given to create() or update() is only recorded, as the actor).
FILTERS = {"filter", "exclude", "get", "Q", "first_or_404", "get_object_or_404"}

# The places that may still decide by role, and why: a file and what it reads
# (".role", ".is_staff", "role=", ...), with the reason. An entry nothing matches
# any more fails the test, so the list only shrinks.
ALLOWLIST = {
    ("accounts/models.py", ".role"): "defines the role and the role properties",
    ("accounts/models.py", ".is_staff"): "the staff flag follows the role on save",
    ("accounts/models.py", ".is_superuser"): "a superuser is staff whatever the role",
    ("accounts/models.py", '"role":'): "advising links only join teachers to students",
    ("accounts/models.py", "role="): "the students() and teachers() querysets",
    ("accounts/models.py", "role__in="): "the students() and teachers() querysets",
    ("accounts/admin.py", ".role"): "the user admin edits the role",
    ("accounts/admin.py", "role="): "the user list is filtered by role",
    ("accounts/admin.py", '"role":'): "the user form's role field",
    ("accounts/admin.py", ".is_superuser"): (
        "only a superuser edits superusers and permissions (Django's own rule)"
    ),
    ("accounts/resources.py", ".role"): "the roster import reads the role column",
    ("accounts/resources.py", "role__in="): "the roster import matches by role",
    ("accounts/resources.py", ".is_superuser"): "the import never touches superusers",
    ("accounts/services.py", ".role"): "the School admin group follows the role",
    ("accounts/services.py", ".is_superuser"): "imports never touch superusers",
    ("classrooms/models.py", ".role"): (
        "validation: a classroom's teacher is a teacher, an enrolled person a student"
    ),
    ("classrooms/models.py", '"role":'): "the same rule as the choices of the admin",
    ("classrooms/resources.py", "role="): "the import looks people up within a role",
    (
        "classrooms/services.py",
        ".role",
    ): "only students are enrolled (the model's rule)",
    ("grades/models.py", ".role"): "validation: only students are graded",
    ("grades/models.py", '"role":'): "the same rule as the choices of the admin",
    ("grades/admin.py", "role="): "the grade change log's filters list teachers",
    ("school/management/commands/seed_demo.py", ".role"): "prints the demo logins",
}


def _is_person(node) -> bool:
    """`user`, `viewer`, `actor`, `request.user`, `self.request.user`, their `.pk`,
    or a list of them."""
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return any(_is_person(element) for element in node.elts)
    if isinstance(node, ast.Attribute) and node.attr in {"pk", "id"}:
        node = node.value
    if isinstance(node, ast.Name):
        return node.id in PERSON_NAMES
    return isinstance(node, ast.Attribute) and node.attr == "user"


def _owner_field(name: str) -> bool:
    parts = [p for p in name.split("__") if p not in LOOKUPS]
    return bool(parts) and parts[-1].removesuffix("_id") in OWNER_FIELDS


def _role_key(name: str) -> bool:
    return name.split("__")[0] == "role"


def _call_name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def findings(source: str) -> list[tuple[int, str, str]]:
    """(line, kind, text) for every role or ownership decision in `source`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in ROLE_ATTRIBUTES
            and not (isinstance(node.value, ast.Name) and node.value.id == "policies")
        ):
            found.append((node.lineno, "role", f".{node.attr}"))
        elif isinstance(node, ast.Call) and _call_name(node) in FILTERS:
            for keyword in node.keywords:
                if not keyword.arg:
                    continue
                if _role_key(keyword.arg):
                    found.append((node.lineno, "role", f"{keyword.arg}="))
                elif _owner_field(keyword.arg) and _is_person(keyword.value):
                    found.append((node.lineno, "owner", f"{keyword.arg}=<person>"))
        elif isinstance(node, ast.Dict):
            for key in node.keys:
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    if _role_key(key.value):
                        found.append((key.lineno, "role", f'"{key.value}":'))
        elif isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            people = [side for side in sides if _is_person(side)]
            owners = [
                side
                for side in sides
                if side not in people
                and isinstance(side, ast.Attribute)
                and (side.attr.removesuffix("_id") in OWNER_FIELDS or side.attr == "pk")
            ]
            if owners and people:
                found.append((node.lineno, "owner", ast.unparse(node)))
    return found


def scanned_files():
    for folder in SCANNED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" not in relative and relative not in THE_RULES:
                yield relative, path


def test_no_role_or_owner_comparison_outside_the_policy_module():
    reported = []
    used = set()
    for relative, path in scanned_files():
        for line, kind, text in findings(path.read_text()):
            if (relative, text) in ALLOWLIST:
                used.add((relative, text))
                continue
            reported.append(f"{relative}:{line}: {kind} decision {text}")
    assert reported == [], "ask policies (or accounts.mixins) instead:\n" + "\n".join(
        reported
    )
    assert set(ALLOWLIST) - used == set(), "allowlist entries no longer needed"


@pytest.mark.parametrize(
    ("source", "kind"),
    [
        ("if request.user.is_staff:\n    pass\n", "role"),
        ("if user.is_teacher:\n    pass\n", "role"),
        ("if request.user.is_school_admin:\n    pass\n", "role"),
        ("ok = viewer.role == Role.ADMIN\n", "role"),
        ("User.objects.filter(role=Role.TEACHER)\n", "role"),
        ("User.objects.filter(role__in=[Role.TEACHER])\n", "role"),
        ("choices = {'role': Role.STUDENT}\n", "role"),
        ("ok = subject.teacher_id == user.pk\n", "owner"),
        ("ok = batch.requested_by_id == self.request.user.pk\n", "owner"),
        ("ok = viewer.pk == student.pk\n", "owner"),
        ("ClassroomSubject.objects.filter(teacher=user)\n", "owner"),
        ("Enrollment.objects.filter(classroom__subjects__teacher=viewer)\n", "owner"),
        ("Q(student_id=request.user.pk)\n", "owner"),
        ("Advising.objects.filter(teacher__in=[actor])\n", "owner"),
    ],
)
def test_the_checker_reports_an_injected_violation(source, kind):
    assert [k for _line, k, _text in findings(source)] == [kind]


@pytest.mark.parametrize(
    "source",
    [
        "Enrollment.objects.filter(student=student)\n",
        "GradeChange.objects.create(changed_by=actor, reason=reason)\n",
        "if policies.is_staff(user):\n    pass\n",
        "Score.objects.filter(student_id__in=student_ids)\n",
        "same = classroom.pk == other.pk\n",
        "User.objects.students()\n",
    ],
)
def test_the_checker_leaves_data_reads_alone(source):
    assert findings(source) == []


# Templates of the portal's pages ask the `may` namespace of
# policies.context_processors; the admin's templates are Django's.
TEMPLATE_ROLE_READ = re.compile(
    r"\b(?:user|request\.user|viewer)\.(?:role|is_staff|is_superuser|is_teacher|"
    r"is_student)\b"
)


def template_findings(text: str) -> list[str]:
    return TEMPLATE_ROLE_READ.findall(text)


def test_no_page_template_decides_by_role():
    reported = {
        str(path.relative_to(ROOT)): found
        for path in sorted((ROOT / "templates").rglob("*.html"))
        if "admin" not in path.relative_to(ROOT / "templates").parts
        and (found := template_findings(path.read_text()))
    }
    assert reported == {}


@pytest.mark.parametrize(
    "source",
    [
        "{% if user.is_staff %}x{% endif %}",
        "{% if request.user.is_teacher %}x{% endif %}",
        "{% if user.role == 'student' %}x{% endif %}",
    ],
)
def test_the_template_checker_reports_an_injected_violation(source):
    assert template_findings(source)
