"""The desk at big-story volume: the search box routed by the shape of the term, one
discussion paged by whole threads with its depth and statuses shown, indexes the lists' orders
can use (PostgreSQL's plans), and a constant number of queries per page."""

import re
import warnings

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from comments.admin import paging, search
from comments.bench_desk import past_week
from comments.models import Comment, Flag
from tests.factories import ArticleFactory, UserFactory, make_comment, make_discussion, moderator

pytestmark = pytest.mark.django_db
S = Comment.Status
LIST = "/admin/comments/comment/"
on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="plans of PostgreSQL")


@pytest.fixture
def mod_client(client):
    client.force_login(moderator())
    return client


def listed(response):
    assert response.status_code == 200, response.content[:500]
    return [int(pk) for pk in re.findall(r'name="_selected_action" value="(\d+)"', response.content.decode())]


@pytest.fixture
def talk():
    article = ArticleFactory()
    sam, other = UserFactory(username="sam", display_name="Sam Spade"), UserFactory(username="kit")
    return {
        "by_sam": make_comment(article, author=sam, body="Nothing to see here."),
        "about_sam": make_comment(article, author=other, body="As @sam said, sam knows the harbour flooded."),
        "from_ip": make_comment(article, guest_name="Ann", body="Hello there.", ip_address="198.51.100.23",
                                guest_email="Ann@Example.net"),
        "quotes_ip": make_comment(article, author=other, body="The server at 198.51.100.23 is down."),
        "flooding": make_comment(article, author=other, body="Water in the streets near the harbour again."),
    }


@pytest.mark.parametrize("term, expected, said", [
    ("198.51.100.23", ["from_ip"], "IP address 198.51.100.23"),  # not the comment quoting it
    ("@sam", ["by_sam"], "by the user sam"),  # not the comment mentioning @sam
    ("Sam", ["by_sam"], "by the user Sam"),  # an existing username as it is
    ("ann@example.NET", ["from_ip"], "with the email"),
    ("harbour flooded", ["about_sam"], "with the words"),  # every word, in any order
    ("harbour", ["about_sam", "flooding"], "with the words"),
    ("@nobody", [], "by the user nobody"),
])
def test_search_is_routed_by_the_shape_of_the_term(mod_client, talk, term, expected, said):
    response = mod_client.get(LIST, {"q": term})
    assert sorted(listed(response)) == sorted(talk[name].pk for name in expected)
    assert said in response.content.decode()


def test_a_word_that_is_not_a_username_searches_the_text(mod_client, talk):
    assert listed(mod_client.get(LIST, {"q": "streets"})) == [talk["flooding"].pk]
    assert listed(mod_client.get(LIST, {"q": '"sam"'})) == [talk["about_sam"].pk]


def tree_pages(client, article):
    """Each page of the article's tree: [(comment id, row text)]."""
    pages, number = [], 1
    while True:
        html = client.get(LIST, {"article": article.pk, "p": number}).content.decode()
        rows = re.findall(r'<tr>(.*?)</tr>', html, flags=re.S)
        pages.append([(int(re.search(r'name="_selected_action" value="(\d+)"', row)[1]), row)
                      for row in rows if "_selected_action" in row])
        if f'?article={article.pk}&amp;p={number + 1}"' not in html:
            return pages
        number += 1


def chain(article, length, status=S.PUBLISHED):
    """A thread of one back-and-forth: each comment answers the one before."""
    comments = [make_comment(article, author=UserFactory(), body="Root of a long argument.")]
    for number in range(1, length):
        comments.append(make_comment(article, parent=comments[-1], author=UserFactory(),
                                     body=f"Answer {number}.", status=status))
    return comments


def test_tree_pages_hold_whole_threads_with_depth_and_status(mod_client, monkeypatch):
    monkeypatch.setattr(paging, "TREE_PAGE_ROWS", 6)
    article = ArticleFactory()
    threads = []
    for size in (4, 2, 3, 1, 5):
        root = make_comment(article, author=UserFactory(), body=f"Thread of {size}.")
        replies = [make_comment(article, parent=root, author=UserFactory(), body="A reply.",
                                status=S.REMOVED if n == 0 else S.PUBLISHED) for n in range(size - 1)]
        threads.append([root.pk, *(reply.pk for reply in replies)])
    pages = tree_pages(mod_client, article)
    assert [[pk for pk, _ in page] for page in pages] == [
        threads[0] + threads[1], threads[2] + threads[3], threads[4]]
    removed = next(text for page in pages for pk, text in page if pk == threads[0][1])
    assert "status-removed" in removed and "Removed" in removed and "↳1" in removed


