"""The moderators' admin: queues, filters, search, rows, the tree, bulk actions with the
reason page, the change page's buttons, the log, and a constant number of queries per page."""

import re

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from comments import moderation
from comments.models import Comment, Commenter, Flag, ModerationLog, Word
from tests.factories import ArticleFactory, SectionFactory, UserFactory, flag_by, make_comment, moderator

pytestmark = pytest.mark.django_db
S = Comment.Status
LIST = "/admin/comments/comment/"


@pytest.fixture
def mod():
    return moderator()


@pytest.fixture
def mod_client(client, mod):
    client.force_login(mod)
    return client


@pytest.fixture
def article():
    return ArticleFactory(headline="Storm over the harbour")


def listed(response):
    """The comment ids on a changelist page, in order."""
    assert response.status_code == 200, response.content[:500]
    return [int(pk) for pk in re.findall(r'name="_selected_action" value="(\d+)"', response.content.decode())]


@pytest.fixture
def queues(article, mod):
    """One comment in each state, and flags."""
    c = {
        "shown": make_comment(article, author=UserFactory(), body="Shown and fine."),
        "pending": make_comment(article, author=UserFactory(), status=S.PENDING, body="Waiting."),
        "removed": make_comment(article, author=UserFactory(), status=S.REMOVED, body="Gone."),
        "spam": make_comment(article, body="Buy now.", status=S.SPAM),
        "one_flag": make_comment(article, author=UserFactory(), body="One flag."),
        "hidden": make_comment(article, author=UserFactory(), body="Three flags."),
        "approved": make_comment(article, author=UserFactory(), body="Approved despite a flag."),
    }
    flag_by(c["one_flag"], 1, "spam")
    flag_by(c["hidden"], 3, "hate")
    flag_by(c["approved"], 1)
    moderation.decide(c["approved"], "approve", mod)
    return c


@pytest.mark.parametrize("queue, expected", [
    ("pending", ["pending"]),
    ("flagged", ["hidden", "one_flag"]),  # most flags first
    ("removed", ["removed"]),
    ("spam", ["spam"]),
])
def test_queues(mod_client, queues, queue, expected):
    assert listed(mod_client.get(LIST, {"queue": queue})) == [queues[name].pk for name in expected]


def test_all_lists_everything_newest_first_with_queue_tabs(mod_client, queues):
    response = mod_client.get(LIST)
    assert listed(response) == sorted((c.pk for c in queues.values()), reverse=True)
    html = response.content.decode()
    for label in ("Pending (1)", "Flagged (2)", "Removed", "Spam"):
        assert label in html
    assert 'href="/admin/comments/comment/?queue=flagged"' in html


def test_rows_show_excerpt_author_article_flags_status_and_links(mod_client, queues):
    hidden = queues["hidden"]
    html = mod_client.get(LIST, {"queue": "flagged"}).content.decode()
    assert "Three flags." in html and hidden.author.public_name in html
    assert "Storm over the harbour" in html
    assert "<strong>3</strong> Hate ×3" in html
    assert "<strong>1</strong> Spam" in html
    assert "Hidden after flags" in html
    assert f'href="/comments/{hidden.pk}/in-context/"' in html
    assert f'href="?thread={hidden.tree_id}"' in html
    assert f'href="/admin/comments/comment/{hidden.pk}/change/' in html


@pytest.mark.parametrize("params, expected", [
    ({"status": "published"}, ["shown", "one_flag", "approved"]),
    ({"flags": "yes"}, ["one_flag", "hidden", "approved"]),
    ({"flags": "no"}, ["shown", "pending", "removed", "spam"]),
    ({"guest": "yes"}, ["spam"]),
    ({"created_at__gte": "2000-01-01 00:00:00+00:00"}, ["shown", "pending", "removed", "spam", "one_flag", "hidden", "approved"]),
    ({"q": "flags"}, ["hidden"]),
])
def test_filters_and_search(mod_client, queues, params, expected):
    assert sorted(listed(mod_client.get(LIST, params))) == sorted(queues[name].pk for name in expected)


