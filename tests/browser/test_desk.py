"""The moderator's journeys through the desk at a laptop's width (1366 × 900): the flagged queue
in priority order with every column on screen, worked by keyboard; a removed comment restored
from the moderators' view of the article page; a commenter's history one click away from
their comment, with its bulk actions."""

import pytest

from comments import moderation
from comments.models import Comment
from tests.browser.steps import sign_in_to_admin
from tests.factories import ArticleFactory, UserFactory, make_comment, moderator

pytestmark = pytest.mark.browser

S = Comment.Status


def moderator_at_the_desk(page):
    """A moderator, signed in to the admin at a laptop's width."""
    moderator(username="mod")
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in_to_admin(page, "mod")


@pytest.fixture
def flagged(settings):
    settings.COMMENTS_FLAG_THRESHOLD = 2
    article = ArticleFactory(headline="Harbour wall gives way after weeks of warnings from the engineers")
    comments = {}
    for name, flags, spam, abuse in [("mild", 2, 0.1, 0.2), ("nasty", 2, 0.05, 0.97), ("most", 3, 0.0, 0.1)]:
        comment = make_comment(article, author=UserFactory(display_name=f"Writer {name}"),
                               body=f"The {name} comment, which goes on for a while (see "
                                    "https://example.com/analysis/negotiations-in-the-harbour-after-the-wall-gave-way) "
                                    "so that its excerpt fills the column as a real comment would.")
        Comment.objects.filter(pk=comment.pk).update(spam_score=spam, abuse_score=abuse,
                                                     score_reason=f"reason of {name}")
        for reason in ["abuse", "hate", "spam"][:flags]:
            moderation.flag(comment, UserFactory(), reason)
        comments[name] = comment
    return article, comments


def test_the_flagged_queue_fits_at_1366_in_priority_order_and_works_by_keyboard(page, flagged):
    article, c = flagged
    moderator_at_the_desk(page)
    page.goto("/admin/comments/comment/?queue=flagged")
    # Every column is on screen, nothing scrolls sideways.
    edges = page.evaluate("[...document.querySelectorAll('#result_list thead th')].map(th => th.getBoundingClientRect().right)")
    assert len(edges) == 9 and max(edges) <= 1366, edges
    assert page.evaluate("(() => { const r = document.querySelector('.results'); return r.scrollWidth <= r.clientWidth; })()")
    for column in ("Flags", "Status", "Links", "Machine’s scores"):
        assert page.locator("#result_list thead th", has_text=column).is_visible()
    # Most flags first, then the higher score; the scores and their reason on each row.
    rows = page.locator("#result_list tbody tr")
    assert [rows.nth(i).locator(".field-excerpt").inner_text()[:8] for i in range(3)] == ["The most", "The nast", "The mild"]
    assert "abuse 97" in rows.nth(1).inner_text() and "reason of nasty" in rows.nth(1).inner_text()
    assert page.locator("#desk-keys").is_visible()
    # j moves down, a approves the comment the keyboard is on (and nothing else).
    assert "desk-current" in rows.nth(0).get_attribute("class")
    page.keyboard.press("j")
    assert "desk-current" in rows.nth(1).get_attribute("class")
    page.keyboard.press("a")
    assert "1 comment approved." in page.locator(".messagelist").inner_text()
    assert Comment.objects.get(pk=c["nasty"].pk).reviewed_at is not None
    assert Comment.objects.get(pk=c["most"].pk).reviewed_at is None
    # The list came back: keys work once its script has marked the current row again (a key
    # pressed before that, while the page still loads, would do nothing).
    page.locator("#result_list tbody tr.desk-current").wait_for()
    # r asks for the reason, on the bulk removal's page, for that one comment.
    page.keyboard.press("k")
    page.keyboard.press("r")
    page.get_by_role("button", name="Remove 1 comment").wait_for()
    page.select_option("select[name=reason]", "hate")
    page.get_by_role("button", name="Remove 1 comment").click()
    assert "1 comment removed." in page.locator(".messagelist").inner_text()
    assert {Comment.objects.get(pk=c[name].pk).status for name in ("most", "mild")} == {S.REMOVED, S.FLAGGED}


def test_a_removed_comment_is_restored_from_the_article_page(page, flagged):
    article, c = flagged
    gone = c["most"]
    moderation.decide(gone, "remove", moderator(username="other"), reason="abuse", note="Too far.")
    moderator_at_the_desk(page)
    page.goto(article.get_absolute_url())
    item = page.locator(f"#comment-{gone.pk}")
    assert "Removed: not shown to readers" in item.inner_text()
    assert "Removed: Abuse or harassment — Too far." in item.inner_text()
    assert item.get_by_role("button", name="Approve").count() == 0
    item.get_by_role("button", name="Restore").click()
    assert "Comment restored." in page.locator(".messages").inner_text()
    assert Comment.objects.get(pk=gone.pk).status == S.PUBLISHED
    assert "Removed: not shown" not in page.locator(f"#comment-{gone.pk}").inner_text()


def test_a_commenters_history_is_one_click_from_their_comment(page, flagged):
    article, c = flagged
    author = c["mild"].author
    more = make_comment(article, author=author, body="Another comment by the same writer.")
    moderator_at_the_desk(page)
    page.goto(article.get_absolute_url())
    page.locator(f"#comment-{c['mild'].pk}").get_by_role("link", name="Their history").click()
    history = page.locator(".commenter-history")
    assert "History of Writer mild" in history.inner_text()
    assert "Hidden after flags" in history.inner_text()  # the site hid it after two flags
    page.locator("#action-toggle").check()  # every comment of theirs on the page
    page.select_option("select[name=action]", "approve")
    page.get_by_role("button", name="Go").click()
    assert "2 comments approved." in page.locator(".messagelist").inner_text()
    assert Comment.objects.get(pk=c["mild"].pk).status == S.PUBLISHED  # shown again
    assert Comment.objects.get(pk=more.pk).reviewed_at is not None
    assert "History of Writer mild" in page.locator(".commenter-history").inner_text()  # back to it
