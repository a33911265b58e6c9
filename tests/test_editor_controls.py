"""The editor's controls in the admin: a discussion's pre-moderation, closing and days to
close on the article's page (each switch logged), the article list's public and pending
counts (without a query per row), and every change of a person's controls in the log."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from comments.models import Comment, Commenter, ModerationLog
from newsroom.models import Article
from tests.factories import ArticleFactory, UserFactory, make_comment, moderator

pytestmark = pytest.mark.django_db
S = Comment.Status
A = ModerationLog.Action


@pytest.fixture
def editor(client):
    user = UserFactory(username="ed", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def form_data(article, **changes):
    """The article's form as the editor sends it back (the discussion's boxes unticked)."""
    when = timezone.localtime(article.published_at)
    return {"headline": article.headline, "slug": article.slug, "standfirst": article.standfirst,
            "body": article.body, "section": article.section_id, "status": article.status,
            "published_at_0": when.strftime("%Y-%m-%d"), "published_at_1": when.strftime("%H:%M:%S"),
            "comments_close_after_days": "", **changes}


def test_the_editor_pre_moderates_closes_and_sets_the_days_in_the_article_admin(client, editor):
    article = ArticleFactory()
    url = f"/admin/newsroom/article/{article.pk}/change/"
    page = client.get(url)
    body = page.content.decode()
    for name in ("premoderate_comments", "comments_closed", "comments_close_after_days"):
        assert f'name="{name}"' in body
    data = form_data(article, premoderate_comments="on", comments_closed="on", comments_close_after_days="3")
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    article.refresh_from_db()
    assert (article.premoderate_comments, article.comments_closed, article.comments_close_after_days) == (True, True, 3)
    entries = ModerationLog.objects.filter(article=article).order_by("id")
    assert [(e.action, e.moderator) for e in entries] == [(A.PREMODERATE, editor), (A.CLOSE, editor)]
    data.pop("comments_closed")
    client.post(url, data)
    assert ModerationLog.objects.filter(article=article).order_by("id").last().action == A.REOPEN


def test_the_editors_save_never_undoes_the_backlogs_switch(client, editor):
    article = ArticleFactory()
    Article.objects.filter(pk=article.pk).update(backlog_premoderated=True)
    url = f"/admin/newsroom/article/{article.pk}/change/"
    page = client.get(url)
    assert "Pre-moderated since the backlog grew" in page.content.decode()
    data = form_data(article, headline="A new headline")
    assert client.post(url, data).status_code == 302
    article.refresh_from_db()
    assert (article.headline, article.backlog_premoderated) == ("A new headline", True)


def rows(response):
    body = response.content.decode()
    return {m[0]: (m[1], m[2]) for m in re.findall(
        r'<th class="field-headline"><a [^>]*>([^<]+)</a></th>.*?<td class="field-comments">(?:<a [^>]*>)?(\d+)'
        r'(?:</a>)?</td><td class="field-pending">(?:<a [^>]*><strong>)?(\d+)', body, re.S)}


def test_the_article_list_shows_public_and_pending_counts_in_constant_queries(client, editor, django_assert_num_queries):
    quiet, busy = ArticleFactory(headline="Quiet story"), ArticleFactory(headline="Busy story")
    for status in (S.PUBLISHED, S.PUBLISHED, S.PENDING, S.REMOVED):
        make_comment(busy, author=UserFactory(), status=status)
    make_comment(busy, guest_name="G", status=S.PENDING)
    response = client.get("/admin/newsroom/article/")
    assert rows(response) == {"Quiet story": ("0", "0"), "Busy story": ("2", "2")}
    assert f'?article={busy.pk}&amp;status__exact=pending' in response.content.decode()
    with CaptureQueriesContext(connection) as few:
        client.get("/admin/newsroom/article/")
    for _ in range(10):
        make_comment(ArticleFactory(), guest_name="G", status=S.PENDING)
    with django_assert_num_queries(len(few)):
        assert len(rows(client.get("/admin/newsroom/article/"))) == 12


def test_bans_suspensions_and_trust_go_into_the_log(client):
    mod = moderator()
    client.force_login(mod)
    person = UserFactory(username="loud")
    response = client.post("/admin/comments/commenter/add/", {"username": "loud", "banned": "on", "note": "Threats."})
    assert response.status_code == 302
    url = f"/admin/comments/commenter/{person.pk}/change/"
    until = timezone.localtime(timezone.now() + timedelta(days=3))
    client.post(url, {"suspended_until_0": until.strftime("%Y-%m-%d"), "suspended_until_1": until.strftime("%H:%M:%S"),
                      "note": "Cooling off."})
    client.post(url, {"trusted": "on", "note": "Reformed."})
    client.post(f"/admin/comments/commenter/{person.pk}/delete/", {"post": "yes"})
    entries = ModerationLog.objects.filter(person=person).order_by("id")
    assert [(e.action, e.moderator) for e in entries] == [
        (A.BAN, mod), (A.UNBAN, mod), (A.SUSPEND, mod), (A.UNSUSPEND, mod), (A.TRUST, mod), (A.UNTRUST, mod),
    ]
    assert entries[0].note == "Threats."
    assert entries[2].note.startswith("Until ") and entries[2].note.endswith("Cooling off.")
    assert not Commenter.objects.exists()
    log = client.get("/admin/comments/moderationlog/", {"about": "person"}).content.decode()
    assert "Person: " in log and "(loud)" in log and "Ban lifted" in log