def test_filter_by_article_section_author_and_search_by_author_and_ip(mod_client, queues, article):
    other = ArticleFactory(section=SectionFactory(name="Elsewhere", slug="elsewhere"))
    person = UserFactory(username="sam", display_name="Sam Spade", email="sam@detective.example")
    theirs = make_comment(other, author=person, body="Elsewhere.", ip_address="198.51.100.23")
    assert listed(mod_client.get(LIST, {"article": other.pk})) == [theirs.pk]
    assert listed(mod_client.get(LIST, {"article__section__id__exact": other.section_id})) == [theirs.pk]
    assert listed(mod_client.get(LIST, {"author": "sam"})) == [theirs.pk]
    for term in ("@sam", "SAM", "sam@detective.example", "198.51.100.23"):
        assert listed(mod_client.get(LIST, {"q": term})) == [theirs.pk], term
    assert listed(mod_client.get(LIST, {"q": "198.51.100"})) == []  # IP addresses match exactly


def test_article_filter_is_an_autocomplete_not_a_list_of_articles(mod_client, queues, article):
    ArticleFactory(headline="An unrelated story nobody commented on")
    html = mod_client.get(LIST).content.decode()
    assert "admin-autocomplete" in html and 'data-field-name="article"' in html
    assert "An unrelated story nobody commented on" not in html
    found = mod_client.get("/admin/autocomplete/", {
        "term": "harbour", "app_label": "comments", "model_name": "comment", "field_name": "article",
    }).json()
    assert [r["text"] for r in found["results"]] == ["Storm over the harbour"]


def test_one_article_is_shown_as_an_indented_tree(mod_client, article):
    root = make_comment(article, author=UserFactory(), body="Root.")
    child = make_comment(article, author=UserFactory(), parent=root, body="Child.")
    grandchild = make_comment(article, author=UserFactory(), parent=child, body="Grandchild.")
    second = make_comment(article, author=UserFactory(), body="Second root.")
    make_comment(article, author=UserFactory(), parent=root, body="Late child.")
    response = mod_client.get(LIST, {"article": article.pk})
    ids = listed(response)
    assert ids[:3] == [root.pk, child.pk, grandchild.pk] and ids[-1] == second.pk
    html = response.content.decode()
    assert "One discussion, as a tree" in html
    assert 'class="tree-row indent-2"' in html and "↳2" in html  # a class, not a style attribute
    assert "sortable" not in html  # sorting by a column would tear replies from their parents
    thread = listed(mod_client.get(LIST, {"thread": root.tree_id}))
    assert second.pk not in thread and len(thread) == 4
    assert "One discussion, as a tree" not in mod_client.get(LIST).content.decode()


def test_bad_filter_values_never_fail(mod_client, queues):
    for params in ({"article": "abc"}, {"thread": "-1"}, {"article": "99999999999999999999999"},
                   {"author": ""}, {"flags": "maybe"}, {"queue": "nonsense"}, {"p": "999"}):
        assert mod_client.get(LIST, params).status_code in (200, 302), params
    response = mod_client.get(LIST + "?q=a%00b&article=1%00")
    assert response.status_code == 400 and b"NUL" in response.content
    assert mod_client.get("/admin/comments/moderationlog/?note=a%00").status_code == 400
    assert mod_client.get("/admin/comments/word/?q=%00").status_code == 400
    found = mod_client.get("/admin/autocomplete/?term=harb%00our&app_label=comments&model_name=comment&field_name=article")
    assert found.status_code == 400
    assert mod_client.get("/admin/comments/comment/abc/change/").status_code == 302
    assert mod_client.get("/admin/comments/comment/999999/change/").status_code == 302


# Bulk actions -------------------------------------------------------------------------------

