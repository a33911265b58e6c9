"""Lighthouse's accessibility, best-practices and SEO scores of the indexable pages (front,
section, article) are at least 95 each. Lighthouse is an npm package: `.ci/run` installs it
(pinned) into a cache folder outside the repository, LIGHTHOUSE names it elsewhere; it drives
Debian's Chromium (CHROME_PATH). Without it these tests are skipped with a reason, except under
CI=true. Performance is for `make bench`, not for a test."""

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import required_program
from tests.factories import ArticleFactory, AuthorFactory, SectionFactory, TagFactory, UserFactory, make_comment

pytestmark = pytest.mark.browser
THRESHOLD = 0.95
CATEGORIES = ("accessibility", "best-practices", "seo")


def lighthouse():
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    found = os.environ.get("LIGHTHOUSE") or cache / "newsroom-lighthouse" / "node_modules" / ".bin" / "lighthouse"
    if not Path(found).exists():
        return required_program("lighthouse", "npm i -E lighthouse@12.2.3, see .ci/run", "Lighthouse")
    return str(found)


def scores(program, chromium, url, folder):
    report = folder / "report.json"
    subprocess.run(
        [program, url, f"--only-categories={','.join(CATEGORIES)}", "--output=json",
         f"--output-path={report}", "--quiet", "--max-wait-for-load=20000",
         "--chrome-flags=--headless=new --no-sandbox --disable-gpu"],
        env={**os.environ, "CHROME_PATH": chromium}, check=True, timeout=240, capture_output=True,
    )
    result = json.loads(report.read_text())
    failing = [f"{name}: {audit_id} ({result['audits'][audit_id]['title']})"
               for name, category in result["categories"].items() for audit_id in
               (ref["id"] for ref in category["auditRefs"] if ref["weight"])
               if (result["audits"][audit_id]["score"] or 1) < 1]
    return {name: category["score"] for name, category in result["categories"].items()}, failing


def test_indexable_pages_score_95_or_more(live_server, transactional_db, tmp_path):
    program = lighthouse()
    chromium = required_program("chromium", "chromium", "Browser")
    section = SectionFactory(name="World", slug="world")
    article = ArticleFactory(headline="Bridge reopens after eleven years", section=section,
                             authors=[AuthorFactory(name="Ada Writer", slug="ada-writer")],
                             tags=[TagFactory(name="Transport", slug="transport")])
    ArticleFactory(headline="Ferry timetable changes", section=section)
    first = make_comment(article, author=UserFactory(display_name="Olga"), body="The bridge looks *great*.")
    make_comment(parent=first, author=UserFactory(display_name="Pavel"), body="So did I.")
    below = {}
    # The tag, author and archive pages are the section page's template (newsroom/_article_list.html).
    for address in ["/", "/section/world/", article.get_absolute_url()]:
        got, failing = scores(program, chromium, live_server.url + address, tmp_path)
        print(address, got, failing)  # the figures, for the report (pytest -s)
        if any(got[name] < THRESHOLD for name in CATEGORIES):
            below[address] = (got, failing)
    assert not below, below
