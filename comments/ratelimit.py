"""Flood control: how many comments one person, and one IP address, may post in a while.

Fixed windows counted in the cache (Redis when REDIS_URL is set, so every worker shares the
counts). Limits come from settings as (how many, seconds) pairs.
"""

import time

from django.conf import settings
from django.core.cache import cache

from comments.errors import RateLimited


def _count(scope, limits):
    now = int(time.time())
    for allowed, seconds in limits:
        window = now // seconds
        key = f"comments:rate:{scope}:{seconds}:{window}"
        cache.add(key, 0, timeout=seconds + 1)
        try:
            used = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=seconds + 1)
            used = 1
        if used > allowed:
            raise RateLimited(retry_after=(window + 1) * seconds - now)


def hit(author, ip_address):
    """Count one comment; raise RateLimited when a limit is exceeded."""
    if author is not None:
        _count(f"user:{author.pk}", settings.COMMENTS_RATE_LIMITS)
    if ip_address:
        _count(f"ip:{ip_address}", settings.COMMENTS_IP_RATE_LIMITS)
