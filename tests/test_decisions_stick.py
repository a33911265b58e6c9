"""Decisions that stick (issue 13, findings 1, 2 and 5): an edit passes the posting rules, an
author's delete never undoes a moderator's removal, and an edit that loses a race to a
moderator gets the site's own page."""

import logging
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from comments import actions, markup, moderation
from comments.models import Comment, Commenter, ModerationLog
from tests.factories import ArticleFactory, UserFactory, make_comment, moderator, reload

pytestmark = pytest.mark.django_db
S = Comment.Status
Action = ModerationLog.Action


@pytest.fixture
def author(client):
    user = UserFactory(display_name="Harmless Opinion")
    client.force_login(user)
    return user


def approved(article, author, body="A harmless opinion."):
    """A comment a moderator looked at and approved, as on a pre-moderated article."""
    comment = make_comment(article, author=author, body=body, status=S.PENDING)
    moderation.decide(comment, "approve", moderator())
    return reload(comment)


def edit(client, comment, body):
    return client.post(f"/comments/{comment.pk}/edit/", {"body": body})


# Finding 1: an edit passes the same rules as a new comment ------------------------------------

def test_an_approved_comment_on_a_premoderated_article_goes_back_to_the_queue_when_edited(client, author):
    article = ArticleFactory(premoderate_comments=True)
    comment = approved(article, author)
    assert reload(article).comment_count == 1

    assert edit(client, comment, "Now abuse, with a link: http://example.com/").status_code == 302

    comment = reload(comment)
    assert comment.status == S.PENDING
    assert comment.body.startswith("Now abuse")
    assert reload(article).comment_count == 0
    assert "Now abuse" not in client.get(article.get_absolute_url()).content.decode()
    assert comment in moderation.QUEUES["pending"][1](Comment.objects.all())
    hold = comment.moderation_log.order_by("-id").first()
    assert (hold.action, hold.moderator, hold.status_before, hold.status_after) == (
        Action.HOLD, None, S.PUBLISHED, S.PENDING)
    assert hold.note == "The article is pre-moderated."


def test_an_edit_by_a_person_on_premoderation_goes_back_to_the_queue(client, author, article):
    comment = make_comment(article, author=author)
    Commenter.objects.create(user=author, premoderate=True)
    edit(client, comment, "Rewritten after the moderator looked.")
    assert reload(comment).status == S.PENDING
    assert comment.moderation_log.get().note == "This person's comments are always pre-moderated."


def test_an_edit_by_a_new_account_goes_back_to_the_queue(client, author, article, settings):
    settings.COMMENTS_NEW_ACCOUNT_HOLD = 3
    comment = approved(article, author)
    edit(client, comment, "Different words now.")
    assert reload(comment).status == S.PENDING


def test_trusted_people_and_staff_edit_without_waiting(client, author):
    article = ArticleFactory(premoderate_comments=True)
    Commenter.objects.create(user=author, trusted=True)
    comment = make_comment(article, author=author)
    edit(client, comment, "Trusted, rewritten.")
    assert reload(comment).status == S.PUBLISHED and comment.body == "Trusted, rewritten."


def test_an_edit_on_an_open_article_stays_published_but_the_approval_no_longer_covers_it(client, author, article, settings):
    settings.COMMENTS_FLAG_THRESHOLD = 1
    comment = approved(article, author)
    moderation.flag(comment, UserFactory(), "spam")
    assert reload(comment).status == S.PUBLISHED  # the approval was final for that text
    edit(client, comment, "Something else entirely.")
    assert reload(comment).status == S.PUBLISHED
    moderation.flag(comment, UserFactory(), "abuse")
    assert reload(comment).status == S.FLAGGED  # the new text had no moderator's approval


@pytest.mark.parametrize("standing, message", [
    ({"banned": True}, "This account cannot post comments."),
    ({"suspended_until": timezone.now() + timedelta(days=3)}, "suspended from commenting until"),
])
def test_a_banned_or_suspended_reader_cannot_edit(client, author, article, standing, message):
    comment = make_comment(article, author=author, body="Old words.")
    Commenter.objects.create(user=author, **standing)
    response = edit(client, comment, "Replaced text.")
    assert response.status_code == 403
    assert message in response.content.decode()
    assert reload(comment).body == "Old words."
    assert not comment.revisions.exists()


