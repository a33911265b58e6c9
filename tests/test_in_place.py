"""What the discussion's script gets back when it posts, replies, recommends and flags in place
(comments/in_place.py), and the count an open page polls for "N new comments". Without
`Accept: application/json` the same requests get the pages and redirects they always had
(tests/test_comment_writing.py)."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from comments.models import Comment, Flag, Word
from newsroom.pagecache import local_pages
from tests.factories import INSULT, ArticleFactory, UserFactory, make_comment

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_flood_limits")]
JSON = {"Accept": "application/json"}


@pytest.fixture
def reader(client):
    user = UserFactory(display_name="Rita Reader", date_joined=timezone.now() - timedelta(days=400))
    client.force_login(user)
    return user


def post(client, article, body, **extra):
    return client.post(f"/comments/article/{article.pk}/", {"body": body, **extra}, headers=JSON)


def test_a_posted_comment_comes_back_as_its_markup_with_the_new_count(client, article, reader):
    response = post(client, article, "Straight onto the page.")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    answer = response.json()
    comment = Comment.objects.get()
    assert answer["result"] == "posted" and answer["id"] == comment.pk and answer["parent"] is None
    assert answer["count"] == 1 and answer["location"].endswith(f"#comment-{comment.pk}")
    assert answer["html"].startswith(f'<li id="comment-{comment.pk}" class="comment">')
    assert "Straight onto the page." in answer["html"] and "Rita Reader" in answer["html"]
    assert f'href="/comments/{comment.pk}/edit/"' in answer["html"]  # the writer's own controls
    assert "Accept" in response["Vary"]


def test_a_reply_names_its_parent(client, article, reader):
    parent = make_comment(article, body="Any news?")
    answer = post(client, article, "None yet.", parent=parent.pk).json()
    assert answer["result"] == "posted" and answer["parent"] == parent.pk and answer["count"] == 2


def test_refusals_keep_their_status_and_say_why(client, article, reader, settings):
    empty = post(client, article, "")
    assert empty.status_code == 400
    assert empty.json() == {"result": "refused", "errors": ["Please write something before posting."]}

    Word.objects.create(text="Vermin", kind=Word.Kind.BANNED)
    banned = post(client, article, "They are VERMIN!")
    assert banned.status_code == 400 and "“vermin”, which is not allowed" in banned.json()["errors"][0]

    settings.COMMENTS_RATE_LIMITS = [(1, 60)]
    assert post(client, article, "one").json()["result"] == "posted"
    flood = post(client, article, "two")
    assert flood.status_code == 429 and 0 < int(flood["Retry-After"]) <= 60
    assert flood.json()["errors"] == [f"You are posting faster than we allow. Please wait "
                                      f"{flood['Retry-After']} seconds and try again."]
    assert Comment.objects.count() == 1


def test_a_reply_to_a_locked_comment_is_refused_in_json(client, article, reader):
    parent = make_comment(article, body="No more replies.")
    Comment.objects.filter(pk=parent.pk).update(replies_locked=True)
    response = client.post(f"/comments/{parent.pk}/reply/", {"body": "Me too"}, headers=JSON)
    assert response.status_code == 403
    assert response.json()["errors"] == ["A moderator has closed replies to this comment."]


def test_the_nudge_then_posting_anyway_holds_it(client, article, reader):
    nudge = post(client, article, INSULT)
    assert nudge.status_code == 200 and nudge.json()["result"] == "nudge"
    assert "This may break our community rules." in nudge.json()["html"]
    assert not Comment.objects.exists()
    held = post(client, article, INSULT, confirmed="1")
    assert held.json() == {"result": "held",
                           "message": "Thank you. Your comment will appear once a moderator has approved it."}
    assert Comment.objects.get().status == Comment.Status.PENDING


def test_recommending_answers_the_comments_new_markup(client, article, reader):
    comment = make_comment(article, body="Worth reading.")
    answer = client.post("/comments/recommend/", {"recommend": comment.pk}, headers=JSON).json()
    assert answer["result"] == "done" and answer["id"] == comment.pk
    assert "<span>1 <i" in answer["html"] and "recommendation</b>" in answer["html"]
    assert 'name="withdraw"' in answer["html"]
    answer = client.post("/comments/recommend/", {"withdraw": comment.pk}, headers=JSON).json()
    assert "♥" not in answer["html"] and 'name="recommend"' in answer["html"]
    refused = client.post("/comments/recommend/", {"recommend": 999999}, headers=JSON)
    assert refused.status_code == 404 and refused.json()["errors"] == ["This comment does not exist."]


def test_flagging_answers_thanks_or_the_forms_errors(client, article, reader):
    comment = make_comment(article, body="Rude words.")
    missing = client.post(f"/comments/{comment.pk}/flag/", {"reason": "other"}, headers=JSON)
    assert missing.status_code == 400
    assert missing.json()["errors"] == ["Please say what is wrong with the comment."]
    done = client.post(f"/comments/{comment.pk}/flag/", {"reason": "abuse"}, headers=JSON)
    assert done.json() == {"result": "done", "id": comment.pk,
                           "message": "Thank you. A moderator will look at this comment."}
    assert Flag.objects.filter(comment=comment).count() == 1


def test_without_json_the_same_posts_redirect_as_before(client, article, reader):
    response = client.post(f"/comments/article/{article.pk}/", {"body": "Plain form."})
    assert response.status_code == 302


def test_the_activity_count_is_tiny_public_and_answered_from_versions(article, django_assert_num_queries):
    reader = Client()
    address = f"/comments/article/{article.pk}/activity/"
    first = reader.get(address)
    assert first.json() == {"count": 0, "version": article.discussion_version}
    assert "public" in first["Cache-Control"] and "s-maxage" in first["Cache-Control"]
    assert not first.cookies
    with django_assert_num_queries(1):  # the validator alone
        assert reader.get(address, headers={"if-none-match": first["ETag"]}).status_code == 304
    local_pages.clear()
    with django_assert_num_queries(1):  # the validator, then the page cache
        assert reader.get(address).json()["count"] == 0

    make_comment(article, body="New!")
    again = reader.get(address, headers={"if-none-match": first["ETag"]})
    assert again.status_code == 200 and again.json()["count"] == 1 and again["ETag"] != first["ETag"]
    assert reader.get(f"/comments/article/{ArticleFactory(published_at=None, status='draft').pk}/activity/").status_code == 404


def test_the_discussion_says_where_to_poll(client, article):
    make_comment(article, body="One")
    html = client.get(article.get_absolute_url()).content.decode()
    assert f'data-activity="/comments/article/{article.pk}/activity/" data-count="1"' in html
