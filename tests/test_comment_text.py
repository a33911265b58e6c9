"""What a comment's text becomes: light Markdown, safe whatever is typed, never an error.

Random and adversarial bodies come from Hypothesis and from the pathological corpus that
`make bench` times (timing lives in the bench, never here).
"""

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from comments.models import Comment
from comments.pathological import corpus
from newsroom.text import COMMENT_LINK_REL, COMMENT_TAGS, render_comment, render_markdown
from tests.factories import ArticleFactory, UserFactory


class Elements(HTMLParser):
    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.found = []  # (tag, attributes) in document order
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def assert_safe(html):
    """Only the comment tags; only links (relative, http(s) or mail), marked nofollow ugc noopener."""
    for tag, attributes in Elements(html).found:
        assert tag in COMMENT_TAGS, (tag, html[:300])
        if tag == "a":
            assert set(attributes) <= {"href", "rel"}, attributes
            assert attributes["rel"] == COMMENT_LINK_REL
            scheme = urlsplit(attributes.get("href", "")).scheme
            assert scheme in {"", "http", "https", "mailto"}, attributes
        else:
            assert not attributes, (tag, attributes)


# Characters that mean something to Markdown or HTML, so random bodies are mostly markup.
MARKUP = "[]()`*_>-+.#!<&;\\|~=:/\n\t \x00"
UNITS = ["[", "[a", "[`", "![", "](", "`", "```\n", "*", "_", "**", "> ", ">", "- ", "1. ",
         "  ", "&amp;", "&#", "<a href=x>", "<script>", "http://a.b/", "\n\n", "\x00", "a"]

markup_text = st.text(alphabet=st.sampled_from(MARKUP) | st.characters(), max_size=400)
long_runs = st.lists(
    st.tuples(st.sampled_from(UNITS), st.integers(1, 1500)), min_size=1, max_size=6
).map(lambda runs: "".join(unit * count for unit, count in runs)[:settings.COMMENTS_MAX_LENGTH])
quick = hypothesis_settings(max_examples=150, deadline=None,
                            suppress_health_check=[HealthCheck.too_slow])


@quick
@given(markup_text)
def test_any_text_renders_to_safe_html(body):
    assert_safe(render_comment(body))


@quick
@given(long_runs)
def test_long_runs_of_markup_render_to_safe_html(body):
    assert_safe(render_comment(body))


@pytest.mark.parametrize("name, body", corpus())
def test_pathological_bodies_render_to_safe_html(name, body):
    assert len(body) <= settings.COMMENTS_MAX_LENGTH
    assert_safe(render_comment(body))


def test_ordinary_markdown_renders_as_before():
    body = ("First line\nsecond line with *emphasis*, **strong** and `code`.\n\n"
            "> a quote\n\n- one\n- two\n\n1. first\n2. second\n\n"
            "See [the report](https://example.org/report) and https://example.org/a_b.")
    assert render_comment(body) == (
        "<p>First line<br>\nsecond line with <em>emphasis</em>, <strong>strong</strong> and "
        "<code>code</code>.</p>\n<blockquote>\n<p>a quote</p>\n</blockquote>\n"
        "<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n<ol>\n<li>first</li>\n<li>second</li>\n</ol>\n"
        '<p>See <a href="https://example.org/report" rel="nofollow ugc noopener">the report</a> '
        'and <a href="https://example.org/a_b" rel="nofollow ugc noopener">'
        "https://example.org/a_b</a>.</p>"
    )


def test_headings_images_and_raw_html_are_not_comment_markup():
    html = render_comment("# Big words\n\n![a photo](https://example.org/p.jpg)\n\n"
                          "<b>bold?</b> <script>alert(1)</script>")
    assert "<h1" not in html and "Big words" in html  # the words stay, the heading goes
    assert "<img" not in html and "p.jpg" not in html
    assert "<b>" not in html and "<script" not in html and "bold?" in html


