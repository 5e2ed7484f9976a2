from django.contrib import admin
from django.urls import include, path

from school import views

urlpatterns = [
    path("health-check", views.health_check, name="health_check"),
    path("admin/", admin.site.urls),
    path("", include("accounts.urls")),
    path("", include("classrooms.urls")),
    path("", include("grades.urls")),
]

handler400 = "school.views.bad_request"
handler500 = "school.views.server_error"
