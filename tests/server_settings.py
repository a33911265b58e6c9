"""Settings for the site when a test serves it in gunicorn: the real settings, with static
files by their plain names (as in every other test), so no collectstatic run is needed."""

from newsroom.settings import *  # noqa: F403

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
