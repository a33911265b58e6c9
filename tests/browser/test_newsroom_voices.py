"""The discussion as a newsroom page, in the browser: editors' picks, journalists' badges,
edit histories and the comments feed (a phone and a desktop)."""

import pytest

from comments import actions
from comments.models import ModerationLog
from tests.browser.steps import sign_in
from tests.factories import ArticleFactory, UserFactory, make_comment, moderator

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_moderator_picks_a_comment_and_readers_see_it_with_its_reason(page, browser, live_server,
                                                                    csp_violations, size):
    page.set_viewport_size(size)
    article = ArticleFactory(headline="Bridge closed after storm")
    witness = make_comment(article, author=UserFactory(display_name="Witness"), body="I was on that bridge.")
    make_comment(article, author=UserFactory(display_name="Other"), body="Roads are fine here.")
    moderator(username="mod")
    sign_in(page, "mod")
    page.goto(article.get_absolute_url())
    page.locator(f"#comment-{witness.pk}").get_by_role("button", name="Pick", exact=True).click()
    page.get_by_label("Why is it picked?").fill("A first-hand account")
    page.get_by_role("button", name="Pick comment").click()
    assert "Comment picked" in page.locator(".messages").inner_text()
    assert ModerationLog.objects.filter(action="pick", comment=witness).exists()

    reader = browser.new_context(base_url=live_server.url, viewport=size)
    csp_violations.watch(reader)
    try:
        anonymous = reader.new_page()
        anonymous.goto(article.get_absolute_url())
        strip = anonymous.locator("section.picks")
        assert strip.is_visible()
        assert "A first-hand account" in strip.inner_text() and "I was on that bridge." in strip.inner_text()
        assert anonymous.get_by_role("button", name="Pick").count() == 0
        anonymous.get_by_role("link", name="Picks", exact=True).click()
        listed = anonymous.locator("ol.threads").inner_text()
        assert "I was on that bridge." in listed and "Roads are fine here." not in listed
    finally:
        reader.close()


def test_a_reader_opens_the_edit_history_from_edited(page):
    page.set_viewport_size(PHONE)
    article = ArticleFactory(headline="Ferry timetable changes")
    author = UserFactory(display_name="Commuter")
    comment = make_comment(article, author=author, body="The 8:10 is gone.")
    actions.edit_comment(comment, author, "The 8:10 is gone, the 8:40 stays.")
    page.goto(article.get_absolute_url())
    page.locator(f"#comment-{comment.pk}").get_by_role("link", name="edited").click()
    versions = page.locator("ol.versions > li")
    assert versions.count() == 2
    assert "The 8:10 is gone." in versions.nth(0).inner_text()
    assert "the 8:40 stays" in versions.nth(1).inner_text()
    assert versions.nth(0).locator("time").count() == 1


def test_the_article_links_its_comments_feed(page):
    page.set_viewport_size(DESKTOP)
    article = ArticleFactory(headline="Library reopens")
    make_comment(article, author=UserFactory(display_name="Reader One"), body="Finally, the library!")
    page.goto(article.get_absolute_url())
    link = page.get_by_role("link", name="Comments feed (Atom)")
    assert link.is_visible()
    alternate = page.locator('link[rel="alternate"][title="Comments on this article (Atom)"]')
    assert alternate.get_attribute("href") == link.get_attribute("href")
    feed = page.request.get(link.get_attribute("href"))
    assert feed.ok and feed.headers["content-type"].startswith("application/atom+xml")
    assert "Finally, the library!" in feed.text() and "Reader One" in feed.text()


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_authors_badge_leads_to_their_page_and_the_newsroom_view_shows_the_question(page, size):
    from tests.factories import AuthorFactory

    page.set_viewport_size(size)
    reporter = UserFactory(display_name="Rhea Porter")
    profile = AuthorFactory(name="Rhea Porter", slug="rhea-porter", user=reporter)
    article = ArticleFactory(headline="Town hall vote delayed", authors=[profile])
    question = make_comment(article, author=UserFactory(display_name="Curious"), body="Which town hall?")
    answer = make_comment(article, parent=question, author=reporter, body="The one in Leeds.")
    page.goto(article.get_absolute_url())
    page.get_by_role("link", name="Replies from the newsroom").click()
    item = page.locator("li.answer").first
    assert "Which town hall?" in item.locator(".comment-context").inner_text()
    assert "The one in Leeds." in item.locator(f"#comment-{answer.pk}").inner_text()
    badge = item.locator(f"#comment-{answer.pk} header").get_by_role("link", name="Author")
    assert badge.is_visible() and badge.get_attribute("title") == "One of this article’s authors"
    badge.click()
    page.wait_for_url("**/authors/rhea-porter/")
    assert "Town hall vote delayed" in page.locator("main").inner_text()
