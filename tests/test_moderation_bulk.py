"""Bulk decisions (comments.moderation.decide_many) as set operations: the same rules as one
decision at a time (what applies, the log's real status before, the public counts,
reviewed_at), a number of queries that does not grow with the selection, all or nothing, and
the admin's "select all" across pages."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext

from comments import moderation
from comments.errors import CommentError
from comments.models import Comment, ModerationLog
from tests.factories import ArticleFactory, UserFactory, make_comment, moderator, thread_version
from tests.test_concurrency import racing, run_workers

pytestmark = pytest.mark.django_db
S = Comment.Status
LIST = "/admin/comments/comment/"
EVERY_STATUS = [S.PUBLISHED, S.PENDING, S.FLAGGED, S.REMOVED, S.SPAM, S.DELETED]


@pytest.fixture
def mod():
    return moderator()


def shown_count_is_right(*articles):
    for article in articles:
        article.refresh_from_db()
        assert article.comment_count == article.comments.filter(status=S.PUBLISHED).count(), article


def one_of_each(*articles):
    """A comment in every status on each article: {(article pk, status): comment}."""
    return {
        (article.pk, status): make_comment(article, author=UserFactory(), status=status)
        for article in articles for status in EVERY_STATUS
    }


@pytest.mark.parametrize("action", ["approve", "remove", "spam", "restore"])
def test_bulk_decision_changes_what_applies_logs_real_status_and_keeps_counts(mod, action):
    articles = ArticleFactory(), ArticleFactory()
    comments = one_of_each(*articles)
    decision = moderation.DECISIONS[action]
    done, skipped = moderation.decide_many(Comment.objects.all(), action, mod, reason="hate", note="Bulk.")

    applies = {key for key in comments if key[1] in decision.applies_to}
    assert (done, skipped) == (len(applies), len(comments) - len(applies))
    entries = {entry.comment_id: entry for entry in ModerationLog.objects.all()}
    for key, comment in comments.items():
        before = key[1]
        comment.refresh_from_db()
        if key in applies:
            assert comment.status == decision.status and comment.reviewed_at is not None
            entry = entries[comment.pk]
            assert (entry.moderator, entry.action, entry.status_before, entry.status_after) == (
                mod, action, before, decision.status)
            assert (entry.reason, entry.note) == ("hate", "Bulk.")
        else:
            assert comment.status == before and comment.reviewed_at is None
            assert comment.pk not in entries
    shown_count_is_right(*articles)


def test_bulk_decision_reads_the_status_at_the_time_of_the_decision(mod):
    """A comment changed since the moderator loaded the list is judged by its status now."""
    article = ArticleFactory()
    comment = make_comment(article, author=UserFactory(), status=S.PENDING)
    stale = Comment.objects.get(pk=comment.pk)
    moderation.decide(comment, "spam", mod)
    assert moderation.decide_many([stale], "approve", mod) == (0, 1)
    assert moderation.decide_many([stale], "restore", mod) == (1, 0)
    entry = ModerationLog.objects.filter(action="restore").get()
    assert (entry.status_before, entry.status_after) == (S.SPAM, S.PUBLISHED)
    shown_count_is_right(article)


def decision_queries(mod, comments_per_article, articles=2):
    made = [ArticleFactory() for _ in range(articles)]
    for article in made:
        for _ in range(comments_per_article):
            make_comment(article, author=UserFactory(), status=S.PENDING)
    chosen = Comment.objects.filter(article__in=made)
    with CaptureQueriesContext(connection) as queries:
        done, _ = moderation.decide_many(chosen, "approve", mod)
    assert done == comments_per_article * articles
    shown_count_is_right(*made)
    return len(queries)


def test_bulk_decision_queries_do_not_grow_with_the_number_of_comments(mod):
    # select for update, update, log insert, one count update per article (+ savepoint/transaction)
    assert decision_queries(mod, 2) == decision_queries(mod, 40)


def test_too_many_at_once_changes_nothing_and_says_so(mod, monkeypatch):
    article = ArticleFactory()
    for _ in range(4):
        make_comment(article, author=UserFactory(), status=S.PENDING)
    monkeypatch.setattr(moderation, "BULK_LIMIT", 3)
    with pytest.raises(CommentError, match="nothing was changed"):
        moderation.decide_many(Comment.objects.all(), "approve", mod)
    assert Comment.objects.filter(status=S.PENDING).count() == 4
    assert not ModerationLog.objects.exists()
    shown_count_is_right(article)


def test_many_threads_go_a_group_at_a_time_and_a_failure_says_how_far_it_got(mod, monkeypatch):
    article = ArticleFactory()
    for _ in range(5):
        make_comment(article, author=UserFactory(), status=S.PENDING)
    monkeypatch.setattr(moderation, "THREADS_PER_TRANSACTION", 2)
    assert moderation.decide_many(Comment.objects.all(), "approve", mod) == (5, 0)
    shown_count_is_right(article)

    decide_in_threads, calls = moderation.decide_in_threads, []

    def failing_second_time(*args):
        calls.append(1)
        if len(calls) == 2:
            raise OperationalError("deadlock detected")
        return decide_in_threads(*args)

    monkeypatch.setattr(moderation, "decide_in_threads", failing_second_time)
    with pytest.raises(CommentError, match="Stopped after 2 comments were marked as spam"):
        moderation.decide_many(Comment.objects.all(), "spam", mod)
    assert Comment.objects.filter(status=S.SPAM).count() == 2
    assert ModerationLog.objects.filter(action="spam").count() == 2
    shown_count_is_right(article)


def test_select_all_across_pages_decides_the_whole_queue(client, mod):
    article = ArticleFactory()
    pending = [make_comment(article, author=UserFactory(), status=S.PENDING) for _ in range(55)]
    kept = make_comment(article, author=UserFactory(), status=S.REMOVED)
    client.force_login(mod)
    response = client.post(LIST + "?queue=pending", {
        "action": "approve", "select_across": "1", "index": 0,
        ACTION_CHECKBOX_NAME: [comment.pk for comment in pending[:50]],  # the first page
    }, follow=True)
    assert "55 comments approved." in response.content.decode()
    assert not Comment.objects.filter(status=S.PENDING).exists()
    assert Comment.objects.get(pk=kept.pk).status == S.REMOVED
    assert ModerationLog.objects.filter(action="approve").count() == 55
    shown_count_is_right(article)


def test_bulk_decision_moves_each_touched_discussion_and_thread_once(mod):
    article, untouched = ArticleFactory(), ArticleFactory()
    root = make_comment(article, author=UserFactory())
    replies = [make_comment(article, parent=root, author=UserFactory(), status=S.PENDING) for _ in range(3)]
    other_thread = make_comment(article, author=UserFactory(), status=S.PENDING)
    quiet_thread = make_comment(article, author=UserFactory())
    elsewhere = make_comment(untouched, author=UserFactory(), status=S.PENDING)
    for made in (article, untouched):
        made.refresh_from_db()
    before = {
        "article": article.discussion_version, "untouched": untouched.discussion_version,
        "thread": thread_version(root), "other": thread_version(other_thread),
        "quiet": thread_version(quiet_thread), "elsewhere": thread_version(elsewhere),
    }
    assert moderation.decide_many([*replies, other_thread, quiet_thread], "approve", mod) == (5, 0)
    article.refresh_from_db()
    untouched.refresh_from_db()
    assert article.discussion_version == before["article"] + 1
    assert untouched.discussion_version == before["untouched"]
    assert thread_version(root) == before["thread"] + 1  # once, for its three replies
    assert thread_version(other_thread) == before["other"] + 1
    assert thread_version(quiet_thread) == before["quiet"]  # approved, but it was shown already
    assert thread_version(elsewhere) == before["elsewhere"]
    shown_count_is_right(article, untouched)


@racing
def test_bulk_and_single_decisions_racing_keep_the_log_and_counts_true():
    """Bulk approvals and removals over every thread race single removals (in some threads)
    and readers' replies and flags (in the others): nobody deadlocks, every log entry starts
    from the status the one before it left, and the counts match what is shown. (Single
    writers racing each other in one thread are the thread lock's business: tree.py.)"""
    from comments import actions

    mod, article = moderator(), ArticleFactory()
    people = [UserFactory() for _ in range(6)]
    threads = [[make_comment(article, author=people[0], status=S.PENDING)] for _ in range(6)]
    for number in range(60):
        thread = threads[number % 6]
        thread.append(make_comment(article, parent=thread[number % len(thread)],
                                   author=people[number % 6], status=S.PENDING))
    decided = [comment.pk for thread in threads[:3] for comment in thread]
    replied = [comment.pk for thread in threads[3:] for comment in thread]

    def work(number):
        if number < 2:  # two bulk decisions over everything, in turns
            for action in ("approve", "remove", "restore", "approve"):
                moderation.decide_many(Comment.objects.filter(article=article), action, mod, reason="spam")
        elif number == 2:  # single decisions (one at a time: two racing are tree.py's business)
            for pk in decided:
                moderation.decide(Comment.objects.get(pk=pk), "remove", mod, reason="abuse")
        else:  # readers replying and flagging
            for pk in replied[number - 3::3]:
                comment = Comment.objects.get(pk=pk)
                try:
                    actions.post_comment(article=article, parent=comment, author=people[number],
                                         body=f"Reply {number}-{pk}.")
                    moderation.flag(comment, people[(number + 1) % 6], "spam")
                except CommentError:
                    pass  # refused: the comment is hidden or pending at this moment

    run_workers(6, work)
    for pk in decided + replied:
        entries = list(ModerationLog.objects.filter(comment_id=pk).order_by("pk"))
        for before, after in zip(entries, entries[1:]):
            assert after.status_before == before.status_after, (pk, before.action, after.action)
        if entries:
            assert entries[-1].status_after == Comment.objects.get(pk=pk).status
    shown_count_is_right(article)


def test_restoring_in_bulk_a_comment_its_author_withdrew_deletes_it(mod):
    from comments import actions

    article, author = ArticleFactory(), UserFactory()
    withdrawn = make_comment(article, author=author)
    kept = make_comment(article, author=UserFactory())
    moderation.decide_many([withdrawn, kept], "remove", mod, reason="abuse")
    actions.delete_comment(withdrawn, author)  # withdrawn: the removal stays the moderator's
    assert moderation.decide_many([withdrawn, kept], "restore", mod) == (2, 0)
    assert Comment.objects.get(pk=withdrawn.pk).status == S.DELETED
    assert Comment.objects.get(pk=kept.pk).status == S.PUBLISHED
    entry = ModerationLog.objects.filter(action="restore", comment=withdrawn).get()
    assert (entry.status_before, entry.status_after) == (S.REMOVED, S.DELETED)
    shown_count_is_right(article)
