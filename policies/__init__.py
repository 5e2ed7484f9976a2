"""Who may see or change what: every object-level rule of the portal, in one place.

Each rule comes as a pair that must always agree (a property test checks it):

- `may_<verb>(user, obj) -> bool` answers for one object already in hand;
- a filter (`Q`) for lists, applied to that object's model: `<objects>_<verb>(user)`.

Selectors scope their reads with the filters, views and services ask the booleans,
templates receive the answers through their context, and the admin and the API use
the same functions. Nothing else compares roles or owners; role gates on whole
views (student pages, staff pages) are `accounts.mixins`.

The ties that decide:

- staff (the school admin role, or a superuser) may see and change everything;
- a classroom subject's teacher grades it: its gradebook, term grades, publishing,
  class report and score histories;
- a classroom's homeroom teacher and its subject teachers see it and its roster;
  its currently enrolled students see it, not its roster;
- a student's report card: the student, their advisors and staff read it whole; a
  teacher who teaches the student a classroom subject reads the lines they teach;
- a report batch is seen only by whoever asked for it; a classroom's batch may be
  asked for by its subject teachers, a grade level's by staff only.

Every rule takes the person as a user or as the `Actor` of a write (services pass
their actor): an actor is asked about as its user, with one exception, decided
here only (`is_server_program`): a management command run on the server on
nobody's behalf (`Actor.command(name)`, no user) acts with staff rights, not a
superuser's. With a user, a command acts as that user; a program that comes
through any other channel (an API client with no user) has no rights of its own.

Nobody signed out or deactivated may do anything. Person-to-person links
(advising) are kept in `accounts`; this module only reads them. It sits above
`accounts` and `classrooms` and below `grades`, whose objects it takes as
arguments without importing them.
"""

from django.db.models import Q

from accounts.models import Advising, Role
from classrooms.models import ClassroomSubject, Enrollment
from policies.people import (
    _rule,
    is_signed_in,
    is_staff,
    is_student,
    is_teacher,
)
from policies.people import (
    is_server_program as is_server_program,
)
from policies.people import (
    may_change_user as may_change_user,
)
from policies.people import (
    may_grant_permissions as may_grant_permissions,
)
from policies.people import (
    may_manage_users as may_manage_users,
)
from policies.people import (
    may_set_password as may_set_password,
)

NOTHING = Q(pk__in=[])


# Who is asking: a user, or the Actor of a write.


# Roles. Everything below starts from these; so do the role gates of accounts.mixins.


# Classrooms: who sees one, who sees its roster.


def _teaches_in(user, classroom) -> bool:
    """Homeroom or subject teacher. Uses prefetched subjects when they are there."""
    return classroom.teacher_id == user.pk or any(
        subject.teacher_id == user.pk for subject in classroom.subjects.all()
    )


def _teaching_classrooms(user) -> Q:
    return Q(teacher=user) | Q(
        pk__in=ClassroomSubject.objects.filter(teacher=user).values("classroom")
    )


@_rule
def may_see_classroom(user, classroom) -> bool:
    if is_staff(user):
        return True
    if is_teacher(user):
        return _teaches_in(user, classroom)
    if is_student(user):
        return (
            Enrollment.objects.current()
            .filter(student=user, classroom_id=classroom.pk)
            .exists()
        )
    return False


@_rule
def classrooms_visible_to(user) -> Q:
    if is_staff(user):
        return Q()
    if is_teacher(user):
        return _teaching_classrooms(user)
    if is_student(user):
        return Q(
            pk__in=Enrollment.objects.current().filter(student=user).values("classroom")
        )
    return NOTHING


@_rule
def may_see_roster(user, classroom) -> bool:
    if is_staff(user):
        return True
    return is_teacher(user) and _teaches_in(user, classroom)


@_rule
def classrooms_with_roster_for(user) -> Q:
    if is_staff(user):
        return Q()
    if is_teacher(user):
        return _teaching_classrooms(user)
    return NOTHING


@_rule
def classrooms_taught_by(user) -> Q:
    """The classrooms a teacher is the homeroom teacher of (their "homerooms")."""
    return Q(teacher=user) if is_signed_in(user) else NOTHING


@_rule
def subjects_taught_by(user) -> Q:
    """The classroom subjects a teacher teaches, whatever staff may also do."""
    return Q(teacher=user) if is_signed_in(user) else NOTHING


# Grading a classroom subject: its gradebook, term grades, publishing, class report.


@_rule
def may_grade(user, classroom_subject) -> bool:
    if is_staff(user):
        return True
    return is_signed_in(user) and classroom_subject.teacher_id == user.pk


@_rule
def subjects_gradable_by(user) -> Q:
    if is_staff(user):
        return Q()
    if is_signed_in(user):
        return Q(teacher=user)
    return NOTHING


@_rule
def may_publish(user, classroom_subject) -> bool:
    """Publishing a subject's term grades (and republishing, with a reason)."""
    return may_grade(user, classroom_subject)


