"""Reply notifications and digests: who gets a mail about which comment, what the mail says
and carries in its headers, at most one per comment and person, only about what the public
sees, never to its own author or a banned account; failed sends tried again, then marked
failed where staff see them; one-click unsubscribe without cookies.

Tasks run at once here, when the transaction commits (tests/conftest.py), except where a test
chooses the database backend to see what is queued; tests/test_task_queue.py runs the real
workers."""

import json
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.db.models import F
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from comments import actions, moderation
from comments.models import Comment, Commenter
from newsroom.serving import free_port
from notifications import tasks, tokens
from notifications.models import Follow, Notification, NotificationSettings, Shown
from tests.factories import ArticleFactory, UserFactory, make_comment, moderator

pytestmark = pytest.mark.django_db
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "https://news.example.com"
    settings.NOTIFICATION_RETRY_DELAYS = [60, 300]


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run what is done inside it as if it committed: the on-commit enqueues happen."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def reader(username, **fields):
    """An account with a confirmed address (as after opening the confirmation link)."""
    user = UserFactory(username=username, **fields)
    NotificationSettings.objects.create(user=user, confirmed_email=user.email)
    return user


@pytest.fixture
def article():
    return ArticleFactory(headline="Rivers rise in the north")


@pytest.fixture
def alice():
    return reader("alice", display_name="Alice Adams")


@pytest.fixture
def bob():
    return reader("bob", display_name="Bob Brown")


def reply(parent, author, body="I disagree, and here is why.", **fields):
    return make_comment(parent=parent, author=author, body=body, **fields)


def mails_to(user):
    return [message for message in mail.outbox if message.to == [user.email]]


def test_a_reply_mails_the_parents_author_with_the_text_a_link_and_one_click_unsubscribe(
        article, alice, bob, commit):
    first = make_comment(article, author=alice, body="The dam will hold.")
    with commit():
        answer = reply(first, bob, body="It did not hold in 1998.\n\nSecond paragraph.")

    [message] = mail.outbox
    assert message.to == ["alice@example.com"]
    assert message.subject == "Newsroom: a reply to your comment"
    assert "Bob Brown replied to your comment on \"Rivers rise in the north\"" in message.body
    assert "> It did not hold in 1998.\n>\n> Second paragraph." in message.body
    assert f"https://news.example.com{article.get_absolute_url()}#comment-{answer.pk}" in message.body
    unsubscribe = message.extra_headers["List-Unsubscribe"]
    assert unsubscribe.startswith("<https://news.example.com/notifications/unsubscribe/")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe.strip("<>") in message.body  # people without a one-click client too
    notification = Notification.objects.get()
    assert (notification.recipient, notification.comment, notification.kind, notification.state,
            notification.attempts) == (alice, answer, "reply", "sent", 1)


def test_nobody_is_mailed_about_their_own_comments(article, alice, commit):
    first = make_comment(article, author=alice)
    with commit():
        reply(first, alice, body="Adding to what I said.")
    assert mail.outbox == [] and not Notification.objects.exists()


def test_a_held_reply_mails_only_once_approved_and_only_once(article, alice, bob, commit):
    mod = moderator()
    first = make_comment(article, author=alice)
    with commit():
        held = reply(first, bob, status=Comment.Status.PENDING)
    assert mail.outbox == []
    with commit():
        moderation.decide(held, "approve", mod)
    assert len(mails_to(alice)) == 1
    # Hidden by flags, approved again, removed and restored: still one mail.
    with commit():
        actions.set_status(Comment.objects.get(pk=held.pk), Comment.Status.FLAGGED)
        moderation.decide(held, "approve", mod)
        moderation.decide(held, "remove", mod, reason="off-topic")
        moderation.decide(held, "restore", mod)
    assert len(mails_to(alice)) == 1
    assert Notification.objects.filter(comment=held).count() == 1


def test_a_bulk_approval_mails_about_each_comment_it_shows(article, alice, bob, commit):
    mod = moderator()
    carol = reader("carol")
    first = make_comment(article, author=alice)
    second = make_comment(article, author=carol)
    held = [reply(first, bob, body="One", status=Comment.Status.PENDING),
            reply(second, bob, body="Two", status=Comment.Status.PENDING),
            reply(first, bob, body="Three", status=Comment.Status.REMOVED)]
    with commit():
        done, skipped = moderation.decide_many(Comment.objects.filter(pk__in=[c.pk for c in held]), "approve", mod)
    assert (done, skipped) == (2, 1)
    assert ["> One" in m.body for m in mails_to(alice)] == [True]
    assert ["> Two" in m.body for m in mails_to(carol)] == [True]


