"""The machine's triage of new and edited comments: a spam score and an abuse score.

    score(body, author=None, *, ip_address=None, comment=None) -> Scores

Both scores are probabilities (0..1) from two small linear models (comments/triage/linear.py)
computed in this process, with no outside service, before the thread's lock is taken (like
rendering the text): a few dictionary look-ups per word and one indexed query about the
writer. A moderator reads `reason` ("links to shop.example, new account", "insult: “idiot”");
readers never see any of it.

The models are JSON files: the ones shipped in `trained/` (taught on the corpus in `corpus/`),
or those `manage.py train_scoring` writes from the moderators' decisions into
COMMENTS_SCORING_MODELS. Each process reads a file once and again only when it changes, so
retraining never holds up posting. Scoring never stands in the way of posting: when a model
cannot be loaded or scoring fails, the scores are None, the failure is logged, and the
comment passes today's rules alone.
"""

import logging
import os
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from comments.managers import CountOf
from comments.triage import features
from comments.triage.linear import Linear
from newsroom.prepared import PreparedQuery

logger = logging.getLogger(__name__)

SHIPPED = Path(__file__).with_name("trained")
KINDS = ("spam", "abuse")
HISTORY = 200  # the writer's most recent comments that their history is read from
REPEAT_WINDOW = timedelta(days=1)
REASON_FROM = 0.3  # a score below this needs no explaining
REASON_LENGTH = 200  # Comment.score_reason's max_length


@dataclass(frozen=True)
class Scores:
    spam: float | None = None  # None: not scored (the model failed); never a guess
    abuse: float | None = None
    reason: str = ""


UNSCORED = Scores()

_loaded = {}  # kind -> (path, modification time, Linear or None)
_loading = threading.Lock()


def model_path(kind):
    """The retrained model if there is one, else the shipped one."""
    if settings.COMMENTS_SCORING_MODELS:
        retrained = Path(settings.COMMENTS_SCORING_MODELS) / f"{kind}.json"
        if retrained.exists():
            return retrained
    return SHIPPED / f"{kind}.json"


def model(kind):
    """This process's copy of a model, read again when its file has changed; None (logged
    once per file version) when it cannot be read."""
    path = model_path(kind)
    try:
        changed = os.stat(path).st_mtime_ns
    except OSError:
        changed = None
    known = _loaded.get(kind)
    if known and known[0] == path and known[1] == changed:
        return known[2]
    with _loading:
        try:
            loaded = Linear.from_json(path.read_text(encoding="utf-8"), kind)
        except Exception:
            logger.exception("The %s model at %s cannot be loaded: comments are not scored for %s.",
                             kind, path, kind)
            loaded = None
        _loaded[kind] = (path, changed, loaded)
    return loaded


def score(body, author=None, *, ip_address=None, comment=None):
    """Scores for `body` written by `author` (None for a guest, then `ip_address` stands for
    them). `comment` is the comment being edited, if any, so it is not counted as a repeat
    of itself."""
    try:
        return scores_for(body, author, ip_address, comment)
    except Exception:
        logger.exception("Scoring a comment failed; it passes the rules unscored.")
        return UNSCORED


def scores_for(body, author, ip_address, comment):
    writer = account(body, author, ip_address, comment) if model("spam") is not None else None
    return judge(body, writer)


def judge(body, writer):
    """The scores of a text by a writer known as `writer` (a features.Account): the models'
    part of scoring, without the database."""
    spam_model, abuse_model = model("spam"), model("abuse")
    spam = abuse = None
    reasons = []
    reading = features.Reading.of(body)
    if spam_model is not None:
        found = features.spam_features(reading, writer)
        spam = spam_model.probability(found)
        if spam >= REASON_FROM:
            reasons.append((spam, spam_reason(reading, spam_model.strongest(found, count=8))))
    if abuse_model is not None:
        windows = features.abuse_windows(reading)
        worst = max(windows, key=abuse_model.logit, default=set())
        abuse = abuse_model.probability(worst) if windows else 0.0
        if abuse >= REASON_FROM:
            reasons.append((abuse, abuse_reason(abuse_model, worst)))
    reason = "; ".join(text for _, text in sorted(reasons, reverse=True) if text)
    return Scores(spam, abuse, reason[:REASON_LENGTH])


