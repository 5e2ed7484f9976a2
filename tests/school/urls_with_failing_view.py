from django.urls import path

from school.urls import urlpatterns as portal_urlpatterns


def failing_view(request):
    raise RuntimeError("database password is hunter2")


urlpatterns = [*portal_urlpatterns, path("boom/", failing_view)]