def bulk(client, action, comments, follow=False, **extra):
    data = {"action": action, ACTION_CHECKBOX_NAME: [c.pk for c in comments], "index": 0, **extra}
    return client.post(LIST, data, follow=follow)


def test_bulk_approve(mod_client, queues):
    response = bulk(mod_client, "approve", [queues["pending"], queues["hidden"], queues["removed"]], follow=True)
    assert Comment.objects.get(pk=queues["pending"].pk).status == S.PUBLISHED
    assert Comment.objects.get(pk=queues["hidden"].pk).status == S.PUBLISHED
    assert Comment.objects.get(pk=queues["removed"].pk).status == S.REMOVED
    assert "2 comments approved. 1 skipped" in response.content.decode()
    assert ModerationLog.objects.filter(action="approve").count() == 3  # with the fixture's one


def test_bulk_remove_asks_for_a_reason_first(mod_client, queues, article):
    chosen = [queues["shown"], queues["one_flag"]]
    page = bulk(mod_client, "remove", chosen)
    html = page.content.decode()
    assert page.status_code == 200 and "Why are these comments removed?" in html
    assert "Shown and fine." in html and 'name="reason"' in html
    assert Comment.objects.filter(status=S.REMOVED).count() == 1  # nothing yet
    form = {"action": "remove", ACTION_CHECKBOX_NAME: [c.pk for c in chosen], "apply": "1"}
    missing = mod_client.post(LIST, {**form, "reason": ""})
    assert missing.status_code == 200 and "Please choose a reason." in missing.content.decode()
    done = mod_client.post(LIST, {**form, "reason": "abuse", "note": "Pile-on."}, follow=True)
    assert "2 comments removed." in done.content.decode()
    for comment in chosen:
        entry = ModerationLog.objects.get(comment=comment, action="remove")
        assert (entry.reason, entry.note, entry.moderator.username) == ("abuse", "Pile-on.", "mod")
    article.refresh_from_db()
    assert article.comment_count == Comment.objects.filter(status=S.PUBLISHED).count() == 1


def test_bulk_mark_spam_and_restore(mod_client, queues, article):
    bulk(mod_client, "mark_spam", [queues["shown"], queues["pending"]])
    assert set(Comment.objects.filter(status=S.SPAM).values_list("pk", flat=True)) == {
        queues["shown"].pk, queues["pending"].pk, queues["spam"].pk}
    bulk(mod_client, "restore", [queues["shown"], queues["removed"], queues["spam"]])
    assert Comment.objects.get(pk=queues["removed"].pk).status == S.PUBLISHED
    assert Comment.objects.get(pk=queues["pending"].pk).status == S.SPAM
    article.refresh_from_db()
    assert article.comment_count == Comment.objects.filter(status=S.PUBLISHED).count() == 5


def test_bulk_lock_and_unlock(mod_client, queues):
    bulk(mod_client, "lock_replies", [queues["shown"]])
    assert Comment.objects.get(pk=queues["shown"].pk).replies_locked
    bulk(mod_client, "unlock_replies", [queues["shown"]])
    assert not Comment.objects.get(pk=queues["shown"].pk).replies_locked


def test_there_is_no_bulk_delete_and_no_editing(mod_client, client, queues):
    html = mod_client.get(LIST).content.decode()
    assert "delete_selected" not in html
    response = bulk(mod_client, "delete_selected", [queues["shown"]], post="yes")
    assert response.status_code in (200, 302)
    assert Comment.objects.filter(pk=queues["shown"].pk).exists()
    from tests.factories import StaffFactory

    client.force_login(StaffFactory())  # a superuser cannot either
    pk = queues["shown"].pk
    assert "delete_selected" not in client.get(LIST).content.decode()
    assert client.get(f"/admin/comments/comment/{pk}/delete/").status_code == 403
    assert client.get("/admin/comments/comment/add/").status_code == 403
    client.post(f"/admin/comments/comment/{pk}/change/", {"body": "Rewritten by staff."})
    assert Comment.objects.get(pk=pk).body == "Shown and fine."