def test_quotes_nest_to_a_limit_and_the_rest_shows_as_typed():
    html = render_comment(">" * 40 + " deep")
    assert html.count("<blockquote>") == 16
    assert "&gt;" * 24 + " deep" in html


@pytest.mark.django_db
@pytest.mark.parametrize("body", ["- " * 495 + "x", "[a" * 4999, "[`" * 4999, ">" * 9999])
def test_bodies_that_broke_the_old_renderer_post_normally(client, body):
    article = ArticleFactory()
    client.force_login(UserFactory())
    response = client.post(f"/comments/article/{article.pk}/", {"body": body})
    assert response.status_code == 302
    comment = Comment.objects.get(article=article)
    assert comment.body == body.strip()
    assert_safe(comment.body_html)


def test_articles_keep_headings_images_figures_and_tables():
    html = render_markdown(
        "## Background\n\nText with ![a photo](/media/p.jpg).\n\n"
        '<figure><img src="/media/f.jpg" alt="f"><figcaption>Caption</figcaption></figure>\n\n'
        "| year | count |\n| --- | --- |\n| 2020 | 3 |"
    )
    assert "<h2>Background</h2>" in html
    assert '<img src="/media/p.jpg" alt="a photo">' in html
    assert '<figcaption>Caption</figcaption>' in html
    assert "<th>year</th>" in html and "<td>2020</td>" in html


@pytest.mark.django_db
def test_text_is_rendered_before_the_threads_lock_is_taken(monkeypatch):
    """A slow body must never hold up the other writers of its thread (or of new threads)."""
    from comments import actions, tree

    article, author = ArticleFactory(), UserFactory(is_staff=True)  # staff: no flood limits
    parent = actions.post_comment(article=article, author=author, body="A thread.")
    locks_held = []

    def render_and_note_locks(text):
        locks_held.append((tree.holds_lock(None), tree.holds_lock(parent.tree_id)))
        return render_comment(text)

    monkeypatch.setattr(actions, "render_comment", render_and_note_locks)
    actions.post_comment(article=article, author=author, body="Another *thread*.")
    reply = actions.post_comment(article=article, author=author, body="A *reply*.", parent=parent)
    assert locks_held == [(False, False), (False, False)]
    assert reply.body_html == "<p>A <em>reply</em>.</p>"


@pytest.mark.django_db
def test_the_migration_renders_stored_comments_again_with_the_new_renderer():
    import importlib

    from django.apps import apps

    from tests.factories import make_comment

    migration = importlib.import_module("comments.migrations.0005_render_bodies_with_cmark")
    body = "Next targets:\n1. the south\n2. the east"
    comment = make_comment(ArticleFactory(), body=body)
    old_html = "<p>Next targets:<br>\n1. the south<br>\n2. the east</p>"  # Python-Markdown's
    Comment.objects.filter(pk=comment.pk).update(body_html=old_html)
    version = Comment.objects.get(pk=comment.pk).thread_version
    migration.render_again(apps, None)
    comment.refresh_from_db()
    assert comment.body_html == render_comment(body)
    assert "<li>the south</li>" in comment.body_html
    assert comment.thread_version == version + 1  # no cached thread keeps the old HTML


@pytest.mark.django_db(transaction=True)
def test_an_edit_is_rendered_before_the_comment_is_locked(monkeypatch):
    """The edit locks the comment's row in a transaction: rendering happens before it opens."""
    from django.db import connection

    from comments import actions

    article, author = ArticleFactory(), UserFactory(is_staff=True)
    comment = actions.post_comment(article=article, author=author, body="First words.")
    in_transaction = []

    def render_and_note_transaction(text):
        in_transaction.append(connection.in_atomic_block)
        return render_comment(text)

    monkeypatch.setattr(actions, "render_comment", render_and_note_transaction)
    edited = actions.edit_comment(comment, author, "Second *words*.")
    assert in_transaction == [False]
    assert edited.body_html == "<p>Second <em>words</em>.</p>"
