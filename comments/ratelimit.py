"""Flood control for comments: how many one person, and one IP address, may post in a while."""

from django.conf import settings

from comments.errors import RateLimited
from newsroom.ratelimit import retry_after


def hit(author, ip_address):
    """Count one comment; raise RateLimited when a limit is exceeded."""
    scopes = []
    if author is not None:
        scopes.append((f"comments:user:{author.pk}", settings.COMMENTS_RATE_LIMITS))
    if ip_address:
        scopes.append((f"comments:ip:{ip_address}", settings.COMMENTS_IP_RATE_LIMITS))
    for scope, limits in scopes:
        wait = retry_after(scope, limits)
        if wait:
            raise RateLimited(retry_after=wait)
