"""A reader's own pages in the browser, at a phone's size and a desktop's: the unread count in
the header, "Replies to you", "Your comments" (with the Edit link going away when the edit
window closes). Every browser test also fails on a Content-Security-Policy violation."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from comments import moderation
from comments.models import Comment, Commenter
from tests.browser.steps import sign_in
from tests.factories import PASSWORD, ArticleFactory, UserFactory, make_comment, moderator

pytestmark = pytest.mark.browser

SIZES = {"phone": {"width": 375, "height": 740}, "desktop": {"width": 1280, "height": 800}}


@pytest.fixture(params=SIZES, ids=list(SIZES))
def sized(request, page):
    page.set_viewport_size(SIZES[request.param])
    return page


def fits_the_width(page):
    """Nothing sticks out sideways (a phone would scroll the whole page)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_reader_follows_the_unread_count_to_a_reply_and_reads_what_became_of_their_comments(sized):
    page = sized
    article = ArticleFactory(headline="Bridge reopens")
    rita = UserFactory(username="rita", display_name="Rita")
    mine = make_comment(article, author=rita, body="Does it have a cycle lane?")
    reply = make_comment(parent=mine, author=UserFactory(display_name="Pavel"), body="Yes, on both sides.")
    held = make_comment(article, author=rita, body="Waiting words.", status=Comment.Status.PENDING)
    removed = make_comment(article, author=rita, body="Regrettable words.")
    moderation.decide(removed, "remove", moderator(), reason="abuse")

    sign_in(page, "rita")
    account = page.get_by_role("navigation", name="Account")
    replies_link = account.get_by_role("link", name="Replies 1 unread")
    expect(replies_link).to_be_visible()
    assert fits_the_width(page)
    replies_link.click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Replies to you")
    item = page.locator(".reader-list__item").first
    expect(item).to_contain_text("Pavel replied to your comment on Bridge reopens")
    expect(item).to_contain_text("Yes, on both sides.")
    expect(item.get_by_text("New", exact=True)).to_be_visible()
    expect(account.get_by_role("link", name="Replies", exact=True)).to_be_visible()  # read now
    assert fits_the_width(page)

    item.get_by_role("link", name="Read it in the discussion").click()
    page.wait_for_url(f"**{article.get_absolute_url()}#comment-{reply.pk}")
    expect(page.locator(f"#comment-{reply.pk} > article")).to_contain_text("Yes, on both sides.")

    page.goto("/accounts/replies/")
    page.get_by_role("link", name="Your comments").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your comments")
    items = page.locator(".reader-list__item")
    expect(items.filter(has_text="Waiting words.")).to_contain_text("Waiting for a moderator")
    expect(items.filter(has_text="Regrettable words.")).to_contain_text(
        "Removed by a moderator: Abuse or harassment.")
    expect(items.filter(has_text="Does it have a cycle lane?")).to_contain_text("Published")
    assert fits_the_width(page)
    assert held.pk and removed.pk


def test_the_edit_link_goes_away_when_the_edit_window_closes(sized):
    page = sized
    article = ArticleFactory()
    rita = UserFactory(username="rita")
    mine = make_comment(article, author=rita, body="Written just now.")
    sign_in(page, "rita")
    # The page's clock is Playwright's from here: it moves when the test says, however slow
    # the machine (the server's side of the window is tested in tests/test_reader_pages.py).
    page.clock.install()
    for url in ("/accounts/comments/", article.get_absolute_url()):
        page.clock.set_system_time(datetime.now(UTC))  # back to the server's time
        page.goto(url)
        edit = page.locator(f"a[href='/comments/{mine.pk}/edit/']")
        expect(edit).to_be_visible()
        page.clock.run_for("14:00")
        expect(edit).to_be_visible()
        page.clock.run_for("01:30")  # past the 15 minutes
        expect(edit).to_have_count(0)
        expect(page.locator(f"a[href='/comments/{mine.pk}/delete/']")).to_be_visible()


def test_a_suspended_reader_is_told_why_instead_of_given_a_form(sized):
    page = sized
    article = ArticleFactory()
    rita = UserFactory(username="rita")
    Commenter.objects.create(user=rita, suspended_until=timezone.now() + timedelta(days=2))
    sign_in(page, "rita")
    page.goto(article.get_absolute_url())
    expect(page.locator("#comments")).to_contain_text("Your account is suspended from commenting until")
    expect(page.get_by_label("Your comment")).to_have_count(0)
    page.locator("#comments").get_by_role("link", name="Your comments").click()
    expect(page.get_by_role("status")).to_contain_text("suspended from commenting until")
    assert fits_the_width(page)


def test_reader_downloads_their_data_then_deletes_their_account(sized):
    page = sized
    article = ArticleFactory(headline="Bridge reopens")
    rita = UserFactory(username="rita", display_name="Rita")
    mine = make_comment(article, author=rita, body="Does it have a cycle lane?")
    answer = make_comment(parent=mine, author=UserFactory(display_name="Pavel"), body="Yes, on both sides.")
    sign_in(page, "rita")
    page.get_by_role("navigation", name="Account").get_by_role("link", name="Your account: Rita").click()

    with page.expect_download() as download:
        page.get_by_role("link", name="Download my data").click()
    assert download.value.suggested_filename == "account-rita.json"
    data = json.loads(Path(download.value.path()).read_text())
    assert [comment["text"] for comment in data["comments"]] == ["Does it have a cycle lane?"]

    page.get_by_role("link", name="Delete my account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete your account")
    assert fits_the_width(page)
    page.get_by_label("Withdraw them").check()
    page.get_by_label("Your password").fill("not my password")
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_text("That is not your password.")).to_be_visible()
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_role("status")).to_contain_text("Your account is deleted.")
    expect(page.get_by_role("navigation", name="Account").get_by_role("link", name="Sign in")).to_be_visible()

    page.goto(article.get_absolute_url())
    expect(page.locator(f"#comment-{mine.pk}")).to_contain_text("This comment was deleted by its author.")
    expect(page.locator(f"#comment-{answer.pk}")).to_contain_text("Yes, on both sides.")
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("rita")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert").or_(page.locator(".errorlist"))).to_contain_text("correct username and password")
