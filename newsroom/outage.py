"""When the database is away: a short static 503 page with Retry-After, never a bare 500.

While PostgreSQL restarts or is unreachable, every query (or the connection before it) raises
OperationalError or InterfaceError. The middleware answers those with the 503 page, and
`server_error` (the site's handler500) does the same for any that escape from other
middleware. The page is rendered without the request, so no context processor runs and
nothing touches the database. Nothing else is needed to recover: Django drops a connection
that failed, and CONN_HEALTH_CHECKS makes it check a kept one before reusing it.
"""

import logging
import sys
import time

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.views import defaults

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER = 10  # seconds: a restart takes about one
LOG_EVERY = 60  # seconds: one warning, not one per request, while the outage lasts
_last_logged = None


def database_unavailable(error):
    global _last_logged
    now = time.monotonic()
    if _last_logged is None or now - _last_logged >= LOG_EVERY:
        _last_logged = now
        logger.warning("The database is unavailable (%s): answering 503.", error)
    response = HttpResponse(render_to_string("503.html", {"SITE_NAME": settings.SITE_NAME}), status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailable:
    """Outermost middleware: a view (or its template) that fails because the database is away
    answers 503 instead of 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            return database_unavailable(exception)
        return None


def server_error(request, template_name="500.html"):
    """handler500: called while the failing exception is being handled, so it can tell a
    database outage (raised in middleware, outside any view) from a fault of ours."""
    error = sys.exc_info()[1]
    if isinstance(error, DATABASE_ERRORS):
        return database_unavailable(error)
    return defaults.server_error(request, template_name)
