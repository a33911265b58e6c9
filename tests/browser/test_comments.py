from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from comments.models import Comment
from tests.browser.steps import box, confirm_address, fill_sign_up_form, sign_in
from tests.factories import ArticleFactory, UserFactory, make_comment

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("no_flood_limits")]

def test_reader_signs_up_posts_replies_to_a_reply_edits_and_deletes(page):
    article = ArticleFactory(headline="Bridge reopens")
    olga = make_comment(article, author=UserFactory(display_name="Olga"), body="The bridge looks great.")
    pavel = make_comment(parent=olga, author=UserFactory(display_name="Pavel"), body="It took long enough.")

    # A new reader finds the discussion, creates an account from it, and comes back to it.
    page.goto(article.get_absolute_url())
    page.locator("#comments").get_by_role("link", name="create an account").click()
    fill_sign_up_form(page, "rita", "Rita")
    page.wait_for_url(f"**{article.get_absolute_url()}#comments")
    confirm_address(page, "rita")  # else a new account's comments wait for a moderator
    page.goto(article.get_absolute_url())
    page.get_by_label("Your comment").fill("Does it have a cycle lane?")
    page.get_by_role("button", name="Post comment").click()
    page.locator(".comment").get_by_text("Does it have a cycle lane?").wait_for()  # in place
    mine = Comment.objects.get(body="Does it have a cycle lane?")
    assert "Rita" in box(page, mine).locator("header").inner_text()

    # Reply to Pavel's reply: the form opens in place, under his comment.
    box(page, pavel).get_by_role("link", name="Reply").click()
    inline = box(page, pavel).locator("form")
    inline.get_by_label("Your comment").fill("Eleven years, to be exact.")
    assert page.url.endswith("#comments") or "/reply/" not in page.url
    inline.get_by_role("button", name="Post reply").click()
    page.locator(".comment").get_by_text("Eleven years, to be exact.").wait_for()
    reply = Comment.objects.get(body="Eleven years, to be exact.")
    nested = page.locator(f"#comment-{olga.pk} > ol > #comment-{pavel.pk} > ol > #comment-{reply.pk}")
    assert nested.locator("article > div").inner_text().strip() == "Eleven years, to be exact."

    # Edit it, then delete it.
    box(page, reply).get_by_role("link", name="Edit").click()
    page.get_by_label("Your comment").fill("Eleven years and two months, to be exact.")
    page.get_by_role("button", name="Save").click()
    assert "Eleven years and two months" in box(page, reply).inner_text()
    assert "edited" in box(page, reply).locator("header").inner_text()

    box(page, reply).get_by_role("link", name="Delete").click()
    page.get_by_role("button", name="Delete comment").click()
    page.get_by_text("Your comment was deleted.").wait_for()
    assert page.get_by_text("Eleven years").count() == 0


def test_reader_collapses_a_thread(page):
    article = ArticleFactory()
    root = make_comment(article, body="Root of the thread")
    make_comment(parent=root, body="A reply inside it")
    page.goto(article.get_absolute_url())
    reply = page.get_by_text("A reply inside it")
    assert reply.is_visible()
    page.locator(".thread summary").first.click()
    assert not reply.is_visible()


def test_without_javascript_the_reply_link_opens_the_reply_page(page_without_script):
    article = ArticleFactory()
    parent = make_comment(article, author=UserFactory(display_name="Olga"), body="Any news?")
    UserFactory(username="nojs")
    sign_in(page_without_script, "nojs", next_url=article.get_absolute_url())
    page_without_script.wait_for_url(f"**{article.get_absolute_url()}")
    box(page_without_script, parent).get_by_role("link", name="Reply").click()
    page_without_script.wait_for_url(f"**/comments/{parent.pk}/reply/")
    page_without_script.get_by_label("Your comment").fill("None yet.")
    page_without_script.get_by_role("button", name="Post reply").click()
    reply = Comment.objects.get(body="None yet.")
    assert reply.parent_id == parent.pk
    assert page_without_script.locator(f"#comment-{parent.pk} > ol > #comment-{reply.pk}").count() == 1


def test_the_script_says_how_long_ago_and_the_page_says_when_without_it(page, page_without_script):
    article = ArticleFactory()
    # Machine times are to the minute: hours, so a slow run cannot tip the figure over.
    recent = make_comment(article, body="Posted today", created_at=timezone.now() - timedelta(hours=3, minutes=20))
    old = make_comment(article, body="Long ago", created_at=datetime(2021, 6, 1, 14, 5, tzinfo=UTC))
    page.goto(article.get_absolute_url())
    written = timezone.localtime(recent.created_at)
    # The time of day stays in sight beside the relative form (and the day, unless today).
    shown = box(page, recent).locator("time").inner_text()
    assert shown.startswith("3 hours ago · ") and shown.endswith(f"{written:%H:%M}"), shown
    assert box(page, recent).locator("time").get_attribute("title") == f"{written:%-d %b %Y, %H:%M}"
    assert box(page, old).locator("time").inner_text() == "1 Jun 2021, 14:05"

    page_without_script.goto(article.get_absolute_url())
    assert box(page_without_script, recent).locator("time").inner_text() == f"{written:%-d %b %Y, %H:%M}"