def test_removed_and_unpublished_comments_never_mail(article, alice, bob, commit):
    mod = moderator()
    first = make_comment(article, author=alice)
    with commit():
        held = reply(first, bob, status=Comment.Status.PENDING)
        moderation.decide(held, "remove", mod, reason="abuse")
    draft = ArticleFactory(status="draft")
    on_draft = make_comment(draft, author=alice)
    with commit():
        reply(on_draft, bob)
    assert mail.outbox == []


def test_a_comment_removed_before_the_mail_goes_is_skipped_with_the_reason(article, alice, bob, commit, settings):
    settings.TASKS = DATABASE  # queued, not sent yet
    first = make_comment(article, author=alice)
    with commit():
        answer = reply(first, bob)
    tasks.comments_shown.call([answer.pk])
    with commit():
        moderation.decide(answer, "remove", moderator(), reason="abuse")
    notification = Notification.objects.get()
    tasks.send_reply.call(notification.pk)
    notification.refresh_from_db()
    assert (notification.state, notification.last_error) == ("skipped", "The comment is no longer shown.")
    assert mail.outbox == []


def test_no_mail_to_banned_unconfirmed_or_unsubscribed_people(article, bob, commit):
    banned = reader("banned")
    Commenter.objects.create(user=banned, banned=True)
    unconfirmed = UserFactory(username="unconfirmed")
    NotificationSettings.objects.create(user=unconfirmed, confirmed_email="old@example.com")
    opted_out = reader("optedout")
    NotificationSettings.objects.filter(user=opted_out).update(reply_mails=False)
    legacy = UserFactory(username="legacy")  # from before addresses were confirmed
    parents = [make_comment(article, author=user) for user in (banned, unconfirmed, opted_out, legacy)]
    with commit():
        for parent in parents:
            reply(parent, bob)
    assert mail.outbox == [] and not Notification.objects.exists()


def test_names_never_reach_the_headers(article, alice, commit):
    # Names are checked when chosen (newsroom/names.py); one stored before those rules, or
    # written by a script, still cannot add a header.
    mallory = reader("mallory")
    mallory.display_name = "Mallory\r\nBcc: everyone@example.com\r\nSubject: you won"
    mallory.save()
    first = make_comment(article, author=alice)
    with commit():
        reply(first, mallory, body="Hello\r\nBcc: body@example.com")
    [message] = mail.outbox
    raw = message.message().as_string()
    headers = raw.split("\n\n", 1)[0]
    assert "Bcc" not in headers and "won" not in headers and "Mallory" not in headers
    assert message.recipients() == ["alice@example.com"]


def test_a_flood_of_replies_sends_one_mail_per_comment_then_waits_for_the_digest(
        article, alice, commit, settings):
    settings.NOTIFICATION_REPLY_MAILS_PER_HOUR = 3
    settings.TASKS = DATABASE  # the worker runs what is due, and the digest is not due yet
    first = make_comment(article, author=alice)
    others = [reader(f"replier{n}") for n in range(5)]
    with commit():
        replies = [reply(first, other, body=f"Reply {n}") for n, other in enumerate(others)]
    run_queued()
    assert [m.subject for m in mails_to(alice)] == ["Newsroom: a reply to your comment"] * 3
    assert list(Notification.objects.filter(kind="digest").values_list("comment_id", flat=True)) == [
        replies[4].pk, replies[3].pk]
    with commit():  # the same comments shown again (a task run twice) send nothing more
        tasks.comments_shown.enqueue([c.pk for c in replies])
    run_queued()
    assert len(mails_to(alice)) == 3

    tasks.send_digest.call(alice.pk)  # once it is due
    digest = mails_to(alice)[-1]
    assert digest.subject == "Newsroom: your digest, 2 new comments"
    assert "replied to your comment:\n> Reply 3" in digest.body and "> Reply 4" in digest.body
    assert Notification.objects.filter(recipient=alice, state="sent").count() == 5


def later_by(minutes):
    """Age the outbox and the notifications, as if that many minutes had passed."""
    Shown.objects.update(created_at=F("created_at") - timedelta(minutes=minutes))
    Notification.objects.update(created_at=F("created_at") - timedelta(minutes=minutes))


