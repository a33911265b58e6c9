"""Threads easy to follow, on a phone and on a desktop: an indent that stops growing, "in
reply to", the action row, long comments folded, a comment's own page with the comment first
in view, the time of day, and the inline reply form naming the comment it answers."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from comments.models import Comment
from tests.browser.steps import box, sign_in
from tests.factories import ArticleFactory, UserFactory, make_comment

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
SIZES = pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
LONG = "\n\n".join(f"Paragraph {n}: the council met again on Tuesday and the minutes say little "
                   f"about the bridge, the ferry or the money." for n in range(1, 16))


def chain(article, depth):
    """A thread of `depth` + 1 comments, each answering the one before, by different people."""
    comments = [make_comment(article, author=UserFactory(display_name="Level 0"), body="Where it starts.")]
    for level in range(1, depth + 1):
        comments.append(make_comment(parent=comments[-1], author=UserFactory(display_name=f"Level {level}"),
                                     body=f"An answer at level {level}."))
    return comments


@SIZES
def test_deep_replies_keep_a_readable_column_and_say_whom_they_answer(page, size):
    page.set_viewport_size(size)
    article = ArticleFactory(headline="Ferry timetable")
    comments = chain(article, 7)  # the deepest one at level 8
    page.goto(article.get_absolute_url())

    top = box(page, comments[0]).locator("div").bounding_box()["width"]
    deepest = box(page, comments[7]).locator("div").bounding_box()["width"]
    # The indentation stops growing after three levels: a phone keeps most of its width.
    assert deepest >= top - (70 if size is PHONE else 100), (top, deepest)
    if size is PHONE:
        assert deepest >= 280, deepest
    assert box(page, comments[7]).bounding_box()["x"] == box(page, comments[4]).bounding_box()["x"]
    # The thread line beside the replies can be seen.
    line = page.locator(f"#comment-{comments[0].pk} > ol").evaluate("e => getComputedStyle(e).borderLeftWidth")
    assert float(line.removesuffix("px")) >= 3

    # Past the first level of indentation a reply names the comment it answers.
    assert "in reply to" not in box(page, comments[1]).locator("header").inner_text()
    header = box(page, comments[6]).locator("header")
    assert "in reply to Level 5" in header.inner_text()
    assert header.locator("span bdi").inner_text() == "Level 5"


@SIZES
def test_the_action_row_is_easy_to_hit_and_flag_stands_apart(page, size):
    page.set_viewport_size(size)
    article = ArticleFactory()
    comment = make_comment(article, author=UserFactory(display_name="Olga"), body="Short and sweet.")
    Comment.objects.filter(pk=comment.pk).update(recommend_count=3)
    page.goto(article.get_absolute_url())

    footer = box(page, comment).locator("footer")
    least = 44 if size is PHONE else 24
    for name in ("Reply", "Link", "Flag"):
        assert footer.get_by_role("link", name=name).bounding_box()["height"] >= least, name
    link = footer.get_by_role("link", name="Link").bounding_box()
    flag = footer.get_by_role("link", name="Flag").bounding_box()
    assert flag["x"] - (link["x"] + link["width"]) >= 100  # at the far end of the row
    # "3 ♥" says what it counts to a screen reader.
    assert "3 recommendations" in footer.aria_snapshot()
    assert "♥" not in footer.aria_snapshot()
    assert footer.locator("span").inner_text().startswith("3 ♥")


@SIZES
def test_a_long_comment_is_folded_and_opens_with_read_more(page, page_without_script, size):
    article = ArticleFactory()
    long = make_comment(article, author=UserFactory(display_name="Olga"), body=LONG)
    short = make_comment(article, author=UserFactory(display_name="Pavel"), body="Short.")
    for tab in (page, page_without_script):
        tab.set_viewport_size(size)
        tab.goto(article.get_absolute_url())
        words = box(tab, long).locator("div")
        line = float(words.evaluate("e => getComputedStyle(e).lineHeight").removesuffix("px"))
        folded = words.bounding_box()["height"]
        assert folded <= 13 * line, (folded, line)
        box(tab, long).get_by_text("Read more").click()
        assert words.bounding_box()["height"] > folded + 3 * line
        assert "Paragraph 15" in words.inner_text()
        expect(box(tab, long).get_by_text("Show less")).to_be_visible()
        expect(box(tab, short).get_by_text("Read more")).to_have_count(0)
    # Printed, the words are whole and the fold is not there.
    page.reload()
    page.emulate_media(media="print")
    expect(box(page, long).get_by_text("Read more")).to_be_hidden()
    assert box(page, long).locator("div").bounding_box()["height"] > 20 * line


@SIZES
def test_a_comments_own_page_shows_it_first_with_a_line_for_each_comment_above(page, size):
    page.set_viewport_size(size)
    article = ArticleFactory(headline="Ferry timetable changes for the winter season")
    comments = chain(article, 9)  # level 9 continues on the level-8 comment's own page
    for comment in comments[:8]:
        Comment.objects.filter(pk=comment.pk).update(body_html="<p>" + " ".join(["A long answer."] * 60) + "</p>")
    deep = comments[8]
    page.goto(article.get_absolute_url())
    page.get_by_role("link", name="Continue this thread").click()
    page.wait_for_url(f"**/comments/{deep.pk}/")

    # The comment and the start of its words are in the first screenful, under a line for
    # each of the eight comments above it.
    viewport = page.viewport_size["height"]
    assert box(page, deep).locator("div").bounding_box()["y"] + 20 <= viewport
    lines = page.locator(".comment-ancestors summary")
    expect(lines).to_have_count(8)
    assert lines.first.bounding_box()["height"] <= 48
    assert "Level 0" in lines.first.inner_text()
    # A line opens on the whole comment.
    lines.nth(7).click()
    expect(page.locator(".comment-ancestors details").nth(7).locator("blockquote")).to_contain_text(
        "A long answer. A long answer.")
    # The way back leads to the comment's place in the discussion, not the top.
    page.get_by_role("link", name="Back to this comment in the discussion").click()
    page.wait_for_url(re.compile(rf"{re.escape(article.get_absolute_url())}(\?page=\d+)?#comment-{deep.pk}$"))


@SIZES
def test_the_time_of_day_stays_in_sight(page, size):
    page.set_viewport_size(size)
    article = ArticleFactory()
    comment = make_comment(article, author=UserFactory(display_name="Olga"), body="Minutes ago.")
    Comment.objects.filter(pk=comment.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    page.goto(article.get_absolute_url())
    written = box(page, comment).locator("header time")
    # The script's relative form (the page gives the minute, so a comment 5 minutes old
    # may read 6 late in a minute)...
    expect(written).to_contain_text(re.compile(r"\b[56] minutes ago"))
    assert re.search(r"\b\d\d:\d\d\b", written.inner_text())  # ...with the hour beside it


@SIZES
def test_the_inline_reply_form_names_and_quotes_the_comment_it_answers(page, size):
    page.set_viewport_size(size)
    article = ArticleFactory()
    gregory = make_comment(article, author=UserFactory(display_name="Gregory Casey"),
                           body="The night ferry is the only way home for shift workers.")
    UserFactory(username="rita", display_name="Rita")
    sign_in(page, "rita")
    page.goto(article.get_absolute_url())
    box(page, gregory).get_by_role("link", name="Reply").click()
    form = page.get_by_role("form", name="Reply to Gregory Casey")
    expect(form).to_be_visible()
    expect(form.locator("blockquote")).to_contain_text("only way home for shift workers")
    form.get_by_label("Your comment").fill("And for the nurses.")
    form.get_by_role("button", name="Post reply").click()
    page.locator(f"#comment-{gregory.pk} .comment").get_by_text("And for the nurses.").wait_for()  # in place
    reply = Comment.objects.get(body="And for the nurses.")
    assert reply.parent_id == gregory.pk
