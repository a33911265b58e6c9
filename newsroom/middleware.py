import ipaddress
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.shortcuts import render


class RefuseNulInAddress:
    """A NUL byte in the path or query string is never meaningful, and PostgreSQL refuses it
    in a query ("A string literal cannot contain NUL"): answer 400 with a readable page before
    any view, filter or admin list hands it to the database. (Form fields refuse NUL
    themselves, with a message beside the field.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            return render(request, "400.html", {
                "message": "The address contains a NUL character, which no page here accepts. "
                           "Remove it and try again.",
            }, status=400)
        return self.get_response(request)


class ClientAddressBehindProxies:
    """Behind reverse proxies, REMOTE_ADDR is the nearest proxy's address, and flood limits and
    moderators' IP searches would see one address for everybody. Each proxy appends the
    address it received from to X-Forwarded-For, but anyone can send that header, so it is
    read only when the request comes from an address in TRUSTED_PROXIES, and then walked from
    the right past the trusted proxies: the first address not among them is the reader's.
    Entries left of it are whatever the client wrote and are never believed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        proxies = trusted_networks(tuple(settings.TRUSTED_PROXIES))
        if proxies:
            request.META["REMOTE_ADDR"] = client_address(
                request.META.get("REMOTE_ADDR", ""),
                request.META.get("HTTP_X_FORWARDED_FOR", ""),
                proxies,
            )
        return self.get_response(request)


@lru_cache(maxsize=4)
def trusted_networks(cidrs):
    try:
        return tuple(ipaddress.ip_network(cidr, strict=False) for cidr in cidrs)
    except ValueError as error:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES: {error}") from None


def client_address(peer, forwarded_for, proxies):
    """The address of whoever sent the request to the first trusted proxy in the chain."""
    address = peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    while is_trusted(address, proxies) and hops:
        try:
            address = str(ipaddress.ip_address(hops.pop()))
        except ValueError:  # a proxy passed on something that is no address: stop at the proxy
            break
    return address


def is_trusted(address, proxies):
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    ip = getattr(ip, "ipv4_mapped", None) or ip  # "::ffff:10.0.0.1" is 10.0.0.1
    return any(ip in network for network in proxies)
