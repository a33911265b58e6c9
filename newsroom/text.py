"""Turning what people type into safe HTML, once, when it is saved.

Markdown's output is never trusted as it is: nh3 (the maintained Rust sanitiser) keeps only
the tags and attributes listed here, so no script, style or event handler survives.
"""

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


def render_markdown(text, *, tags=ARTICLE_TAGS, attributes=ARTICLE_ATTRIBUTES, link_rel=None):
    html = markdown.markdown(strip_nul(text), extensions=["sane_lists"], output_format="html")
    return nh3.clean(
        html,
        tags=tags,
        attributes=attributes,
        link_rel=link_rel,
        url_schemes={"http", "https", "mailto"},
    )