# Finding 2: an author's delete never overrides a moderator ------------------------------------

@pytest.mark.parametrize("action, status, queue", [("remove", S.REMOVED, "removed"), ("spam", S.SPAM, "spam")])
def test_author_deleting_a_removed_comment_withdraws_it_and_the_decision_stands(client, author, article, action, status, queue):
    comment = make_comment(article, author=author, body="Violent words.")
    make_comment(parent=comment, body="A reply that stays.")
    mod = moderator()
    moderation.decide(comment, action, mod, reason="violence" if action == "remove" else "")

    response = client.post(f"/comments/{comment.pk}/delete/", follow=True)
    assert "it stays removed" in response.content.decode()

    comment = reload(comment)
    assert comment.status == status and comment.withdrawn_at is not None
    assert comment in moderation.QUEUES[queue][1](Comment.objects.all())
    html = Client().get(article.get_absolute_url()).content.decode()
    assert markup.placeholder(comment) in html
    assert "deleted by its author" not in html
    withdrawal = comment.moderation_log.order_by("-id").first()
    assert (withdrawal.action, withdrawal.moderator, withdrawal.status_before, withdrawal.status_after) == (
        Action.WITHDRAW, None, status, status)

    client.post(f"/comments/{comment.pk}/delete/")  # again: nothing more happens
    assert comment.moderation_log.count() == 2

    # Restore still applies, and then the author's wish is honoured: deleted, not shown.
    entry = moderation.decide(comment, "restore", mod)
    assert (entry.status_before, entry.status_after) == (status, S.DELETED)
    assert reload(comment).status == S.DELETED
    assert reload(article).comment_count == 1  # the reply only


def test_an_authors_delete_is_logged(client, author, article):
    comment = make_comment(article, author=author)
    client.post(f"/comments/{comment.pk}/delete/")
    entry = ModerationLog.objects.get(comment=comment)
    assert (entry.action, entry.moderator, entry.status_before, entry.status_after) == (
        Action.DELETE, None, S.PUBLISHED, S.DELETED)


def test_restore_publishes_a_comment_its_author_left_alone(article):
    comment = make_comment(article, author=UserFactory())
    mod = moderator()
    moderation.decide(comment, "remove", mod, reason="abuse")
    moderation.decide(comment, "restore", mod)
    assert reload(comment).status == S.PUBLISHED


# Finding 5: losing a race answers with the site's own page -------------------------------------

def test_an_edit_that_loses_a_race_to_a_removal_gets_the_sites_page(client, author, article, monkeypatch, caplog):
    comment = make_comment(article, author=author, body="Before.")
    real_edit = actions.edit_comment

    def removed_meanwhile(comment, user, body, **options):
        # The moderator's removal commits after the edit page checked, before the edit locks.
        moderation.decide(comment, "remove", moderator(), reason="abuse")
        return real_edit(comment, user, body, **options)

    monkeypatch.setattr(actions, "edit_comment", removed_meanwhile)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = edit(client, comment, "After.")
    assert response.status_code == 403
    html = response.content.decode()
    assert "A moderator has removed this comment, so it can no longer be edited." in html
    assert 'class="site-header"' in html
    assert reload(comment).body == "Before." and reload(comment).status == S.REMOVED
    assert not any(record.exc_info for record in caplog.records)


def test_refusals_outside_the_comment_pages_use_the_sites_403_page(client):
    staff = UserFactory(is_staff=True)  # staff, but not a moderator
    client.force_login(staff)
    comment = make_comment(ArticleFactory())
    response = client.post(f"/admin/comments/comment/{comment.pk}/moderate/", {"action": "remove"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "You can’t do that here" in html and 'class="site-header"' in html


def test_an_expired_form_gets_the_sites_403_page(article):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(UserFactory())
    response = strict.post(f"/comments/article/{article.pk}/", {"body": "Hello"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "That form has expired" in html and 'class="site-header"' in html
