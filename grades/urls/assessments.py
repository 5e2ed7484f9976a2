from django.urls import path

from grades.views import assessments as views

SUBJECT = "classrooms/<int:classroom_id>/subjects/<int:subject_id>/"

urlpatterns = [
    path(
        SUBJECT + "categories/",
        views.CategoryListView.as_view(),
        name="gradebook_categories",
    ),
    path(
        SUBJECT + "categories/<int:pk>/edit/",
        views.CategoryUpdateView.as_view(),
        name="category_edit",
    ),
    path(
        SUBJECT + "categories/<int:pk>/delete/",
        views.CategoryDeleteView.as_view(),
        name="category_delete",
    ),
    path(
        SUBJECT + "assessments/new/",
        views.AssessmentCreateView.as_view(),
        name="assessment_create",
    ),
    path(
        SUBJECT + "assessments/archived/",
        views.ArchivedAssessmentListView.as_view(),
        name="assessments_archived",
    ),
    path(
        SUBJECT + "assessments/<int:pk>/",
        views.AssessmentDetailView.as_view(),
        name="assessment_detail",
    ),
    path(
        SUBJECT + "assessments/<int:pk>/edit/",
        views.AssessmentUpdateView.as_view(),
        name="assessment_update",
    ),
    path(
        SUBJECT + "assessments/<int:pk>/delete/",
        views.AssessmentDeleteView.as_view(),
        name="assessment_delete",
    ),
    path(
        SUBJECT + "assessments/<int:pk>/restore/",
        views.AssessmentRestoreView.as_view(),
        name="assessment_restore",
    ),
    path(
        SUBJECT + "assessments/<int:pk>/publish/",
        views.AssessmentPublishView.as_view(),
        name="assessment_publish",
    ),
]
