from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from comments.models import Comment, CommentRevision
from newsroom.models import Article
from tests.factories import ArticleFactory, UserFactory, make_comment

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_flood_limits")]


@pytest.fixture
def reader(client):
    user = UserFactory(display_name="Rita Reader")
    client.force_login(user)
    return user


def post(client, article, body, **extra):
    return client.post(f"/comments/article/{article.pk}/", {"body": body, **extra})


def test_signed_in_reader_posts_a_comment_and_lands_on_it(client, article, reader):
    response = post(client, article, "First!\n\nSecond paragraph.")
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{article.get_absolute_url()}#comment-{comment.pk}"
    assert comment.author == reader and comment.is_visible
    assert comment.ip_address == "127.0.0.1"
    html = client.get(article.get_absolute_url()).content.decode()
    assert "<p>First!</p>" in html and "<p>Second paragraph.</p>" in html
    assert "Rita Reader" in html
    article.refresh_from_db()
    assert article.comment_count == 1


def test_reply_page_works_without_javascript(client, article, reader):
    parent = make_comment(article, body="What do you think?")
    page = client.get(f"/comments/{parent.pk}/reply/")
    assert page.status_code == 200
    assert b"What do you think?" in page.content and b"Post reply" in page.content
    response = client.post(f"/comments/{parent.pk}/reply/", {"body": "I agree."})
    reply = Comment.objects.get(body="I agree.")
    assert response.status_code == 302
    assert reply.parent == parent and reply.level == 1
    assert response["Location"].endswith(f"#comment-{reply.pk}")


def test_replies_at_any_depth(client, article, reader):
    parent = make_comment(article)
    for _ in range(12):
        client.post(f"/comments/{parent.pk}/reply/", {"body": f"depth {parent.level + 1}"})
        parent = Comment.objects.get(body=f"depth {parent.level + 1}")
    assert parent.level == 12
    assert parent.get_root().article == article


def test_text_keeps_paragraphs_links_and_light_markdown_but_no_scripts(client, article, reader):
    post(client, article, "line one\nline two\n\n*soft* **loud** see https://example.org/x.\n\n"
                          "> quoted\n\n<script>alert(1)</script><img src=x onerror=alert(2)>"
                          '<a href="javascript:alert(3)" onclick="alert(4)">click</a>')
    html = Comment.objects.get().body_html
    assert "line one<br>\nline two" in html
    assert "<em>soft</em> <strong>loud</strong>" in html
    assert '<a href="https://example.org/x" rel="nofollow ugc noopener">https://example.org/x</a>.' in html
    assert "<blockquote>" in html
    for bad in ["<script", "onerror", "javascript:", "onclick", "<img"]:
        assert bad not in html


def test_html_in_names_is_escaped(client, article):
    user = UserFactory(display_name="<script>alert('name')</script>")
    make_comment(article, author=user)
    html = client.get(article.get_absolute_url()).content.decode()
    assert "<script>alert('name')</script>" not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize("body, message", [
    ("", "Please write something before posting."),
    ("   \n\t  ", "Please write something before posting."),
    ("x" * 10_001, "at most 10000 characters"),
    ("null \x00 byte", "Null characters are not allowed."),
])
def test_bad_bodies_get_a_clear_message_and_nothing_is_saved(client, article, reader, body, message):
    response = post(client, article, body)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Comment.objects.exists()


def test_a_body_of_exactly_the_limit_is_accepted(client, article, reader):
    assert post(client, article, "y" * 10_000).status_code == 302


def test_huge_request_bodies_are_refused_with_400(client, article, reader):
    response = post(client, article, "z" * 3_000_000)
    assert response.status_code == 400
    assert not Comment.objects.exists()


def test_parent_from_another_article_is_refused(client, article, reader):
    elsewhere = make_comment(ArticleFactory())
    response = post(client, article, "sneaky", parent=elsewhere.pk)
    assert response.status_code == 400
    assert "belongs to another discussion" in response.content.decode()
    assert not Comment.objects.filter(body="sneaky").exists()