def account(body, author, ip_address, comment=None):
    """What the spam model knows about the writer: the account's age, what became of their
    recent comments, and how many of their comments of the last day had this text or linked
    where this one links. Guests are known by their address."""
    from comments.models import Comment

    since = timezone.now() - REPEAT_WINDOW
    domains = tuple(sorted(features.linked_domains(body)))
    if author is None:
        if not ip_address:
            return features.Account()
        # A guest's history is not read: only what they repeat.
        theirs = Comment.objects.filter(author=None, ip_address=ip_address)
        if comment is not None:
            theirs = theirs.exclude(pk=comment.pk)
        return features.Account(guest=True, repeats=repeated(theirs, body, since, domains).count())
    # One query, compiled once per shape: their last HISTORY comments' statuses, each row with
    # the day's repeats beside it (one subquery, the database runs it once); a writer without
    # comments has no history, and nothing to repeat.
    rows = WRITERS_HISTORY.rows(author=author.pk, body=body, since=since,
                                editing=comment.pk if comment is not None else 0,
                                domains=domains, history=HISTORY)
    statuses = [status for status, _ in rows]
    Status = Comment.Status
    return features.Account(
        guest=False, age_days=(timezone.now() - author.date_joined).total_seconds() / 86400,
        published=statuses.count(Status.PUBLISHED),
        removed=sum(status in (Status.REMOVED, Status.SPAM) for status in statuses),
        repeats=rows[0][1] if rows else 0,
    )


def repeated(theirs, body, since, domains):
    """Of `theirs` (a writer's comments), those since `since` with this text or a link to one
    of these domains, up to features.REPEATS_COUNTED."""
    same = Q(body=body)
    for domain in domains:
        same |= Q(body__icontains=domain)
    return theirs.filter(same, created_at__gte=since).order_by().values("pk")[:features.REPEATS_COUNTED]


def writers_history(author, body, since, editing, domains, history):
    from comments.models import Comment

    # The comment being edited (`editing`) is not part of its writer's history; no comment
    # has id 0, so a new one excludes nothing.
    theirs = Comment.objects.filter(author_id=author).exclude(pk=editing)
    return (theirs.order_by("-created_at", "-id")
            .annotate(repeats=CountOf(repeated(theirs, body, since, domains)))
            .values_list("status", "repeats")[:history])


WRITERS_HISTORY = PreparedQuery(writers_history, shape=("domains", "history"),
                                author=int, body=str, since=datetime, editing=int)


# The spam model's features, as a moderator would say them.
SPAM_REASONS = {
    "account:guest": "guest", "account:new": "new account", "account:first-day": "new account",
    "history:none": "no published comments yet", "history:removed": "comments removed before",
    "history:removed-often": "comments removed before", "repeated": "repeated across comments",
    "repeated-often": "repeated across comments", "contact:email": "asks to be emailed",
    "contact:phone": "gives a phone number", "style:money": "prices", "style:exclamations": "!!!",
    "style:capitals": "shouting",
}
SHOP_WORDS = frozenset("shop store outlet deals deal sale discount cheap buy mall market pharmacy".split())
LINK_KINDS = ("domain", "domainword", "tld", "link", "links")


def spam_reason(reading, strongest):
    """Up to three things that weighed most, in a moderator's words: "links to a shop
    (replica-deals.shop), words like “replica”, new account"."""
    parts = []
    for name in strongest:
        kind, _, value = name.partition(":")
        if kind in LINK_KINDS:
            domains = [features.registered(host) for host in reading.hosts]
            words = {part for domain in domains for part in domain.replace(".", "-").split("-")}
            text = ("links to a shop" if words & SHOP_WORDS else "links") + (f" ({domains[0]})" if domains else "")
        elif kind in ("word", "pair"):
            if value == "#" or any(part.startswith("words like") for part in parts):
                continue
            text = f"words like “{value}”"
        elif kind == "stem":
            continue
        else:
            text = SPAM_REASONS.get(name, name)
        if text not in parts:
            parts.append(text)
    return ", ".join(parts[:3])


def abuse_reason(abuse_model, window):
    """The kind of abuse (insult, threat, hate) and the words that weighed most."""
    strongest = abuse_model.strongest(window, count=8)
    kinds = [abuse_model.categories.get(name) for name in strongest if abuse_model.categories.get(name)]
    words = [name.partition(":")[2] for name in strongest if name.startswith(("word:", "pair:"))][:2]
    kind = kinds[0] if kinds else "abuse"
    return kind + (": " + ", ".join(f"“{word}”" for word in words) if words else "")
