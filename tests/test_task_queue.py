"""The task queue with its real workers: a reply posted in one process is mailed by
`manage.py worker` (django-tasks-db's db_worker by default, django-rq's worker with
TASKS_BACKEND=rq and Redis), and posting itself sends nothing.

The worker runs in a process of its own, on the test's database, when another process can
open it (PostgreSQL); SQLite's test database lives in this process's memory, so there the
same worker command runs in this process."""

import os
import subprocess
import sys
import time
from datetime import timedelta
from email import message_from_string

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from comments import actions
from newsroom import serving
from notifications import tasks
from notifications.models import Notification, NotificationSettings, Shown
from tests.factories import ArticleFactory, UserFactory, make_comment

pytestmark = pytest.mark.django_db(transaction=True)


def in_memory():
    name = str(connection.settings_dict["NAME"])
    return connection.vendor == "sqlite" and (":memory:" in name or "mode=memory" in name)


def run_worker(tmp_path, **environment):
    """`manage.py worker --batch` (runs what is due, then stops); returns the mail it sent,
    as (to, subject, body)."""
    if in_memory():
        call_command("worker", batch=True, verbosity=0)
        return [(m.to[0], m.subject, m.body) for m in mail.outbox]
    folder = tmp_path / "mail"
    env = {**os.environ, "DATABASE_URL": serving.database_url(connection.settings_dict),
           "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
           "EMAIL_FILE_PATH": str(folder), "SITE_URL": settings.SITE_URL, **environment}
    subprocess.run([sys.executable, "manage.py", "worker", "--batch", "--verbosity", "0"],
                   cwd=settings.BASE_DIR, env=env, check=True, timeout=120)
    sent = []
    for path in sorted(folder.glob("*.log")) if folder.exists() else []:
        for raw in path.read_text().split("-" * 79):
            if raw.strip():
                message = message_from_string(raw.strip())
                sent.append((message["To"], message["Subject"], message.get_payload(decode=True).decode()))
    return sent


def a_reply(settings):
    settings.SITE_URL = "https://news.example.com"
    alice = UserFactory(username="alice")
    NotificationSettings.objects.create(user=alice, confirmed_email=alice.email)
    article = ArticleFactory()
    first = make_comment(article, author=alice, body="First words.")
    return alice, actions.post_comment(article=article, parent=first, author=UserFactory(username="bob"),
                                       body="A reply the worker mails.", ip_address="192.0.2.1")


def test_the_database_worker_sends_what_posting_enqueued(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    alice, answer = a_reply(settings)
    assert mail.outbox == [] and not Notification.objects.exists()  # posting sent nothing
    assert DBTaskResult.objects.filter(task_path="notifications.tasks.comments_shown", status="READY").count() == 2  # one per comment

    sent = run_worker(tmp_path, TASKS_BACKEND="database")

    [(to, subject, body)] = sent
    assert (to, subject) == ("alice@example.com", "Newsroom: a reply to your comment")
    assert "> A reply the worker mails." in body and f"#comment-{answer.pk}" in body
    assert Notification.objects.get().state == "sent"
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}


def test_the_worker_sweeps_up_what_the_queue_lost_as_it_starts(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    alice, answer = a_reply(settings)
    DBTaskResult.objects.all().delete()  # the wake-up tasks lost (a queue that refused them)
    Shown.objects.update(created_at=timezone.now() - timedelta(minutes=2))

    sent = run_worker(tmp_path, TASKS_BACKEND="database")

    [(to, subject, body)] = sent
    assert to == "alice@example.com" and "> A reply the worker mails." in body
    assert Notification.objects.get().state == "sent" and not Shown.objects.exists()


def test_the_redis_worker_sends_what_posting_enqueued(settings, tmp_path):
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url or in_memory():
        pytest.skip("needs REDIS_URL and a database another process can open (PostgreSQL)")
    import django_rq
    from rq.registry import ScheduledJobRegistry

    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    settings.RQ_QUEUES = {"default": {"URL": redis_url}}
    queue = django_rq.get_queue("default")
    queue.empty()
    alice, answer = a_reply(settings)
    assert mail.outbox == [] and queue.count == 2 and not DBTaskResult.objects.exists()

    sent = run_worker(tmp_path, TASKS_BACKEND="rq", REDIS_URL=redis_url)

    [(to, subject, body)] = sent
    assert to == "alice@example.com" and "> A reply the worker mails." in body
    assert Notification.objects.get().state == "sent"
    assert queue.count == 0

    # Tasks for later (retries, digests) wait in RQ's scheduled registry for the worker's
    # scheduler, which enqueues them once due.
    tasks.later(tasks.send_confirmation, timezone.now() + timedelta(seconds=1), alice.pk, alice.email)
    assert queue.count == 0 and len(ScheduledJobRegistry(queue=queue)) == 1
    time.sleep(1.5)
    sent = run_worker(tmp_path, TASKS_BACKEND="rq", REDIS_URL=redis_url)
    assert [subject for _, subject, _ in sent][-1] == "Newsroom: confirm your email address"
