from django.urls import path

from grades.views import gradebook

urlpatterns = [
    path(
        "classrooms/<id:classroom_id>/gradebook/",
        gradebook.GradebookView.as_view(),
        name="gradebook",
    ),
    path(
        "classrooms/<id:classroom_id>/gradebook/cells/",
        gradebook.CellSaveView.as_view(),
        name="gradebook_cells",
    ),
]
