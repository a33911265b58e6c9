"""A reader's own pages: "Replies to you" (with the unread count in the header of signed-in
pages only) and "Your comments" (what became of each comment, why a banned or suspended reader
cannot post, Edit only while the edit window is open)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from comments import actions, moderation, replies
from comments.models import Comment, Commenter
from newsroom.models import User
from tests.factories import ArticleFactory, UserFactory, make_comment, moderator

pytestmark = pytest.mark.django_db
S = Comment.Status


@pytest.fixture
def reader(client):
    user = UserFactory(display_name="Ada Reader")
    client.force_login(user)
    return user


def badge(response):
    """The unread count in the header, or None when there is no badge."""
    html = response.content.decode()
    start = html.find('class="account-nav__replies"')
    if start < 0:
        return "no link"
    link = html[start:html.find("</a>", start)]
    if 'class="badge"' not in link:
        return None
    return link.split('class="badge">', 1)[1].split("<", 1)[0]


def replied(article, parent, author, body="A reply.", **fields):
    return make_comment(article, parent=parent, author=author, body=body, **fields)


# Replies to you -----------------------------------------------------------------------------

def test_replies_to_you_lists_what_the_public_can_read_and_the_header_counts_the_unread(client, reader, article):
    mine = make_comment(article, author=reader, body="My opinion.")
    other = UserFactory(display_name="Bo Other")
    someone_elses = make_comment(article, author=other, body="Theirs.")
    shown = replied(article, mine, other, body="I **disagree**.")
    replied(article, mine, reader, body="Answering myself.")  # not a reply *to* them
    replied(article, mine, other, body="Held reply.", status=S.PENDING)
    removed = replied(article, mine, other, body="Removed reply.")
    moderation.decide(removed, "remove", moderator(), reason="abuse")
    replied(article, someone_elses, UserFactory(), body="Not to them.")
    guest = replied(article, mine, None, body="A guest's reply.", guest_name="Guest Gil")

    response = client.get("/")
    assert badge(response) == "2"  # the shown reply and the guest's
    assert "private" in response["Cache-Control"]

    response = client.get("/accounts/replies/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>disagree</strong>" in html and "Guest Gil" in html
    for hidden in ("Answering myself.", "Held reply.", "Removed reply.", "Not to them."):
        assert hidden not in html
    assert html.index("A guest") < html.index("disagree")  # newest first
    assert html.count("mark--new") == 2
    assert f'/comments/{shown.pk}/in-context/' in html and f'/comments/{guest.pk}/in-context/' in html
    assert badge(response) is None  # opening the page reads them

    assert badge(client.get("/")) is None
    response = client.get("/accounts/replies/")
    assert "mark--new" not in response.content.decode()  # seen now, still listed
    assert "disagree" in response.content.decode()

    replied(article, mine, other, body="One more.")
    assert badge(client.get("/")) == "1"


def test_a_held_reply_is_listed_once_approved(client, reader, article):
    mine = make_comment(article, author=reader)
    held = replied(article, mine, UserFactory(), body="Waited a while.", status=S.PENDING)
    assert badge(client.get("/")) is None
    assert "Waited a while." not in client.get("/accounts/replies/").content.decode()
    moderation.decide(held, "approve", moderator())
    # Written before the reader last looked, but shown to them only now: unread, and listed first.
    assert badge(client.get("/")) == "1"
    html = client.get("/accounts/replies/").content.decode()
    assert "Waited a while." in html and html.count("mark--new") == 1
    assert badge(client.get("/")) is None


def test_replies_approved_in_bulk_or_restored_count_from_then(client, reader, article):
    mine = make_comment(article, author=reader)
    held = [replied(article, mine, UserFactory(), body=f"Held {n}.", status=S.PENDING) for n in range(2)]
    removed = replied(article, mine, UserFactory(), body="Removed, then restored.")
    moderation.decide(removed, "remove", moderator(), reason="abuse")
    client.get("/accounts/replies/")
    assert badge(client.get("/")) is None
    moderation.decide_many(Comment.objects.filter(pk__in=[c.pk for c in held]), "approve", moderator())
    moderation.decide(removed, "restore", moderator())
    assert badge(client.get("/")) == "3"
    seen = timezone.now()
    moderation.decide_many(Comment.objects.filter(pk__in=[c.pk for c in held]), "approve", moderator())
    assert Comment.objects.filter(shown_at__gt=seen).count() == 0  # approving a shown one again: not new


def test_the_header_count_stops_at_its_cap(client, reader, article, monkeypatch):
    monkeypatch.setattr(replies, "UNREAD_SHOWN", 2)
    mine = make_comment(article, author=reader)
    for _ in range(3):
        replied(article, mine, UserFactory())
    assert badge(client.get("/")) == "2+"


def test_the_count_is_on_signed_in_pages_only_and_anonymous_pages_stay_shared(client, article):
    author = UserFactory()
    mine = make_comment(article, author=author)
    replied(article, mine, UserFactory())
    anonymous = client.get(article.get_absolute_url())
    assert badge(anonymous) == "no link"
    assert "public" in anonymous["Cache-Control"] and "Cookie" not in anonymous.get("Vary", "")
    client.force_login(author)
    signed_in = client.get(article.get_absolute_url())
    assert badge(signed_in) == "1" and "private" in signed_in["Cache-Control"]
    client.logout()
    again = client.get(article.get_absolute_url())
    assert again.content == anonymous.content and badge(again) == "no link"


def test_reader_pages_need_an_account(client):
    for url in ("/accounts/replies/", "/accounts/comments/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# Your comments ------------------------------------------------------------------------------

def test_your_comments_says_what_became_of_each(client, reader, article):
    shown = make_comment(article, author=reader, body="Shown words.")
    held = make_comment(article, author=reader, body="Held words.", status=S.PENDING)
    removed = make_comment(article, author=reader, body="Removed words.")
    moderation.decide(removed, "remove", moderator(), reason="hate", note="Internal: see ticket 7.")
    spam = make_comment(article, author=reader, body="Buy now.")
    moderation.decide(spam, "spam", moderator("mod2"))
    deleted = make_comment(article, author=reader, body="Deleted words.")
    actions.delete_comment(deleted, reader)
    make_comment(article, author=UserFactory(), body="Someone else's words.")

    html = client.get("/accounts/comments/").content.decode()
    items = {comment: html[html.index(comment.body) - 900:html.index(comment.body)]
             for comment in (shown, held, removed, spam, deleted)}
    assert "Published" in items[shown]
    assert "Waiting for a moderator" in items[held]
    assert "Removed by a moderator: Hate or dehumanising language." in items[removed]
    assert "Removed by a moderator as spam." in items[spam]
    assert "Deleted by you." in items[deleted]
    assert "Internal: see ticket 7." not in html  # the note is for moderators
    assert "Someone else" not in html
    assert f"/comments/{shown.pk}/in-context/" in html
    assert f"/comments/{held.pk}/in-context/" not in html


def test_the_edit_link_is_offered_only_while_the_comment_can_be_edited(client, reader, article):
    fresh = make_comment(article, author=reader, body="Fresh.")
    old = make_comment(article, author=reader, body="Old.",
                       created_at=timezone.now() - timedelta(minutes=16))
    for url in ("/accounts/comments/", article.get_absolute_url()):
        html = client.get(url).content.decode()
        assert f"/comments/{fresh.pk}/edit/" in html, url
        assert f"/comments/{old.pk}/edit/" not in html, url
        assert f"/comments/{old.pk}/delete/" in html, url
    # The link carries the end of the window, for the page's script to take it away then.
    until = (fresh.created_at + timedelta(minutes=15)).strftime("%Y-%m-%dT%H:%M")
    assert f'data-until="{until}' in html


@pytest.mark.parametrize("standing, message", [
    ({"banned": True}, "A moderator has banned it from commenting."),
    ({"suspended_until": timezone.now() + timedelta(days=3)}, "suspended from commenting until"),
])
def test_banned_or_suspended_readers_are_told_instead_of_given_a_form(client, reader, article, standing, message):
    parent = make_comment(article, author=UserFactory())
    Commenter.objects.create(user=reader, **standing)
    for url in ("/accounts/comments/", article.get_absolute_url(), f"/comments/{parent.pk}/reply/",
                f"/comments/article/{article.pk}/"):
        html = client.get(url).content.decode()
        assert message in html, url
        assert 'name="body"' not in html, url
    # Trying anyway is still refused, with the same words.
    response = client.post(f"/comments/article/{article.pk}/", {"body": "Let me in."})
    assert response.status_code == 403 and message in response.content.decode()


def test_a_reader_in_good_standing_gets_the_form(client, reader, article):
    Commenter.objects.create(user=reader, suspended_until=timezone.now() - timedelta(days=1))
    html = client.get(article.get_absolute_url()).content.decode()
    assert 'name="body"' in html and "suspended" not in html


# Constant queries ---------------------------------------------------------------------------

# The session, the user, the page's count and rows (each with its article, author and the
# comment it answers), marking them seen, the sections for the navigation. The header's count
# is known to be nothing after marking them seen: no query for it.
REPLIES_PAGE_QUERIES = 6
# The session, the user, the page's count and rows (with their articles), the moderators'
# decisions about the removed ones, whether the reader may post, the sections, the header's
# unread count.
YOUR_COMMENTS_PAGE_QUERIES = 8


@pytest.mark.parametrize("size", [3, 30])
def test_reader_pages_cost_the_same_whatever_their_length(client, reader, django_assert_num_queries, size):
    mod = moderator()
    for number in range(size):
        article = ArticleFactory()
        mine = make_comment(article, author=reader, body=f"Mine {number}.")
        replied(article, mine, UserFactory(), body=f"Reply {number}.")
        if number % 3 == 0:
            moderation.decide(mine, "remove", mod, reason="off-topic")
    with django_assert_num_queries(REPLIES_PAGE_QUERIES):
        response = client.get("/accounts/replies/")
    assert response.content.decode().count('class="reader-list__item') == min(size, 20)
    with django_assert_num_queries(YOUR_COMMENTS_PAGE_QUERIES):
        response = client.get("/accounts/comments/")
    assert response.content.decode().count("Removed by a moderator: Off-topic.") == len(
        [n for n in range(max(0, size - 20), size) if n % 3 == 0])


def test_marking_seen_does_not_touch_the_name_signals(reader, article):
    """Opening the page is a plain UPDATE of one column: no discussion's version moves."""
    make_comment(article, author=reader)
    version = type(article).objects.get(pk=article.pk).discussion_version
    replies.mark_seen(reader)
    assert User.objects.get(pk=reader.pk).replies_seen_at is not None
    assert type(article).objects.get(pk=article.pk).discussion_version == version
