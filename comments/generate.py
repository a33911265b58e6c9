"""Realistic discussions, fast: articles, a pool of commenters and threaded comments in bulk.

Used by `manage.py generate_content`, the benchmark (`manage.py bench`) and the tests that
need big discussions. Everything is drawn from one random.Random(seed), so a seed always gives
the same articles, people, thread shapes, texts and statuses.

Why bulk_create is safe for comment trees here, although django-mptt's bookkeeping is
bypassed (field notes: bulk_create skips it): every comment made here belongs to a brand-new
thread, and the whole batch is written inside `tree.locked(None)`, the lock every writer of a
new thread takes. Under that lock:

- the tree ids handed out (max(tree_id) + 1 onwards) cannot be taken by anyone else: a new
  top-level comment posted meanwhile waits for the lock and then sees our ids in max(tree_id);
- no existing tree is touched, so replies being posted into other threads meanwhile (they
  hold only their own thread's lock) are not disturbed;
- nobody can reply under our nodes before we commit, because they are not visible until then;
- lft, rght, level and tree_id are computed here for whole trees at once (a depth-first walk,
  children in the order they were written), exactly as django-mptt would number them, and
  `check_comment_trees` verifies that (tests/test_trees.py).

On SQLite the lock is the database's single write lock (BEGIN IMMEDIATE), which serialises all
writers anyway. Comment ids are reserved from the table's sequence (PostgreSQL) or taken above
the highest id ever used (SQLite, under its write lock), so ids grow with created_at as they
would on a live site and each comment can name its parent in the same INSERT.
"""

import random
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from comments import tree, versions
from comments.models import Comment
from newsroom.models import Article, Section, User
from newsroom.versions import site_changed
from newsroom.text import render_comment, render_markdown

FIRST_NAMES = [
    "Amira", "Ben", "Chloe", "Dmitri", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas",
    "Kemal", "Lena", "Marco", "Nadia", "Omar", "Priya", "Quentin", "Rosa", "Samir", "Tessa",
    "Ulrich", "Vera", "Wen", "Yusuf", "Zainab", "Aleksander", "Beatriz", "Callum", "Dalia",
    "Emeka", "Fatima", "Gregory", "Hana", "Ivan", "Julia", "Karim", "Lucia", "Mateo", "Noor",
]
LAST_NAMES = [
    "Ali", "Brown", "Casey", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ivanova",
    "Jensen", "Khan", "Lopez", "Müller", "Novak", "Okafor", "Petrov", "Quinn", "Rossi",
    "Schmidt", "Tanaka", "Usman", "Visser", "Walsh", "Yilmaz", "Zhang", "Hunicz", "Nasser",
]
SENTENCES = [
    "This is the most balanced report I have read on the subject so far.",
    "Does anyone have a source for the figures in the third paragraph?",
    "I lived there for six years and this matches what my neighbours told me.",
    "The negotiations have been going on for months, nothing new here.",
    "Follow the money and you will understand who benefits from this.",
    "That is simply not true, and the article itself says the opposite.",
    "Thanks for the link, I had not seen that interview before.",
    "The map in the earlier coverage showed a very different picture.",
    "Whoever controls the roads controls the supply of food and fuel.",
    "We have heard the same promises every spring and nothing changes.",
    "Civilians pay the price for every one of these decisions.",
    "I think you are reading far too much into a single statement.",
    "The timing is interesting, a week before the talks resume.",
    "Can the editors explain why the photo caption was changed?",
    "My family still has no electricity for more than two hours a day.",
    "Both sides have broken every ceasefire so far, so I am not hopeful.",
    "Good reporting, please keep following this story.",
    "The official statement is here: https://example.org/statements/2021/06/01.",
    "There is a longer analysis at https://example.com/analysis/negotiations if anyone wants it.",
    "It is a *huge* shift in policy, whatever the spokesman says.",
    "Exactly, and nobody asked the people who actually live there.",
    "Not a weapons expert, but that does not look like the rifle they describe.",
    "You are confusing two different groups with similar names.",
    "Read the whole piece before commenting, the answer is in the last paragraph.",
    "The numbers do not add up: 40,000 people cannot leave in two days.",
    "I would like to see the other side's account of the same events.",
    "This will be forgotten in a month, as always.",
    "Fair point, I had not thought about the border crossings.",
    "Well, show me the evidence then.",
    "Agreed. The diplomats seem to be the last to know what is happening.",
    "Historically these deals collapse as soon as the cameras leave.",
    "What happens to the prisoners they are holding?",
    "The journalists on the ground deserve a lot more credit than they get.",
    "Interesting that the ministry has not denied any of it.",
    "I remember when the same town was described as completely secure.",
    "So who is going to pay for the reconstruction?",
    "Please stop the personal attacks, they add nothing to the discussion.",
    "Yes indeed, looks like you are right about that.",
    "The previous agreement had almost the same wording, word for word.",
    "I hope the aid convoys get through before the winter.",
]
HEADLINE_WORDS = [
    "Talks", "Ceasefire", "Council", "Border", "Elections", "Budget", "Convoy", "Harbour",
    "Strike", "Reform", "Drought", "Summit", "Court", "Railway", "Inquiry", "Protest",
]
ARTICLE_BODY = (
    "The first paragraph of a generated story, with the facts that matter most.\n\n"
    "A second paragraph adds context, quotes and the background readers need.\n\n"
    "A third paragraph says what happens next."
)
GENERATED_SECTION = ("generated", "Generated")
PARAGRAPH_POOL = 400


