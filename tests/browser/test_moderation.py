import pytest

from comments import moderation
from comments.models import Comment, Flag, ModerationLog
from tests.browser.steps import sign_in, sign_in_to_admin
from tests.factories import ArticleFactory, UserFactory, make_comment, moderator

pytestmark = pytest.mark.browser


@pytest.fixture
def discussion(settings):
    settings.COMMENTS_FLAG_THRESHOLD = 3
    article = ArticleFactory(headline="Harbour wall gives way")
    root = make_comment(article, author=UserFactory(display_name="Angry Person"), body="You are all vermin.")
    make_comment(article, author=UserFactory(display_name="Calm Person"), parent=root, body="Please keep it civil.")
    for _ in range(3):
        moderation.flag(root, UserFactory(), "hate")
    return article, root


def test_moderator_removes_a_flagged_comment_from_the_admin(page, discussion):
    article, root = discussion
    moderator(username="mod")
    sign_in_to_admin(page, "mod")
    page.locator("tr.model-comment th a").click()  # the admin index: Comments
    page.get_by_role("link", name="Flagged (1)").click()
    row = page.locator("#result_list tbody tr", has_text="You are all vermin.")
    assert "3 Hate ×3" in row.inner_text()
    row.locator("input[name=_selected_action]").check()
    page.select_option("select[name=action]", "remove")
    page.get_by_role("button", name="Go").click()
    page.select_option("select[name=reason]", "hate")
    page.fill("textarea[name=note]", "Dehumanising insult.")
    page.get_by_role("button", name="Remove 1 comment").click()
    assert "1 comment removed." in page.locator(".messagelist").inner_text()
    assert page.locator("#result_list").count() == 0  # the flagged queue is empty now

    page.goto(article.get_absolute_url())  # the moderator's view: the comment, marked, with Restore
    removed = page.locator(f"#comment-{root.pk}")
    assert "Removed: not shown to readers" in removed.inner_text()
    assert removed.get_by_role("button", name="Restore").is_visible()
    readers = page.context.browser.new_page(base_url=page.url)  # signed out
    readers.goto(article.get_absolute_url())
    assert readers.locator(f"#comment-{root.pk} .comment__placeholder").inner_text() == "This comment was removed by a moderator."
    assert "Please keep it civil." in readers.locator("#comments").inner_text()
    assert "You are all vermin." not in readers.content()
    readers.close()
    entry = ModerationLog.objects.get(action="remove")
    assert (entry.moderator.username, entry.reason, entry.note) == ("mod", "hate", "Dehumanising insult.")


def test_reader_flags_a_comment(page):
    article = ArticleFactory(headline="Council approves budget")
    comment = make_comment(article, author=UserFactory(display_name="Seller"), body="Cheap watches at my shop!")
    UserFactory(username="flagger")
    sign_in(page, "flagger")
    page.goto(article.get_absolute_url())
    page.locator(f"#comment-{comment.pk}").get_by_role("link", name="Flag").click()
    page.get_by_label("Spam").check()
    page.get_by_label("Anything a moderator should know?").fill("An advert.")
    page.get_by_role("button", name="Flag comment").click()
    # The flag form opened under the comment (static/js/comments.js), and says thanks there.
    page.locator(f"#comment-{comment.pk}").get_by_text("Thank you. A moderator will look at this comment.").wait_for()
    flag = Flag.objects.get()
    assert (flag.user.username, flag.comment_id, flag.reason, flag.note) == ("flagger", comment.pk, "spam", "An advert.")
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.PUBLISHED  # one flag: still shown
