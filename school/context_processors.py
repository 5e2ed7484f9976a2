from django.conf import settings


def school(request):
    return {"SCHOOL_NAME": settings.SCHOOL_NAME}
