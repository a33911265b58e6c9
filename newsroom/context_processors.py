from django.conf import settings

from newsroom.models import Section


def site(request):
    # Sections are few and change rarely; one small query per page for the navigation.
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_DESCRIPTION": settings.SITE_DESCRIPTION,
        "nav_sections": Section.objects.all(),
    }