@dataclass
class Summary:
    articles: list = field(default_factory=list)
    comments: int = 0
    threads: int = 0
    published: int = 0
    max_depth: int = 0
    users: int = 0
    guests: int = 0
    statuses: dict = field(default_factory=dict)


class GenerationError(Exception):
    pass


@dataclass
class Node:
    index: int  # position in the thread, in the order written
    parent: "Node | None"
    level: int
    children: list = field(default_factory=list)
    lft: int = 0
    rght: int = 0
    created_at: object = None


def generate(*, articles=0, comments=0, seed=0, into=None, threads=None, max_depth=None,
             now=None):
    """Create `articles` new articles and `comments` comments, spread over the new articles
    or, with `into` (an article or its slug), all in that one article. `threads` fixes the
    number of top-level threads per article (otherwise a realistic mix of many small and a
    few huge threads); `max_depth` caps reply depth (0 = top-level comments only)."""
    rng = random.Random(seed)
    now = now or timezone.now()
    summary = Summary()
    with tree.locked(None):
        created = create_articles(rng, articles, seed, now)
        summary.articles = created
        if comments:
            if into is not None:
                targets = [into if isinstance(into, Article) else find_article(into)]
            else:
                targets = created
            if not targets:
                raise GenerationError("No article to put the comments in: pass articles or into.")
            people = commenters(rng, seed, pool_size(comments))
            summary.users = len(people)
            add_comments(rng, targets, comments, people, summary, now=now, threads=threads,
                         max_depth=max_depth)
    return summary


def find_article(slug):
    try:
        return Article.objects.get(slug=slug)
    except Article.DoesNotExist:
        raise GenerationError(f"No article with the slug {slug!r}.") from None


