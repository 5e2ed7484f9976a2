from django.urls import path

from classrooms import views

urlpatterns = [
    path("classrooms/", views.MyClassesView.as_view(), name="my_classes"),
    path(
        "classrooms/<id:pk>/",
        views.ClassroomDetailView.as_view(),
        name="classroom_detail",
    ),
    path("school/", views.SchoolOverviewView.as_view(), name="school_overview"),
]