def test_a_queue_that_refuses_the_task_loses_no_mail_the_sweep_sends_it(refusing_queue, article, alice, bob, commit,
                                                                       caplog):
    first = make_comment(article, author=alice)
    with commit():
        answer = reply(first, bob)  # posted all the same; the wake-up is refused and logged
    assert Comment.objects.get(pk=answer.pk).status == Comment.Status.PUBLISHED
    assert "could not enqueue comments_shown" in caplog.text
    assert mail.outbox == [] and not Notification.objects.exists()
    assert answer.pk in Shown.objects.values_list("comment_id", flat=True)  # in the outbox

    tasks.sweep()  # within the minute the wake-up has: left alone
    assert Shown.objects.exists() and not Notification.objects.exists()
    later_by(2)
    tasks.sweep()  # decided; its own wake-up for the mail refused again
    assert not Shown.objects.exists() and Notification.objects.get().state == "pending"
    later_by(2)
    tasks.sweep()
    assert Notification.objects.get().state == "sent"
    [message] = mails_to(alice)
    assert "I disagree, and here is why." in message.body
    later_by(10)
    tasks.sweep()  # never twice
    assert len(mail.outbox) == 1


def test_the_sweep_keeps_the_back_off_of_a_failed_send(article, alice, bob, commit, settings):
    settings.TASKS = DATABASE
    first = make_comment(article, author=alice)
    with commit():
        answer = reply(first, bob)
    tasks.comments_shown.call([answer.pk])
    assert not Shown.objects.filter(comment=answer).exists()  # decided: out of the outbox
    notification = Notification.objects.get()
    Notification.objects.filter(pk=notification.pk).update(
        state="retrying", attempts=1, next_attempt_at=timezone.now() + timedelta(minutes=5))
    later_by(60)
    tasks.sweep()  # not due again yet: the retry's task will send it, or the sweep after it
    assert Notification.objects.get().state == "retrying" and mail.outbox == []
    Notification.objects.update(next_attempt_at=timezone.now() - timedelta(minutes=2))  # its task was lost
    tasks.sweep()
    assert Notification.objects.get().state == "sent" and len(mails_to(alice)) == 1


def test_a_digest_whose_task_was_lost_is_sent_by_the_sweep(refusing_queue, article, alice, bob, commit):
    Follow.objects.create(user=alice, article=article, scope="all")
    with commit():
        make_comment(article, author=bob, body="News for the digest.")
    later_by(2)
    tasks.sweep()  # decided: a digest is due in a day (its task refused)
    assert NotificationSettings.objects.get(user=alice).digest_due_at is not None
    tasks.sweep()
    assert mail.outbox == []
    NotificationSettings.objects.update(digest_due_at=timezone.now() - timedelta(minutes=2))
    tasks.sweep()
    [message] = mails_to(alice)
    assert "News for the digest." in message.body


def test_a_failed_send_is_tried_again_with_back_off_then_marked_failed(article, alice, bob, commit, settings):
    settings.TASKS = DATABASE
    # A real SMTP connection to a port nobody listens on: refused at once.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    first = make_comment(article, author=alice)
    with commit():
        answer = reply(first, bob)
    tasks.comments_shown.call([answer.pk])
    notification = Notification.objects.get()

    before = timezone.now()
    tasks.send_reply.call(notification.pk)
    notification.refresh_from_db()
    assert (notification.state, notification.attempts) == ("retrying", 1)
    assert "ConnectionRefusedError" in notification.last_error
    assert before + timedelta(seconds=59) < notification.next_attempt_at < timezone.now() + timedelta(seconds=61)
    again = DBTaskResult.objects.filter(task_path="notifications.tasks.send_reply").order_by("-enqueued_at").first()
    assert again.run_after == notification.next_attempt_at  # the worker takes it no earlier

    tasks.send_reply.call(notification.pk)
    notification.refresh_from_db()
    assert (notification.state, notification.attempts) == ("retrying", 2)
    assert notification.next_attempt_at > timezone.now() + timedelta(seconds=290)

    tasks.send_reply.call(notification.pk)  # the last of 1 + 2 retries
    notification.refresh_from_db()
    assert (notification.state, notification.attempts, notification.next_attempt_at) == ("failed", 3, None)
    tasks.send_reply.call(notification.pk)  # a late duplicate task changes nothing
    notification.refresh_from_db()
    assert notification.attempts == 3

    # Staff send it again from the admin once the mail server is back.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.TASKS = IMMEDIATE
    admin = Client()
    admin.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    listing = admin.get("/admin/notifications/notification/", {"state__exact": "failed"})
    assert "ConnectionRefusedError" in listing.content.decode()
    with commit():
        admin.post("/admin/notifications/notification/",
                   {"action": "send_again", "_selected_action": [notification.pk]})
    notification.refresh_from_db()
    assert notification.state == "sent" and len(mails_to(alice)) == 1


