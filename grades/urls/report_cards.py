from django.urls import path

from grades.views import report_cards

urlpatterns = [
    path("report-card/", report_cards.MyReportCardView.as_view(), name="report_card"),
    path(
        "students/<id:student_id>/report-card/",
        report_cards.StudentReportCardView.as_view(),
        name="student_report_card",
    ),
    path(
        "students/<id:student_id>/report-card/<id:term_id>.pdf",
        report_cards.ReportCardPdfView.as_view(),
        name="report_card_pdf",
    ),
]
