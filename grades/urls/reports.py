from django.urls import path

from grades.views import reports

# `subject_id` is the ClassroomSubject's id, as the gradebook's `?subject=`.
urlpatterns = [
    path(
        "classrooms/<id:classroom_id>/subjects/<id:subject_id>/"
        "terms/<id:term_id>/report/",
        reports.ClassReportView.as_view(),
        name="class_report",
    ),
    path("advisees/", reports.AdviseesView.as_view(), name="advisees"),
]
