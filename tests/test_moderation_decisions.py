"""Moderators' decisions and readers' flags, through comments/moderation.py: statuses, the
log, the flag threshold, approval being final, and the public count after every step."""

import pytest

from comments import moderation
from comments.errors import CommentError
from comments.models import Comment, Flag, ModerationLog
from tests.factories import UserFactory, flag_by, make_comment, moderator

pytestmark = pytest.mark.django_db
S = Comment.Status


@pytest.fixture
def mod():
    return moderator()


def count(article):
    """The public count, checked against what is really shown."""
    article.refresh_from_db()
    assert article.comment_count == article.comments.filter(status=S.PUBLISHED).count()
    return article.comment_count


def status(comment):
    comment.refresh_from_db()
    return comment.status


@pytest.mark.parametrize("start, action, end", [
    (S.PENDING, "approve", S.PUBLISHED),
    (S.FLAGGED, "approve", S.PUBLISHED),
    (S.PUBLISHED, "approve", S.PUBLISHED),
    (S.PUBLISHED, "remove", S.REMOVED),
    (S.PENDING, "remove", S.REMOVED),
    (S.FLAGGED, "remove", S.REMOVED),
    (S.SPAM, "remove", S.REMOVED),
    (S.PUBLISHED, "spam", S.SPAM),
    (S.PENDING, "spam", S.SPAM),
    (S.FLAGGED, "spam", S.SPAM),
    (S.REMOVED, "spam", S.SPAM),
    (S.REMOVED, "restore", S.PUBLISHED),
    (S.SPAM, "restore", S.PUBLISHED),
])
def test_each_decision_moves_the_status_keeps_the_count_and_is_logged(article, mod, start, action, end):
    make_comment(article, author=UserFactory())  # a neighbour, always shown
    comment = make_comment(article, author=UserFactory(), status=start)
    before = count(article)
    entry = moderation.decide(comment, action, mod, reason="hate" if action == "remove" else "", note="Why.")
    assert status(comment) == end
    assert count(article) == before + (end == S.PUBLISHED) - (start == S.PUBLISHED)
    assert (entry.moderator, entry.action, entry.status_before, entry.status_after, entry.note) == (mod, action, start, end, "Why.")
    assert entry.comment_id == comment.pk and entry.created_at
    assert comment.reviewed_at is not None


@pytest.mark.parametrize("start, action", [
    (S.PUBLISHED, "restore"), (S.PENDING, "restore"), (S.REMOVED, "remove"), (S.SPAM, "spam"),
    (S.DELETED, "approve"), (S.DELETED, "remove"), (S.DELETED, "restore"), (S.REMOVED, "approve"),
])
def test_decisions_that_do_not_apply_change_nothing(article, mod, start, action):
    comment = make_comment(article, author=UserFactory(), status=start)
    assert moderation.decide(comment, action, mod, reason="spam") is None
    assert status(comment) == start
    assert not ModerationLog.objects.exists()
    count(article)


def test_removing_needs_a_reason_and_other_needs_a_note(article, mod):
    comment = make_comment(article, author=UserFactory())
    with pytest.raises(CommentError, match="choose a reason"):
        moderation.decide(comment, "remove", mod)
    with pytest.raises(CommentError, match="in the note"):
        moderation.decide(comment, "remove", mod, reason="other")
    with pytest.raises(CommentError, match="not one of the reasons"):
        moderation.decide(comment, "remove", mod, reason="because")
    with pytest.raises(CommentError, match="Unknown"):
        moderation.decide(comment, "delete", mod)
    assert status(comment) == S.PUBLISHED
    moderation.decide(comment, "remove", mod, reason="other", note="Doxxing\x00 a neighbour.")
    assert ModerationLog.objects.get().note == "Doxxing a neighbour."


def test_decide_many_reports_done_and_skipped(article, mod):
    shown = [make_comment(article, author=UserFactory()) for _ in range(3)]
    gone = make_comment(article, author=UserFactory(), status=S.DELETED)
    done, skipped = moderation.decide_many([*shown, gone], "spam", mod)
    assert (done, skipped) == (3, 1)
    assert count(article) == 0
    assert ModerationLog.objects.filter(action="spam").count() == 3


def test_moderators_never_change_the_words(article, mod):
    comment = make_comment(article, author=UserFactory(), body="Original words.")
    html = comment.body_html
    for action in ("remove", "restore", "spam", "restore", "approve"):
        moderation.decide(comment, action, mod, reason="abuse")
    moderation.set_replies_locked(comment, True, mod)
    comment.refresh_from_db()
    assert (comment.body, comment.body_html, comment.edited_at) == ("Original words.", html, None)
    assert [e.action for e in ModerationLog.objects.order_by("id")] == ["remove", "restore", "spam", "restore", "approve", "lock"]


# Flags --------------------------------------------------------------------------------------

def test_flags_below_the_threshold_queue_the_comment_but_keep_it_shown(article):
    comment = make_comment(article, author=UserFactory())
    flag_by(comment, 2)
    comment.refresh_from_db()
    assert (comment.status, comment.flag_count) == (S.PUBLISHED, 2)
    assert list(moderation.flagged_queue(Comment.objects.all())) == [comment]
    assert count(article) == 1


