"""Checking, and repairing, the comment trees and the public comment counts.

`check()` reads the whole comments table once, streamed in tree order (tree_id, lft), and
checks each tree as it goes by, with the numbers of that tree only in memory; one more query
compares every article's comment_count with its published comments. Nothing is read per tree,
so 100,000 comments take about a second.

What a healthy tree looks like (django-mptt's nested sets, one tree per top-level comment):

- every node has lft < rght;
- exactly one root (no parent) per tree_id, at level 0 with lft 1;
- every other node's parent is in the same tree, its (lft, rght) lies inside the parent's,
  its level is the parent's level + 1, and the parent is the innermost node whose numbers
  enclose it (the numbering says the same as the parent links);
- rght - lft = 2 x descendants + 1 for every node, and a tree of n nodes uses each number
  from 1 to 2n once: no gaps and no overlaps;
- all nodes of a tree belong to one article.

`repair()` fixes what the parent links can fix: each broken tree is renumbered from its parent
links by comments.tree.rebuild() (which takes that tree's lock). Before that, a tree id shared
by several roots is split (each extra root and its replies get a fresh tree id, under the
new-thread lock), nodes whose tree id is not their root's are given their root's, and replies
filed under another article than their thread's are moved to the thread's article (a reply
belongs to the discussion it answers; post_comment refuses anything else). Counts are then
recomputed from the comments themselves.
"""

from bisect import bisect_left, bisect_right
from contextlib import ExitStack
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from comments import tree, versions
from comments.models import Comment
from newsroom.models import Article

# Problems printed per tree before "... and N more": a badly broken big tree would otherwise
# bury the rest of the report.
SHOWN_PER_TREE = 10
STREAM_CHUNK = 5_000
COLUMNS = ("id", "parent_id", "tree_id", "lft", "rght", "level", "article_id")


@dataclass
class TreeProblem:
    tree_id: int
    comment_ids: list
    message: str

    def __str__(self):
        ids = ", ".join(str(pk) for pk in self.comment_ids)
        label = "comment" if len(self.comment_ids) == 1 else "comments"
        return f"{label} {ids}: {self.message}" if self.comment_ids else self.message


@dataclass
class CountProblem:
    article_id: int
    stored: int
    actual: int

    def __str__(self):
        return (f"article {self.article_id}: comment_count is {self.stored}, "
                f"but it has {self.actual} published comment{'s' if self.actual != 1 else ''}")


@dataclass
class Report:
    trees: int = 0
    comments: int = 0
    tree_problems: list = field(default_factory=list)
    count_problems: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.tree_problems and not self.count_problems

    @property
    def broken_tree_ids(self):
        return sorted({problem.tree_id for problem in self.tree_problems})

    def lines(self):
        """The report as readable lines, problems grouped by tree."""
        lines = [f"Checked {self.comments} comments in {self.trees} trees."]
        by_tree = {}
        for problem in self.tree_problems:
            by_tree.setdefault(problem.tree_id, []).append(problem)
        for tree_id, problems in sorted(by_tree.items()):
            lines.append(f"tree {tree_id}: {len(problems)} problem{'s' if len(problems) > 1 else ''}")
            lines.extend(f"  {problem}" for problem in problems[:SHOWN_PER_TREE])
            if len(problems) > SHOWN_PER_TREE:
                lines.append(f"  ... and {len(problems) - SHOWN_PER_TREE} more")
        if self.count_problems:
            lines.append(f"comment counts: {len(self.count_problems)} wrong")
            lines.extend(f"  {problem}" for problem in self.count_problems[:SHOWN_PER_TREE * 5])
            if len(self.count_problems) > SHOWN_PER_TREE * 5:
                lines.append(f"  ... and {len(self.count_problems) - SHOWN_PER_TREE * 5} more")
        if self.ok:
            lines.append("All trees and comment counts are sound.")
        else:
            lines.append(f"{len(by_tree)} broken tree{'s' if len(by_tree) != 1 else ''}, "
                         f"{len(self.count_problems)} wrong comment count"
                         f"{'s' if len(self.count_problems) != 1 else ''}.")
        return lines


def check():
    """Check every tree and every article's comment count; returns a Report."""
    report = Report()
    rows = (
        Comment.objects.order_by("tree_id", "lft", "id")
        .values_list(*COLUMNS)
        .iterator(chunk_size=STREAM_CHUNK)
    )
    current, nodes = None, []
    for row in rows:
        if row[2] != current:
            if nodes:
                check_tree(current, nodes, report)
            current, nodes = row[2], []
        nodes.append(row)
    if nodes:
        check_tree(current, nodes, report)
    report.count_problems = check_counts()
    return report


