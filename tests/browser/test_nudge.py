"""The nudge before posting, in the browser: the inline reply form (JavaScript) and the same
without JavaScript both come back with the community rules and the text, and a second submit
posts it to the pending queue."""

import pytest

from comments.models import Comment
from tests.browser.steps import sign_in
from tests.factories import INSULT, ArticleFactory, UserFactory, make_comment

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("no_flood_limits")]


def reply_and_post_anyway(page):
    """A reader signs in and replies with an insult; nudged, they post it anyway."""
    article = ArticleFactory()
    parent = make_comment(article, author=UserFactory(display_name="Olga"), body="Any news?")
    UserFactory(username="writer")
    sign_in(page, "writer")
    page.goto(article.get_absolute_url())
    page.locator(f"#comment-{parent.pk} > article").get_by_role("link", name="Reply").click()
    form = page.locator(f"#comment-{parent.pk} > article form") if page.locator(
        f"#comment-{parent.pk} > article form").count() else page.locator("form.comment-form")
    form.get_by_label("Your comment").fill(INSULT)
    form.get_by_role("button", name="Post reply").click()
    page.get_by_text("This may break our community rules").wait_for()
    assert form.get_by_label("Your comment").input_value() == INSULT
    assert Comment.objects.filter(parent=parent).count() == 0
    form.get_by_role("button", name="Post anyway").click()
    page.get_by_text("once a moderator has approved it").wait_for()
    reply = Comment.objects.get(parent=parent)
    assert reply.status == Comment.Status.PENDING and reply.body == INSULT


def test_the_inline_reply_form_nudges_and_posts_anyway(page):
    reply_and_post_anyway(page)


def test_without_javascript_the_reply_page_nudges_and_posts_anyway(page_without_script):
    reply_and_post_anyway(page_without_script)
    assert "/reply/" in page_without_script.url or page_without_script.url.endswith("#comments")
