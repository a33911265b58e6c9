"""Turning what people type into safe HTML, once, when it is saved: the one home for Markdown.

Markdown is parsed by cmark-gfm (GitHub's C implementation of CommonMark, through cmarkgfm),
chosen by measurement (`make bench` prints the worst case): it parses in linear time and
renders any comment up to COMMENTS_MAX_LENGTH, however pathological, in about a millisecond.
Python-Markdown, used before, took seconds on bodies such as `'[a' * 4999` and raised
RecursionError on `'- ' * 495 + 'x'`; markdown-it-py is linear too but, in pure Python, took
50-100 ms on dense markup (`'[' * 10000`).

Markdown's output is never trusted as it is: nh3 (the maintained Rust sanitiser) keeps only
the tags and attributes listed here, so no script, style or event handler survives.
"""

import re

import cmarkgfm
import nh3
from cmarkgfm.cmark import Options

ARTICLE_TAGS = {
    "p", "br", "h2", "h3", "h4", "strong", "em", "a", "blockquote", "ul", "ol", "li",
    "code", "pre", "hr", "figure", "figcaption", "img", "table", "thead", "tbody", "tr",
    "th", "td",
}
ARTICLE_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"scope"},
}


def strip_nul(text):
    """PostgreSQL refuses NUL in text; a NUL is never meaningful in what people write."""
    return text.replace("\x00", "")


# The sanitiser's HTML parser takes time quadratic in how deeply elements nest (10,000 nested
# quotes: 0.6 s), and one line can open a quote per character ('>>>>…'). cmark-gfm already
# stops lists at 100 levels; quotes are kept to MAX_QUOTE_DEPTH per line, the rest shown as
# typed. CONTAINER_PREFIX is the run of quote and list markers that opens a line.
MAX_QUOTE_DEPTH = 16
CONTAINER_PREFIX = re.compile(r"^[ \t]*(?:(?:>|[-+*][ \t]|\d{1,9}[.)][ \t])[ \t]*)+", re.MULTILINE)


def _limit_quote_depth(match):
    prefix = match.group(0)
    if prefix.count(">") <= MAX_QUOTE_DEPTH:
        return prefix
    cut = -1
    for _ in range(MAX_QUOTE_DEPTH + 1):
        cut = prefix.index(">", cut + 1)
    return prefix[:cut] + "\\" + prefix[cut:]  # a backslash makes the marker plain text


def _cmark(text, options, extensions=None):
    # A lone surrogate cannot be encoded as UTF-8 (and never comes from a decoded request):
    # replace it rather than fail.
    text = strip_nul(text).encode("utf-8", "replace").decode("utf-8")
    text = CONTAINER_PREFIX.sub(_limit_quote_depth, text)
    if extensions:
        html = cmarkgfm.markdown_to_html_with_extensions(text, options, extensions=extensions)
    else:  # the direct call: about twice as fast as the one that attaches extensions
        html = cmarkgfm.markdown_to_html(text, options)
    return html.rstrip("\n")


URL_SCHEMES = {"http", "https", "mailto"}
ARTICLE_CLEANER = nh3.Cleaner(tags=ARTICLE_TAGS, attributes=ARTICLE_ATTRIBUTES,
                              url_schemes=URL_SCHEMES)


def render_markdown(text):
    """Articles, written by staff: headings, images, tables and their own HTML (figures)."""
    return ARTICLE_CLEANER.clean(_cmark(text, Options.CMARK_OPT_UNSAFE, extensions=["table"]))


COMMENT_TAGS = {"p", "br", "strong", "em", "a", "blockquote", "ul", "ol", "li", "code", "pre"}
COMMENT_ATTRIBUTES = {"a": {"href"}}
COMMENT_LINK_REL = "nofollow ugc noopener"
COMMENT_CLEANER = nh3.Cleaner(tags=COMMENT_TAGS, attributes=COMMENT_ATTRIBUTES,
                              link_rel=COMMENT_LINK_REL, url_schemes=URL_SCHEMES)
BARE_URL = re.compile(r"(?<![<(\[\"'=])\bhttps?://[^\s<>\"']+")
TRAILING_PUNCTUATION = ".,;:!?)]'\""


def _autolink(match):
    url = match.group(0)
    trimmed = url.rstrip(TRAILING_PUNCTUATION)
    return f"<{trimmed}>{url[len(trimmed):]}"


def render_comment(text):
    """Light Markdown for readers: paragraphs, line breaks kept (<br>), emphasis, quotes,
    lists, code and links; bare URLs linked with rel="nofollow ugc noopener" (no reward for
    link spam). Raw HTML is left out by cmark (its text stays), and the sanitiser drops the
    tags comments do not take (headings keep their words, images go)."""
    html = _cmark(BARE_URL.sub(_autolink, text), Options.CMARK_OPT_HARDBREAKS)
    return COMMENT_CLEANER.clean(html)