def pool_size(comments):
    return max(10, min(2_000, comments // 40))


def create_articles(rng, count, seed, now):
    if not count:
        return []
    slugs = [f"generated-{seed}-{number}" for number in range(1, count + 1)]
    taken = list(Article.objects.filter(slug__in=slugs).values_list("slug", flat=True)[:3])
    if taken:
        raise GenerationError(f"Articles from seed {seed} exist already ({', '.join(taken)}): "
                              "choose another seed.")
    section, _ = Section.objects.get_or_create(
        slug=GENERATED_SECTION[0], defaults={"name": GENERATED_SECTION[1]})
    body_html = render_markdown(ARTICLE_BODY)
    made = []
    for number, slug in enumerate(slugs, 1):
        words = rng.sample(HEADLINE_WORDS, 3)
        published_at = now - timedelta(hours=rng.uniform(2, 24 * 30))
        made.append(Article(
            headline=f"{words[0]} and {words[1].lower()}: what the {words[2].lower()} means "
                     f"(generated {seed}-{number})",
            slug=slug, standfirst="A generated story for load tests and benchmarks.",
            body=ARTICLE_BODY, body_html=body_html, section=section,
            status=Article.Status.PUBLISHED, published_at=published_at,
        ))
    Article.objects.bulk_create(made, batch_size=500)
    site_changed()  # bulk_create sends no signals
    # Re-read: not every database hands back ids from a bulk insert.
    return list(Article.objects.filter(slug__in=slugs).order_by("pk"))


def commenters(rng, seed, size):
    """A pool of signed-up commenters (made once per seed, reused on later runs)."""
    usernames = [f"gen{seed}-{number:04d}" for number in range(size)]
    existing = set(User.objects.filter(username__in=usernames).values_list("username", flat=True))
    unusable = make_password(None)
    names = [f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}" for _ in usernames]
    User.objects.bulk_create([
        User(username=username, display_name=name, password=unusable,
             email=f"{username}@example.com")
        for username, name in zip(usernames, names) if username not in existing
    ], batch_size=1000)
    ids = dict(User.objects.filter(username__in=usernames).values_list("username", "pk"))
    return [ids[username] for username in usernames]


def split(rng, total, parts):
    """`total` split into `parts` positive-ish integers with some spread."""
    parts = max(1, min(parts, total))
    weights = [rng.uniform(0.5, 1.5) for _ in range(parts)]
    scale = total / sum(weights)
    sizes = [max(1, int(weight * scale)) for weight in weights]
    difference = total - sum(sizes)
    index = 0
    while difference:
        step = 1 if difference > 0 else -1
        if step > 0 or sizes[index % parts] > 1:
            sizes[index % parts] += step
            difference -= step
        index += 1
    return sizes


def spread_over_articles(rng, total, count):
    """Big stories draw most of the talk: heavy-tailed shares of `total` for `count` articles."""
    weights = [rng.paretovariate(1.2) for _ in range(count)]
    scale = total / sum(weights)
    shares = [int(weight * scale) for weight in weights]
    for index in rng.sample(range(count), k=count)[: total - sum(shares)]:
        shares[index] += 1
    return shares


def thread_sizes(rng, total, threads):
    if threads:
        return split(rng, total, threads)
    sizes = []
    while total > 0:
        draw = rng.random()
        if draw < 0.55:
            size = 1
        elif draw < 0.82:
            size = rng.randint(2, 5)
        elif draw < 0.95:
            size = rng.randint(6, 30)
        elif draw < 0.99:
            size = rng.randint(31, 200)
        else:
            size = rng.randint(201, 2_000)
        size = min(size, total)
        sizes.append(size)
        total -= size
    rng.shuffle(sizes)
    return sizes


def thread_shape(rng, size, max_depth):
    """The nodes of one thread, in the order written, numbered as django-mptt numbers them.
    Each thread has a temper: in some people answer the last comment again and again (deep
    back-and-forth), in others they answer the top comment or anything recent."""
    chatty = rng.choice((0.15, 0.35, 0.55, 0.8, 0.92))
    to_root = rng.uniform(0.1, 0.5) * (1 - chatty)
    root = Node(index=0, parent=None, level=0)
    nodes = [root]
    for index in range(1, size):
        draw = rng.random()
        if draw < chatty:
            parent = nodes[-1]
        elif draw < chatty + to_root:
            parent = root
        else:
            parent = nodes[rng.randint(max(0, index - 15), index - 1)]
        if max_depth is not None:
            while parent.level >= max_depth:
                parent = parent.parent
        node = Node(index=index, parent=parent, level=parent.level + 1)
        parent.children.append(node)
        nodes.append(node)
    number_tree(root)
    return nodes


def number_tree(root):
    """lft/rght of a depth-first walk, children in the order they were written (no recursion:
    threads can be thousands of replies deep)."""
    counter = 1
    root.lft = counter
    stack = [(root, iter(root.children))]
    while stack:
        node, children = stack[-1]
        child = next(children, None)
        if child is None:
            counter += 1
            node.rght = counter
            stack.pop()
        else:
            counter += 1
            child.lft = counter
            stack.append((child, iter(child.children)))


class Texts:
    """Comment bodies from a pool of paragraphs rendered once: rendering Markdown per comment
    would be most of the generation time. Paragraphs render independently, so joining their
    HTML with a newline is exactly what render_comment() makes of the whole body."""

    def __init__(self, rng):
        self.paragraphs = []
        for _ in range(PARAGRAPH_POOL):
            text = " ".join(rng.sample(SENTENCES, rng.choice((1, 1, 1, 2, 2, 3))))
            self.paragraphs.append((text, render_comment(text)))

    def body(self, rng):
        count = rng.choice((1, 1, 1, 1, 1, 1, 2, 2, 2, 3, 4))
        chosen = [self.paragraphs[rng.randrange(PARAGRAPH_POOL)] for _ in range(count)]
        return "\n\n".join(text for text, _ in chosen), "\n".join(html for _, html in chosen)


def draw_status(rng, guest):
    draw = rng.random()
    S = Comment.Status
    if guest:  # held for a moderator; most get approved in the end
        return S.PUBLISHED if draw < 0.65 else S.PENDING if draw < 0.95 else S.SPAM
    if draw < 0.93:
        return S.PUBLISHED
    return S.REMOVED if draw < 0.96 else S.DELETED if draw < 0.99 else S.PENDING


def draw_recommendations(rng):
    if rng.random() < 0.7:
        return 0
    return min(999, int(rng.paretovariate(1.3)))


def add_comments(rng, targets, total, people, summary, *, now, threads, max_depth):
    texts = Texts(rng)
    shares = spread_over_articles(rng, total, len(targets)) if len(targets) > 1 else [total]
    planned = []  # (created_at, article, node, thread number)
    thread_number = 0
    for article, share in zip(targets, shares):
        if not share:
            continue
        start = article.published_at or now
        window = max(timedelta(minutes=10), min(now - start, timedelta(days=3)))
        end = start + window
        for size in thread_sizes(rng, share, threads):
            nodes = thread_shape(rng, size, max_depth)
            gap = window / (4 * size)  # replies come quickly in a big thread
            nodes[0].created_at = start + window * rng.random() * 0.8
            for node in nodes[1:]:
                after = max(node.parent.created_at, nodes[node.index - 1].created_at)
                node.created_at = min(end, after + gap * rng.expovariate(1.0))
            planned.extend((node.created_at, article, node, thread_number) for node in nodes)
            summary.max_depth = max([summary.max_depth] + [node.level for node in nodes])
            thread_number += 1
    summary.threads += thread_number
    # Ids and tree ids in order of writing, as a live site would have handed them out.
    planned.sort(key=lambda item: (item[0], item[3], item[2].index))
    ids = reserve_ids(len(planned))
    next_tree_id = (Comment.objects.aggregate(top=Max("tree_id"))["top"] or 0) + 1
    tree_ids, comment_ids = {}, {}
    rows, published = [], {}
    for (created_at, article, node, number), pk in zip(planned, ids):
        if number not in tree_ids:
            tree_ids[number] = next_tree_id
            next_tree_id += 1
        comment_ids[(number, node.index)] = pk
        guest = rng.random() < 0.08
        status = draw_status(rng, guest)
        body, body_html = texts.body(rng)
        if guest:
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)[0]}."
            author, guest_name, guest_email = None, name, f"guest{pk}@example.net"
            ip_address = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
            summary.guests += 1
        else:
            # A few people write much of the talk.
            author = people[int(len(people) * rng.random() ** 2)]
            guest_name, guest_email, ip_address = "", "", None
        edited = status == Comment.Status.PUBLISHED and rng.random() < 0.03
        rows.append(Comment(
            id=pk, article_id=article.pk,
            parent_id=comment_ids[(number, node.parent.index)] if node.parent else None,
            author_id=author, guest_name=guest_name, guest_email=guest_email,
            body=body, body_html=body_html, status=status, created_at=created_at,
            shown_at=created_at if status == Comment.Status.PUBLISHED else None,
            edited_at=created_at + timedelta(minutes=rng.uniform(1, 14)) if edited else None,
            ip_address=ip_address, recommend_count=draw_recommendations(rng),
            lft=node.lft, rght=node.rght, level=node.level, tree_id=tree_ids[number],
        ))
        summary.statuses[status] = summary.statuses.get(status, 0) + 1
        if status == Comment.Status.PUBLISHED:
            published[article.pk] = published.get(article.pk, 0) + 1
    Comment.objects.bulk_create(rows, batch_size=2_000)
    versions.comments_added({row.article_id: published.get(row.article_id, 0) for row in rows})
    summary.comments += len(rows)
    summary.published += sum(published.values())


def reserve_ids(count):
    """`count` fresh comment ids in increasing order (we hold the new-thread lock)."""
    table = Comment._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return sorted(row[0] for row in cursor.fetchall())
        if connection.vendor == "sqlite":
            # AUTOINCREMENT never reuses an id, even a deleted one: start above both.
            cursor.execute(f'SELECT MAX(id) FROM "{table}"')
            top = cursor.fetchone()[0] or 0
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            top = max(top, row[0] if row else 0)
            return list(range(top + 1, top + 1 + count))
    raise GenerationError(f"Reserving comment ids is not written for {connection.vendor}.")
