"""check_comment_trees finds broken trees and wrong counts, --repair fixes them, and
generate_content makes sound forests."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F

from comments import checks
from comments.generate import generate
from comments.models import Comment
from newsroom.models import Article
from tests.factories import ArticleFactory, make_comment, make_discussion

pytestmark = pytest.mark.django_db


def run_check(*args):
    """(exit status, printed report) of manage.py check_comment_trees."""
    out = io.StringIO()
    try:
        call_command("check_comment_trees", *args, stdout=out, no_color=True)
    except CommandError as error:
        return 1, out.getvalue() + str(error)
    return 0, out.getvalue()


@pytest.fixture
def forest():
    """Two articles with a few hundred comments in threads of every shape."""
    first, second = ArticleFactory(), ArticleFactory()
    make_discussion(first, 300, seed=4)
    make_discussion(second, 200, seed=5, threads=6)
    return first, second


def thread_with_replies(article, minimum=4):
    """The tree id of a thread with at least `minimum` comments and some depth."""
    return (Comment.objects.filter(article=article, parent=None, rght__gte=2 * minimum)
            .filter(tree_id__in=Comment.objects.filter(level__gte=2).values("tree_id"))
            .values_list("tree_id", flat=True).first())


def test_healthy_forest_passes(forest):
    status, report = run_check()
    assert status == 0, report
    assert "Checked 500 comments" in report
    assert "All trees and comment counts are sound." in report


def test_comments_posted_one_by_one_pass(forest):
    first, _ = forest
    root = make_comment(first, body="New thread.")
    reply = make_comment(first, parent=root, body="A reply.")
    make_comment(first, parent=reply, body="A reply to the reply.")
    deep_parent = Comment.objects.filter(article=first, level=3, status="published").first()
    make_comment(first, parent=deep_parent, body="Deep down.")
    assert checks.check().ok


def test_overlapping_numbers(forest):
    first, _ = forest
    tree_id = thread_with_replies(first)
    child = Comment.objects.filter(tree_id=tree_id, level=1).order_by("lft").first()
    Comment.objects.filter(pk=child.pk).update(rght=F("rght") + 2)
    status, report = run_check()
    assert status == 1
    assert f"tree {tree_id}:" in report
    assert f"overlap: number {child.rght + 2} is used by comments {child.pk} (rght)" in report
    assert "--repair" in report
    status, report = run_check("--repair")
    assert status == 0, report
    assert f"tree {tree_id}: renumbered from its parent links" in report
    assert run_check()[0] == 0


def test_wrong_level(forest):
    first, _ = forest
    tree_id = thread_with_replies(first)
    node = Comment.objects.filter(tree_id=tree_id, level=2).first()
    Comment.objects.filter(pk=node.pk).update(level=5)
    status, report = run_check()
    assert status == 1
    assert f"comment {node.pk}: level 5, but its parent {node.parent_id} is at level 1" in report
    assert run_check("--repair")[0] == 0
    assert Comment.objects.get(pk=node.pk).level == 2


def test_two_roots_with_one_tree_id(forest):
    first, _ = forest
    one, other = Comment.objects.filter(article=first, parent=None, rght__gt=2).order_by("pk")[:2]
    Comment.objects.filter(tree_id=other.tree_id).update(tree_id=one.tree_id)
    status, report = run_check()
    assert status == 1
    assert f"tree {one.tree_id}:" in report
    assert f"comments {one.pk}, {other.pk}: 2 roots share this tree id" in report
    status, report = run_check("--repair")
    assert status == 0, report
    assert f"root {other.pk} also claims it" in report
    one.refresh_from_db()
    other.refresh_from_db()
    assert one.tree_id != other.tree_id
    assert Comment.objects.filter(tree_id=other.tree_id).count() == (other.rght - other.lft + 1) // 2
    assert run_check()[0] == 0


def test_tree_spanning_two_articles(forest):
    first, second = forest
    tree_id = thread_with_replies(first)
    stray = Comment.objects.filter(tree_id=tree_id, level=1, status="published").first()
    moved = stray.get_descendants(include_self=True)
    moved_ids = list(moved.values_list("pk", flat=True))
    moved_published = moved.filter(status="published").count()
    Comment.objects.filter(pk__in=moved_ids).update(article=second)
    # The count moved too, as a buggy bulk script might have done.
    Article.objects.filter(pk=first.pk).update(comment_count=F("comment_count") - moved_published)
    Article.objects.filter(pk=second.pk).update(comment_count=F("comment_count") + moved_published)
    status, report = run_check()
    assert status == 1
    assert f"tree {tree_id}:" in report
    assert "spans 2 articles" in report and f"article {second.pk}: {stray.pk}" in report
    status, report = run_check("--repair")
    assert status == 0, report
    assert f"moved to article {first.pk}" in report
    assert set(Comment.objects.filter(pk__in=moved_ids).values_list("article", flat=True)) == {first.pk}
    for article in (first, second):
        article.refresh_from_db()
        assert article.comment_count == article.comments.visible().count()


def test_wrong_comment_count(forest):
    first, second = forest
    Article.objects.filter(pk=first.pk).update(comment_count=F("comment_count") + 3)
    actual = first.comments.visible().count()
    status, report = run_check()
    assert status == 1
    assert (f"article {first.pk}: comment_count is {actual + 3}, but it has {actual} "
            "published comments") in report
    assert "tree " not in report.split("Checked", 1)[1].split("\n", 1)[1]  # trees are fine
    status, report = run_check("--repair")
    assert status == 0, report
    first.refresh_from_db()
    assert first.comment_count == actual


def test_a_child_in_another_tree_and_several_problems_at_once(forest):
    first, _ = forest
    leaf = Comment.objects.filter(article=first, level__gte=2, rght=F("lft") + 1).first()
    tree_a = leaf.tree_id
    tree_b = (Comment.objects.filter(article=first, parent=None).exclude(tree_id=tree_a)
              .values_list("tree_id", flat=True).first())
    Comment.objects.filter(pk=leaf.pk).update(tree_id=tree_b, lft=100, rght=101)
    other = Comment.objects.filter(tree_id=tree_a, level=1).last()
    Comment.objects.filter(pk=other.pk).update(lft=F("rght") + 1)
    status, report = run_check()
    assert status == 1
    assert f"comment {leaf.pk}: its parent {leaf.parent_id} is not in this tree" in report
    assert f"lft {other.rght + 1} is not below rght {other.rght}" in report
    status, report = run_check("--repair")
    assert status == 0, report
    assert Comment.objects.get(pk=leaf.pk).tree_id == tree_a


def test_circular_parents_are_reported_not_repaired(forest):
    first, _ = forest
    tree_id = thread_with_replies(first)
    root = Comment.objects.get(tree_id=tree_id, parent=None)
    child = Comment.objects.filter(tree_id=tree_id, level=1).first()
    Comment.objects.filter(pk=root.pk).update(parent=child)
    status, report = run_check("--repair")
    assert status == 1
    assert "no root" in report
    assert "go round in a circle" in report


def test_generate_content_counts_and_clean_check():
    before = Article.objects.count()
    out = io.StringIO()
    call_command("generate_content", "--articles", "4", "--comments", "1500", "--seed", "3",
                 stdout=out)
    assert "Created 4 articles and 1500 comments" in out.getvalue()
    assert Article.objects.count() == before + 4
    assert Comment.objects.count() == 1500
    for article in Article.objects.filter(slug__startswith="generated-3-"):
        assert article.comment_count == article.comments.visible().count()
    statuses = set(Comment.objects.values_list("status", flat=True))
    assert {"published", "removed", "deleted", "pending"} <= statuses
    assert Comment.objects.filter(author=None).exclude(guest_name="").exists()
    assert Comment.objects.filter(recommend_count__gt=0).exists()
    assert Comment.objects.filter(level__gte=10).exists()  # replies to replies, 10+ deep
    roots = Comment.objects.filter(parent=None)
    sizes = sorted((rght - 1) // 2 + 1 for rght in roots.values_list("rght", flat=True))
    assert sizes[0] == 1 and sizes[-1] >= 50  # many small threads, some large
    assert roots.count() == len(set(roots.values_list("tree_id", flat=True)))
    assert run_check()[0] == 0


def test_generate_content_is_deterministic_and_bodies_render_as_the_site_renders():
    from newsroom.text import render_comment

    first, second = ArticleFactory(), ArticleFactory()

    def shape(article):
        return list(Comment.objects.filter(article=article).order_by("pk").values_list(
            "body", "status", "level", "lft", "rght", "guest_name", "author__username",
            "recommend_count"))

    make_discussion(first, 300, seed=9)
    make_discussion(second, 300, seed=9)  # reuses the commenters of seed 9
    assert shape(first) == shape(second)
    for comment in Comment.objects.filter(article=first)[:100]:
        assert comment.body_html == render_comment(comment.body)


def test_generate_content_into_one_article_with_a_shape():
    article = ArticleFactory()
    out = io.StringIO()
    call_command("generate_content", "--into", article.slug, "--comments", "400",
                 "--threads", "8", "--max-depth", "3", stdout=out)
    comments = Comment.objects.filter(article=article)
    assert comments.count() == 400
    assert comments.filter(parent=None).count() == 8
    assert max(comments.values_list("level", flat=True)) == 3
    article.refresh_from_db()
    assert article.comment_count == comments.filter(status="published").count()
    with pytest.raises(CommandError, match="No article with the slug"):
        call_command("generate_content", "--into", "no-such-article", "--comments", "5")


def test_generate_content_refuses_a_seed_used_before():
    generate(articles=2, seed=21)
    with pytest.raises(CommandError, match="exist already"):
        call_command("generate_content", "--articles", "2", "--seed", "21")


def test_generated_threads_take_new_tree_ids_after_posted_ones():
    article = ArticleFactory()
    posted = make_comment(article, body="Posted first.")
    make_discussion(article, 50, seed=2)
    later = make_comment(article, body="Posted after the bulk insert.")
    tree_ids = list(Comment.objects.filter(parent=None).values_list("tree_id", flat=True))
    assert len(tree_ids) == len(set(tree_ids))
    assert min(tree_ids) == posted.tree_id and max(tree_ids) == later.tree_id
    reply = make_comment(article, parent=Comment.objects.filter(article=article, level=2).first())
    assert reply.level == 3
    assert checks.check().ok
