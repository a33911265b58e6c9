"""The word lists: banned words refuse a comment, suspect words hold it for a moderator.

Matching is whole-word and ignores case. Both the lists and the text are cut into words the
same way (runs of letters and digits, case-folded) and compared as sets, so "kill" never
matches "skill", "Kill!" matches "kill", and a phrase ("kill them all") matches the same words
in a row. A check costs a few set lookups per word of the comment, however long the lists.

The lists are read from the database once per process and kept until they change: saving or
deleting a Word bumps a version in the shared cache (after the transaction commits), and every
process reloads when it sees a version it has not loaded. Without a shared cache (no REDIS_URL,
several worker processes, or while Redis is unreachable and every read of it misses) a
process cannot see another's bump, so lists are also read again once they are a minute old.
"""

import re
import time
import uuid
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from comments.models import Word

WORD = re.compile(r"\w+")
VERSION_KEY = "comments:words:version"
MAX_AGE = 60  # seconds

_loaded = None  # the Lists this process read last


def normalise(text):
    """"Kill  THEM-all!" -> "kill them all": what is stored and what is compared."""
    return " ".join(WORD.findall(text.casefold()))


@dataclass(frozen=True)
class Lists:
    version: str
    entries: dict  # normalised text -> kind
    lengths: tuple  # the numbers of words the entries have, e.g. (1, 3)
    read_at: float  # time.monotonic() when they were read

    def find(self, text, kind):
        """The first entry of this kind found in the text (in the text's order), or None."""
        if not self.entries:
            return None
        words = WORD.findall(text.casefold())
        for start in range(len(words)):
            for length in self.lengths:  # ascending
                if start + length > len(words):
                    break
                candidate = words[start] if length == 1 else " ".join(words[start:start + length])
                if self.entries.get(candidate) == kind:
                    return candidate
        return None


def current_version():
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(VERSION_KEY)
    return version


def lists():
    global _loaded
    version = current_version()
    loaded = _loaded
    now = time.monotonic()
    if loaded is None or loaded.version != version or now - loaded.read_at > MAX_AGE:
        entries = dict(Word.objects.values_list("normalised", "kind"))
        lengths = tuple(sorted({entry.count(" ") + 1 for entry in entries}))
        loaded = _loaded = Lists(version, entries, lengths, now)
    return loaded


def banned_word(text):
    return lists().find(text, Word.Kind.BANNED)


def suspect_word(text):
    return lists().find(text, Word.Kind.SUSPECT)


def forget():
    """Make every process reload the lists: now (so this transaction sees its own change) and
    again after the commit (so no process keeps what it read before the change was visible).
    This process also drops its own copy, in case the shared cache cannot be reached."""
    global _loaded
    _loaded = None
    cache.delete(VERSION_KEY)
    transaction.on_commit(reload_everywhere)


def reload_everywhere():
    global _loaded
    _loaded = None
    cache.delete(VERSION_KEY)


@receiver(post_save, sender=Word)
@receiver(post_delete, sender=Word)
def word_changed(**kwargs):
    forget()
