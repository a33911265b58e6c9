import os
from datetime import timedelta
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from newsroom.demo import seed
from newsroom.management.commands import load_demo
from newsroom.models import Article, User
from tests.factories import ArticleFactory

ROOT = Path(__file__).resolve().parent.parent


def test_seed_page_is_read_into_article_and_discussion():
    page = seed.load()
    assert page.headline.startswith("Jaysh al-Islam May Withdraw From Eastern Ghouta")
    assert page.caption == "Jaysh al-Islam fighters in the Eastern Qalamun region, Illustrative image."
    assert page.paragraphs[0].startswith("Russia and Jaysh al-Islam are currently negotiating")
    assert len(page.comments) == 37
    assert page.comments[0].author == "Zainab Ali"
    assert page.comments[2].author == ""  # a guest
    assert page.comments[15].body.startswith("Yes, could well be an SV-98.")
    assert page.comments[15].parent == 14
    assert all(c.parent is None or c.parent < c.number for c in page.comments)


@pytest.mark.django_db
def test_load_demo_is_safe_to_run_twice(client):
    call_command("load_demo", stdout=open(os.devnull, "w"))
    call_command("load_demo", stdout=open(os.devnull, "w"))
    article = Article.objects.get(slug__startswith="jaysh-al-islam")
    assert Article.objects.filter(slug=article.slug).count() == 1
    assert article.get_absolute_url() == f"/2021/06/01/{article.slug}/"
    html = client.get(article.get_absolute_url()).content.decode()
    assert "Jaysh al-Islam May Withdraw From Eastern Ghouta To Eastern Qalamun" in html
    assert "Illustrative image." in html
    assert "the district of Duma, towards the Eastern Qalamun region" in html
    assert article.comment_count == article.comments.visible().count() > 30
    assert f"{article.comment_count} comments" in html
    assert User.objects.get(username="editor").is_staff
    assert Article.objects.published().count() >= 5
    assert Article.objects.exclude(pk__in=Article.objects.published()).count() == 2


@pytest.mark.django_db
def test_load_demo_dating_an_article_back_to_its_publication_moves_the_site_version(
    client, django_capture_on_commit_callbacks,
):
    """load_demo puts an article's updated_at back to its publication after saving its image:
    a page validated before that must not be answered 304, still saying "Updated"."""
    article = ArticleFactory(published_at=timezone.now() - timedelta(days=3))
    response = client.get(article.get_absolute_url())
    assert "Updated" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        load_demo.Command().unchanged_since_publication(article)
    response = client.get(article.get_absolute_url(), HTTP_IF_NONE_MATCH=response["ETag"])
    assert response.status_code == 200
    assert "Updated" not in response.content.decode()


PRODUCTION = {"DEBUG": "0", "HTTPS": "1", "ALLOWED_HOSTS": "news.example.com",
              "SECRET_KEY": "k3v!" + "x9Qz" * 15,
              "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend"}


def check_deploy(**settings):
    env = {**os.environ, **settings}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for the browser tests only
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )


def test_check_deploy_is_silent_with_production_settings():
    result = check_deploy(**PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_refuses_mail_printed_to_the_log_in_production():
    # The console backend would print every password-reset link into the server's log.
    console = {**PRODUCTION, "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    result = check_deploy(**console)
    assert result.returncode == 1
    assert "newsroom.W001" in result.stderr and "password-reset mail" in result.stderr
    # A developer's machine (DEBUG on) may print mail: that is how they read it.
    assert "newsroom.W001" not in check_deploy(**{**console, "DEBUG": "1"}).stderr


def test_without_debug_mail_is_sent_not_printed_unless_chosen():
    # Production that forgets EMAIL_BACKEND sends by SMTP rather than printing reset links.
    def backend(debug):
        env = {**os.environ, "DEBUG": debug}
        env.pop("EMAIL_BACKEND", None)
        code = "from django.conf import settings; print(settings.EMAIL_BACKEND)"
        return subprocess.run([sys.executable, "-c", f"import django, os; os.environ.setdefault("
                               f"'DJANGO_SETTINGS_MODULE', 'newsroom.settings'); django.setup(); {code}"],
                              cwd=ROOT, env=env, capture_output=True, text=True).stdout.strip()

    assert backend("0") == "django.core.mail.backends.smtp.EmailBackend"
    assert backend("1") == "django.core.mail.backends.console.EmailBackend"
