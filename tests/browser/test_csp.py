"""The main journeys of readers and moderators under the site's Content-Security-Policy.

Chromium enforces the policy the site sends; any script, style, image or form target it
refuses is reported on the console, and the test fails there, naming the step.
"""

import os

import pytest
from django.core.management import call_command

from comments.models import Comment, Flag, ModerationLog
from newsroom.models import Article
from tests.browser.steps import box, sign_in_to_admin
from tests.factories import (PASSWORD, ArticleFactory, AuthorFactory, SectionFactory, StaffFactory,
                             UserFactory, make_comment, moderator)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("no_flood_limits")]


@pytest.fixture
def step(page, csp_violations):
    """`step("what was done")` after each step: fails there if the policy refused anything."""

    def check(done):
        page.wait_for_load_state()
        page.evaluate("0")  # a round trip: every console message sent before it has arrived
        found = list(csp_violations)
        csp_violations.clear()  # reported here, where they happened, not again at the end
        assert not found, f"{done}: Content-Security-Policy violations:\n" + "\n".join(found)

    return check


def test_reader_journey_breaks_no_rule_of_the_policy(page, step):
    call_command("load_demo", stdout=open(os.devnull, "w"))
    seed = Article.objects.get(slug__startswith="jaysh-al-islam")
    article = ArticleFactory(headline="Ferry timetable changes")
    olga = make_comment(article, author=UserFactory(display_name="Olga"), body="Fewer boats on Sundays?")
    make_comment(parent=olga, author=UserFactory(display_name="Pavel"), body="Only in winter.")
    UserFactory(username="rita", display_name="Rita")

    response = page.goto("/")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    page.get_by_role("link", name="Jaysh al-Islam May Withdraw From Eastern Ghouta").first.click()
    page.wait_for_url(f"**{seed.get_absolute_url()}")
    assert page.locator("img").first.get_attribute("srcset")  # the lead image, from the media URL
    # A JSON-LD block is data, not a script: Chromium runs nothing and reports nothing for it.
    assert "NewsArticle" in page.locator('script[type="application/ld+json"]').text_content()
    page.locator(".thread summary").first.click()  # hide a thread
    step("reading the front page and the seed article with its discussion")

    page.goto("/accounts/signup/")
    page.goto("/search/?q=ghouta")
    step("the sign-up and search pages")

    page.goto(article.get_absolute_url())
    page.locator("#comments").get_by_role("link", name="Sign in").click()
    page.get_by_label("Username").fill("rita")
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{article.get_absolute_url()}#comments")
    step("signing in")

    page.get_by_label("Your comment").fill("Is the night ferry staying?")
    page.get_by_role("button", name="Post comment").click()
    page.locator(".comment").get_by_text("Is the night ferry staying?").wait_for()  # posted in place
    mine = Comment.objects.get(body="Is the night ferry staying?")
    step("posting a comment")

    box(page, olga).get_by_role("link", name="Reply").click()
    inline = box(page, olga).locator("form")  # comments.js opened it in place
    inline.get_by_label("Your comment").fill("Sundays in winter, yes.")
    inline.get_by_role("button", name="Post reply").click()
    page.locator(".comment").get_by_text("Sundays in winter, yes.").wait_for()
    assert Comment.objects.get(body="Sundays in winter, yes.").parent_id == olga.pk
    step("replying in place")

    box(page, mine).get_by_role("link", name="Edit").click()
    page.get_by_label("Your comment").fill("Is the night ferry staying next year?")
    page.get_by_role("button", name="Save").click()
    assert "next year" in box(page, mine).inner_text()
    step("editing")

    box(page, olga).get_by_role("link", name="Flag").click()
    page.get_by_label("Off-topic").check()
    page.get_by_role("button", name="Flag comment").click()
    box(page, olga).get_by_text("A moderator will look at this comment.").wait_for()  # in place
    assert Flag.objects.filter(comment=olga, user__username="rita").exists()
    page.goto(f"/comments/{olga.pk}/flag/")  # the flag page, for readers without the script
    step("flagging")

    page.goto(f"/comments/{olga.pk}/")  # a comment's own page
    page.goto(f"/comments/{olga.pk}/reply/")  # the reply page, for readers without the script
    page.goto(f"/comments/{mine.pk}/delete/")
    page.get_by_role("button", name="Delete comment").click()
    page.get_by_text("Your comment was deleted.").wait_for()
    step("a comment's own page, the reply page, deleting")

    page.goto("/accounts/profile/")
    page.goto("/accounts/password_change/")
    page.get_by_role("button", name="Sign out").click()
    page.goto("/accounts/password_reset/")
    page.goto("/no-such-page/")
    step("the account page, signing out and a missing page")


