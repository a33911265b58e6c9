import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.safestring import mark_safe

register = template.Library()

# The same escapes as Django's json_script: nothing in the data can close the <script>.
SCRIPT_SAFE = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def ld_json(data):
    return mark_safe(json.dumps(data, cls=DjangoJSONEncoder).translate(SCRIPT_SAFE))


@register.filter
def machine_time(moment):
    """A time for <time datetime>: to the second, with its offset ("2021-06-01T14:05:09+00:00").
    Django's "c" format adds microseconds, which HTML's date and time syntax does not allow."""
    return moment.isoformat(timespec="seconds") if moment else ""


@register.simple_tag(takes_context=True)
def absolute_url(context, path):
    return context["request"].build_absolute_uri(path)
