from django.urls import path

from grades.views import classrooms

urlpatterns = [
    path(
        "classrooms/<id:pk>/",
        classrooms.ClassroomDetailView.as_view(),
        name="classroom_detail",
    ),
    path("school/", classrooms.SchoolOverviewView.as_view(), name="school_overview"),
]
