from django.urls import path

from grades.views import assessments as views

SUBJECT = "classrooms/<id:classroom_id>/subjects/<id:subject_id>/"

urlpatterns = [
    path(
        SUBJECT + "categories/",
        views.CategoryListView.as_view(),
        name="gradebook_categories",
    ),
    path(
        SUBJECT + "categories/<id:pk>/edit/",
        views.CategoryUpdateView.as_view(),
        name="category_edit",
    ),
    path(
        SUBJECT + "categories/<id:pk>/delete/",
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
        SUBJECT + "assessments/<id:pk>/",
        views.AssessmentDetailView.as_view(),
        name="assessment_detail",
    ),
    path(
        SUBJECT + "assessments/<id:pk>/edit/",
        views.AssessmentUpdateView.as_view(),
        name="assessment_update",
    ),
    path(
        SUBJECT + "assessments/<id:pk>/delete/",
        views.AssessmentDeleteView.as_view(),
        name="assessment_delete",
    ),
    path(
        SUBJECT + "assessments/<id:pk>/restore/",
        views.AssessmentRestoreView.as_view(),
        name="assessment_restore",
    ),
    path(
        SUBJECT + "assessments/<id:pk>/publish/",
        views.AssessmentPublishView.as_view(),
        name="assessment_publish",
    ),
]
