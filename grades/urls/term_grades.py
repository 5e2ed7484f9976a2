from django.urls import path

from grades.views import term_grades

# `subject_id` is the ClassroomSubject's id, as the gradebook's `?subject=`.
_SUBJECT = "classrooms/<id:classroom_id>/subjects/<id:subject_id>/"
_TERM_GRADES = _SUBJECT + "terms/<id:term_id>/grades/"

urlpatterns = [
    path(
        _SUBJECT + "grades/",
        term_grades.CurrentTermGradesView.as_view(),
        name="term_grades_current",
    ),
    path(_TERM_GRADES, term_grades.TermGradesView.as_view(), name="term_grades"),
    path(
        _TERM_GRADES + "publish/",
        term_grades.TermGradesPublishView.as_view(),
        name="term_grades_publish",
    ),
    path(
        _TERM_GRADES + "<id:student_id>/",
        term_grades.TermGradeDetailView.as_view(),
        name="term_grade_detail",
    ),
    path(
        "terms/<id:term_id>/lock/",
        term_grades.TermLockView.as_view(),
        name="term_lock",
    ),
]