def run_queued():
    """What a worker does with the tasks due now (the worker itself runs in
    tests/test_task_queue.py; inside this test's transaction it would close the connection)."""
    while due := list(DBTaskResult.objects.ready().order_by("enqueued_at")):
        for result in due:
            DBTaskResult.objects.filter(pk=result.pk).delete()
            getattr(tasks, result.task_path.rsplit(".", 1)[1]).call(*result.args_kwargs["args"])


def one_click(token, client=None):
    """What a mail client does for RFC 8058: a POST with that body, no cookies, no CSRF token."""
    client = client or Client(enforce_csrf_checks=True)
    return client.post(f"/notifications/unsubscribe/{token}/", "List-Unsubscribe=One-Click",
                       content_type="application/x-www-form-urlencoded")


def test_one_click_unsubscribe_works_without_cookies_and_twice(article, alice, bob, commit):
    first = make_comment(article, author=alice)
    with commit():
        reply(first, bob)
    url = mail.outbox[0].extra_headers["List-Unsubscribe"].strip("<>")
    token = url.rstrip("/").rsplit("/", 1)[1]

    page = Client().get(url)  # a person's click (or a link scanner): asks, changes nothing
    assert page.status_code == 200 and "Stop mail about replies" in page.content.decode()
    assert NotificationSettings.objects.get(user=alice).reply_mails

    for _ in range(2):
        response = one_click(token)
        assert response.status_code == 200 and "You are unsubscribed" in response.content.decode()
        assert not NotificationSettings.objects.get(user=alice).reply_mails
    with commit():
        reply(first, reader("dave"))
    assert len(mail.outbox) == 1


def test_unsubscribe_tokens_work_for_their_own_account_only(alice, bob):
    token = tokens.unsubscribe(alice, tokens.REPLIES)
    payload, signature = token.split(":", 1)
    bobs = signing.b64_encode(json.dumps([bob.pk, tokens.REPLIES]).encode()).decode()
    forged = [token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "nonsense",
              tokens.confirmation(bob, bob.email),  # signed, but for something else
              f"{bobs}:{signature}"]  # Bob's account under Alice's signature
    for bad in forged:
        response = one_click(bad)
        assert response.status_code == 400 and "This link does not work" in response.content.decode()
    assert NotificationSettings.objects.get(user=bob).reply_mails
    assert NotificationSettings.objects.get(user=alice).reply_mails


def test_following_a_discussion_sends_a_digest_when_it_is_due(article, alice, bob, commit, settings, client):
    settings.TASKS = DATABASE
    client.force_login(alice)
    assert client.post(f"/notifications/follow/{article.pk}/", {"scope": "all"}).status_code == 302
    NotificationSettings.objects.filter(user=alice).update(digest="hourly")
    own = make_comment(article, author=alice, body="My own words")
    with commit():
        top = make_comment(article, author=bob, body="A new thread")
        answer = reply(top, reader("carol", display_name="Carol"), body="An answer in it")
        to_alice = reply(own, bob, body="Answering Alice")
    for task_result in DBTaskResult.objects.filter(task_path="notifications.tasks.comments_shown"):
        tasks.comments_shown.call(*task_result.args_kwargs["args"])

    kinds = dict(Notification.objects.filter(recipient=alice).values_list("comment_id", "kind"))
    assert kinds == {top.pk: "digest", answer.pk: "digest", to_alice.pk: "reply"}  # one each
    due = NotificationSettings.objects.get(user=alice).digest_due_at
    assert timedelta(minutes=59) < due - timezone.now() <= timedelta(hours=1)
    [digest_task] = DBTaskResult.objects.filter(task_path="notifications.tasks.send_digest")
    assert digest_task.run_after == due

    tasks.send_digest.call(alice.pk)
    [message] = mails_to(alice)  # the reply mail is queued apart and not sent here
    assert message.subject == "Newsroom: your digest, 2 new comments"
    assert "== Rivers rise in the north" in message.body
    assert "> A new thread" in message.body and "> An answer in it" in message.body
    assert "My own words" not in message.body and "Answering Alice" not in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert NotificationSettings.objects.get(user=alice).digest_due_at is None

    # The digest's own one-click link stops every digest.
    one_click(message.extra_headers["List-Unsubscribe"].strip("<>").rstrip("/").rsplit("/", 1)[1])
    assert not Follow.objects.filter(user=alice).exists()