def test_forged_ids_in_bulk_actions(mod_client, queues):
    response = mod_client.post(LIST, {"action": "approve", ACTION_CHECKBOX_NAME: ["abc", "1\x00"], "index": 0}, follow=True)
    assert response.status_code == 200 and "do not exist" in response.content.decode()
    response = mod_client.post(LIST, {"action": "approve", ACTION_CHECKBOX_NAME: ["987654"], "index": 0}, follow=True)
    assert response.status_code == 200
    response = mod_client.post(LIST, {"action": "explode", ACTION_CHECKBOX_NAME: [queues["shown"].pk], "index": 0})
    assert response.status_code in (200, 302)


# The change page ----------------------------------------------------------------------------

def test_change_page_shows_words_flags_log_and_earlier_versions(mod_client, queues):
    from comments import actions

    edited = queues["one_flag"]
    actions.edit_comment(edited, edited.author, "One flag, edited.")
    html = mod_client.get(f"/admin/comments/comment/{edited.pk}/change/").content.decode()
    assert "One flag, edited." in html
    assert "Earlier versions" in html and "One flag." in html
    assert "flags" in html and "Spam" in html
    assert 'name="action" value="approve"' in html and 'name="action" value="remove"' in html
    assert 'name="action" value="restore"' not in html  # not removed, nothing to restore
    assert 'name="body"' not in html  # nothing to edit
    html = mod_client.get(f"/admin/comments/comment/{queues['hidden'].pk}/change/").content.decode()
    assert "Hidden after 3 flags." in html and "the site&#x27;s rules" in html


def test_change_page_buttons(mod_client, queues, article):
    comment = queues["shown"]
    url = f"/admin/comments/comment/{comment.pk}/moderate/"
    response = mod_client.post(url, {"action": "remove"}, follow=True)
    assert "Please choose a reason." in response.content.decode()
    assert Comment.objects.get(pk=comment.pk).status == S.PUBLISHED
    response = mod_client.post(url, {"action": "remove", "reason": "violence", "note": "Threat."}, follow=True)
    assert "Comment removed." in response.content.decode()
    assert ModerationLog.objects.get(comment=comment).why == "Threats or calls to violence — Threat."
    mod_client.post(url, {"action": "restore"})
    mod_client.post(url, {"action": "spam"})
    mod_client.post(url, {"action": "approve"})  # spam is not approvable: restore first
    assert Comment.objects.get(pk=comment.pk).status == S.SPAM
    mod_client.post(url, {"action": "lock"})
    assert Comment.objects.get(pk=comment.pk).replies_locked
    assert [e.action for e in ModerationLog.objects.filter(comment=comment).order_by("id")] == [
        "remove", "restore", "spam", "lock"]
    html = mod_client.get(f"/admin/comments/comment/{comment.pk}/change/").content.decode()
    assert "Threat." in html  # the log, inline
    for bad in ({"action": "explode"}, {"action": "\x00"}, {"action": "remove", "reason": "x\x00"}):
        assert mod_client.post(url, bad).status_code == 302
    assert mod_client.post("/admin/comments/comment/abc/moderate/", {"action": "approve"}).status_code == 302
    assert mod_client.post("/admin/comments/comment/999999/moderate/", {"action": "approve"}).status_code == 404
    assert mod_client.get(url).status_code == 302


# The log, word lists and people -------------------------------------------------------------

