"""What this deployment's code and templates are, as a short digest: part of the key of every
piece of markup kept in the cache (a thread's, comments/discussion.py; an article's own part
of its page, newsroom/views.py), so that after a deploy no markup written by the old code is
served. Markup is otherwise kept under versions that only writes move."""

import hashlib
from pathlib import Path

from django.conf import settings
from django.utils.functional import SimpleLazyObject

SOURCES = ("newsroom", "comments", "templates")
SUFFIXES = {".py", ".html"}


def digest():
    hashed = hashlib.blake2b(digest_size=6)
    for folder in SOURCES:
        for path in sorted((Path(settings.BASE_DIR) / folder).rglob("*")):
            if path.suffix in SUFFIXES and path.is_file():
                hashed.update(path.as_posix().encode() + b"\0" + path.read_bytes())
    return hashed.hexdigest()


RELEASE = SimpleLazyObject(digest)
