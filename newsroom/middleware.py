import ipaddress

from django.conf import settings
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
    """Behind PROXY_COUNT reverse proxies, REMOTE_ADDR is the nearest proxy's address, and
    flood limits and moderators' IP searches would see one address for everybody. Each
    trusted proxy appends the address it received from to X-Forwarded-For, so the reader's is
    the PROXY_COUNT-th entry from the end; entries before it are whatever the client sent."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        proxies = settings.PROXY_COUNT
        if proxies:
            chain = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
            if len(chain) >= proxies:
                try:
                    request.META["REMOTE_ADDR"] = str(ipaddress.ip_address(chain[-proxies]))
                except ValueError:
                    pass
        return self.get_response(request)
