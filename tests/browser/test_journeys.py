"""The readers' and moderators' journeys of issue 11's Tests that other browser tests do not
walk: sort, paginate, "continue this thread" and the comment's page; search; password reset
and change; email change; guest comments; closed discussions and locked replies; the
moderator's buttons on the article; approve from the pending queue; spam and restore. At a
phone's and a desktop's size where the layout matters, at one size where it does not.
(Recommending, the banned-word and 429 messages and posting without a reload:
test_in_place.py; picks and badges: test_newsroom_voices.py.)"""

from datetime import timedelta

import pytest
from django.utils import timezone

from comments.models import Comment
from tests.browser.steps import box, open_link_in_mail, sign_in, sign_in_to_admin
from tests.factories import PASSWORD, ArticleFactory, UserFactory, make_comment, moderator

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("no_flood_limits")]
PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1366, "height": 900}
SIZES = pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
S = Comment.Status


def first_words(page):
    """The words of each thread's first comment on the page, in order."""
    return [text.strip() for text in page.locator(".thread > details > ol > .comment > article > div, "
                                                  ".thread > ol > .comment > article > div").all_inner_texts()]


@SIZES
def test_sort_paginate_and_continue_a_thread_on_its_page(page, settings, size):
    settings.COMMENTS_PER_PAGE, settings.COMMENTS_MAX_DEPTH = 3, 2
    page.set_viewport_size(size)
    article = ArticleFactory()
    now = timezone.now()
    threads = [make_comment(article, body=f"Thread {number}", created_at=now - timedelta(hours=10 - number),
                            recommend_count=number % 3) for number in range(4)]
    above = threads[0]
    for depth in range(3):  # three levels of replies: the third continues on its own page
        above = make_comment(parent=above, body=f"Reply at level {depth + 1}")
    page.goto(article.get_absolute_url())
    assert first_words(page) == ["Thread 0", "Thread 1", "Thread 2"]
    sort = page.get_by_role("navigation", name="Order of comments")
    assert sort.is_visible() and sort.bounding_box()["width"] <= size["width"]

    # Each order is a page of its own: its words are read once it has loaded.
    sort.get_by_role("link", name="Newest").click()
    page.wait_for_url("**sort=newest**")
    assert first_words(page) == ["Thread 3", "Thread 2", "Thread 1"]
    page.get_by_role("navigation", name="Order of comments").get_by_role("link", name="Best").click()
    page.wait_for_url("**sort=best**")
    assert first_words(page)[:2] == ["Thread 2", "Thread 1"]  # two recommendations, then one (older)

    page.get_by_role("navigation", name="Order of comments").get_by_role("link", name="Oldest").click()
    page.wait_for_url("**sort=oldest**")
    page.get_by_role("link", name="More comments").click()
    assert first_words(page) == ["Thread 3"] and "page=2" in page.url
    assert page.get_by_text("Comments page 2 of 2").is_visible()
    page.get_by_role("link", name="Earlier comments").click()

    assert page.get_by_text("Reply at level 3").count() == 0
    page.get_by_role("link", name="Continue this thread").click()
    page.wait_for_url(f"**/comments/{above.parent_id}/**")
    page.get_by_text("Reply at level 3").wait_for()
    assert page.get_by_text("Reply at level 3").is_visible()


@SIZES
def test_search_from_the_header_finds_the_article(page, size):
    page.set_viewport_size(size)
    article = ArticleFactory(headline="Harbour wall gives way", standfirst="Engineers warned for weeks.")
    ArticleFactory(headline="Ferry timetable changes")
    page.goto("/")
    page.get_by_role("searchbox", name="Search articles").fill("harbour")
    page.get_by_role("searchbox", name="Search articles").press("Enter")
    page.wait_for_url("**/search/?q=harbour")
    results = page.locator("main .card")
    assert results.count() == 1
    results.get_by_role("link", name="Harbour wall gives way").click()
    page.wait_for_url(f"**{article.get_absolute_url()}")


def test_password_reset_then_change(page):
    UserFactory(username="rita", email="rita@example.com")
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Forgotten your password?").click()
    page.get_by_label("Email").fill("rita@example.com")
    page.get_by_role("button", name="Send the link").click()
    page.get_by_role("heading", level=1).wait_for()
    open_link_in_mail(page, "rita@example.com", r"/accounts/reset/\S+/")
    page.get_by_label("New password:", exact=True).fill("lantern-quarry-58")
    page.get_by_label("New password confirmation").fill("lantern-quarry-58")
    page.get_by_role("button", name="Set new password").click()
    page.get_by_role("link", name="Sign in").first.wait_for()
    sign_in(page, "rita", password="lantern-quarry-58")
    page.goto("/accounts/profile/")
    page.get_by_role("link", name="Change your password").click()
    page.get_by_label("Old password").fill("lantern-quarry-58")
    page.get_by_label("New password:", exact=True).fill("meadow-cobalt-41")
    page.get_by_label("New password confirmation").fill("meadow-cobalt-41")
    page.get_by_role("button", name="Change").click()
    page.get_by_role("heading", level=1).wait_for()
    assert UserFactory._meta.model.objects.get(username="rita").check_password("meadow-cobalt-41")