@pytest.mark.parametrize("status", [Comment.Status.REMOVED, Comment.Status.DELETED,
                                    Comment.Status.PENDING, Comment.Status.SPAM])
def test_replies_to_comments_no_longer_shown_are_refused(client, article, reader, status):
    parent = make_comment(article, status=status)
    assert client.post(f"/comments/{parent.pk}/reply/", {"body": "hello"}).status_code == 404
    response = post(client, article, "hello", parent=parent.pk)
    assert response.status_code == 400
    assert "does not exist" in response.content.decode()
    assert not Comment.objects.filter(body="hello").exists()


@pytest.mark.parametrize("parent", ["999999", "-1", "abc", "1\x00"])
def test_forged_parent_ids_are_refused(client, article, reader, parent):
    response = post(client, article, "hello", parent=parent)
    assert response.status_code == 400
    assert not Comment.objects.exists()


def test_forged_article_ids_are_404(client, reader):
    assert client.post("/comments/article/999999/", {"body": "x"}).status_code == 404


def test_posting_to_a_draft_is_404(client, reader):
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    assert post(client, draft, "early").status_code == 404
    assert not Comment.objects.exists()


def test_posting_to_a_closed_discussion_is_refused(client, reader):
    closed = ArticleFactory(comments_closed=True)
    response = post(client, closed, "too late")
    assert response.status_code == 403
    assert "Comments on this article are closed." in response.content.decode()
    assert "Comments on this article are closed." in client.get(closed.get_absolute_url()).content.decode()
    assert not Comment.objects.exists()


def test_discussions_close_automatically_after_the_set_days(client, reader, settings):
    settings.COMMENTS_CLOSE_AFTER_DAYS = 7
    old = ArticleFactory(published_at=timezone.now() - timedelta(days=8))
    fresh = ArticleFactory(published_at=timezone.now() - timedelta(days=6))
    kept_open = ArticleFactory(published_at=timezone.now() - timedelta(days=30), comments_close_after_days=0)
    assert post(client, old, "x").status_code == 403
    assert post(client, fresh, "x").status_code == 302
    assert post(client, kept_open, "x").status_code == 302


def test_double_submission_makes_one_comment(client, article, reader):
    first = post(client, article, "Only once, please.")
    second = post(client, article, "Only once, please.")
    assert Comment.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_flood_is_answered_with_429_and_retry_after(client, article, reader, settings):
    settings.COMMENTS_RATE_LIMITS = [(2, 60)]
    assert post(client, article, "one").status_code == 302
    assert post(client, article, "two").status_code == 302
    response = post(client, article, "three")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert "You are posting faster than we allow." in response.content.decode()
    assert Comment.objects.count() == 2


def test_flood_from_one_address_is_limited_across_accounts(client, article, settings):
    settings.COMMENTS_IP_RATE_LIMITS = [(2, 60)]
    for number in range(3):
        client.force_login(UserFactory())
        response = post(client, article, f"sock puppet {number}")
    assert response.status_code == 429
    assert Comment.objects.count() == 2


def test_anonymous_visitors_are_sent_to_sign_in(client, article):
    response = post(client, article, "hello")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not Comment.objects.exists()


def test_missing_csrf_token_is_refused(article):
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory())
    assert post(client, article, "no token").status_code == 403
    assert not Comment.objects.exists()


def test_guest_comments_when_allowed_are_held_for_moderation(client, article, settings):
    settings.COMMENTS_ALLOW_GUESTS = True
    form = client.get(f"/comments/article/{article.pk}/")
    assert b"Your name" in form.content
    response = post(client, article, "From a guest", guest_name="Gus", guest_email="gus@example.com")
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.PENDING and comment.author is None
    assert comment.guest_name == "Gus"
    follow = client.get(response["Location"])
    assert b"will appear once a moderator has approved it" in follow.content
    assert b"From a guest" not in follow.content
    article.refresh_from_db()
    assert article.comment_count == 0