def check_tree(tree_id, nodes, report):
    """Check one tree; nodes are (id, parent_id, tree_id, lft, rght, level, article_id) rows
    sorted by lft."""
    report.trees += 1
    report.comments += len(nodes)
    problems = report.tree_problems

    def problem(ids, message):
        problems.append(TreeProblem(tree_id, list(ids), message))

    by_id = {node[0]: node for node in nodes}
    roots = [node for node in nodes if node[1] is None]
    if not roots:
        problem([], "no root: every comment in it has a parent")
    elif len(roots) > 1:
        problem([root[0] for root in roots], f"{len(roots)} roots share this tree id")
    for root in roots:
        if root[5] != 0:
            problem([root[0]], f"root at level {root[5]}, not 0")
        if root[3] != 1:
            problem([root[0]], f"root starts at lft {root[3]}, not 1")

    articles = {}
    for node in nodes:
        articles.setdefault(node[6], []).append(node[0])
    if len(articles) > 1:
        spread = "; ".join(
            f"article {article_id}: {describe_ids(ids)}" for article_id, ids in sorted(articles.items())
        )
        problem([], f"spans {len(articles)} articles ({spread})")

    check_numbering(nodes, problem)
    lfts = [node[3] for node in nodes]
    open_nodes = []  # the nodes whose numbers enclose the one being looked at, innermost last
    for node in nodes:
        pk, parent_id, _, lft, rght, level, _ = node
        if lft >= rght:
            problem([pk], f"lft {lft} is not below rght {rght}")
        descendants = bisect_left(lfts, rght) - bisect_right(lfts, lft)
        if rght - lft != 2 * descendants + 1:
            problem([pk], f"rght - lft = {rght - lft}, but it encloses {descendants} "
                          f"comment{'s' if descendants != 1 else ''} (should be {2 * descendants + 1}): "
                          "a gap or an overlap in the numbering")
        while open_nodes and open_nodes[-1][4] < lft:
            open_nodes.pop()
        if parent_id is not None:
            parent = by_id.get(parent_id)
            if parent is None:
                problem([pk], f"its parent {parent_id} is not in this tree")
            else:
                if not (parent[3] < lft and rght < parent[4]):
                    problem([pk], f"({lft}, {rght}) is not inside its parent {parent_id}'s "
                                  f"({parent[3]}, {parent[4]})")
                if level != parent[5] + 1:
                    problem([pk], f"level {level}, but its parent {parent_id} is at level {parent[5]}")
                enclosing = open_nodes[-1][0] if open_nodes else None
                if enclosing is not None and enclosing != parent_id and parent[3] < lft < parent[4]:
                    problem([pk], f"numbered inside comment {enclosing}, but its parent is {parent_id}")
        if rght > lft:
            open_nodes.append(node)


def check_numbering(nodes, problem):
    """n nodes use each of the numbers 1 to 2n exactly once, as a lft or a rght."""
    users = {}
    for pk, _, _, lft, rght, _, _ in nodes:
        users.setdefault(lft, []).append(f"{pk} (lft)")
        users.setdefault(rght, []).append(f"{pk} (rght)")
    shared = sorted(number for number, who in users.items() if len(who) > 1)
    for number in shared[:SHOWN_PER_TREE]:
        problem([], f"overlap: number {number} is used by comments {', '.join(users[number])}")
    top = 2 * len(nodes)
    missing = [number for number in range(1, top + 1) if number not in users]
    if missing:
        problem([], f"gap: {len(missing)} of the numbers 1-{top} are not used "
                    f"({describe_ids(missing)})")
    beyond = sorted(number for number in users if not 1 <= number <= top)
    if beyond:
        problem([], f"numbers outside 1-{top}: {describe_ids(beyond)}")


def describe_ids(ids, shown=5):
    text = ", ".join(str(pk) for pk in ids[:shown])
    return text + (f" and {len(ids) - shown} more" if len(ids) > shown else "")


def published_counts():
    return Subquery(
        Comment.objects.filter(article=OuterRef("pk"), status=Comment.Status.PUBLISHED)
        .order_by().values("article").annotate(n=Count("pk")).values("n"),
        output_field=IntegerField(),
    )


def check_counts():
    """Articles whose comment_count is not their number of published comments (one query)."""
    wrong = (
        Article.objects.annotate(
            actual=Count("comments", filter=Q(comments__status=Comment.Status.PUBLISHED))
        )
        .exclude(comment_count=F("actual"))
        .order_by("pk")
        .values_list("pk", "comment_count", "actual")
    )
    return [CountProblem(*row) for row in wrong]


