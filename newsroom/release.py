"""What this deployment's code, templates, static files and page-shaping settings are, as a
short digest: part of the key of every piece of markup and page kept in a cache (a thread's,
comments/discussion.py; an article's own part of its page, newsroom/views.py; whole pages and
their ETags, newsroom/pagecache.py), so that after a deploy nothing written by the old code is
served, and no 304 confirms an old page. Markup is otherwise kept under versions that only
writes move."""

import hashlib
from pathlib import Path

from django.conf import settings
from django.utils.functional import SimpleLazyObject

SOURCES = ("newsroom", "comments", "templates", "static")
SUFFIXES = {".py", ".html", ".css", ".js", ".txt", ".xml"}
# Settings that change what pages show without any write.
SETTINGS = ("SITE_NAME", "SITE_DESCRIPTION", "TIME_ZONE", "COMMENTS_ALLOW_GUESTS",
            "COMMENTS_CLOSE_AFTER_DAYS", "COMMENTS_PER_PAGE", "COMMENTS_MAX_DEPTH",
            "ARTICLES_PER_PAGE", "STATIC_URL", "MEDIA_URL")


def digest():
    hashed, base = hashlib.blake2b(digest_size=6), Path(settings.BASE_DIR)
    for folder in SOURCES:
        for path in sorted((base / folder).rglob("*")):
            if path.suffix in SUFFIXES and path.is_file():
                # Named from the project's folder: every app server of a deploy agrees.
                name = path.relative_to(base).as_posix()
                hashed.update(name.encode() + b"\0" + path.read_bytes())
    hashed.update(repr([getattr(settings, name) for name in SETTINGS]).encode())
    return hashed.hexdigest()


RELEASE = SimpleLazyObject(digest)