@_rule
def may_see_class_report(user, classroom_subject) -> bool:
    return may_grade(user, classroom_subject)


@_rule
def may_see_score_history(user, classroom_subject) -> bool:
    return may_grade(user, classroom_subject)


# Running the school: terms, enrollments.


@_rule
def may_lock_term(user, term) -> bool:
    """Locking and unlocking a term for grading: staff only."""
    return is_staff(user)


@_rule
def terms_lockable_by(user) -> Q:
    return Q() if is_staff(user) else NOTHING


@_rule
def may_edit_grading_scale(user) -> bool:
    """Adding, changing and removing letter bands: staff only."""
    return is_staff(user)


@_rule
def may_manage_enrollments(user) -> bool:
    """Enrolling, moving and withdrawing students in bulk: staff only."""
    return is_staff(user)


@_rule
def may_manage_school(user) -> bool:
    """School years, terms, subjects, classrooms and their subjects: staff."""
    return is_staff(user)


# Report cards.


def _advises(viewer) -> Q:
    return Q(pk__in=Advising.objects.filter(teacher=viewer).values("student"))


def _taught_by(viewer) -> Q:
    return Q(
        pk__in=Enrollment.objects.filter(classroom__subjects__teacher=viewer).values(
            "student"
        )
    )


@_rule
def may_see_report_card(viewer, student) -> bool:
    """Any line of `student`'s report card (and its PDF)."""
    if student.role != Role.STUDENT:
        return False
    if sees_whole_report_card(viewer, student):
        return True
    return (
        is_teacher(viewer)
        and Enrollment.objects.filter(
            student=student, classroom__subjects__teacher=viewer
        ).exists()
    )


@_rule
def report_cards_visible_to(viewer) -> Q:
    """On User: the students whose report card `viewer` may open."""
    whole = report_cards_seen_whole_by(viewer)
    if is_teacher(viewer):
        return whole | (Q(role=Role.STUDENT) & _taught_by(viewer))
    return whole


@_rule
def sees_whole_report_card(viewer, student) -> bool:
    """Every line, not only the lines `viewer` teaches: the student, advisors, staff."""
    if student.role != Role.STUDENT:
        return False
    if is_staff(viewer):
        return True
    if is_student(viewer):
        return viewer.pk == student.pk
    if is_teacher(viewer):
        return Advising.objects.filter(teacher=viewer, student=student).exists()
    return False


@_rule
def report_cards_seen_whole_by(viewer) -> Q:
    """On User: the students whose whole report card `viewer` reads."""
    students = Q(role=Role.STUDENT)
    if is_staff(viewer):
        return students
    if is_student(viewer):
        return students & Q(pk=viewer.pk)
    if is_teacher(viewer):
        return students & _advises(viewer)
    return NOTHING


@_rule
def students_seen_whole_among(viewer, student_ids) -> set[int]:
    """Which of these students' cards `viewer` reads whole: the list form of
    `sees_whole_report_card` for students already known to be students. At most
    one query (none for staff and students)."""
    ids = set(student_ids)
    if is_staff(viewer):
        return ids
    if is_student(viewer):
        return ids & {viewer.pk}
    if is_teacher(viewer) and ids:
        return set(
            Advising.objects.filter(teacher=viewer, student_id__in=ids).values_list(
                "student_id", flat=True
            )
        )
    return set()


@_rule
def may_see_report_line(viewer, classroom_subject, *, whole: bool) -> bool:
    """A line of a card the viewer may open: all of them when they read it whole
    (`sees_whole_report_card`), else only the subjects they teach."""
    return whole or (is_signed_in(viewer) and classroom_subject.teacher_id == viewer.pk)


@_rule
def advising_links_of(user) -> Q:
    """On Advising: the links whose advisee `user` follows on "My advisees"."""
    return Q(teacher=user) if is_signed_in(user) else NOTHING


@_rule
def is_own_report_card(viewer, student) -> bool:
    """The student reading their own card (the page then says "My report card")."""
    return is_student(viewer) and viewer.pk == student.pk


@_rule
def may_see_own_results(user) -> bool:
    """A student's own published results, shown on their class's page."""
    return is_student(user)


# Report batches.


@_rule
def may_request_class_batch(user, classroom) -> bool:
    """A classroom's batch of report cards: its subject teachers and staff."""
    if is_staff(user):
        return True
    return is_teacher(user) and any(
        subject.teacher_id == user.pk for subject in classroom.subjects.all()
    )


@_rule
def classrooms_batchable_by(user) -> Q:
    if is_staff(user):
        return Q()
    if is_teacher(user):
        return Q(
            pk__in=ClassroomSubject.objects.filter(teacher=user).values("classroom")
        )
    return NOTHING


@_rule
def may_request_grade_level_batch(user) -> bool:
    return is_staff(user)


@_rule
def may_see_batch(user, batch) -> bool:
    return is_signed_in(user) and batch.requested_by_id == user.pk


@_rule
def batches_visible_to(user) -> Q:
    return Q(requested_by=user) if is_signed_in(user) else NOTHING
