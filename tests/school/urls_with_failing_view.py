from django.db import OperationalError
from django.urls import path

from school.urls import urlpatterns as portal_urlpatterns


def failing_view(request):
    raise RuntimeError("database password is hunter2")


def database_down_view(request):
    raise OperationalError("connection to server at 127.0.0.1 failed: refused")


urlpatterns = [
    *portal_urlpatterns,
    path("boom/", failing_view),
    path("database-down/", database_down_view),
]
handler500 = "school.views.server_error"
