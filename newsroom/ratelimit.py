"""Flood control: how often one person or one address may do something in a while.

Limits are (how many, seconds) pairs from settings, and mean exactly that: at most that many
attempts in ANY span of that many seconds (a sliding window, so no burst fits across the edge
of a fixed window). Each limit keeps the times of the last `how many` accepted attempts; an
attempt is refused while the oldest of them is younger than the window, and the wait is the
time until it leaves the window. Refused attempts are not counted, and an attempt counts
against all the limits it is checked against or none.

Where the times are kept:
- in Redis (REDIS_URL), shared by every worker, updated by one Lua script per attempt, so
  concurrent workers cannot both take the last place;
- in the process otherwise, under a lock: the in-process cache when there is no Redis, and a
  process-local store while Redis is unreachable (newsroom/cache.py), so the limits still hold
  per process during an outage and are shared again once Redis is back.
"""

import math
import threading
import time
from functools import partial, wraps

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.shortcuts import render

from newsroom.cache import ResilientRedisCache

clock = time.time  # seconds since the epoch: every worker (and machine) shares it

# Used while Redis is unreachable; a name of its own so cache.clear() elsewhere leaves it be.
FALLBACK = LocMemCache("newsroom-ratelimit-fallback", {"OPTIONS": {"MAX_ENTRIES": 10_000}})
_local_lock = threading.Lock()

# KEYS: one list of accepted times (ms) per limit; ARGV: now (ms), then how many and the
# window (ms) for each key in turn. Returns the wait in ms, 0 when the attempt was counted.
SLIDING_WINDOW_LUA = """
local now = tonumber(ARGV[1])
local wait = 0
for i, key in ipairs(KEYS) do
  local allowed, span = tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1])
  if redis.call('LLEN', key) >= allowed then
    local oldest = tonumber(redis.call('LINDEX', key, -allowed))
    if oldest > now - span then wait = math.max(wait, oldest + span - now) end
  end
end
if wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  redis.call('RPUSH', key, ARGV[1])
  redis.call('LTRIM', key, -tonumber(ARGV[2 * i]), -1)
  redis.call('PEXPIRE', key, ARGV[2 * i + 1])
end
return 0
"""


def retry_after(limits_by_scope):
    """Count one attempt against every limit of every scope ({scope: [(how many, seconds)]});
    return the seconds to wait if any limit refuses it (then nothing is counted), else None."""
    windows = [
        (f"flood:{scope}:{seconds}", allowed, seconds * 1000)
        for scope, limits in limits_by_scope.items()
        for allowed, seconds in limits
    ]
    if not windows:
        return None
    now = int(clock() * 1000)
    backend = caches["default"]
    if isinstance(backend, ResilientRedisCache):
        wait = backend.guarded(
            partial(_hit_in_redis, backend, windows, now), partial(_hit_in_process, FALLBACK, windows, now)
        )
    else:
        wait = _hit_in_process(backend, windows, now)
    return math.ceil(wait / 1000) if wait else None


def _hit_in_redis(backend, windows, now):
    keys = [backend.make_and_validate_key(key) for key, _, _ in windows]
    args = [now]
    for _, allowed, span in windows:
        args += [allowed, span]
    client = backend.client(keys[0])
    return int(client.register_script(SLIDING_WINDOW_LUA)(keys=keys, args=args))


def _hit_in_process(store, windows, now):
    """The Lua script's rule, for a cache that lives in this process."""
    with _local_lock:
        histories = [store.get(key) or [] for key, _, _ in windows]
        wait = 0
        for history, (_, allowed, span) in zip(histories, windows):
            if len(history) >= allowed and history[-allowed] > now - span:
                wait = max(wait, history[-allowed] + span - now)
        if wait:
            return wait
        for history, (key, allowed, span) in zip(histories, windows):
            store.set(key, (history + [now])[-allowed:], timeout=math.ceil(span / 1000))
        return 0


def too_many(request, wait, message):
    response = render(request, "429.html", {"message": message, "wait": wait}, status=429)
    response["Retry-After"] = str(wait)
    return response


def limit_posts(scope):
    """Limit the POSTs one address sends to a view (sign-in, sign-up, password reset):
    guessing passwords and sending reset mail in bulk both need many."""

    def decorator(view):
        @wraps(view)
        def limited(request, *args, **kwargs):
            if request.method == "POST":
                address = request.META.get("REMOTE_ADDR", "")
                wait = retry_after({f"{scope}:ip:{address}": settings.ACCOUNT_RATE_LIMITS})
                if wait:
                    return too_many(request, wait, "Too many attempts from your address.")
            return view(request, *args, **kwargs)

        return limited

    return decorator
