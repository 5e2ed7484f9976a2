from django.urls import path

from grades.views import records

urlpatterns = [
    path(
        "classrooms/<id:classroom_id>/gradebook/export.csv",
        records.GradebookExportView.as_view(),
        name="gradebook_export",
    ),
    path(
        "classrooms/<id:classroom_id>/gradebook/import/",
        records.GradebookImportView.as_view(),
        name="gradebook_import",
    ),
    path(
        "classrooms/<id:classroom_id>/gradebook/import/confirm/",
        records.GradebookImportConfirmView.as_view(),
        name="gradebook_import_confirm",
    ),
    path(
        "classrooms/<id:classroom_id>/gradebook/scores/<id:assessment_id>/"
        "<id:student_id>/",
        records.ScoreHistoryView.as_view(),
        name="score_history",
    ),
]
