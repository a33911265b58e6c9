import os
import shutil

import pytest

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
def fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session")
def browser():
    executable = shutil.which("chromium")
    if not executable:
        reason = "Debian's chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"Browser tests must run in CI: {reason}")
        pytest.skip(reason)
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


@pytest.fixture
def page(browser, live_server, transactional_db, csp_violations):
    """A page in a fresh browser context. Every browser test also fails on any
    Content-Security-Policy violation its pages report."""
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(10_000)
    csp_violations.watch(context)
    page = context.new_page()
    yield page
    context.close()
    assert not csp_violations, "Content-Security-Policy violations:\n" + "\n".join(csp_violations)
