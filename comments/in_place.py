"""Answers for the discussion's script (static/js/comments.js), which posts, replies,
recommends and flags in place, without reloading the page.

The script asks with `Accept: application/json`; every other request gets the pages and
redirects it always had, so everything works without JavaScript. An answer is a small JSON
object whose `result` says what happened:

- "posted": the comment is shown; `html` is its <li> with the reader's own controls, `id`,
  `parent` and `location` (where it is read in the discussion, for when the page cannot
  show it), and the discussion's public `count` now;
- "held": it waits for a moderator (`message`);
- "nudge": its abuse score is high (comments.errors.MayBreakRules): `html` is the community
  rules, and sending it once more with `confirmed` posts it to the pending queue;
- "done": a recommendation or a flag was recorded (`html`, the comment's new markup for a
  recommendation; `message` for a flag);
- "refused": the form's errors or the refusal (`errors`, a list of sentences), with the
  status the page would have had (400, 403, 404, 429 with `Retry-After`...).

A refusal never loses the reader's text: the script keeps the form as it was.
"""

from django.http import JsonResponse
from django.utils.cache import patch_vary_headers


def wanted(request):
    return "application/json" in request.headers.get("Accept", "")


def answer(result, *, status=200, retry_after=None, **data):
    response = JsonResponse({"result": result, **data}, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    # The same address answers a page or JSON: a cache must keep them apart.
    patch_vary_headers(response, ["Accept"])
    return response


def refused(errors, *, status=400, retry_after=None):
    return answer("refused", status=status, retry_after=retry_after, errors=list(errors))


def form_errors(form):
    """A form's errors as sentences, those about the whole form first."""
    return [str(message) for field in (None, *form.fields) for message in form.errors.get(field or "__all__", [])]
