"""Settings of the gunicorn that `make bench` starts (comments/bench_http.py), and the outage
tests too: the site's own, DEBUG off, with static files served without a manifest, so neither
needs a collectstatic run.
The flood limits are the site's own: the bench posts from many accounts and addresses
instead (see bench_http.py), so that every post pays for the checks it pays for in production.
"""

from newsroom.settings import *  # noqa: F403
from newsroom.settings import STORAGES

DEBUG = False
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
