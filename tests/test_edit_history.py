"""Edit history readers can see: "edited" opens a comment's earlier versions, oldest first
with when each was written, except text readers never saw and versions a moderator removed."""

from datetime import UTC, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from comments import actions, moderation
from comments.models import Comment, ModerationLog, Word
from tests.factories import UserFactory, make_comment, moderator

pytestmark = pytest.mark.django_db


@pytest.fixture
def edited(article):
    author = UserFactory(display_name="Writer")
    comment = make_comment(article, author=author, body="First *draft*.",
                           created_at=timezone.now().astimezone(UTC) - timedelta(minutes=2))
    comment = actions.edit_comment(comment, author, "Second draft.")
    return actions.edit_comment(comment, author, "Final words.")


def history(client, comment):
    response = client.get(f"/comments/{comment.pk}/history/")
    return response.status_code, response.content.decode()


def test_edited_opens_the_earlier_versions_oldest_first_with_times(client, article, edited):
    page = client.get(article.get_absolute_url()).content.decode()
    assert f'<a href="/comments/{edited.pk}/history/">edited</a>' in page
    status, html = history(client, edited)
    assert status == 200
    versions = html.split('<ol class="versions">')[1]
    assert versions.index("First <em>draft</em>.") < versions.index("Second draft.") < versions.index("Final words.")
    assert f'<time datetime="{edited.created_at:%Y-%m-%dT%H:%M}Z">' in versions
    assert versions.count("<time ") == 3


def test_a_version_a_moderator_removed_keeps_its_place_not_its_words(client, article, edited):
    first = edited.revisions.order_by("written_at").first()
    editor = moderator()
    before = client.get(f"/comments/{edited.pk}/history/")  # cached for anonymous readers
    assert "First <em>draft</em>." in before.content.decode()
    staff = Client()
    staff.force_login(editor)
    shown = staff.get(f"/comments/{edited.pk}/history/").content.decode()
    assert f'name="remove_version" value="{first.pk}"' in shown
    refused = staff.post(f"/comments/{edited.pk}/history/", {"remove_version": first.pk})
    assert refused.status_code == 400
    staff.post(f"/comments/{edited.pk}/history/", {"remove_version": first.pk, "reason": "privacy"})
    status, html = history(client, edited)
    assert "First <em>draft</em>." not in html and "A moderator removed this version." in html
    assert "Second draft." in html
    entry = ModerationLog.objects.get(action="redact")
    assert (entry.moderator, entry.reason, entry.comment_id) == (editor, "privacy", edited.pk)


def test_readers_cannot_remove_versions_nor_see_the_buttons(client, edited):
    first = edited.revisions.first()
    client.force_login(UserFactory())
    assert "remove_version" not in history(client, edited)[1]
    response = client.post(f"/comments/{edited.pk}/history/", {"remove_version": first.pk, "reason": "spam"})
    assert response.status_code == 403
    assert not edited.revisions.filter(removed_at__isnull=False).exists()


def test_text_readers_never_saw_stays_out_of_the_history(client, article):
    Word.objects.create(text="casino", kind=Word.Kind.SUSPECT)
    author = UserFactory()
    comment = make_comment(article, author=author, body="Cheap casino chips.", status=Comment.Status.PENDING)
    comment = actions.edit_comment(comment, author, "Sorry, here is my real point.")
    moderation.decide(comment, "approve", moderator())
    status, html = history(client, comment)
    assert status == 200 and "Sorry, here is my real point." in html
    assert "casino" not in html


def test_a_hidden_comments_history_is_as_missing(client, edited):
    moderation.decide(edited, "remove", moderator(), reason="abuse")
    status, html = history(client, edited)
    assert status == 404 and "First" not in html
