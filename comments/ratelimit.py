"""Flood control for comments: how many one person, and one IP address, may post in a while,
and how many ids of comments that do not exist (or are hidden) one address may ask for."""

from django.conf import settings

from comments.errors import RateLimited
from newsroom.ratelimit import retry_after


def hit(author, ip_address):
    """Count one comment against the person's and the address's limits (both or neither);
    raise RateLimited when a limit is exceeded."""
    limits_by_scope = {}
    if author is not None:
        limits_by_scope[f"comments:user:{author.pk}"] = settings.COMMENTS_RATE_LIMITS
    if ip_address:
        limits_by_scope[f"comments:ip:{ip_address}"] = settings.COMMENTS_IP_RATE_LIMITS
    wait = retry_after(limits_by_scope)
    if wait:
        raise RateLimited(retry_after=wait)


def probe(ip_address):
    """Count one "does not exist" answer to this address; raise RateLimited past the limit."""
    wait = ip_address and retry_after({f"comments:probe:{ip_address}": settings.COMMENTS_PROBE_RATE_LIMITS})
    if wait:
        raise RateLimited(retry_after=wait, doing="asking for comments that do not exist")