def test_email_change_asks_for_the_password_then_a_confirmation(page):
    UserFactory(username="rita", email="rita@example.com")
    sign_in(page, "rita")
    page.goto("/accounts/profile/")
    page.get_by_label("Email").fill("rita.new@example.com")
    page.get_by_role("button", name="Save changes").click()
    page.get_by_text("To change your email address, enter your current password.").wait_for()
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_role("button", name="Save changes").click()
    page.get_by_text("We sent a link to rita.new@example.com").wait_for()
    open_link_in_mail(page, "rita.new@example.com", r"/notifications/confirm/\S+/")
    assert UserFactory._meta.model.objects.get(username="rita").email == "rita.new@example.com"


def test_a_guest_comment_waits_for_a_moderator(page, settings):
    settings.COMMENTS_ALLOW_GUESTS = True
    article = ArticleFactory()
    page.goto(article.get_absolute_url())
    page.get_by_role("link", name="comment as a guest").click()
    page.get_by_label("Your name").fill("Gus")
    page.get_by_label("Your comment").fill("Guest words.")
    page.get_by_role("button", name="Post comment").click()
    page.get_by_text("will appear once a moderator has approved it").wait_for()
    assert Comment.objects.get().status == S.PENDING and page.get_by_text("Guest words.").count() == 0


def test_closed_discussions_and_locked_replies_offer_no_reply(page):
    closed = ArticleFactory(comments_closed=True)
    old = make_comment(closed, body="Said before it closed.")
    open_article = ArticleFactory()
    locked = make_comment(open_article, body="No more replies here.", replies_locked=True)
    UserFactory(username="rita")
    sign_in(page, "rita", next_url=closed.get_absolute_url())
    assert page.get_by_text("Comments on this article are closed.").is_visible()
    assert page.locator("form[data-new-comment]").count() == 0
    assert box(page, old).get_by_role("link", name="Reply").count() == 0
    page.goto(open_article.get_absolute_url())
    assert box(page, locked).get_by_role("link", name="Reply").count() == 0
    page.goto(f"/comments/{locked.pk}/reply/")
    assert page.get_by_text("A moderator has closed replies to this comment.").is_visible()


@SIZES
def test_the_moderators_buttons_on_the_article(page, size):
    page.set_viewport_size(size)
    article = ArticleFactory()
    comment = make_comment(article, author=UserFactory(display_name="Olga"), body="Rude words here.")
    waiting = make_comment(article, author=UserFactory(display_name="Pavel"), body="Waiting words.", status=S.PENDING)
    moderator(username="mod")
    sign_in(page, "mod", next_url=article.get_absolute_url())
    for name in ("Remove", "Lock replies", "Pick"):
        button = box(page, comment).get_by_role("button", name=name, exact=True)
        assert button.is_visible() and button.bounding_box()["x"] + button.bounding_box()["width"] <= size["width"]

    box(page, waiting).get_by_role("button", name="Approve").click()
    page.get_by_text("Comment approved").wait_for()
    assert Comment.objects.get(pk=waiting.pk).status == S.PUBLISHED

    box(page, comment).get_by_role("button", name="Lock replies").click()
    page.get_by_text("Replies to this comment are locked.").wait_for()
    assert Comment.objects.get(pk=comment.pk).replies_locked

    box(page, comment).get_by_role("button", name="Remove", exact=True).click()
    page.get_by_label("Why is it removed?").select_option("abuse")
    page.get_by_role("button", name="Remove").last.click()
    page.get_by_text("Comment removed.").wait_for()
    assert Comment.objects.get(pk=comment.pk).status == S.REMOVED
    assert "Removed: not shown to readers" in box(page, comment).inner_text()


def test_approve_from_the_pending_queue_then_spam_and_restore(page):
    article = ArticleFactory()
    waiting = make_comment(article, body="Held for a look.", status=S.PENDING)
    advert = make_comment(article, body="Cheap watches at my shop!")
    moderator(username="mod")
    page.set_viewport_size(DESKTOP)
    sign_in_to_admin(page, "mod")

    page.goto("/admin/comments/comment/?queue=pending")
    page.locator(f"input.action-select[value='{waiting.pk}']").check()
    page.select_option("select[name=action]", "approve")
    page.get_by_role("button", name="Go").click()
    assert "1 comment approved." in page.locator(".messagelist").inner_text()
    assert Comment.objects.get(pk=waiting.pk).status == S.PUBLISHED

    page.goto("/admin/comments/comment/")
    page.locator(f"input.action-select[value='{advert.pk}']").check()
    page.select_option("select[name=action]", "mark_spam")
    page.get_by_role("button", name="Go").click()
    assert Comment.objects.get(pk=advert.pk).status == S.SPAM
    page.goto(article.get_absolute_url())
    assert "Spam: not shown to readers" in box(page, advert).inner_text()  # the moderators' view

    page.goto("/admin/comments/comment/?queue=spam")
    page.locator(f"input.action-select[value='{advert.pk}']").check()
    page.select_option("select[name=action]", "restore")
    page.get_by_role("button", name="Go").click()
    assert Comment.objects.get(pk=advert.pk).status == S.PUBLISHED
    page.context.clear_cookies()
    page.goto(article.get_absolute_url())
    assert box(page, advert).get_by_text("Cheap watches at my shop!").is_visible()
