from django.urls import path

from grades.views import school_report

# Next to the staff's school overview (`/school/`, in classrooms.urls).
urlpatterns = [
    path(
        "school/report/",
        school_report.SchoolReportView.as_view(),
        name="school_report",
    ),
    path(
        "school/report.csv",
        school_report.SchoolReportCsvView.as_view(),
        name="school_report_csv",
    ),
]