def test_a_thread_too_big_for_a_page_is_cut_with_its_context_and_the_indent_capped(mod_client, monkeypatch):
    monkeypatch.setattr(paging, "TREE_PAGE_ROWS", 10)
    article = ArticleFactory()
    small = make_comment(article, author=UserFactory(), body="A small thread.")
    argument = chain(article, 25)
    pages = tree_pages(mod_client, article)
    assert [pk for pk, _ in pages[0]] == [small.pk]
    assert len(pages) == 4  # the small thread, then the argument in three parts
    shown = []
    for part in pages[1:]:
        ids = [pk for pk, _ in part]
        context = [pk for pk, text in part if "above-page" in text]
        assert ids[: len(context)] == context
        assert context == [c.pk for c in argument[: len(context)]]  # every comment above the first
        shown += ids[len(context):]
    assert shown == [c.pk for c in argument]  # each once, in order, none lost between pages
    deepest = dict(pages[-1])[argument[-1].pk]
    assert "indent-12" in deepest and "↳24" in deepest and "indent-24" not in deepest
    assert "style=" not in "".join(text for page in pages for _, text in page)


def test_tree_and_list_pages_cost_the_same_queries_however_big(mod_client, django_assert_num_queries):
    article = ArticleFactory()
    chain(article, 3)
    urls = [f"{LIST}?article={article.pk}", f"{LIST}?q=argument", f"{LIST}?q=@sam", f"{LIST}?queue=pending"]
    counts = {}
    for url in urls:
        mod_client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert mod_client.get(url).status_code == 200
        counts[url] = len(queries)
    for _ in range(3):
        chain(article, 30, status=S.PENDING)
    for url in urls:
        with django_assert_num_queries(counts[url]):
            mod_client.get(url)


def test_counts_stop_at_a_limit(mod_client, monkeypatch):
    monkeypatch.setattr(paging.CountedPaginator, "limit", 4)
    monkeypatch.setattr(search, "TEXT_COUNT_LIMIT", 2)  # words are counted less far
    article = ArticleFactory()
    same = [make_comment(article, author=UserFactory(), body="Same words.") for _ in range(6)]
    make_comment(article, author=UserFactory(), body="Other words.")
    assert "more than 3 comments" in mod_client.get(LIST).content.decode()
    response = mod_client.get(LIST, {"q": "same"})
    assert "more than 2 comments" in response.content.decode()
    # Past the limit the list is walked newest first, each comment asked for the words
    # (PostgreSQL): still every match, in the list's order.
    assert listed(response) == [comment.pk for comment in reversed(same)]


@pytest.fixture
def big_table(talk):
    """A few thousand generated comments around `talk`, some flagged, with fresh statistics,
    so that PostgreSQL plans as it would for a big table."""
    make_discussion(ArticleFactory(), 3000, seed=7)
    reader = UserFactory()
    flagged = list(Comment.objects.filter(status=S.PUBLISHED).order_by("pk")[:40])
    Flag.objects.bulk_create(Flag(comment=comment, user=reader, reason="spam") for comment in flagged)
    Comment.objects.filter(pk__in=[comment.pk for comment in flagged]).update(flag_count=1)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return talk


@on_postgresql
@pytest.mark.parametrize("params, index", [
    ({}, "comment_time"),
    ({"queue": "pending"}, "comment_pending_queue"),  # by the machine's scores
    ({"queue": "removed"}, "comment_status_time_id"),
    # Its own index at the desk's size; with 40 flagged here, sorting them after reading
    # comment_flagged_time can look as cheap to PostgreSQL.
    ({"queue": "flagged"}, "comment_flagged_"),
    ({"status": "published"}, "comment_time"),  # most comments: reading by time is as good
    ({"q": "198.51.100.23"}, "comment_ip_address"),
    ({"q": "harbour"}, "comment_search"),  # its GIN index once the table is big
    ({"q": "@sam"}, "comment_author_time"),
    ({"q": "ann@example.net"}, "comment_guest_email"),
    ({"flags": "yes"}, "comment_flagged_time"),  # a few in the whole table, newest first
])
def test_each_list_reads_its_page_through_an_index(mod_client, big_table, params, index):
    with CaptureQueriesContext(connection) as queries:
        assert mod_client.get(LIST, params).status_code == 200
    page = next(q["sql"] for q in queries if '"comments_comment"."body"' in q["sql"] and "ORDER BY" in q["sql"])
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + page)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert index in plan and "Seq Scan on comments_comment" not in plan, plan