def test_the_threshold_hides_the_comment_and_logs_it(article, settings):
    settings.COMMENTS_FLAG_THRESHOLD = 3
    comment = make_comment(article, author=UserFactory())
    make_comment(article, author=UserFactory(), parent=comment, body="A reply.")
    flag_by(comment, 3)
    assert status(comment) == S.FLAGGED
    assert count(article) == 1
    entry = ModerationLog.objects.get(action="hide")
    assert entry.moderator is None and "3 flags" in entry.note
    flag_by(comment, 1)  # more flags on a hidden comment are kept, nothing else changes
    comment.refresh_from_db()
    assert (comment.status, comment.flag_count) == (S.FLAGGED, 4)
    assert ModerationLog.objects.filter(action="hide").count() == 1


def test_threshold_is_a_setting(article, settings):
    settings.COMMENTS_FLAG_THRESHOLD = 1
    comment = make_comment(article, author=UserFactory())
    flag_by(comment, 1)
    assert status(comment) == S.FLAGGED


def test_approval_is_final_later_flags_do_not_hide_again(article, mod):
    comment = make_comment(article, author=UserFactory())
    flag_by(comment, 3)
    moderation.decide(comment, "approve", mod)
    assert status(comment) == S.PUBLISHED
    assert not moderation.flagged_queue(Comment.objects.all()).exists()
    flag_by(comment, 5)
    comment.refresh_from_db()
    assert (comment.status, comment.flag_count) == (S.PUBLISHED, 8)
    assert not moderation.flagged_queue(Comment.objects.all()).exists()
    assert count(article) == 1


def test_approving_before_any_flag_is_final_too(article, mod):
    comment = make_comment(article, author=UserFactory())
    moderation.decide(comment, "approve", mod)
    flag_by(comment, 4)
    assert status(comment) == S.PUBLISHED


def test_flag_once_per_person(article):
    comment = make_comment(article, author=UserFactory())
    reader = UserFactory()
    moderation.flag(comment, reader, "spam")
    with pytest.raises(moderation.AlreadyFlagged):
        moderation.flag(comment, reader, "hate")
    comment.refresh_from_db()
    assert comment.flag_count == 1 and Flag.objects.count() == 1


def test_flag_refusals(article):
    author = UserFactory()
    comment = make_comment(article, author=author)
    with pytest.raises(CommentError, match="your own"):
        moderation.flag(comment, author, "spam")
    with pytest.raises(CommentError, match="choose a reason"):
        moderation.flag(comment, UserFactory(), "ugly")
    with pytest.raises(CommentError, match="say what is wrong"):
        moderation.flag(comment, UserFactory(), "other", "  ")
    hidden = make_comment(article, author=UserFactory(), status=S.PENDING)
    with pytest.raises(CommentError, match="does not exist"):
        moderation.flag(hidden, UserFactory(), "spam")
    assert not Flag.objects.exists()
    moderation.flag(comment, UserFactory(), "other", "Advert\x00 in disguise.")
    assert Flag.objects.get().note == "Advert in disguise."


def test_flagged_queue_most_flags_first_and_only_undecided(article, mod):
    one = make_comment(article, author=UserFactory())
    three = make_comment(article, author=UserFactory())
    two = make_comment(article, author=UserFactory())
    decided = make_comment(article, author=UserFactory())
    flag_by(one, 1)
    flag_by(three, 3)
    flag_by(two, 2)
    flag_by(decided, 1)
    moderation.decide(decided, "approve", mod)
    queue = moderation.flagged_queue(Comment.objects.all()).order_by("-flag_count")
    assert list(queue) == [three, two, one]


def test_counts_stay_right_through_a_whole_story(article, mod, settings):
    """Post, flag, hide, approve, remove, restore, spam, delete: the count follows every step."""
    settings.COMMENTS_FLAG_THRESHOLD = 2
    a = make_comment(article, author=UserFactory())
    b = make_comment(article, author=UserFactory(), parent=a)
    c = make_comment(article, author=UserFactory(), status=S.PENDING)
    assert count(article) == 2
    flag_by(a, 2)
    assert count(article) == 1
    moderation.decide(a, "approve", mod)
    assert count(article) == 2
    moderation.decide(c, "approve", mod)
    assert count(article) == 3
    moderation.decide(b, "remove", mod, reason="abuse")
    assert count(article) == 2
    moderation.decide(b, "restore", mod)
    assert count(article) == 3
    moderation.decide(c, "spam", mod)
    assert count(article) == 2
    from comments import actions

    actions.delete_comment(a, a.author)
    assert count(article) == 1
    assert moderation.decide(a, "restore", mod) is None  # the author's deletion stands
    assert count(article) == 1


def test_lock_covers_the_subtree_only_and_is_idempotent(article, mod):
    root = make_comment(article, author=UserFactory())
    child = make_comment(article, author=UserFactory(), parent=root)
    grandchild = make_comment(article, author=UserFactory(), parent=child)
    sibling = make_comment(article, author=UserFactory(), parent=root)
    other = make_comment(article, author=UserFactory())
    assert moderation.set_replies_locked(child, True, mod)
    assert moderation.set_replies_locked(child, True, mod) is None
    locked = set(Comment.objects.filter(replies_locked=True).values_list("pk", flat=True))
    assert locked == {child.pk, grandchild.pk}
    assert not any(Comment.objects.get(pk=c.pk).replies_locked for c in (root, sibling, other))
    assert ModerationLog.objects.filter(action="lock").count() == 1
