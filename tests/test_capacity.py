"""Capacity-aware discussions: past a backlog of pending comments (the article's, the site's,
or its oldest's age) a discussion is pre-moderated by the site, at a harder limit closed, and
switched back when moderators have caught up; every switch is in the moderation log."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from comments import actions, capacity, moderation, tree
from comments.errors import DiscussionClosed
from comments.models import Comment, ModerationLog
from newsroom.models import Article
from tests.factories import ArticleFactory, UserFactory, make_comment, moderator

pytestmark = pytest.mark.django_db
S = Comment.Status
A = ModerationLog.Action
NOTICE = "Moderators are catching up with the comments waiting on this story"


@pytest.fixture
def limits(settings):
    settings.COMMENTS_BACKLOG_ARTICLE = 4
    settings.COMMENTS_BACKLOG_SITE = 0
    settings.COMMENTS_BACKLOG_MINUTES = 0
    settings.COMMENTS_BACKLOG_CLOSE = 0
    return settings


def waiting(article, n, **fields):
    return [make_comment(article, guest_name="Guest", body=f"Waiting {i}.", status=S.PENDING, **fields)
            for i in range(n)]


def post(article, body="Posted now."):
    """As the site posts: the article read afresh, as each request reads it."""
    return actions.post_comment(article=reload(article), author=UserFactory(), body=body)


def reload(article):
    return Article.objects.get(pk=article.pk)


def switches(article):
    return list(ModerationLog.objects.filter(article=article).order_by("id")
                .values_list("action", "moderator", flat=False))


def test_settings_have_the_documented_defaults():
    from newsroom import settings as defaults

    assert (defaults.COMMENTS_BACKLOG_ARTICLE, defaults.COMMENTS_BACKLOG_SITE,
            defaults.COMMENTS_BACKLOG_MINUTES, defaults.COMMENTS_BACKLOG_CLOSE) == (50, 500, 0, 0)


def test_a_discussion_past_its_backlog_is_premoderated_with_a_notice_and_a_log_entry(client, limits):
    article = ArticleFactory()
    waiting(article, 3)
    assert post(article).status == S.PUBLISHED  # 3 waiting: under the limit of 4
    assert NOTICE not in client.get(article.get_absolute_url()).content.decode()
    waiting(article, 1)
    comment = post(article, "Posted when 4 wait.")
    assert reload(article).backlog_premoderated
    entry = ModerationLog.objects.get(article=article)
    assert (entry.action, entry.moderator, entry.comment) == (A.PREMODERATE, None, None)
    assert "4 comments wait on this article (the limit is 4)" in entry.note
    # The switch came after that post: the next one waits, with the reason in the log.
    assert comment.status == S.PUBLISHED
    held = post(article, "Posted while pre-moderated.")
    assert held.status == S.PENDING
    assert held.moderation_log.get().note == "The article is pre-moderated while moderators catch up."
    page = client.get(article.get_absolute_url()).content.decode()  # anonymous, cacheable
    assert NOTICE in page
    assert reload(article).premoderate_comments is False  # the editor's choice is untouched


def test_it_switches_back_once_moderators_have_cleared_half_the_backlog(client, limits):
    article = ArticleFactory()
    pending = waiting(article, 6)
    post(article)
    assert reload(article).backlog_premoderated
    mod = moderator()
    moderation.decide_many(pending[:3], "approve", mod)  # 3 left: under 4, over half (2)
    assert reload(article).backlog_premoderated
    moderation.decide(pending[3], "remove", mod, reason="spam")  # 2 left: half the limit
    assert not reload(article).backlog_premoderated
    assert [action for action, _ in switches(article)] == [A.PREMODERATE, A.UNPREMODERATE]
    assert "The backlog has cleared: 2 comments wait on this article." in ModerationLog.objects.filter(
        article=article).order_by("id").last().note
    assert NOTICE not in client.get(article.get_absolute_url()).content.decode()
    assert post(article, "Shown at once again.").status == S.PUBLISHED


def test_the_editors_premoderation_stays_when_the_backlog_clears(limits):
    article = ArticleFactory(premoderate_comments=True)
    pending = waiting(article, 4)
    post(article)
    moderation.decide_many(pending, "approve", moderator())
    article = reload(article)
    assert (article.backlog_premoderated, article.premoderate_comments) == (False, True)
    assert post(article).status == S.PENDING


def test_an_old_pending_comment_switches_the_discussion(limits):
    limits.COMMENTS_BACKLOG_ARTICLE = 0
    limits.COMMENTS_BACKLOG_MINUTES = 30
    article = ArticleFactory()
    old = waiting(article, 1, created_at=timezone.now() - timedelta(minutes=20))[0]
    post(article)
    assert not reload(article).backlog_premoderated
    Comment.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(minutes=45))
    post(article, "Another.")
    assert reload(article).backlog_premoderated
    assert "its oldest pending comment has waited 45 minutes (the limit is 30 minutes)" in (
        ModerationLog.objects.get(article=article).note)
    moderation.decide(old, "approve", moderator())
    assert not reload(article).backlog_premoderated


def test_the_sites_backlog_switches_the_discussion_people_post_to(limits):
    limits.COMMENTS_BACKLOG_ARTICLE = 0
    limits.COMMENTS_BACKLOG_SITE = 5
    elsewhere = [waiting(ArticleFactory(), 1)[0] for _ in range(5)]
    busy, quiet = ArticleFactory(), ArticleFactory()
    post(busy)
    assert reload(busy).backlog_premoderated
    assert not reload(quiet).backlog_premoderated  # nobody posted there
    assert "5 or more comments wait on the site (the limit is 5)" in ModerationLog.objects.get(article=busy).note
    moderation.decide_many(elsewhere[:3], "approve", moderator())  # 2 left on the site: half of 5
    assert not reload(busy).backlog_premoderated


def test_a_harder_limit_closes_the_discussion_and_reopens_it(client, limits):
    limits.COMMENTS_BACKLOG_CLOSE = 8
    article = ArticleFactory()
    pending = waiting(article, 8)
    post(article)
    article = reload(article)
    assert (article.backlog_premoderated, article.backlog_closed, article.accepts_comments) == (True, True, False)
    with pytest.raises(DiscussionClosed):
        post(article)
    page = client.get(article.get_absolute_url()).content.decode()
    assert "Comments on this article are closed for now, while moderators catch up" in page
    moderation.decide_many(pending[:6], "approve", moderator())  # 2 left
    article = reload(article)
    assert (article.backlog_premoderated, article.backlog_closed, article.accepts_comments) == (False, False, True)
    assert [action for action, _ in switches(article)] == [A.PREMODERATE, A.CLOSE, A.UNPREMODERATE, A.REOPEN]


def test_a_switch_is_logged_once_however_often_it_is_checked(limits):
    article = ArticleFactory()
    waiting(article, 5)
    for _ in range(3):  # as racing requests that all read the article before it was switched
        capacity.settle(article.pk, 0, False, False)
    assert len(switches(article)) == 1


def test_limits_turned_off_never_switch(limits):
    limits.COMMENTS_BACKLOG_ARTICLE = 0
    article = ArticleFactory()
    waiting(article, 30)
    assert post(article).status == S.PUBLISHED
    assert not ModerationLog.objects.filter(article=article).exists()


def test_the_check_runs_after_the_threads_lock_is_released(limits, monkeypatch):
    article = ArticleFactory()
    waiting(article, 4)
    checked = []
    settle = capacity.settle
    monkeypatch.setattr(capacity, "settle",
                        lambda *args, **kwargs: checked.append(list(tree._keys())) or settle(*args, **kwargs))
    root = post(article)
    actions.post_comment(article=article, author=UserFactory(), body="A reply.", parent=root)
    moderation.decide(root, "approve", moderator())
    assert checked == [[], [], []]


def test_a_post_under_the_limits_only_reads(limits):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    limits.COMMENTS_BACKLOG_SITE = 100
    article = ArticleFactory()
    waiting(article, 2)
    article = reload(article)
    with CaptureQueriesContext(connection) as queries:
        capacity.after_post(article)
    assert len(queries) == 1, [q["sql"] for q in queries]  # the article's backlog and the site's
    assert all(query["sql"].lstrip().upper().startswith("SELECT") for query in queries)


def test_a_post_into_a_discussion_switched_meanwhile_switches_nothing_again(limits):
    """The request read the article before another one switched it: the check after its post
    reads the switches as they are now, and only reads."""
    article = ArticleFactory()
    read_before = reload(article)
    waiting(article, 4)
    capacity.after_post(article)
    assert reload(article).backlog_premoderated and not read_before.backlog_premoderated
    with CaptureQueriesContext(connection) as queries:
        capacity.after_post(read_before)
    assert [query["sql"].lstrip().split()[0].upper() for query in queries] == ["SELECT"]
    assert ModerationLog.objects.filter(article=article, action=ModerationLog.Action.PREMODERATE).count() == 1


def test_the_workers_timer_switches_as_the_backlog_ages_and_clears_with_nobody_acting(limits, caplog):
    """notifications/periodic.py runs capacity.recheck on every worker's timer."""
    from notifications import periodic

    limits.COMMENTS_BACKLOG_ARTICLE = 0
    limits.COMMENTS_BACKLOG_MINUTES = 30
    article, quiet = ArticleFactory(), ArticleFactory()
    author = UserFactory()
    old = make_comment(article, author=author, body="Waiting.", status=S.PENDING,
                       created_at=timezone.now() - timedelta(minutes=20))
    periodic.run()
    assert not reload(article).backlog_premoderated
    Comment.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(minutes=45))
    with caplog.at_level("INFO", logger="comments.capacity"):
        periodic.run()  # nobody posted: the timer saw it age past the limit
    assert reload(article).backlog_premoderated and not reload(quiet).backlog_premoderated
    assert switches(article) == [(A.PREMODERATE, None)]
    assert f"article {article.pk}: pre-moderation on by the site" in caplog.text

    actions.delete_comment(old, author)  # its author takes it back: no moderator decided
    periodic.run()
    assert not reload(article).backlog_premoderated
    assert switches(article) == [(A.PREMODERATE, None), (A.UNPREMODERATE, None)]
    periodic.run()  # nothing more to switch, nothing more logged
    assert len(switches(article)) == 2


def test_the_timer_switches_back_what_limits_turned_off_left_switched(limits):
    from notifications import periodic

    article = ArticleFactory()
    waiting(article, 4)
    post(article)
    assert reload(article).backlog_premoderated
    limits.COMMENTS_BACKLOG_ARTICLE = 0  # the site turns the limit off
    periodic.run()
    assert not reload(article).backlog_premoderated


def test_the_site_backlog_is_counted_without_sorting_the_pending_comments(settings):
    """Asked after every post: the model's default order (tree_id, lft) made PostgreSQL sort
    every pending comment of the site before counting up to the limit."""
    settings.COMMENTS_BACKLOG_SITE = 5
    article = ArticleFactory()
    for _ in range(3):
        make_comment(article, author=UserFactory(), status=Comment.Status.PENDING)
    with CaptureQueriesContext(connection) as queries:
        assert capacity.site_backlog() == 3
    assert len(queries) == 1 and "ORDER BY" not in queries[0]["sql"], queries[0]["sql"]
