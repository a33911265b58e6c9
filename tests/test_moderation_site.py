"""Moderation on the site: readers' flag page, staff buttons beside each comment, placeholders,
and bad input answered with a clear message instead of an error."""

import re

import pytest

from comments import moderation
from comments.models import Comment, Flag, ModerationLog
from tests.factories import ArticleFactory, UserFactory, make_comment, moderator

pytestmark = pytest.mark.django_db
S = Comment.Status


@pytest.fixture
def thread(article):
    root = make_comment(article, author=UserFactory(display_name="Rooted"), body="The root says something.")
    reply = make_comment(article, author=UserFactory(display_name="Replier"), parent=root, body="A reply under it.")
    return root, reply


def page(client, article):
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


# Flagging -----------------------------------------------------------------------------------

def test_every_comment_has_a_plain_flag_link(client, article, thread):
    html = page(client, article)
    for comment in thread:
        assert f'href="/comments/{comment.pk}/flag/">Flag</a>' in html


def test_the_article_page_is_the_same_for_every_anonymous_reader(client, article, thread, settings):
    from django.test import Client

    first, second = page(client, article), page(Client(), article)
    assert first == second
    assert "csrfmiddlewaretoken" not in first and "/comments/moderate/" not in first


def test_reader_flags_a_comment(client, article, thread):
    root, _ = thread
    client.force_login(UserFactory())
    form = client.get(f"/comments/{root.pk}/flag/").content.decode()
    for label in ("Spam", "Abuse or harassment", "Hate", "Off-topic", "Other"):
        assert label in form
    assert "The root says something." in form
    response = client.post(f"/comments/{root.pk}/flag/", {"reason": "hate", "note": "Slur."}, follow=True)
    assert "Thank you. A moderator will look at this comment." in response.content.decode()
    flag = Flag.objects.get()
    assert (flag.comment_id, flag.reason, flag.note) == (root.pk, "hate", "Slur.")
    again = client.post(f"/comments/{root.pk}/flag/", {"reason": "spam"}, follow=True)
    assert "already flagged" in again.content.decode()
    assert Flag.objects.count() == 1


def test_flag_form_errors(client, article, thread):
    root, _ = thread
    client.force_login(UserFactory())
    url = f"/comments/{root.pk}/flag/"
    missing = client.post(url, {})
    assert missing.status_code == 400 and "Please choose a reason." in missing.content.decode()
    other = client.post(url, {"reason": "other", "note": " "})
    assert other.status_code == 400 and "Please say what is wrong" in other.content.decode()
    forged = client.post(url, {"reason": "ugly"})
    assert forged.status_code == 400 and "Please choose one of the reasons." in forged.content.decode()
    nul = client.post(url, {"reason": "other", "note": "a\x00b"})
    assert nul.status_code == 400 and "Null characters are not allowed" in nul.content.decode()
    assert not Flag.objects.exists()


def test_flagging_bad_targets(client, article, thread):
    root, _ = thread
    client.force_login(root.author)
    own = client.post(f"/comments/{root.pk}/flag/", {"reason": "spam"})
    assert own.status_code == 403 and "your own comment" in own.content.decode()
    client.force_login(UserFactory())
    assert client.get("/comments/987654/flag/").status_code == 404
    assert client.get("/comments/99999999999999999999999/flag/").status_code == 404
    hidden = make_comment(article, author=UserFactory(), status=S.PENDING)
    assert client.post(f"/comments/{hidden.pk}/flag/", {"reason": "spam"}).status_code == 404
    draft = ArticleFactory(status="draft", published_at=None)
    on_draft = make_comment(draft, author=UserFactory())
    assert client.get(f"/comments/{on_draft.pk}/flag/").status_code == 404
    assert not Flag.objects.exists()


def test_enough_flags_hide_the_comment_and_leave_a_placeholder(client, article, thread, settings):
    settings.COMMENTS_FLAG_THRESHOLD = 2
    root, _ = thread
    for _ in range(2):
        client.force_login(UserFactory())
        client.post(f"/comments/{root.pk}/flag/", {"reason": "abuse"})
    client.logout()
    html = page(client, article)
    assert "The root says something." not in html
    assert "This comment is hidden until a moderator has reviewed it." in html
    assert "A reply under it." in html
    assert "1 comment" in html
    article.refresh_from_db()
    assert article.comment_count == 1


# Staff buttons ------------------------------------------------------------------------------

