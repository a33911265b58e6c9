import pytest
from playwright.sync_api import expect

from comments import actions
from notifications.models import NotificationSettings
from tests.browser.steps import confirm_address, fill_sign_up_form, open_link_in_mail
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.browser


def test_sign_up_confirm_post_get_a_reply_by_mail_read_it_and_unsubscribe(page, live_server, settings):
    settings.SITE_URL = live_server.url
    article = ArticleFactory(headline="Ferry timetable changes")

    page.goto("/accounts/signup/")
    fill_sign_up_form(page, "nina", "Nina")
    expect(page.get_by_role("status")).to_contain_text("We sent a link to nina@example.com")

    confirm_address(page, "nina")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your address is confirmed")

    page.goto(article.get_absolute_url())
    page.get_by_label("Your comment").fill("Will the early boat still run on Sundays?")
    page.get_by_role("button", name="Post comment").click()
    mine = page.locator(".comment", has_text="Will the early boat still run on Sundays?")
    expect(mine).to_be_visible()

    # Someone answers; the worker (here: at once, on commit) mails Nina.
    from comments.models import Comment

    question = Comment.objects.get(body="Will the early boat still run on Sundays?")
    answer = actions.post_comment(article=article, parent=question, body="Only in summer, sadly.",
                                  author=UserFactory(username="oscar", display_name="Oscar"),
                                  ip_address="192.0.2.7")

    page.goto("/")  # she reads her mail elsewhere, later
    message = open_link_in_mail(page, "nina@example.com", r"/\d{4}/\d\d/\d\d/[\w-]+/\S*#comment-\d+")
    assert message.subject == "Newsroom: a reply to your comment"
    assert "Oscar replied to your comment on \"Ferry timetable changes\"" in message.body
    assert "> Only in summer, sadly." in message.body
    reply = page.locator(f"#comment-{answer.pk}")
    expect(reply).to_contain_text("Only in summer, sadly.")
    expect(reply).to_be_in_viewport()

    # The unsubscribe link in the mail, opened by a person: it asks, then stops reply mail.
    open_link_in_mail(page, "nina@example.com", r"/notifications/unsubscribe/\S+/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Unsubscribe")
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.get_by_role("status")).to_have_text("The site sends you no more mail about replies to your comments.")
    assert not NotificationSettings.objects.get(user__username="nina").reply_mails

    page.goto("/notifications/")
    expect(page.get_by_label("Mail me replies to my comments")).not_to_be_checked()
