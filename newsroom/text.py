"""Turning what people type into safe HTML, once, when it is saved.

Markdown's output is never trusted as it is: nh3 (the maintained Rust sanitiser) keeps only
the tags and attributes listed here, so no script, style or event handler survives.
"""

import re

import markdown
import nh3

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


def render_markdown(text):
    html = markdown.markdown(strip_nul(text), extensions=["sane_lists"], output_format="html")
    return render_markdown_html(html, tags=ARTICLE_TAGS, attributes=ARTICLE_ATTRIBUTES)


def render_markdown_html(html, *, tags, attributes, link_rel=None):
    return nh3.clean(
        html,
        tags=tags,
        attributes=attributes,
        link_rel=link_rel,
        url_schemes={"http", "https", "mailto"},
    )


COMMENT_TAGS = {"p", "br", "strong", "em", "a", "blockquote", "ul", "ol", "li", "code", "pre"}
COMMENT_ATTRIBUTES = {"a": {"href"}}
COMMENT_LINK_REL = "nofollow ugc noopener"
BARE_URL = re.compile(r"(?<![<(\[\"'=])\bhttps?://[^\s<>\"']+")
TRAILING_PUNCTUATION = ".,;:!?)]'\""


def _autolink(match):
    url = match.group(0)
    trimmed = url.rstrip(TRAILING_PUNCTUATION)
    return f"<{trimmed}>{url[len(trimmed):]}"


def render_comment(text):
    """Light Markdown for readers: paragraphs and line breaks kept, bare URLs linked with
    rel="nofollow ugc noopener" (no reward for link spam), no headings, images or raw HTML."""
    text = BARE_URL.sub(_autolink, strip_nul(text))
    html = markdown.markdown(text, extensions=["nl2br", "sane_lists"], output_format="html")
    return render_markdown_html(html, tags=COMMENT_TAGS, attributes=COMMENT_ATTRIBUTES,
                                link_rel=COMMENT_LINK_REL)
