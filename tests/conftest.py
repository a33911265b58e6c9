import os
import shutil
import subprocess
import time
from contextlib import contextmanager

import pytest

from newsroom.serving import free_port

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# around it are still synchronous, so Django's async-safety guard would refuse them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(autouse=True)
def test_storage(settings, tmp_path):
    """Uploaded files go to a throw-away folder; static files need no collectstatic run."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Tests make many accounts; the real hasher's deliberate slowness (~0.3 s each) adds up."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def tasks_run_at_once(settings):
    """Tasks (mail) run as soon as they are enqueued, which is when the transaction commits,
    in the process that enqueued them: mail lands in Django's test outbox. Tests of the task
    queue itself choose the database or Redis backend and run the real workers
    (tests/test_task_queue.py)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def no_flood_limits(settings):
    """People and addresses post as often as the test needs (modules that post a lot ask for it
    with pytest.mark.usefixtures); a test of the limits sets its own after it."""
    settings.COMMENTS_RATE_LIMITS = []
    settings.COMMENTS_IP_RATE_LIMITS = []


@pytest.fixture
def refusing_queue(settings):
    """The Redis task queue, with Redis away: every enqueue is refused (and logged)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    settings.RQ_QUEUES = {"default": {"URL": f"redis://127.0.0.1:{free_port()}/0"}}


@pytest.fixture
def article():
    """A published article open for comments; modules that need a particular one override it."""
    from tests.factories import ArticleFactory

    return ArticleFactory()


@pytest.fixture(autouse=True)
def fresh_cache():
    """Each test starts with empty caches: its database starts again from the same ids and
    versions, so a page kept by an earlier test could carry the same key."""
    from django.core.cache import cache

    from newsroom.pagecache import local_pages

    cache.clear()
    local_pages.clear()
    yield
    cache.clear()
    local_pages.clear()


def required_program(name, package, tests):
    """The path of a program some tests need: skipped with a reason without it, except under
    CI=true, where they must run."""
    executable = shutil.which(name)
    if not executable:
        reason = f"{name} is not installed (apt-get install {package})"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{tests} tests must run in CI: {reason}")
        pytest.skip(reason)
    return executable


@pytest.fixture(scope="session")
def browser():
    executable = required_program("chromium", "chromium", "Browser")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


# Chromium reports a Content-Security-Policy violation as a console error of its own and as a
# `securitypolicyviolation` event in the page; this script (run before the page's own, outside
# the policy) passes each event to the console too, saying which directive refused what, where.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => console.error(
  `CSP violation: ${event.effectiveDirective} refused ${event.blockedURI || "(no URL)"}` +
  ` at ${event.sourceFile || event.documentURI}:${event.lineNumber}: ${event.sample}`));
"""


class CspViolations(list):
    """Every Content-Security-Policy violation reported in a browser context, as text."""

    def watch(self, context):
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        context.on("console", self.console)

    def console(self, message):
        text = message.text
        if message.type == "error" and ("Content Security Policy" in text or text.startswith("CSP violation")):
            self.append(text)


@pytest.fixture
def csp_violations():
    return CspViolations()


@contextmanager
def watched_context(browser, live_server, csp_violations, **options):
    """A fresh browser context on the live server; the test fails on any
    Content-Security-Policy violation its pages report."""
    context = browser.new_context(base_url=live_server.url, **options)
    context.set_default_timeout(10_000)
    csp_violations.watch(context)
    yield context
    context.close()
    assert not csp_violations, "Content-Security-Policy violations:\n" + "\n".join(csp_violations)


@pytest.fixture
def page(browser, live_server, transactional_db, csp_violations):
    """A page in a fresh browser context."""
    with watched_context(browser, live_server, csp_violations) as context:
        yield context.new_page()


@pytest.fixture
def page_without_script(browser, live_server, transactional_db, csp_violations):
    """A page in a fresh browser context with JavaScript off: the site as readers without its
    script get it (the browser still reports what the policy refuses, as console errors)."""
    with watched_context(browser, live_server, csp_violations, java_script_enabled=False) as context:
        yield context.new_page()


class RedisServer:
    """A redis-server of the test's own, on a free port, that the test may stop and start."""

    def __init__(self, executable, port):
        self.executable, self.port, self.process = executable, port, None
        self.url = f"redis://127.0.0.1:{port}/0"

    def start(self):
        self.process = subprocess.Popen(
            [self.executable, "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis(host="127.0.0.1", port=self.port)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def cache_settings(self):
        return redis_cache_settings(self.url)


def redis_cache_settings(url):
    """The site's Redis cache (as settings.py makes it from REDIS_URL), trying again soon after
    a failure so tests need not wait long for it to notice Redis is back."""
    return {"default": {
        "BACKEND": "newsroom.cache.ResilientRedisCache",
        "LOCATION": url,
        "KEY_PREFIX": "newsroom",
        "OPTIONS": {"RETRY_AFTER": 0.2},
    }}


@pytest.fixture
def redis_server():
    server = RedisServer(required_program("redis-server", "redis-server", "Redis"), free_port())
    server.start()
    yield server
    server.stop()