def test_moderators_see_buttons_inside_the_one_form_readers_do_not(client, article, thread):
    root, _ = thread
    client.force_login(UserFactory())
    assert "/comments/moderate/" not in page(client, article)
    client.force_login(moderator())
    html = page(client, article)
    form = re.search(r'<form method="post" action="/comments/recommend/">.*?</form>', html, re.S).group(0)
    for name in ("remove", "lock"):
        assert f'formaction="/comments/moderate/" name="{name}" value="{root.pk}"' in form
    assert f'name="approve" value="{root.pk}"' not in form  # shown, unflagged: nothing to approve
    assert html.count("<form") == html.count("</form>")
    detail = client.get(f"/comments/{root.pk}/").content.decode()
    assert f'name="remove" value="{root.pk}"' in detail


def test_staff_remove_asks_for_a_reason_then_leaves_a_placeholder(client, article, thread):
    root, reply = thread
    mod = moderator()
    client.force_login(mod)
    ask = client.post("/comments/moderate/", {"remove": root.pk})
    assert ask.status_code == 200 and "Remove this comment?" in ask.content.decode()
    assert Comment.objects.get(pk=root.pk).status == S.PUBLISHED
    missing = client.post("/comments/moderate/", {"remove": root.pk, "reason": ""})
    assert missing.status_code == 400 and "Please choose a reason." in missing.content.decode()
    done = client.post("/comments/moderate/", {"remove": root.pk, "reason": "abuse", "note": "Insults."})
    assert done.status_code == 302 and done["Location"].endswith(f"#comment-{root.pk}")
    entry = ModerationLog.objects.get(action="remove")
    assert (entry.moderator, entry.reason, entry.note) == (mod, "abuse", "Insults.")
    client.logout()
    html = page(client, article)
    assert "This comment was removed by a moderator." in html
    assert "The root says something." not in html and "A reply under it." in html


def test_staff_approve_and_lock_from_the_page(client, article, thread, settings):
    root, reply = thread
    client.force_login(moderator())
    response = client.post("/comments/moderate/", {"approve": root.pk}, follow=True)
    assert "Comment approved" in response.content.decode()
    assert Comment.objects.get(pk=root.pk).reviewed_at is not None
    client.post("/comments/moderate/", {"lock": root.pk})
    assert Comment.objects.get(pk=reply.pk).replies_locked
    html = page(client, article)
    assert f"/comments/{reply.pk}/reply/" not in html
    assert f'name="unlock" value="{root.pk}"' in html
    client.post("/comments/moderate/", {"unlock": root.pk})
    assert not Comment.objects.get(pk=reply.pk).replies_locked
    nothing = client.post("/comments/moderate/", {"unlock": root.pk}, follow=True)
    assert "Nothing changed" in nothing.content.decode()


def test_staff_buttons_bad_input(client, article, thread):
    client.force_login(moderator())
    for data in ({}, {"approve": ""}, {"approve": "abc"}, {"approve": "1\x00"}, {"explode": "1"},
                 {"approve": "9" * 40}):
        response = client.post("/comments/moderate/", data)
        assert response.status_code == 400 and "No comment was chosen." in response.content.decode(), data
    assert client.post("/comments/moderate/", {"approve": "987654"}).status_code == 404
    assert client.get("/comments/moderate/").status_code == 405
    root, _ = thread
    bad_reason = client.post("/comments/moderate/", {"remove": root.pk, "reason": "because"})
    assert bad_reason.status_code == 400
    nul = client.post("/comments/moderate/", {"remove": root.pk, "reason": "other", "note": "x\x00"})
    assert nul.status_code == 400


def test_moderate_needs_csrf(article, thread):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(moderator())
    root, _ = thread
    assert client.post("/comments/moderate/", {"approve": root.pk}).status_code == 403
    assert ModerationLog.objects.count() == 0


def test_in_context_link_goes_to_the_comment_in_its_discussion(client, article, thread):
    _, reply = thread
    response = client.get(f"/comments/{reply.pk}/in-context/")
    assert response.status_code == 302
    assert response["Location"] == f"{article.get_absolute_url()}#comment-{reply.pk}"
    assert client.get("/comments/987654/in-context/").status_code == 404


def test_posting_a_pending_comment_tells_the_reader(client, article):
    article.premoderate_comments = True
    article.save()
    client.force_login(UserFactory())
    response = client.post(f"/comments/article/{article.pk}/", {"body": "Held, please."}, follow=True)
    assert "will appear once a moderator has approved it" in response.content.decode()
    assert "Held, please." not in page(client, article)
    moderation.decide(Comment.objects.get(), "approve", moderator())
    assert "Held, please." in page(client, article)
