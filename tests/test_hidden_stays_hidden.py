"""Hidden stays hidden (issue 13, findings 6, 7 and 8): a comment a reader may not see is
answered exactly as one that does not exist, its text and author appear nowhere, and asking
for many such ids from one address is limited."""

import re

import pytest
from django.test import Client

from comments import actions, moderation
from comments.models import Comment
from tests.factories import UserFactory, make_comment, moderator

pytestmark = pytest.mark.django_db
S = Comment.Status
HIDDEN = [S.PENDING, S.REMOVED, S.SPAM, S.DELETED, S.FLAGGED]
MISSING = 987654


@pytest.fixture
def writer():
    return UserFactory(display_name="David BlackBeard")


@pytest.fixture
def reader_client():
    client = Client()
    client.force_login(UserFactory())
    return client


def hidden_comment(article, writer, status):
    comment = make_comment(article, author=writer, body="Secret words nobody may read.")
    actions.set_status(comment, status)
    return comment


def answer(response):
    """What a reader can tell from a response: status, where it sends them, what it says
    (with the per-request CSRF token, and the id the form sent back, taken out)."""
    body = re.sub(r'name="(csrfmiddlewaretoken|parent)" value="[^"]+"', "", response.content.decode())
    return response.status_code, response.get("Location"), body


# Each way of naming one comment by its id: (method, path, form data).
PROBES = {
    "in context": ("get", "/comments/{pk}/in-context/", None),
    "flag page": ("get", "/comments/{pk}/flag/", None),
    "flag": ("post", "/comments/{pk}/flag/", {"reason": "spam"}),
    "recommend": ("post", "/comments/recommend/", {"recommend": "{pk}"}),
    "reply page": ("get", "/comments/{pk}/reply/", None),
    "reply": ("post", "/comments/{pk}/reply/", {"body": "A reply."}),
    "inline reply": ("post", "/comments/article/{article}/", {"body": "A reply.", "parent": "{pk}"}),
    "own page": ("get", "/comments/{pk}/", None),
    "edit page": ("get", "/comments/{pk}/edit/", None),
    "delete page": ("get", "/comments/{pk}/delete/", None),
}


def probe(client, name, pk, article):
    method, path, data = PROBES[name]
    data = {key: value.format(pk=pk) for key, value in (data or {}).items()}
    return getattr(client, method)(path.format(pk=pk, article=article.pk), data)


@pytest.mark.parametrize("status", HIDDEN)
@pytest.mark.parametrize("name", PROBES)
def test_a_hidden_comment_is_answered_exactly_as_a_missing_one(reader_client, article, writer, name, status):
    comment = hidden_comment(article, writer, status)
    hidden = answer(probe(reader_client, name, comment.pk, article))
    missing = answer(probe(reader_client, name, MISSING, article))
    assert hidden == missing
    assert "Secret words" not in hidden[2] and "BlackBeard" not in hidden[2]
    if name not in ("inline reply",):
        assert hidden[0] == 404 and "This comment does not exist." in hidden[2]
    assert not Comment.objects.filter(body="A reply.").exists()


def test_anonymous_readers_get_the_same_answer_too(article, writer):
    comment = hidden_comment(article, writer, S.REMOVED)
    for name in ("in context", "own page", "reply page"):
        assert answer(probe(Client(), name, comment.pk, article)) == answer(probe(Client(), name, MISSING, article))


def test_its_author_and_moderators_still_find_it(client, article, writer):
    comment = hidden_comment(article, writer, S.PENDING)
    for person in (writer, moderator()):
        client.force_login(person)
        response = client.get(f"/comments/{comment.pk}/in-context/")
        assert response.status_code == 302 and response["Location"].endswith(f"#comment-{comment.pk}")


# Finding 6: the flag page ---------------------------------------------------------------------

def test_the_flag_page_never_shows_a_comment_hidden_after_flags(reader_client, article, writer, settings):
    settings.COMMENTS_FLAG_THRESHOLD = 1
    comment = make_comment(article, author=writer, body="Secret words nobody may read.")
    moderation.flag(comment, UserFactory(), "abuse")
    comment.refresh_from_db()
    assert comment.status == S.FLAGGED
    response = reader_client.get(f"/comments/{comment.pk}/flag/")
    assert response.status_code == 404
    assert "Secret words" not in response.content.decode()
    # Moderators still reach it (they read it in the admin).
    reader_client.force_login(moderator())
    assert reader_client.get(f"/comments/{comment.pk}/flag/").status_code == 200


# Finding 7: the title of a comment's own page --------------------------------------------------

@pytest.mark.parametrize("status", HIDDEN)
def test_the_title_never_names_the_author_of_a_hidden_comment(client, article, writer, status):
    comment = hidden_comment(article, writer, status)
    make_comment(parent=comment, author=UserFactory(display_name="Visible Replier"), body="A shown reply.")
    html = client.get(f"/comments/{comment.pk}/").content.decode()
    assert "A shown reply." in html  # the page is there, with the placeholder above the reply
    title = re.search(r"<title>(.*?)</title>", html).group(1)
    assert "BlackBeard" not in title and title.startswith("A comment · ")
    assert "BlackBeard" not in html and "Secret words" not in html


def test_the_title_names_the_author_of_a_shown_comment(client, article, writer):
    comment = make_comment(article, author=writer)
    html = client.get(f"/comments/{comment.pk}/").content.decode()
    assert "<title>Comment by David BlackBeard · " in html


def test_feeds_search_and_structured_data_never_carry_hidden_comments(client, article, writer):
    make_comment(article, author=UserFactory(display_name="Shown Person"), body="Shown words.")
    hidden_comment(article, writer, S.REMOVED)
    pages = [client.get(article.get_absolute_url()), client.get("/feeds/rss/"), client.get("/feeds/atom/"),
             client.get("/search/", {"q": "Secret"}), client.get(f"/section/{article.section.slug}/rss/")]
    for response in pages:
        html = response.content.decode()
        assert response.status_code == 200
        assert "Secret words" not in html and "BlackBeard" not in html
    assert "<slash:comments>1</slash:comments>" in pages[1].content.decode()


# Probing ids in bulk ----------------------------------------------------------------------------

def test_asking_for_many_comments_that_do_not_exist_is_limited_per_address(reader_client, article, writer, settings):
    settings.COMMENTS_PROBE_RATE_LIMITS = [(3, 60)]
    shown = make_comment(article, author=writer)
    hidden = hidden_comment(article, writer, S.PENDING)
    for pk in (MISSING, MISSING + 1, MISSING + 2):
        assert reader_client.get(f"/comments/{pk}/in-context/").status_code == 404
    for pk in (MISSING + 3, hidden.pk):
        response = reader_client.get(f"/comments/{pk}/in-context/")
        assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert reader_client.get(f"/comments/{shown.pk}/in-context/").status_code == 302  # reading goes on
    other_address = reader_client.get(f"/comments/{MISSING}/in-context/", REMOTE_ADDR="192.0.2.7")
    assert other_address.status_code == 404
