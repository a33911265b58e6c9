import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
django_application = get_wsgi_application()

from newsroom.front import Front  # noqa: E402 (needs the settings and apps set up above)

# Anonymous readers' cached pages and 304s are answered before Django's handler runs.
application = Front(django_application)
