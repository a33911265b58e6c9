"""Reads from PostgreSQL replicas, writes to the primary (DATABASE_REPLICA_URLS).

A replica may be a little behind the primary, and what a page shows must never be older than
what its reader has just done, nor may a writer decide from an old copy. So replicas are used
only where that cannot happen, and the primary everywhere else:

- Only a reading request (GET, HEAD, OPTIONS) reads from a replica, and only one that is not
  *pinned*. A request that may write (POST and the rest) reads from the primary all through,
  and its answer sets the pin cookie for ``DATABASE_PIN_SECONDS``: whoever has just posted,
  signed in or moderated reads from the primary for those seconds, so their own comment is on
  the next page even if a replica lags.
- Inside a transaction on the primary every read goes to the primary too, whoever runs it:
  the writers (comments/tree.py's locks, moderation, counts and versions, sessions) read the
  rows they change in the transaction that changes them.
- Outside a request (management commands, the task worker, a shell) nothing reads from a
  replica: those are writers or need the newest data.
- Each request reads from one replica only (chosen at its first read, in turn), so its
  queries see that replica's state moving forward, never back and forth between two.

A replica that is down costs no error page. It is checked when a request first picks it (a
connection kept from an earlier request is tested with ``SELECT 1``, as CONN_HEALTH_CHECKS
does for every connection); one that fails is left alone for ``RETRY_AFTER`` seconds and the
request reads from the primary, with one warning in the log when the replica goes and one
when it comes back. A replica that fails in the middle of a reading request makes the request
run again from the start on the primary (reading requests change nothing, so that is safe).

Hand-written this way rather than django-multidb-router's pinning router: that one sends every
read outside a pinned request to a replica (reads inside a writer's transaction, commands and
workers included) and has no answer for a replica that is down, the three things above.
"""

import contextvars
import itertools
import logging
import threading
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

logger = logging.getLogger(__name__)

PIN_COOKIE = "primary"  # its presence pins the reader to the primary; the value says nothing
READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
RETRY_AFTER = 5  # seconds a failed replica is left alone before a request tries it again


def replica_aliases():
    return [alias for alias in settings.DATABASES if alias.startswith("replica")]


@dataclass
class Reading:
    """What one reading request may read from: a replica, or (once one failed) the primary."""
    replicas_allowed: bool = True
    alias: str | None = None  # the replica this request reads from, once chosen
    failed: set = field(default_factory=set)  # replicas found down during this request


_reading = contextvars.ContextVar("newsroom_replica_reading", default=None)


class Health:
    """Which replicas this process has found down, and until when it leaves them alone."""

    def __init__(self):
        self.lock = threading.Lock()
        self.down_until = {}  # alias -> time.monotonic() of the next try
        self.turns = None

    def next_in_turn(self, aliases, excluded):
        """The next replica in turn that is not known to be down nor excluded, or None."""
        with self.lock:
            if self.turns is None:
                self.turns = itertools.cycle(aliases)
            now = time.monotonic()
            for _ in aliases:
                alias = next(self.turns)
                if alias not in excluded and self.down_until.get(alias, 0) <= now:
                    return alias
            return None

    def went_down(self, alias, error):
        with self.lock:
            known = alias in self.down_until
            self.down_until[alias] = time.monotonic() + RETRY_AFTER
        if not known:
            logger.warning("Replica %s is unavailable (%s): reading from the primary.", alias, error)

    def answered(self, alias):
        with self.lock:
            known = self.down_until.pop(alias, None) is not None
        if known:
            logger.warning("Replica %s answers again: reading from it.", alias)


health = Health()


def usable(alias):
    """Connect to the replica, or test the connection kept from an earlier request (once per
    request, as Django's own health check would at its first query)."""
    connection = connections[alias]
    try:
        connection.close_if_health_check_failed()
        connection.ensure_connection()
    except DatabaseError as error:
        health.went_down(alias, error)
        return False
    health.answered(alias)
    return True


def replica_for(reading):
    if reading.alias is None:
        aliases = replica_aliases()
        alias = health.next_in_turn(aliases, reading.failed)
        while alias is not None and not usable(alias):
            reading.failed.add(alias)
            alias = health.next_in_turn(aliases, reading.failed)
        reading.alias = alias or DEFAULT_DB_ALIAS
    return reading.alias


class PrimaryOrReplica:
    """The database router (DATABASE_ROUTERS when DATABASE_REPLICA_URLS is set)."""

    def db_for_read(self, model, **hints):
        reading = _reading.get()
        if reading is None or not reading.replicas_allowed or connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return replica_for(reading)

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replicas hold the primary's rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


class ReadFromReplicas:
    """The middleware that lets reading requests read from replicas and pins writers to the
    primary (see the module's docstring). First in MIDDLEWARE: everything below reads where
    it says, the public pages' validators included, so a page and its validator (its cache
    key, its ETag) come from the same database."""

    def __init__(self, get_response):
        if not replica_aliases():
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        reading_request = request.method in READING_METHODS
        pinned = not reading_request or PIN_COOKIE in request.COOKIES
        reading = Reading(replicas_allowed=not pinned)
        token = _reading.set(reading)
        try:
            response = self.get_response(request)
            if response.status_code >= 500 and not still_answers(reading.alias):
                # The replica failed under this request (the outage middleware or handler500
                # made the error page): it changes nothing, so it runs again on the primary.
                _reading.set(Reading(replicas_allowed=False))
                response = self.get_response(request)
        finally:
            _reading.reset(token)
        if not reading_request:
            response.set_cookie(PIN_COOKIE, "1", max_age=settings.DATABASE_PIN_SECONDS,
                                secure=settings.SESSION_COOKIE_SECURE, httponly=True, samesite="Lax")
        return response


def still_answers(alias):
    """False if alias is a replica that no longer answers (now marked down); True for the
    primary, for no replica at all, and for a replica that answers."""
    if alias in (None, DEFAULT_DB_ALIAS):
        return True
    connection = connections[alias]
    try:
        connection.close_if_unusable_or_obsolete()  # drops a connection that failed
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        health.went_down(alias, error)
        return False
    return True