def test_moderation_log_list_filters(mod_client, queues, mod):
    moderation.decide(queues["shown"], "remove", mod, reason="hate", note="Slur.")
    html = mod_client.get("/admin/comments/moderationlog/", {"action__exact": "remove"}).content.decode()
    assert "Slur." in html and f"#{queues['shown'].pk}" in html
    assert "Hidden after 3 flags" not in html
    html = mod_client.get("/admin/comments/moderationlog/", {"reason__exact": "hate"}).content.decode()
    assert "Slur." in html
    html = mod_client.get("/admin/comments/moderationlog/", {"moderator__id__exact": mod.pk}).content.decode()
    assert "Slur." in html and "Hidden after 3 flags" not in html
    html = mod_client.get("/admin/comments/moderationlog/", {"moderator__isnull": "True"}).content.decode()
    assert "Hidden after 3 flags" in html and "Slur." not in html
    entry = ModerationLog.objects.get(note="Slur.")
    assert mod_client.get(f"/admin/comments/moderationlog/{entry.pk}/delete/").status_code == 403
    assert mod_client.get("/admin/comments/moderationlog/add/").status_code == 403


def test_words_are_managed_in_the_admin(mod_client):
    response = mod_client.post("/admin/comments/word/add/", {"text": "Vermin", "kind": "banned"})
    assert response.status_code == 302
    assert Word.objects.get().normalised == "vermin"
    response = mod_client.post("/admin/comments/word/add/", {"text": "VERMIN", "kind": "suspect"})
    assert "already on the banned list" in response.content.decode()


def test_people_are_banned_from_the_admin(mod_client, article):
    person = UserFactory(username="troll")
    response = mod_client.get("/admin/comments/commenter/add/", {"username": "troll"})
    assert 'value="troll"' in response.content.decode()
    response = mod_client.post("/admin/comments/commenter/add/", {"username": "nobody", "note": ""})
    assert "no account with that username" in response.content.decode()
    response = mod_client.post("/admin/comments/commenter/add/", {"username": "troll", "banned": "on", "note": "Slurs."})
    assert response.status_code == 302
    assert Commenter.objects.get(user=person).banned
    response = mod_client.post(f"/admin/comments/commenter/{person.pk}/change/", {"trusted": "on", "banned": "on", "note": ""})
    assert "cannot also be banned" in response.content.decode()
    html = mod_client.get(f"/admin/comments/commenter/{person.pk}/change/").content.decode()
    assert "All comments by" in html


# Speed --------------------------------------------------------------------------------------

def fill(n):
    articles = [ArticleFactory() for _ in range(3)]
    authors = [UserFactory() for _ in range(4)]
    for i in range(n):
        comment = make_comment(articles[i % 3], author=authors[i % 4] if i % 5 else None, body=f"Comment {i}.")
        if i % 3 == 0:
            Flag.objects.create(comment=comment, user=authors[(i + 1) % 4], reason="spam")
            Comment.objects.filter(pk=comment.pk).update(flag_count=1)


@pytest.mark.parametrize("params", [{}, {"queue": "flagged"}, {"queue": "pending"}, {"flags": "yes", "q": "Comment"}])
def test_changelist_queries_do_not_grow_with_the_table(mod_client, django_assert_num_queries, params):
    fill(6)
    mod_client.get(LIST, params)  # warm up (sessions, content types)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert mod_client.get(LIST, params).status_code == 200
    fill(60)
    with django_assert_num_queries(len(small.captured_queries)):
        mod_client.get(LIST, params)
    assert len(small.captured_queries) <= 12


def test_changelist_query_count_is_pinned(mod_client, django_assert_num_queries):
    fill(10)
    mod_client.get(LIST)
    # session, user, the moderator's permissions (2), 2 queue counts, the section filter,
    # the page's count, the page, its flag reasons
    with django_assert_num_queries(10):
        mod_client.get(LIST)
    fill(80)
    with django_assert_num_queries(10):
        mod_client.get(LIST)


def test_author_links_survive_odd_usernames(mod_client, article):
    odd = UserFactory(username="o'neil+x@home", display_name="O'Neil")
    theirs = make_comment(article, author=odd, body="Odd name.")
    make_comment(article, author=UserFactory(), body="Someone else.")
    html = mod_client.get(LIST).content.decode()
    assert 'href="?author=o%27neil%2Bx%40home"' in html
    assert listed(mod_client.get(LIST + "?author=o%27neil%2Bx%40home")) == [theirs.pk]
