"""A bare WSGI app that sends one file's bytes for every request, for `make bench`: the
ceiling a Python app under the same gunicorn can reach with the same page (no Django).

    BARE_WSGI_FILE=page.html BARE_WSGI_HEADERS='[["Content-Type", "text/html; charset=utf-8"]]' \
        gunicorn newsroom.bare_wsgi

BARE_WSGI_HEADERS (JSON, [[name, value], ...]) are the headers the page is sent with, so that
the same response goes out, headers included (gunicorn adds its own Date, Server and
Connection to both); Content-Length is the file's.
"""

import json
import os

with open(os.environ["BARE_WSGI_FILE"], "rb") as page:
    BODY = page.read()
HEADERS = [
    *((name, value) for name, value in json.loads(os.environ.get("BARE_WSGI_HEADERS", "[]"))
      if name.lower() != "content-length"),
    ("Content-Length", str(len(BODY))),
]


def application(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]