def test_guest_must_give_a_name(client, article, settings):
    settings.COMMENTS_ALLOW_GUESTS = True
    response = post(client, article, "nameless", guest_name="")
    assert response.status_code == 400 and not Comment.objects.exists()


def test_premoderated_articles_hold_every_new_comment(client, reader):
    article = ArticleFactory(premoderate_comments=True)
    post(client, article, "Waiting")
    assert Comment.objects.get().status == Comment.Status.PENDING
    assert b"Waiting" not in client.get(article.get_absolute_url()).content


def test_author_edits_within_the_window_and_the_old_text_is_kept(client, article, reader):
    comment = make_comment(article, author=reader, body="Teh typo")
    page = client.get(f"/comments/{comment.pk}/edit/")
    assert b"Teh typo" in page.content
    response = client.post(f"/comments/{comment.pk}/edit/", {"body": "The typo, fixed"})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.body == "The typo, fixed" and comment.edited_at is not None
    assert CommentRevision.objects.get(comment=comment).body == "Teh typo"
    assert f'<a href="/comments/{comment.pk}/history/">edited</a>' in client.get(article.get_absolute_url()).content.decode()


def test_editing_after_the_window_is_refused(client, article, reader):
    comment = make_comment(article, author=reader, created_at=timezone.now() - timedelta(minutes=16))
    response = client.post(f"/comments/{comment.pk}/edit/", {"body": "rewriting history"}, follow=True)
    assert b"only in their first 15 minutes" in response.content
    comment.refresh_from_db()
    assert comment.body == "A comment."


def test_editing_with_bad_text_keeps_the_comment(client, article, reader):
    comment = make_comment(article, author=reader, body="Original")
    assert client.post(f"/comments/{comment.pk}/edit/", {"body": "  "}).status_code == 400
    comment.refresh_from_db()
    assert comment.body == "Original"


def test_nobody_else_can_edit_or_delete_a_comment(client, article, reader):
    theirs = make_comment(article, body="Not yours")
    for action in ["edit", "delete"]:
        assert client.get(f"/comments/{theirs.pk}/{action}/").status_code == 403
        assert client.post(f"/comments/{theirs.pk}/{action}/", {"body": "mine now"}).status_code == 403
    theirs.refresh_from_db()
    assert theirs.body == "Not yours" and theirs.is_visible
    anonymous = Client()
    assert anonymous.post(f"/comments/{theirs.pk}/delete/")["Location"].startswith("/accounts/login/")


def test_author_deletes_and_replies_stay_under_a_placeholder(client, article, reader):
    mine = make_comment(article, author=reader, body="I regret this")
    reply = make_comment(parent=mine, body="A reply that stays")
    assert b"Delete comment" in client.get(f"/comments/{mine.pk}/delete/").content
    client.post(f"/comments/{mine.pk}/delete/")
    mine.refresh_from_db()
    assert mine.status == Comment.Status.DELETED
    html = client.get(article.get_absolute_url()).content.decode()
    assert "I regret this" not in html
    assert "This comment was deleted by its author." in html
    assert "A reply that stays" in html
    article.refresh_from_db()
    assert article.comment_count == 1
    reply.refresh_from_db()
    assert reply.parent_id == mine.pk


def test_deleting_an_account_keeps_the_conversation(client, article):
    user = UserFactory(display_name="Leaving")
    comment = make_comment(article, author=user, body="My words stay")
    user.delete()
    comment.refresh_from_db()
    assert comment.author is None
    html = client.get(article.get_absolute_url()).content.decode()
    assert "My words stay" in html and '<b><bdi>Guest</bdi></b>' in html


def test_recommend_once_and_take_it_back(client, article, reader):
    comment = make_comment(article)
    client.post("/comments/recommend/", {"recommend": comment.pk})
    client.post("/comments/recommend/", {"recommend": comment.pk})
    comment.refresh_from_db()
    assert comment.recommend_count == 1
    html = client.get(article.get_absolute_url()).content.decode()
    assert f'name="withdraw" value="{comment.pk}" aria-pressed="true"' in html
    client.post("/comments/recommend/", {"withdraw": comment.pk})
    comment.refresh_from_db()
    assert comment.recommend_count == 0


