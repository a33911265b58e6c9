"""With the script, posting, replying, recommending and flagging happen in place, without
reloading the page; refusals, the nudge and a held comment are said in the form, the text kept;
an open page says "N new comments" and shows them on click."""

import pytest

from comments.models import Comment, Flag, Word
from tests.browser.steps import box, mark_page, sign_in, still_same_page
from tests.factories import INSULT, ArticleFactory, UserFactory, make_comment

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("no_flood_limits")]


@pytest.mark.parametrize("size", [{"width": 390, "height": 844}, {"width": 1366, "height": 900}],
                         ids=["phone", "desktop"])
def test_post_reply_recommend_and_flag_without_a_reload(page, size):
    page.set_viewport_size(size)
    article = ArticleFactory()
    olga = make_comment(article, author=UserFactory(display_name="Olga"), body="The bridge looks great.")
    UserFactory(username="rita", display_name="Rita")
    sign_in(page, "rita", next_url=article.get_absolute_url())
    mark_page(page)

    page.get_by_label("Your comment").first.fill("Does it have a cycle lane?")
    page.get_by_role("button", name="Post comment").click()
    page.locator(".comment--new").get_by_text("Does it have a cycle lane?").wait_for()
    mine = Comment.objects.get(body="Does it have a cycle lane?")
    assert page.locator("#comments-heading").inner_text() == "2 comments"
    assert page.locator("form[data-new-comment] textarea").input_value() == ""

    box(page, olga).get_by_role("link", name="Reply").click()
    box(page, olga).locator("form").get_by_label("Your comment").fill("Eleven years, to be exact.")
    box(page, olga).get_by_role("button", name="Post reply").click()
    reply = page.locator(f"#comment-{olga.pk} > ol > .comment").filter(has_text="Eleven years, to be exact.")
    reply.wait_for()
    assert box(page, olga).locator("form").count() == 0
    assert box(page, mine).get_by_role("link", name="Edit").is_visible()

    box(page, olga).get_by_role("button", name="Recommend").click()
    box(page, olga).get_by_role("button", name="Recommended").wait_for()
    assert "1 ♥" in box(page, olga).inner_text()

    box(page, olga).get_by_role("link", name="Flag").click()
    box(page, olga).locator("form[data-flag] input[type=radio]").first.check()
    box(page, olga).get_by_role("button", name="Flag comment").click()
    box(page, olga).get_by_text("Thank you. A moderator will look at this comment.").wait_for()
    assert Flag.objects.filter(comment=olga).count() == 1
    assert still_same_page(page)


def test_refusals_the_nudge_and_a_held_comment_are_said_in_the_form(page, settings):
    article = ArticleFactory()
    UserFactory(username="rita")
    Word.objects.create(text="Vermin", kind=Word.Kind.BANNED)
    sign_in(page, "rita", next_url=article.get_absolute_url())
    mark_page(page)
    form = page.locator("form[data-new-comment]")
    text = form.get_by_label("Your comment")

    text.fill("They are VERMIN!")
    form.get_by_role("button", name="Post comment").click()
    form.get_by_role("alert").get_by_text("which is not allowed").wait_for()
    assert text.input_value() == "They are VERMIN!"

    settings.COMMENTS_RATE_LIMITS = [(1, 60)]
    text.fill("A fair point about the bridge.")
    form.get_by_role("button", name="Post comment").click()
    page.locator(".comment--new").wait_for()
    text.fill("And another one straight after.")
    form.get_by_role("button", name="Post comment").click()
    form.get_by_role("alert").get_by_text("You are posting faster than we allow.").wait_for()
    assert text.input_value() == "And another one straight after."
    assert form.get_by_role("button", name="Post comment").is_disabled()  # until Retry-After

    settings.COMMENTS_RATE_LIMITS = [(1000, 60)]
    page.evaluate("document.querySelector('form[data-new-comment] button[type=submit]').disabled = false")
    text.fill(INSULT)
    form.get_by_role("button", name="Post comment").click()
    form.get_by_text("This may break our community rules").wait_for()
    assert text.input_value() == INSULT
    form.get_by_role("button", name="Post anyway").click()
    page.get_by_role("status").get_by_text("will appear once a moderator has approved it").wait_for()
    assert Comment.objects.get(body=INSULT).status == Comment.Status.PENDING
    assert still_same_page(page)


def test_an_open_page_says_new_comments_came_and_shows_them(page):
    article = ArticleFactory()
    make_comment(article, body="First!")
    page.goto(article.get_absolute_url())
    writing = make_comment(article, body="Second, while you read.")
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")  # as when the tab is shown again
    page.get_by_role("button", name="1 new comment: show").click()
    page.locator(f"#comment-{writing.pk}.comment--new").get_by_text("Second, while you read.").wait_for()
    assert page.locator("#comments-heading").inner_text() == "2 comments"
    assert page.locator(".new-comments").count() == 0
