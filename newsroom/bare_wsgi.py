"""A bare WSGI app that sends one file's bytes for every request, for `make bench`: the
ceiling a Python app under the same gunicorn can reach with the same page (no Django).

    BARE_WSGI_FILE=page.html BARE_WSGI_TYPE="text/html; charset=utf-8" gunicorn newsroom.bare_wsgi
"""

import os

with open(os.environ["BARE_WSGI_FILE"], "rb") as page:
    BODY = page.read()
HEADERS = [
    ("Content-Type", os.environ.get("BARE_WSGI_TYPE", "text/html; charset=utf-8")),
    ("Content-Length", str(len(BODY))),
]


def application(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]