# Repair ------------------------------------------------------------------------------------


class Unrepairable(Exception):
    pass


def repair(report, log=print):
    """Fix the broken trees and wrong counts that `report` found; returns what was done."""
    done = []

    def note(line):
        done.append(line)
        log(line)

    if report.broken_tree_ids:
        repair_trees(report.broken_tree_ids, note)
    if report.count_problems:
        fix_counts([problem.article_id for problem in report.count_problems], note)
    return done


def repair_trees(tree_ids, note):
    involved = involved_nodes(tree_ids)
    parent_of = {pk: node["parent_id"] for pk, node in involved.items()}
    root_of = {pk: find_root(pk, parent_of) for pk in involved}
    roots = sorted({root for root in root_of.values()})
    # Lock every tree involved, and thread creation if a tree id must be handed out, in one
    # order (new threads first, then by tree id) so that two repairs cannot deadlock.
    lock_ids = sorted({node["tree_id"] for node in involved.values()})
    claimed = {}
    with ExitStack() as stack, transaction.atomic():
        stack.enter_context(tree.locked(None))
        for tree_id in lock_ids:
            stack.enter_context(tree.locked(tree_id))
        next_tree_id = (Comment.objects.order_by("-tree_id").values_list("tree_id", flat=True).first() or 0) + 1
        target = {}
        for root in roots:
            tree_id = involved[root]["tree_id"]
            if tree_id in claimed:
                note(f"tree {tree_id}: root {root} also claims it (the tree belongs to root "
                     f"{claimed[tree_id]}); its thread moves to new tree {next_tree_id}")
                tree_id, next_tree_id = next_tree_id, next_tree_id + 1
            claimed[tree_id] = root
            target[root] = tree_id
        moves, article_moves = {}, {}
        for pk, root in root_of.items():
            if involved[pk]["tree_id"] != target[root]:
                moves.setdefault(target[root], []).append(pk)
            if involved[pk]["article_id"] != involved[root]["article_id"]:
                article_moves.setdefault(involved[root]["article_id"], []).append(pk)
        for tree_id, ids in sorted(moves.items()):
            Comment.objects.filter(pk__in=ids).update(tree_id=tree_id)
            note(f"tree {tree_id}: took in {describe_ids(sorted(ids))} (their root is in it)")
        for article_id, ids in sorted(article_moves.items()):
            Comment.objects.filter(pk__in=ids).update(article_id=article_id)
            note(f"comments {describe_ids(sorted(ids))}: moved to article {article_id}, "
                 "the article of the thread they reply in")
        for tree_id in sorted(set(target.values())):
            tree.rebuild(tree_id)
            note(f"tree {tree_id}: renumbered from its parent links")
        if article_moves:
            old_articles = {involved[pk]["article_id"] for ids in article_moves.values() for pk in ids}
            fix_counts(sorted(old_articles | set(article_moves)), note, quiet=True)


def involved_nodes(tree_ids):
    """The nodes of the broken trees and of every tree their parent links lead into."""
    involved, pending = {}, set(tree_ids)
    seen_trees = set()
    while pending:
        seen_trees |= pending
        rows = Comment.objects.filter(tree_id__in=pending).values(
            "id", "parent_id", "tree_id", "article_id")
        for row in rows:
            involved[row["id"]] = row
        parents = {row["parent_id"] for row in involved.values() if row["parent_id"]}
        missing = parents - involved.keys()
        pending = set(
            Comment.objects.filter(pk__in=missing).values_list("tree_id", flat=True)
        ) - seen_trees if missing else set()
    return involved


def find_root(pk, parent_of):
    seen = set()
    while parent_of.get(pk) is not None:
        if pk in seen:
            raise Unrepairable(f"comment {pk}'s parent links go round in a circle; "
                               "set one of their parents by hand")
        seen.add(pk)
        pk = parent_of[pk]
    return pk


def fix_counts(article_ids, note, quiet=False):
    """Recount published comments. The articles are locked first, so a comment posted
    meanwhile is either counted here or adds its own +1 after this update, never neither."""
    with transaction.atomic():
        list(Article.objects.select_for_update().filter(pk__in=article_ids).values_list("pk"))
        Article.objects.filter(pk__in=article_ids).update(
            comment_count=Coalesce(published_counts(), 0)
        )
        versions.articles_changed(article_ids)
    if not quiet:
        note(f"comment counts: recounted {len(article_ids)} article{'s' if len(article_ids) != 1 else ''}")
