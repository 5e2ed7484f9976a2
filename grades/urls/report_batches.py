from django.urls import path

from grades.views import report_batches

urlpatterns = [
    path(
        "classrooms/<id:classroom_id>/report-cards/",
        report_batches.ClassroomReportBatchView.as_view(),
        name="classroom_report_batch",
    ),
    path(
        "school/report-cards/",
        report_batches.GradeLevelReportBatchView.as_view(),
        name="grade_level_report_batch",
    ),
    path(
        "report-cards/batches/<id:batch_id>/",
        report_batches.ReportBatchView.as_view(),
        name="report_batch",
    ),
    path(
        "report-cards/batches/<id:batch_id>/status",
        report_batches.ReportBatchStatusView.as_view(),
        name="report_batch_status",
    ),
    path(
        "report-cards/batches/<id:batch_id>/report-cards.pdf",
        report_batches.ReportBatchDownloadView.as_view(),
        name="report_batch_download",
    ),
]