def test_recommending_needs_a_real_comment_and_not_your_own(client, article, reader):
    own = make_comment(article, author=reader)
    assert client.post("/comments/recommend/", {"recommend": own.pk}).status_code == 400
    assert client.post("/comments/recommend/", {"recommend": "999999"}).status_code == 404
    assert client.post("/comments/recommend/", {"recommend": "x\x00"}).status_code == 400
    assert client.get("/comments/recommend/").status_code == 405
    own.refresh_from_db()
    assert own.recommend_count == 0


def test_best_sort_follows_recommendations(client, article):
    make_comment(article, body="plain")
    liked = make_comment(article, body="liked")
    for _ in range(2):
        client.force_login(UserFactory())
        client.post("/comments/recommend/", {"recommend": liked.pk})
    html = client.get(article.get_absolute_url(), {"sort": "best"}).content.decode()
    assert html.index("liked") < html.index("plain")


def test_nul_bytes_in_addresses_get_a_readable_400(client, article, reader):
    comment = make_comment(article)
    for url in [article.get_absolute_url(), f"/comments/{comment.pk}/", "/search/", "/",
                "/admin/newsroom/article/"]:
        response = client.get(url, {"sort": "\x00", "page": "1", "q": "a\x00b"})
        assert response.status_code == 400, url
        assert "NUL character" in response.content.decode()
    assert client.get("/comments/1%00/").status_code == 400


def test_an_empty_post_is_answered_with_the_form_errors(client, article, reader):
    response = client.post(f"/comments/article/{article.pk}/", {})
    assert response.status_code == 400
    assert "Please write something before posting." in response.content.decode()
    comment = make_comment(article, author=reader)
    assert client.post(f"/comments/{comment.pk}/edit/", {}).status_code == 400


def test_the_same_text_sent_again_in_the_same_place_is_the_same_comment(article, settings):
    """A double click or a resubmitted form: the comment already posted, counted once against
    the flood limits; the same words elsewhere, by someone else, or later, are a new comment."""
    from comments import actions

    settings.COMMENTS_RATE_LIMITS = [(2, 60)]
    writer, other = UserFactory(), UserFactory()
    root = actions.post_comment(article=article, author=writer, body="Same words.")
    assert actions.post_comment(article=article, author=writer, body="Same words.") == root
    reply = actions.post_comment(article=article, author=writer, body="Same words.", parent=root)
    assert reply != root and reply.parent == root
    assert actions.post_comment(article=article, author=writer, body="Same words.", parent=root) == reply
    theirs = actions.post_comment(article=article, author=other, body="Same words.", parent=root)
    assert theirs not in (root, reply)
    Comment.objects.filter(pk=root.pk).update(created_at=timezone.now() - actions.DUPLICATE_WINDOW * 2)
    assert Comment.objects.filter(author=writer).count() == 2  # both within the limit of two
    settings.COMMENTS_RATE_LIMITS = [(1000, 60)]
    later = actions.post_comment(article=article, author=writer, body="Same words.")
    assert later not in (root, reply)
    assert Comment.objects.filter(author=writer).count() == 3


def test_an_accounts_post_locks_the_account_and_finds_its_duplicate_in_one_query(article):
    """Inside the thread's lock: the lock, the parent, the account and its duplicate (one
    query), then the writes."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from comments import actions

    writer = UserFactory()
    root = actions.post_comment(article=article, author=writer, body="A root.")
    with CaptureQueriesContext(connection) as queries:
        actions.post_comment(article=article, author=writer, body="A reply.", parent=root)
    account_reads = [query["sql"] for query in queries
                     if query["sql"].startswith("SELECT") and '"newsroom_user"' in query["sql"]]
    assert len(account_reads) == 1, account_reads
    assert '"comments_comment"' in account_reads[0]  # the duplicate, asked beside it
    if connection.vendor == "postgresql":
        assert "FOR NO KEY UPDATE" in account_reads[0]
