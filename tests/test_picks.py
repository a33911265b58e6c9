"""Editors' picks: moderators pick a comment with a reason readers see; picks show in a strip
above the discussion and as the "Picks" order, at once on the cached anonymous page; picking
and unpicking are logged; nobody else can pick, and nobody's buttons reach the shared page."""

import pytest
from django.core.cache import cache
from django.test import Client

from comments import moderation
from comments.errors import CommentError
from comments.models import Comment, ModerationLog
from newsroom.models import Article
from tests.factories import UserFactory, make_comment, make_discussion, moderator
from tests.test_query_counts import ARTICLE_PAGE_QUERIES, VALIDATOR

pytestmark = pytest.mark.django_db


@pytest.fixture
def comments(article):
    first = make_comment(article, author=UserFactory(display_name="Witness"), body="I was on that bridge.")
    second = make_comment(article, author=UserFactory(display_name="Critic"), body="The numbers say otherwise.")
    return first, second


def page(client, address):
    response = client.get(address)
    assert response.status_code == 200
    return response.content.decode()


def test_a_moderator_picks_with_a_reason_and_readers_see_it_at_once(client, article, comments):
    first, _ = comments
    before = page(Client(), article.get_absolute_url())  # the anonymous page, now cached
    assert "Editors’ picks" not in before and "?sort=picks" not in before

    editor = moderator()
    client.force_login(editor)
    asked = client.post("/comments/moderate/", {"pick": first.pk})
    assert asked.status_code == 200 and "Why is it picked?" in asked.content.decode()
    refused = client.post("/comments/moderate/", {"pick": first.pk, "pick_reason": "  "})
    assert refused.status_code == 400 and "Please say why" in refused.content.decode()
    done = client.post("/comments/moderate/", {"pick": first.pk, "pick_reason": "A first-hand account"},
                       follow=True)
    assert "Comment picked" in done.content.decode()

    after = page(Client(), article.get_absolute_url())
    strip = after.split('<section class="picks"')[1].split("</section>")[0]
    assert "A first-hand account" in strip and "I was on that bridge." in strip
    assert "The numbers say otherwise." not in strip
    assert f'href="/comments/{first.pk}/"' in strip
    assert '<a href="?sort=picks#comments">Picks</a>' in after
    entry = ModerationLog.objects.get(action="pick")
    assert (entry.comment_id, entry.moderator, entry.note) == (first.pk, editor, "A first-hand account")


def test_the_picks_order_shows_every_pick_newest_first_with_its_reason(client, article, comments):
    first, second = comments
    editor = moderator()
    moderation.set_picked(first, True, editor, reason="A first-hand account")
    moderation.set_picked(second, True, editor, reason="The best counter-argument")
    make_comment(article, body="Not picked at all.")
    html = page(client, article.get_absolute_url() + "?sort=picks")
    listed = html.split('<ol class="threads">')[1]
    assert "Not picked at all." not in listed
    assert listed.index("The numbers say otherwise.") < listed.index("I was on that bridge.")
    assert "The best counter-argument" in listed and "A first-hand account" in listed
    assert '<a href="?sort=picks#comments" aria-current="true">Picks</a>' in html
    assert '<section class="picks"' not in html  # the strip would repeat the list


def test_unpicking_takes_it_out_and_is_logged(client, article, comments):
    first, _ = comments
    editor = moderator()
    moderation.set_picked(first, True, editor, reason="A first-hand account")
    assert "A first-hand account" in page(Client(), article.get_absolute_url())
    client.force_login(editor)
    client.post("/comments/moderate/", {"unpick": first.pk})
    html = page(Client(), article.get_absolute_url())
    assert "A first-hand account" not in html and '<section class="picks"' not in html
    assert "?sort=picks" not in html
    assert ModerationLog.objects.filter(comment=first, action="unpick", moderator=editor).exists()
    assert Article.objects.get(pk=article.pk).pick_count == 0


def test_a_removed_pick_leaves_the_strip(client, article, comments):
    first, second = comments
    editor = moderator()
    moderation.set_picked(first, True, editor, reason="A first-hand account")
    moderation.set_picked(second, True, editor, reason="The best counter-argument")
    moderation.decide(first, "remove", editor, reason="privacy")
    html = page(client, article.get_absolute_url())
    strip = html.split('<section class="picks"')[1].split("</section>")[0]
    assert "The best counter-argument" in strip and "A first-hand account" not in strip
    assert "A first-hand account" not in page(client, article.get_absolute_url() + "?sort=picks")


def test_only_shown_comments_can_be_picked_and_a_reason_is_needed(article, comments):
    first, _ = comments
    editor = moderator()
    with pytest.raises(CommentError, match="Please say why"):
        moderation.set_picked(first, True, editor, reason="")
    moderation.decide(first, "remove", editor, reason="privacy")
    with pytest.raises(CommentError, match="Only a comment readers can see"):
        moderation.set_picked(first, True, editor, reason="A first-hand account")
    assert not Comment.objects.filter(picked_at__isnull=False).exists()


def test_readers_cannot_pick_and_see_no_pick_buttons(client, article, comments):
    first, _ = comments
    client.force_login(UserFactory())
    html = page(client, article.get_absolute_url())
    assert 'name="pick"' not in html
    response = client.post("/comments/moderate/", {"pick": first.pk, "pick_reason": "Mine"})
    assert response.status_code == 403
    assert not Comment.objects.filter(picked_at__isnull=False).exists()


def test_pick_buttons_are_the_moderators_own_never_on_the_shared_page(client, article, comments):
    first, second = comments
    editor = moderator()
    moderation.set_picked(first, True, editor, reason="A first-hand account")
    client.force_login(editor)
    html = page(client, article.get_absolute_url())
    assert f'name="unpick" value="{first.pk}">Unpick</button>' in html
    assert f'name="pick" value="{second.pk}">Pick</button>' in html
    anonymous = page(Client(), article.get_absolute_url())
    assert 'name="pick"' not in anonymous and 'name="unpick"' not in anonymous


@pytest.mark.parametrize("picked", [1, 3, 12])
def test_picks_cost_one_query_however_many(client, article, picked, django_assert_num_queries):
    make_discussion(article, 40, seed=picked)
    editor = moderator()
    for comment in Comment.objects.filter(article=article, status="published")[:picked]:
        moderation.set_picked(comment, True, editor, reason=f"Pick {comment.pk}")
    with django_assert_num_queries(ARTICLE_PAGE_QUERIES + 1 + VALIDATOR):
        html = page(client, article.get_absolute_url())
    assert html.count('<p class="comment__pick">') >= min(picked, 3)
    cache.clear()  # the article's own part too, as the pinned counts have it
    with django_assert_num_queries(ARTICLE_PAGE_QUERIES - 1 + VALIDATOR):  # the picks, not the threads
        html = page(client, article.get_absolute_url() + "?sort=picks")
    assert html.count('<p class="comment__pick">') == picked


def test_the_admin_shows_who_picked_a_comment_and_why(client, article, comments):
    first, _ = comments
    editor = moderator()
    moderation.set_picked(first, True, editor, reason="A first-hand account")
    client.force_login(editor)
    html = client.get(f"/admin/comments/comment/{first.pk}/change/").content.decode()
    assert "Editors&#x27; pick" in html and "A first-hand account" in html and editor.username in html
    log = client.get("/admin/comments/moderationlog/?action__exact=pick").content.decode()
    assert "Picked by the editors" in log
