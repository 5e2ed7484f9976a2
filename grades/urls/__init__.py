from grades.urls import (
    assessments,
    classrooms,
    gradebook,
    records,
    report_batches,
    report_cards,
    term_grades,
)
from grades.urls import reports as class_reports
from grades.urls import school_report as school_reports

urlpatterns = [
    *classrooms.urlpatterns,
    *gradebook.urlpatterns,
    *assessments.urlpatterns,
    *term_grades.urlpatterns,
    *records.urlpatterns,
    *class_reports.urlpatterns,
    *report_cards.urlpatterns,
    *report_batches.urlpatterns,
    *school_reports.urlpatterns,
]
