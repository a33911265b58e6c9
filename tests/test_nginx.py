"""The shipped nginx configuration (deploy/nginx/), run by real nginx in front of the real
site: anonymous readers share one cached copy, signed-in readers always reach the site, and
a new comment is on the page within PUBLIC_CACHE_SECONDS.

The site is gunicorn with two workers on the test's database when another process can open
it (PostgreSQL); SQLite's test database lives in this process's memory, so there the site is
the live server of this process."""

import os
import time

import pytest
from django.conf import settings
from django.db import connection

from comments.models import Comment
from newsroom import serving
from tests.factories import ArticleFactory, UserFactory, make_comment

pytestmark = pytest.mark.django_db(transaction=True)
SECONDS = 1  # PUBLIC_CACHE_SECONDS for the test of a new comment, so it waits little


@pytest.fixture
def cache_seconds():
    """PUBLIC_CACHE_SECONDS of the site; a test that must find the shared copy fresh between
    two requests sets a longer one (by parametrizing it), so that a busy machine, slow
    between them, cannot let the copy expire."""
    return SECONDS


@pytest.fixture
def site(request, settings, cache_seconds):
    """The address of the site ("127.0.0.1:port"), and its process if it can be stopped."""
    settings.PUBLIC_CACHE_SECONDS = cache_seconds
    name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite" and (":memory:" in str(name) or "mode=memory" in str(name)):
        live_server = request.getfixturevalue("live_server")
        yield live_server.url.removeprefix("http://"), None
        return
    with serving.gunicorn(workers=2, environment={
        "DATABASE_URL": serving.database_url(connection.settings_dict),
        "PUBLIC_CACHE_SECONDS": str(cache_seconds), "DEBUG": "1",
    }) as (port, process):
        yield f"127.0.0.1:{port}", process


@pytest.fixture
def nginx(site, tmp_path_factory):
    missing = serving.nginx_missing()
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"The nginx test must run in CI: {missing}")
        pytest.skip(missing)
    folder = tmp_path_factory.mktemp("nginx")
    folder.chmod(0o755)  # nginx's workers may run as another user
    media = folder / "media"
    media.mkdir()
    (media / "hello.txt").write_text("an uploaded file")
    static = settings.BASE_DIR / "static"
    with serving.nginx(folder, upstream=site[0], static_root=static, media_root=media) as port:
        yield port


def get(port, path, **headers):
    status, headers, body = serving.fetch(port, path, headers)
    return status, headers, body.decode()


def test_nginx_serves_static_and_media_files_itself(nginx):
    status, headers, body = get(nginx, "/static/css/site.css")
    assert status == 200 and body == (settings.BASE_DIR / "static/css/site.css").read_text()
    assert "x-cache-status" not in headers  # never reached the site
    status, _, body = get(nginx, "/media/hello.txt")
    assert (status, body) == (200, "an uploaded file")


@pytest.mark.parametrize("cache_seconds", [60])
def test_anonymous_readers_share_a_copy_signed_in_readers_bypass_it(nginx, client):
    article = ArticleFactory(headline="A story for the crowd")
    make_comment(article, author=UserFactory(display_name="First Commenter"), body="Early words")
    url = article.get_absolute_url()

    first = get(nginx, url)
    assert first[0] == 200 and "Early words" in first[2]
    assert first[1]["x-cache-status"] in ("MISS", "EXPIRED")
    second = get(nginx, url)
    assert second[1]["x-cache-status"] == "HIT"
    assert second[2] == first[2]

    reader = UserFactory(display_name="Signed In Reader")
    client.force_login(reader)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    mine = get(nginx, url, Cookie=f"{settings.SESSION_COOKIE_NAME}={session}")
    assert mine[1]["x-cache-status"] == "BYPASS"
    assert "Signed In Reader" in mine[2] and "csrfmiddlewaretoken" in mine[2]
    assert "private" in mine[1]["cache-control"]
    # The signed-in page was not kept: anonymous readers still get the shared copy.
    after = get(nginx, url)
    assert after[1]["x-cache-status"] == "HIT"
    assert "Signed In Reader" not in after[2] and "csrfmiddlewaretoken" not in after[2]


def test_a_new_comment_is_on_the_page_within_the_shared_cache_time(nginx):
    article = ArticleFactory()
    root = make_comment(article, author=UserFactory(), body="The first word")
    url = article.get_absolute_url()
    get(nginx, url)
    assert get(nginx, url)[1]["x-cache-status"] == "HIT"

    make_comment(parent=root, author=UserFactory(), body="A reply that must show")
    posted = time.monotonic()
    statuses = []
    # Once the copy is SECONDS old, the next reader gets it once more while nginx asks the
    # site in the background; then everyone gets the new page. (The bound only stops the
    # loop on a slow machine: how long the site takes to render is for make bench.)
    while time.monotonic() - posted < SECONDS + 20:
        status, headers, body = get(nginx, url)
        statuses.append(headers["x-cache-status"])
        if "A reply that must show" in body:
            break
        time.sleep(0.05)
    assert "A reply that must show" in body, f"the new comment never appeared: {statuses}"
    assert {"STALE", "UPDATING", "EXPIRED", "REVALIDATED"} & set(statuses), statuses
    assert Comment.objects.filter(article=article).count() == 2


def test_readers_get_the_last_copy_while_the_site_is_down(site, nginx):
    address, process = site
    if process is None:
        pytest.skip("the live server of this process cannot be stopped")
    article = ArticleFactory(headline="Still readable")
    url = article.get_absolute_url()
    get(nginx, url)
    serving.stop(process)
    # nginx counts freshness in whole seconds: the copy expires within SECONDS + 1.
    stopped = time.monotonic()
    while time.monotonic() - stopped < SECONDS + 10:
        status, headers, body = get(nginx, url)
        assert status == 200 and "Still readable" in body
        if headers["x-cache-status"] != "HIT":
            break
        time.sleep(0.2)
    assert headers["x-cache-status"] in ("STALE", "UPDATING")
