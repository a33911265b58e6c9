"""Things people do on the site, in the browser, that several browser tests need."""

import re

from django.core import mail

from tests.factories import NEW_PASSWORD, PASSWORD


def fill_sign_up_form(page, username, display_name):
    page.get_by_label("Username:").fill(username)
    page.get_by_label("Display name:").fill(display_name)
    page.get_by_label("Email address:").fill(f"{username}@example.com")
    page.get_by_label("Password:", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Password confirmation:").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign up").click()


def open_link_in_mail(page, to, pattern):
    """Open the link matching `pattern` (a regular expression for its path) in the last mail
    sent to `to`, as its reader would; returns the mail. Mail is sent by the tasks, which the
    tests run at once (tests/conftest.py)."""
    message = [message for message in mail.outbox if message.to == [to]][-1]
    path = re.search(rf"https?://[^/\s]+({pattern})", message.body).group(1)
    page.goto(path)
    return message


def confirm_address(page, username):
    """Open the confirmation link mailed at sign-up and press its button (opening it alone
    confirms nothing)."""
    open_link_in_mail(page, f"{username}@example.com", r"/notifications/confirm/\S+/")
    page.get_by_role("button", name="Confirm my address").click()


def sign_in(page, username, password=PASSWORD, next_url=""):
    """Sign in on the site's page (tests.factories.UserFactory's password by default), and
    wait for the page it leads to."""
    page.goto(f"/accounts/login/{f'?next={next_url}' if next_url else ''}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def sign_in_to_admin(page, username, password=PASSWORD):
    """Sign in on the admin's own page (staff), landing on the admin's index."""
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")


def box(page, comment):
    """The comment's own text and actions, without the replies nested under it."""
    return page.locator(f"#comment-{comment.pk} > article")


def mark_page(page):
    """Mark the document, so a test can tell it was not reloaded (`still_same_page`)."""
    page.evaluate("window.notReloaded = true")


def still_same_page(page):
    return page.evaluate("window.notReloaded === true")
