from django.urls import path

from classrooms import views

urlpatterns = [
    path("classrooms/", views.MyClassesView.as_view(), name="my_classes"),
]