def test_following_top_level_comments_leaves_replies_out(article, alice, bob, commit):
    Follow.objects.create(user=alice, article=article, scope="top-level")
    with commit():
        top = make_comment(article, author=bob)
        reply(top, reader("carol"))
    assert list(Notification.objects.filter(recipient=alice).values_list("comment_id", "kind")) == [
        (top.pk, "digest")]


def test_the_follow_page_and_settings_page(article, alice, client):
    assert client.get(f"/notifications/follow/{article.pk}/").status_code == 302  # sign in first
    client.force_login(alice)
    page = client.get(f"/notifications/follow/{article.pk}/").content.decode()
    assert "You do not follow it yet." in page
    client.post(f"/notifications/follow/{article.pk}/", {"scope": "top-level"})
    settings_page = client.get("/notifications/").content.decode()
    assert "Rivers rise in the north" in settings_page and "new top-level comments" in settings_page
    client.post(f"/notifications/follow/{article.pk}/", {"scope": "stop"})
    assert not Follow.objects.exists()
    assert client.post(f"/notifications/follow/{article.pk}/", {"scope": "everything"}).status_code == 400
    response = client.post("/notifications/", {"reply_mails": "", "digest": "daily"}, follow=True)
    assert "Your notification settings are saved." in response.content.decode()
    assert not NotificationSettings.objects.get(user=alice).reply_mails
    draft = ArticleFactory(status="draft")
    assert client.get(f"/notifications/follow/{draft.pk}/").status_code == 404


def test_the_anonymous_article_page_has_the_same_follow_link_for_everyone(article, client, alice):
    Follow.objects.create(user=alice, article=article, scope="all")
    anonymous = client.get(article.get_absolute_url())
    html = anonymous.content.decode()
    assert f'href="/notifications/follow/{article.pk}/"' in html and "Follow this discussion" in html
    assert "csrfmiddlewaretoken" not in html and "You follow" not in html
    assert "public" in anonymous["Cache-Control"]

    client.force_login(alice)  # her own page says she follows it, and how
    mine = client.get(article.get_absolute_url())
    assert "private" in mine["Cache-Control"]
    assert "You follow this discussion: every comment, replies included, in your digest." in mine.content.decode()
    client.force_login(UserFactory(username="other"))
    assert "Follow this discussion</a>" in client.get(article.get_absolute_url()).content.decode()
    client.logout()
    assert client.get(article.get_absolute_url()).content == anonymous.content


def test_a_ban_before_the_mail_goes_skips_it(article, alice, bob, commit, settings):
    settings.TASKS = DATABASE  # queued, not sent yet
    first = make_comment(article, author=alice)
    with commit():
        answer = reply(first, bob)
    tasks.comments_shown.call([answer.pk])
    Commenter.objects.create(user=alice, banned=True)
    tasks.send_reply.call(Notification.objects.get().pk)
    assert Notification.objects.values_list("state", "last_error").get() == ("skipped", "The account is banned.")
    assert mail.outbox == []


def test_staff_send_again_what_a_stopped_worker_left_half_sent(article, alice, bob, commit, settings):
    settings.TASKS = DATABASE
    first = make_comment(article, author=alice)
    with commit():
        answer = reply(first, bob)
    tasks.comments_shown.call([answer.pk])
    stuck = Notification.objects.get()
    recent = Notification.objects.create(recipient=bob, comment=first, kind="reply", state="sending")
    # The worker claimed it, then stopped (killed, the machine restarted) before sending.
    Notification.objects.filter(pk=stuck.pk).update(state="sending", attempts=1,
                                                    created_at=timezone.now() - timedelta(hours=2))
    settings.TASKS = IMMEDIATE
    admin = Client()
    admin.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    with commit():
        admin.post("/admin/notifications/notification/",
                   {"action": "send_again", "_selected_action": [stuck.pk, recent.pk]})
    assert Notification.objects.get(pk=stuck.pk).state == "sent" and len(mails_to(alice)) == 1
    assert Notification.objects.get(pk=recent.pk).state == "sending"  # may still be on its way
