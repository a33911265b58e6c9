"""The Content-Security-Policy header, and the markup rule that lets it be strict.

What Chromium makes of the policy on the real pages is in tests/browser/test_csp.py.
"""

import os
import re
import subprocess
import sys
import tokenize
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.factories import ArticleFactory, UserFactory, make_comment

ROOT = Path(__file__).resolve().parent.parent
STRICT = {
    "default-src": "'self'",
    "img-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def directives(response):
    header = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


@pytest.fixture
def article():
    article = ArticleFactory()
    make_comment(article, author=UserFactory(), body="A comment.")
    return article


@pytest.mark.django_db
@pytest.mark.parametrize("url", [
    "/", "ARTICLE", "/search/?q=x", "/accounts/login/", "/accounts/signup/", "/admin/login/",
    "/no-such-page/", "/search/?q=%00",
])
def test_every_page_carries_the_strict_policy(client, article, url):
    response = client.get(article.get_absolute_url() if url == "ARTICLE" else url)
    assert response["Content-Type"].startswith("text/html")
    policy = directives(response)
    assert policy == STRICT
    assert not any(word in response["Content-Security-Policy"] for word in ("unsafe", "nonce", "data:"))


@pytest.mark.django_db
def test_the_policy_is_the_same_for_everyone_so_cached_pages_stay_valid(client, article):
    anonymous = client.get(article.get_absolute_url())["Content-Security-Policy"]
    client.force_login(UserFactory())
    signed_in = client.get(article.get_absolute_url())["Content-Security-Policy"]
    assert anonymous == signed_in == client.get(article.get_absolute_url())["Content-Security-Policy"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/feeds/rss/", "/feeds/atom/", "/sitemap.xml", "/news-sitemap.xml"])
def test_feeds_and_sitemaps_still_parse(client, article, url):
    response = client.get(url)
    assert response.status_code == 200
    assert "xml" in response["Content-Type"]
    root = ET.fromstring(response.content)
    assert article.get_absolute_url() in response.content.decode() or root.tag.endswith("sitemapindex")


def policy_with(**environ):
    env = {**os.environ, **environ}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from csp.utils import build_policy; print(build_policy())"],
        cwd=ROOT, env={**env, "DJANGO_SETTINGS_MODULE": "newsroom.settings"},
        capture_output=True, text=True, check=True,
    )
    return dict(part.strip().split(" ", 1) for part in result.stdout.strip().split(";"))


def test_images_may_come_from_the_media_origin_when_it_is_another():
    policy = policy_with(MEDIA_URL="https://media.example.com/uploads/")
    assert policy["img-src"] == "'self' https://media.example.com"
    assert policy["default-src"] == "'self'"  # nothing else is loosened
    assert policy_with(MEDIA_URL="/media/")["img-src"] == "'self'"


# The markup rule behind the policy: no inline script (a JSON-LD data block is not a script
# and Chromium does not report it), no <style> block, no style attribute, no event-handler
# attribute, no javascript: URL, in templates or in markup written in Python.
INLINE = re.compile(
    r"""<style|\bstyle\s*=|\son[a-z]+\s*=\s*["']|javascript:"""
    r"""|<script(?![^>]*\bsrc=)(?![^>]*type="application/ld\+json")""",
    re.IGNORECASE,
)
TEMPLATES = [*ROOT.glob("templates/**/*.html"), *ROOT.glob("comments/templates/**/*.html")]
PYTHON = [*ROOT.glob("newsroom/**/*.py"), *ROOT.glob("comments/**/*.py")]
STRING_TOKENS = {tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING)}


def python_markup(path):
    """The string literals of a Python file, where its markup is: (line, text)."""
    with path.open("rb") as source:
        for token in tokenize.tokenize(source.readline):
            if token.type in STRING_TOKENS:
                yield token.start[0], token.string


def inline_markup(line):
    return INLINE.search(line) or line.strip("\"'") == "style"  # attrs={"style": ...}


def test_no_inline_script_or_style_in_markup():
    lines = [(path, *numbered) for path in TEMPLATES for numbered in enumerate(path.read_text().splitlines(), 1)]
    lines += [(path, *numbered) for path in PYTHON for numbered in python_markup(path)]
    found = [f"{path.relative_to(ROOT)}:{number}: {text.strip()}" for path, number, text in lines
             if inline_markup(text)]
    assert len(TEMPLATES) > 30 and len(PYTHON) > 30
    assert not found, "inline script or style, which the Content-Security-Policy refuses:\n" + "\n".join(found)


def test_the_markup_rule_catches_what_the_policy_refuses():
    for refused in ['<p style="color: red">', "<style>p {}</style>", "<script>go()</script>",
                    '<a onclick="go()">', '<a href="javascript:go()">', "'<div style={}>'", "'style'"]:
        assert inline_markup(refused), refused
    for allowed in ['<script src="/static/js/comments.js" defer></script>',
                    '<script type="application/ld+json">{}</script>', '<p class="styled">', "'stylesheet'"]:
        assert not inline_markup(allowed), allowed
