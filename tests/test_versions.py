"""Every write the public can see moves a version (comments/versions.py, newsroom/versions.py),
so cached pages and 304 answers are never older than what they show."""

import pytest

from comments import actions, moderation
from comments.models import Comment
from newsroom import front
from newsroom.models import SiteVersion
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    SectionFactory,
    TagFactory,
    UserFactory,
    make_comment,
    moderator,
    thread_version,
)

pytestmark = pytest.mark.django_db
S = Comment.Status


def discussion_version(article):
    article.refresh_from_db()
    return article.discussion_version


def site_version():
    row = SiteVersion.objects.first()
    return row.number if row else 0


@pytest.fixture
def writer():
    return UserFactory()


@pytest.fixture
def thread(writer):
    """A thread with a reply, plus another thread that no write below touches."""
    article = ArticleFactory()
    root = make_comment(article, author=UserFactory())
    reply = make_comment(parent=root, author=writer)
    other = make_comment(article, author=UserFactory())
    return root, reply, other


def moves_versions(comment, other, write):
    """Run the write; assert it moved the discussion's and its thread's versions only."""
    before = (discussion_version(comment.article), thread_version(comment), thread_version(other))
    write()
    after = (discussion_version(comment.article), thread_version(comment), thread_version(other))
    assert after[0] > before[0], "the discussion's version did not move"
    assert after[1] > before[1], "the thread's version did not move"
    assert after[2] == before[2], "a thread the write did not touch moved"


WRITES = {
    "reply": lambda root, reply, writer, mod: make_comment(parent=reply, author=UserFactory()),
    "edit": lambda root, reply, writer, mod: actions.edit_comment(reply, writer, "Changed words."),
    "delete": lambda root, reply, writer, mod: actions.delete_comment(reply, writer),
    "recommend": lambda root, reply, writer, mod: actions.recommend(reply, UserFactory()),
    "remove": lambda root, reply, writer, mod: moderation.decide(reply, "remove", mod, reason="spam"),
    "spam": lambda root, reply, writer, mod: moderation.decide(reply, "spam", mod),
    "lock": lambda root, reply, writer, mod: moderation.set_replies_locked(reply, True, mod),
    "hide after flags": lambda root, reply, writer, mod: [
        moderation.flag(reply, UserFactory(), "abuse") for _ in range(3)
    ],
}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_every_public_write_moves_its_discussion_and_thread(thread, writer, write):
    root, reply, other = thread
    mod = moderator()
    moves_versions(reply, other, lambda: write(root, reply, writer, mod))


def test_decisions_that_undo_others_move_versions_too(thread, writer):
    root, reply, other = thread
    mod = moderator()
    moderation.decide(reply, "remove", mod, reason="spam")
    moves_versions(reply, other, lambda: moderation.decide(reply, "restore", mod))
    moderation.set_replies_locked(reply, True, mod)
    moves_versions(reply, other, lambda: moderation.set_replies_locked(reply, False, mod))
    actions.recommend(reply, user := UserFactory())
    moves_versions(reply, other, lambda: actions.withdraw_recommendation(reply, user))
    pending = make_comment(parent=root, author=UserFactory(), status=S.PENDING)
    moves_versions(pending, other, lambda: moderation.decide(pending, "approve", mod))


def test_a_new_thread_moves_the_discussion(thread):
    root, reply, other = thread
    before, root_version = discussion_version(root.article), thread_version(root)
    new = make_comment(root.article, author=UserFactory())
    assert discussion_version(root.article) > before
    # Nothing can have been kept under a new root's id, so its thread has no version to move
    # yet (one UPDATE fewer while new threads' lock is held), nor has any other thread.
    assert (thread_version(new), thread_version(root)) == (0, root_version)
    make_comment(parent=new, author=UserFactory())
    assert thread_version(new) == 1


def test_count_and_version_move_together(thread):
    root, reply, other = thread
    article = root.article
    article.refresh_from_db()
    count, version = article.comment_count, article.discussion_version
    make_comment(article, author=UserFactory())
    article.refresh_from_db()
    assert (article.comment_count, article.discussion_version) == (count + 1, version + 1)
    assert article.discussion_changed_at == article.comment_count_changed_at


def test_renaming_a_commenter_moves_the_discussions_that_show_the_name(
    thread, writer, django_capture_on_commit_callbacks
):
    root, reply, other = thread
    before = (discussion_version(root.article), thread_version(reply), thread_version(other))
    with django_capture_on_commit_callbacks(execute=True):
        writer.last_name = "Unshown"
        writer.save(update_fields=["last_name"])  # not a name anyone sees on a comment
    assert (discussion_version(root.article), thread_version(reply), thread_version(other)) == before
    with django_capture_on_commit_callbacks(execute=True) as moves:
        writer.display_name = "A New Name"
        writer.save()
        assert discussion_version(root.article) == before[0]  # not before the name commits
    # One move of the versions (the front's generation follows each commit: not counted).
    assert len([move for move in moves if move is not front.next_generation]) == 1
    assert discussion_version(root.article) > before[0]
    assert thread_version(reply) > before[1]
    assert thread_version(other) == before[2]


def test_a_deleted_account_moves_the_discussions_it_wrote_in(
    thread, writer, django_capture_on_commit_callbacks
):
    root, reply, other = thread
    before = (discussion_version(root.article), thread_version(reply))
    with django_capture_on_commit_callbacks(execute=True):
        writer.delete()
    assert discussion_version(root.article) > before[0]
    assert thread_version(reply) > before[1]


def test_an_article_saved_from_a_stale_copy_keeps_the_discussion_version(thread):
    root, reply, other = thread
    stale = type(root.article).objects.get(pk=root.article_id)
    make_comment(root.article, author=UserFactory())
    fresh = discussion_version(root.article)
    stale.headline = "Edited headline"
    stale.save()
    assert discussion_version(root.article) == fresh


@pytest.mark.parametrize("change", [
    lambda article: article.save(),
    lambda article: article.tags.add(TagFactory()),
    lambda article: article.authors.add(AuthorFactory()),
    lambda article: SectionFactory(),
    lambda article: article.section.save(),
    lambda article: article.delete(),
], ids=["article edited", "tag added", "author added", "section made", "section renamed", "article deleted"])
def test_what_surrounds_discussions_moves_the_site_version(change):
    article = ArticleFactory()
    before = site_version()
    change(article)
    assert site_version() > before