def test_a_tree_narrowed_by_a_filter_shows_the_threads_it_holds(mod_client):
    article = ArticleFactory()
    chain(article, 3)
    waiting = chain(article, 3, status=S.PENDING)
    chain(ArticleFactory(), 3, status=S.PENDING)  # another discussion's
    pending = listed(mod_client.get(LIST, {"article": article.pk, "status": "pending"}))
    assert pending == [comment.pk for comment in waiting[1:]]
    thread = listed(mod_client.get(LIST, {"thread": waiting[0].tree_id}))
    assert thread == [comment.pk for comment in waiting]


def threads_query(client, params):
    """The SQL that plans a tree view's pages (reads the roots' tree id and rght)."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(LIST, params).status_code == 200
    return next(q["sql"] for q in queries if '"comments_comment"."rght" AS "rght"' in q["sql"])


@on_postgresql
def test_a_discussion_tree_finds_its_threads_without_reading_the_table(mod_client, big_table):
    article = Comment.objects.values_list("article", flat=True).order_by("-pk").first()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + threads_query(mod_client, {"article": article}))
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # Through the article's roots: the index of replies holds no roots, so it cannot lead
    # PostgreSQL to read the roots of every article.
    assert "Seq Scan on comments_comment" not in plan and "comment_roots_by_time" in plan, plan


def test_a_whole_discussion_is_planned_from_its_roots_alone(mod_client, monkeypatch):
    monkeypatch.setattr(paging, "TREE_PAGE_ROWS", 4)
    article = ArticleFactory()
    threads = [chain(article, size) for size in (3, 2, 5, 1)]
    threads[1][0].status = S.REMOVED  # a thread with nothing public is still the discussion's
    threads[1][0].save(update_fields=["status"])
    # Nothing filtered: every root is a thread of the list, so none is checked against it.
    assert " IN (SELECT" not in threads_query(mod_client, {"article": article.pk})
    assert " IN (SELECT" not in threads_query(mod_client, {"thread": threads[2][0].tree_id, "p": 2})
    # Pages of whole threads (the third, too big, in two parts, the second opening with the
    # comments above it), exactly as when each root was checked against the list.
    assert [[pk for pk, _ in page] for page in tree_pages(mod_client, article)] == [
        [c.pk for c in threads[0]], [c.pk for c in threads[1]], [c.pk for c in threads[2][:4]],
        [c.pk for c in threads[2]], [c.pk for c in threads[3]]]
    # A filter or a search narrows the list: then each root is checked against it.
    for params in ({"article": article.pk, "status": "removed"}, {"article": article.pk, "q": "argument"}):
        assert " IN (SELECT" in threads_query(mod_client, params), params


def test_each_row_links_to_its_comment_keeping_the_list_filters(mod_client):
    article = ArticleFactory()
    comment = chain(article, 2, status=S.PENDING)[1]
    html = mod_client.get(LIST, {"status": "pending"}).content.decode()
    assert (f'href="/admin/comments/comment/{comment.pk}/change/?_changelist_filters=status%3Dpending"'
            in html)
    assert f'href="{reverse("comments:in_context", args=[comment.pk])}"' in html


@on_postgresql
def test_a_word_search_is_counted_once_unless_a_filter_narrows_it(mod_client):
    article = ArticleFactory()
    shown = [make_comment(article, author=UserFactory(), body=f"The harbour, {n}.") for n in range(3)]
    waiting = make_comment(article, author=UserFactory(), body="The harbour again.", status=S.PENDING)

    def counts_over_comments(params):
        with CaptureQueriesContext(connection) as queries:
            response = mod_client.get(LIST, params)
        return response, [q["sql"] for q in queries
                          if "COUNT(*)" in q["sql"] and "comment_search" in q["sql"]]

    # The words' own count is the list's: the comments are not counted again.
    response, counted = counts_over_comments({"q": "harbour"})
    assert sorted(listed(response)) == sorted(c.pk for c in [*shown, waiting]) and counted == []
    assert "4 comments" in response.content.decode()
    # With a filter besides, the list is counted as it is.
    response, counted = counts_over_comments({"q": "harbour", "status": "pending"})
    assert listed(response) == [waiting.pk] and len(counted) == 1
    assert "1 comment" in response.content.decode()


def test_the_desk_benchs_past_week_is_the_desks_own_link_and_an_aware_time(mod_client, talk):
    """bench_desk times the list filtered as the desk's "Past 7 days" link filters it, with
    the time zone's offset: never a naive datetime (Django warns, and reads it in UTC)."""
    html = mod_client.get(LIST).content.decode()
    assert f'<a href="?{escape(past_week())}">Past 7 days</a>' in html
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        response = mod_client.get(f"{LIST}?{past_week()}")
    assert response.status_code == 200 and len(listed(response)) == Comment.objects.count()

