"""The shared cache (Redis, when REDIS_URL is set) as a helper the site can lose.

Django's Redis backend raises ConnectionError on every call while Redis is down, so anything
that reads the cache (flood limits, word-list versions, page caches) would answer 500. This
backend turns an unreachable Redis into misses and no-ops instead: `get` returns the default,
`add` and `delete` return False, `incr` behaves as for a missing key, writes are dropped.

A dead Redis should cost milliseconds, not seconds: connecting and reading time out quickly,
and after a failure the backend stops trying for `RETRY_AFTER` seconds (another request then
tries again), so during an outage most calls never touch the network. The warning is logged
once when Redis goes away and once when it is back, not once per request.
"""

import logging
import os
import threading
import time
from functools import partial

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError, TimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (ConnectionError, TimeoutError)
DEFAULT_OPTIONS = {
    "socket_connect_timeout": 0.25,  # seconds; a server on the same network answers in < 1 ms
    "socket_timeout": 0.25,
}


class KeptClients(RedisCacheClient):
    """Django's client with one redis-py client per connection pool, kept: Django makes a new
    one for every call, and making one (it copies redis-py's table of reply parsers) cost
    three times the round trip to Redis, on every cached page and flood limit. A redis-py
    client is safe to share between threads (it takes a connection from its pool per call).

    Reads (`get_many`: the front's generation and validator for every anonymous request, a
    page's thread markups; `get`: a page's cached parts, the word lists' version) are sent
    on a connection each thread keeps for them, outside the pool: redis-py's client around a
    command (its retries, hooks, metrics) and its pool (a lock and a poll of the socket per
    command) cost more CPU than the round trip itself (measured, a call: 71 microseconds
    through the client, 33 on a kept connection, 29 for the bare socket). A read is safe to
    send again: a connection the server closed while it was idle (a restart, a timeout) is
    opened again, once.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}
        self._kept = threading.local()

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client

    def get(self, key, default):
        value = self._read("GET", key)
        return default if value is None else self._serializer.loads(value)

    def get_many(self, keys):
        keys = list(keys)
        values = self._read("MGET", *keys)
        return {key: self._serializer.loads(value) for key, value in zip(keys, values) if value is not None}

    def _read(self, *command):
        connection = self._kept_connection()
        for attempt in (1, 2):
            try:
                connection.send_command(*command)
                return connection.read_response()
            except ConnectionError:
                connection.disconnect()  # send_command connects it again
                if attempt == 2:
                    raise
            except BaseException:
                connection.disconnect()  # whatever it was in the middle of is unreadable now
                raise

    def _kept_connection(self):
        kept = self._kept
        if getattr(kept, "pid", None) != os.getpid():  # new, or inherited by a forked process
            pool = self._get_connection_pool(False)
            kept.connection, kept.pid = pool.connection_class(**pool.connection_kwargs), os.getpid()
        return kept.connection


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        options = {**DEFAULT_OPTIONS, **params.get("OPTIONS", {})}
        self.retry_after = options.pop("RETRY_AFTER", 2)  # seconds without trying, after a failure
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = KeptClients
        self._lock = threading.Lock()
        self._down_since = None  # time.monotonic() of the failure that began this outage
        self._next_try = 0.0

    @property
    def available(self):
        """False while Redis is known to be away and it is not yet time to try it again."""
        return time.monotonic() >= self._next_try

    def guarded(self, operation, fallback):
        """operation() against Redis; fallback() if Redis is away (now, or known to be)."""
        if not self.available:
            return fallback()
        try:
            result = operation()
        except UNREACHABLE as error:
            self._went_away(error)
            return fallback()
        if self._down_since is not None:
            self._came_back()
        return result

    def client(self, key):
        """The redis-py client for writes to `key` (already made with make_and_validate_key)."""
        return self._cache.get_client(key, write=True)

    def _went_away(self, error):
        with self._lock:
            self._next_try = time.monotonic() + self.retry_after
            if self._down_since is None:
                self._down_since = time.monotonic()
                logger.warning(
                    "Redis is unreachable (%s): the cache misses and flood limits are counted "
                    "in each process until it is back.", error,
                )

    def _came_back(self):
        with self._lock:
            if self._down_since is None:
                return
            away = time.monotonic() - self._down_since
            self._down_since = None
        logger.warning("Redis is reachable again after %.1f s.", away)

    # Every operation Django's RedisCache offers, each with what a miss or a no-op returns.

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self.guarded(partial(super().add, key, value, timeout, version), lambda: False)

    def get(self, key, default=None, version=None):
        return self.guarded(partial(super().get, key, default, version), lambda: default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self.guarded(partial(super().set, key, value, timeout, version), lambda: None)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self.guarded(partial(super().touch, key, timeout, version), lambda: False)

    def delete(self, key, version=None):
        return self.guarded(partial(super().delete, key, version), lambda: False)

    def get_many(self, keys, version=None):
        return self.guarded(partial(super().get_many, keys, version), dict)

    def has_key(self, key, version=None):
        return self.guarded(partial(super().has_key, key, version), lambda: False)

    def incr(self, key, delta=1, version=None):
        def missing():
            raise ValueError(f"Key '{key}' not found (Redis is unreachable).")

        return self.guarded(partial(super().incr, key, delta, version), missing)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self.guarded(partial(super().set_many, data, timeout, version), lambda: list(data))

    def delete_many(self, keys, version=None):
        return self.guarded(partial(super().delete_many, keys, version), lambda: None)

    def clear(self):
        return self.guarded(super().clear, lambda: False)