def test_moderator_journey_in_the_admin_breaks_no_rule_of_the_policy(page, step):
    article = ArticleFactory(headline="Harbour wall gives way")
    root = make_comment(article, author=UserFactory(display_name="Calm Person"), body="Is anyone hurt?")
    reply = make_comment(parent=root, author=UserFactory(display_name="Local"), body="Nobody, luckily.")
    deeper = make_comment(parent=reply, author=UserFactory(display_name="Third"), body="Good to hear.")
    held = make_comment(article, guest_name="A guest", body="First time here.", status=Comment.Status.PENDING)
    rude = make_comment(article, author=UserFactory(display_name="Rude"), body="You are all fools.")
    moderator(username="mod")

    response = page.goto("/admin/")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    sign_in_to_admin(page, "mod")
    page.locator("tr.model-comment th a").click()
    page.wait_for_url("**/admin/comments/comment/")
    step("signing in to the admin and opening the comments")

    page.get_by_role("link", name="Pending (1)").click()
    row = page.locator("#result_list tbody tr", has_text="First time here.")
    row.locator("input[name=_selected_action]").check()
    page.select_option("select[name=action]", "approve")
    page.get_by_role("button", name="Go").click()
    assert "1 comment approved." in page.locator(".messagelist").inner_text()
    assert Comment.objects.get(pk=held.pk).status == Comment.Status.PUBLISHED
    step("approving from the pending queue")

    page.goto("/admin/comments/comment/")
    page.locator("#result_list tbody tr", has_text="Is anyone hurt?").get_by_role("link", name="thread").click()
    page.wait_for_url(f"**/admin/comments/comment/?thread={root.tree_id}")
    tree = page.locator("#result_list tbody")
    assert tree.locator(".indent-2", has_text="Good to hear.").count() == 1
    starts = [tree.get_by_text(text).evaluate("e => e.getBoundingClientRect().left + parseFloat(getComputedStyle(e).paddingLeft)")
              for text in ("Is anyone hurt?", "Nobody, luckily.", "Good to hear.")]
    assert starts[0] < starts[1] < starts[2]  # the stylesheet indents each reply
    page.get_by_role("link", name="Harbour wall gives way").first.click()  # the whole discussion
    page.wait_for_url(f"**/admin/comments/comment/?article={article.pk}")
    assert page.locator("#result_list .tree-row").count() == 5
    step("a thread and a discussion as trees")

    page.goto("/admin/comments/comment/")
    container = page.locator("#changelist-filter .select2-container")
    assert container.evaluate("e => e.style.width") == "15rem"  # from data-width, not a style attribute
    page.locator("#changelist-filter .select2-selection").click()  # the article filter's autocomplete
    page.locator(".select2-search__field").fill("Harbour")
    page.locator(".select2-results__option", has_text="Harbour wall gives way").click()
    page.get_by_role("button", name="Show its discussion").click()
    page.wait_for_url(f"**/admin/comments/comment/?article={article.pk}")
    page.get_by_label("Author").fill("nobody-by-that-name")
    page.get_by_role("button", name="Filter").first.click()
    step("the article and author filters")

    page.goto("/admin/comments/comment/")
    page.locator("#result_list tbody tr", has_text="You are all fools.").locator("input[name=_selected_action]").check()
    page.select_option("select[name=action]", "remove")
    page.get_by_role("button", name="Go").click()
    page.select_option("select[name=reason]", "abuse")
    page.get_by_role("button", name="Remove 1 comment").click()
    assert "1 comment removed." in page.locator(".messagelist").inner_text()
    step("removing with a reason, in bulk")

    page.goto(f"/admin/comments/comment/{deeper.pk}/change/")
    page.get_by_role("button", name="Lock replies").click()
    assert Comment.objects.get(pk=deeper.pk).replies_locked
    page.goto(f"/admin/comments/comment/{rude.pk}/change/")
    step("a comment's own page and a decision there")

    page.goto("/admin/comments/moderationlog/")
    assert ModerationLog.objects.count() == 3
    page.locator("#result_list tbody tr").first.locator("th a").click()
    page.goto("/admin/comments/word/")
    page.goto("/admin/comments/word/add/")
    page.get_by_label("Word or phrase").fill("fools")
    page.get_by_label("Kind").select_option("suspect")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url("**/admin/comments/word/")
    page.locator("#result_list").get_by_role("link", name="fools").click()
    page.get_by_role("link", name="Delete").click()
    page.get_by_role("button", name="Yes, I’m sure").click()
    page.wait_for_url("**/admin/comments/word/")
    page.goto("/admin/comments/commenter/")
    page.goto("/admin/comments/commenter/add/")
    page.goto("/admin/newsroom/article/")
    page.goto(f"/admin/newsroom/article/{article.pk}/change/")
    page.goto("/admin/")
    step("the log, the word lists, the commenters and the articles")

    page.goto(article.get_absolute_url())  # the moderators' buttons on the site
    box(page, root).get_by_role("button", name="Lock replies").click()
    page.wait_for_load_state()
    box(page, reply).get_by_role("button", name="Remove").click()
    page.get_by_label("Why is it removed?").select_option("off-topic")
    page.get_by_role("button", name="Remove comment").click()
    page.wait_for_url(f"**{article.get_absolute_url()}*")
    assert Comment.objects.get(pk=reply.pk).status == Comment.Status.REMOVED
    assert Comment.objects.get(pk=root.pk).replies_locked
    step("moderating on the article page")


