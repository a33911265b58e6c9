"""Confirming an account's email address: the link mailed at sign-up and on a change of
address, what it does once, twice, forged, expired or outdated, the hold (or refusal) of a new
account's comments until then, and the flood limit on asking for a new link."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client

from comments import actions
from comments.errors import DiscussionClosed
from comments.models import Comment, ModerationLog
from newsroom.models import User
from notifications import confirmation, tokens
from notifications.models import NotificationSettings
from tests.factories import PASSWORD, ArticleFactory, UserFactory, signup_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "https://news.example.com"
    settings.COMMENTS_RATE_LIMITS = []  # these tests post twice in a row


@pytest.fixture
def signed_up(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/signup/", signup_data(), follow=True)
    assert "We sent a link to alice@example.com" in response.content.decode()
    return User.objects.get(username="alice")


def link_in(message):
    return re.search(r"https://news\.example\.com(/notifications/confirm/\S+/)", message.body).group(1)


def post(user, body="Hello there."):
    return actions.post_comment(article=ArticleFactory(), body=body, author=user, ip_address="192.0.2.1")


def test_sign_up_mails_a_link_that_confirms_the_address_once(client, signed_up):
    [message] = mail.outbox
    assert message.to == ["alice@example.com"]
    assert message.subject == "Newsroom: confirm your email address"
    assert "List-Unsubscribe" not in message.extra_headers
    url = link_in(message)
    assert not NotificationSettings.objects.get(user=signed_up).email_confirmed

    page = client.post(url)
    assert page.status_code == 200 and "Thank you: alice@example.com is confirmed." in page.content.decode()
    mail_settings = NotificationSettings.objects.get(user=signed_up)
    assert mail_settings.email_confirmed and not mail_settings.awaiting_first_confirmation

    again = client.post(url)  # a reused link: says so, changes nothing
    assert again.status_code == 200 and "was already confirmed" in again.content.decode()
    assert "was already confirmed" in client.get(url).content.decode()


def test_opening_the_link_asks_first_so_a_mail_scanner_confirms_nothing(signed_up):
    url = link_in(mail.outbox[0])
    held = post(signed_up)
    scanner = Client()  # no cookies, no CSRF token: what a mail scanner fetching links has
    page = scanner.get(url)
    assert page.status_code == 200 and page["Cache-Control"].startswith("max-age=0")
    html = page.content.decode()
    assert "Confirm that alice@example.com is yours" in html and "Confirm my address</button>" in html
    assert not NotificationSettings.objects.get(user=signed_up).email_confirmed
    held.refresh_from_db()
    assert held.status == Comment.Status.PENDING

    confirmed = Client(enforce_csrf_checks=True).post(url)  # the button: the token is the proof
    assert "Thank you: alice@example.com is confirmed." in confirmed.content.decode()
    held.refresh_from_db()
    assert held.status == Comment.Status.PUBLISHED


def test_a_new_accounts_comments_wait_until_it_confirms(signed_up, client):
    held = post(signed_up)
    assert held.status == Comment.Status.PENDING
    assert ModerationLog.objects.get(comment=held).note == confirmation.HOLD_REASON
    also_suspect = post(signed_up, "Another one.")
    actions.hold(also_suspect, "Contains the suspect word “x”.")  # held for something else too
    page = client.post(link_in(mail.outbox[0])).content.decode()

    assert "Your 1 waiting comment is now shown." in page
    held.refresh_from_db()
    assert (held.status, held.reviewed_at) == (Comment.Status.PUBLISHED, None)  # flags still count
    entry = ModerationLog.objects.filter(comment=held).first()
    assert (entry.action, entry.moderator, entry.note) == ("approve", None, "Its author confirmed their email address.")
    also_suspect.refresh_from_db()
    assert also_suspect.status == Comment.Status.PENDING  # a moderator decides that one
    assert post(signed_up, "Now I am confirmed.").status == Comment.Status.PUBLISHED


def test_a_setting_refuses_their_comments_instead(signed_up, settings):
    settings.COMMENTS_UNCONFIRMED_EMAIL = "refuse"
    with pytest.raises(DiscussionClosed, match="Please confirm your email address first"):
        post(signed_up)
    assert not Comment.objects.exists()


def test_accounts_from_before_confirmation_are_not_held():
    assert post(UserFactory(username="old-timer")).status == Comment.Status.PUBLISHED


@pytest.mark.parametrize("mangle", [
    lambda token: token[:-3],
    lambda token: token + "x",
    lambda token: "not-a-token",
    lambda token: tokens.unsubscribe(User.objects.get(username="alice"), tokens.REPLIES),
])
def test_forged_links_answer_a_clear_page_and_change_nothing(client, signed_up, mangle):
    token = link_in(mail.outbox[0]).rstrip("/").rsplit("/", 1)[1]
    for response in (client.get(f"/notifications/confirm/{mangle(token)}/"),
                     client.post(f"/notifications/confirm/{mangle(token)}/")):
        assert response.status_code == 400
        assert "This link does not work" in response.content.decode()
    assert not NotificationSettings.objects.get(user=signed_up).email_confirmed


def test_an_expired_link_says_so(client, signed_up, settings):
    settings.EMAIL_CONFIRMATION_DAYS = 0  # any age is too old
    response = client.post(link_in(mail.outbox[0]))
    assert response.status_code == 400 and "This link has expired" in response.content.decode()
    assert client.get(link_in(mail.outbox[0])).status_code == 400
    assert not NotificationSettings.objects.get(user=signed_up).email_confirmed


def test_changing_the_address_asks_for_confirmation_again(client, signed_up, django_capture_on_commit_callbacks):
    client.post(link_in(mail.outbox[0]))
    old_link = link_in(mail.outbox[0])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/profile/", {
            "display_name": "Alice", "email": "alice@elsewhere.example", "current_password": signup_data()["password1"],
        }, follow=True)
    assert "We sent a link to alice@elsewhere.example" in response.content.decode()
    assert not NotificationSettings.objects.get(user=signed_up).email_confirmed  # mail stops
    assert post(signed_up).status == Comment.Status.PUBLISHED  # no longer a new account

    stale = client.post(old_link)
    assert stale.status_code == 400 and "This link is for an old address" in stale.content.decode()
    message = mail.outbox[-1]
    assert message.to == ["alice@elsewhere.example"]
    client.post(link_in(message))
    assert NotificationSettings.objects.get(user=signed_up).email_confirmed


def test_a_new_link_on_request_within_a_flood_limit(client, signed_up, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_CONFIRMATION_RESEND_LIMITS = [(2, 60)]
    page = client.get("/notifications/").content.decode()
    assert "is not confirmed yet" in page
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/notifications/confirm/resend/", follow=True)
        assert "A new confirmation link is on its way" in response.content.decode()
    refused = client.post("/notifications/confirm/resend/")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert len(mail.outbox) == 3
    assert len({link_in(message) for message in mail.outbox}) >= 1
    client.post(link_in(mail.outbox[-1]))
    assert "which you have confirmed" in client.get("/notifications/").content.decode()


def test_a_link_mailed_to_an_address_the_account_left_is_not_sent(django_capture_on_commit_callbacks):
    user = UserFactory(username="mover", email="new@example.com")
    from notifications import tasks

    tasks.send_confirmation.call(user.pk, "old@example.com")
    assert mail.outbox == []


def test_the_account_page_links_to_notification_settings(client):
    user = UserFactory(username="reader")
    client.login(username="reader", password=PASSWORD)
    assert 'href="/notifications/"' in client.get("/accounts/profile/").content.decode()
    assert user


@pytest.mark.django_db(transaction=True)  # as the site runs: the view's writes commit at once
def test_a_confirmation_the_queue_refuses_is_said_on_the_page_with_where_to_ask_again(
    client, refusing_queue, settings, caplog,
):
    response = client.post("/accounts/signup/", signup_data(), follow=True)
    assert response.status_code == 200 and response.redirect_chain[-1] == ("/", 302)
    page = response.content.decode()
    assert "Welcome, Alice Liddell. You are signed in." in page  # the account is made all the same
    assert "We sent a link" not in page
    assert ('We could not send the link to confirm alice@example.com just now. Ask for a new one in a '
            'few minutes, from <a href="/notifications/">your notification settings</a>. '
            "Until then your comments wait for a moderator.") in page
    assert "could not enqueue send_confirmation" in caplog.text and mail.outbox == []
    alice = User.objects.get(username="alice")
    assert confirmation.awaiting(alice)

    # Asked again while the queue still refuses: said again; once it takes mail, sent.
    response = client.post("/notifications/confirm/resend/", follow=True)
    assert response.status_code == 200
    assert "We could not send a new confirmation link just now" in response.content.decode()
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    cache.clear()  # the minute the resend limit asks for
    response = client.post("/notifications/confirm/resend/", follow=True)
    assert "A new confirmation link is on its way to alice@example.com" in response.content.decode()
    client.post(link_in(mail.outbox[-1]))
    assert not confirmation.awaiting(alice)


@pytest.mark.django_db(transaction=True)
def test_a_new_address_whose_link_the_queue_refuses_is_said_on_the_account_page(client, refusing_queue):
    user = UserFactory(username="reader", display_name="Rea")
    client.force_login(user)
    response = client.post("/accounts/profile/", {"display_name": "Rea", "email": "rea@elsewhere.example",
                                                  "current_password": PASSWORD}, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Your changes are saved." in page and "We sent a link" not in page
    assert "We could not send the link to confirm rea@elsewhere.example just now" in page
    assert User.objects.get(pk=user.pk).email == "rea@elsewhere.example"
