"""Flood control: how often one person or one address may do something in a while.

Fixed windows counted in the cache (Redis when REDIS_URL is set, so every worker shares the
counts). Limits are (how many, seconds) pairs from settings.
"""

import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render


def retry_after(scope, limits):
    """Count one attempt; return the seconds to wait if a limit is now exceeded, else None."""
    now = int(time.time())
    for allowed, seconds in limits:
        window = now // seconds
        key = f"rate:{scope}:{seconds}:{window}"
        cache.add(key, 0, timeout=seconds + 1)
        try:
            used = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=seconds + 1)
            used = 1
        if used > allowed:
            return (window + 1) * seconds - now
    return None


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
                wait = retry_after(f"{scope}:ip:{address}", settings.ACCOUNT_RATE_LIMITS)
                if wait:
                    return too_many(request, wait, "Too many attempts from your address.")
            return view(request, *args, **kwargs)

        return limited

    return decorator