def test_editor_journey_in_the_admin_breaks_no_rule_of_the_policy(page, step):
    section = SectionFactory(name="Harbour")
    AuthorFactory(name="Ines Moreau")
    StaffFactory(username="editor")

    sign_in_to_admin(page, "editor")
    page.goto("/admin/newsroom/article/add/")
    page.get_by_label("Headline").fill("Ferry strike ends")
    page.get_by_label("Body").fill("The ferries run again from Monday.")
    assert page.get_by_label("Slug").input_value() == "ferry-strike-ends"  # prepopulated by script
    page.get_by_label("Section").select_option(str(section.pk))
    page.locator(".field-authors .select2-selection").click()  # autocomplete, several choices
    page.locator(".field-authors .select2-search__field").fill("Ines")
    page.locator(".select2-results__option", has_text="Ines Moreau").click()
    page.get_by_label("Status").select_option("published")
    page.locator(".field-published_at .datetimeshortcuts a", has_text="Today").click()
    page.locator(".field-published_at .datetimeshortcuts a", has_text="Now").click()
    page.locator(".field-published_at .date-icon").click()  # the calendar pops up
    page.locator(".calendarbox .calendar-cancel a").click()
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url("**/admin/newsroom/article/")
    article = Article.objects.get(slug="ferry-strike-ends")
    assert [author.name for author in article.authors.all()] == ["Ines Moreau"]
    step("writing an article with the admin's widgets")

    page.goto("/admin/newsroom/section/")  # a list with editable fields
    page.goto("/admin/newsroom/article/?state=published")
    step("the sections and the articles")
