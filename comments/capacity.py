"""Capacity-aware discussions: when moderators fall behind, a discussion waits for them.

When an article's backlog of pending comments reaches COMMENTS_BACKLOG_ARTICLE, or the whole
site's reaches COMMENTS_BACKLOG_SITE, or the article's oldest pending comment is older than
COMMENTS_BACKLOG_MINUTES, new comments on it wait for a moderator (Article.backlog_premoderated,
which rules.status_for reads); at COMMENTS_BACKLOG_CLOSE pending comments the discussion also
closes (Article.backlog_closed). Each switches back once the backlog is down to half of every
limit that is on (so one approval does not flip it back and the next post flip it again).
Every switch is in the moderation log, by the site, with the figures that caused it, and
moves the discussion's version, so the notice above the form is on every page at once.

Where it runs: after a comment is posted or edited (the backlog can only grow then), after
moderators' decisions (it can only shrink then), and on the worker's timer (`recheck`: it
ages and clears with nobody acting too), always after the thread's lock is released
(the caller's transaction has committed), never inside it. After a post it costs one
query, compiled once per process (newsroom/prepared.py): the article's pending comments
(the partial index comment_pending_article) and a site count that stops at its limit; after
decisions, only the few switched articles are looked at
(the partial index article_backlog_switched). A switch is a conditional UPDATE, so two
requests racing to switch an article log it once.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Min, Q, Subquery, Value
from django.utils import timezone

from comments import actions, versions
from comments.managers import CountOf
from comments.models import Comment, ModerationLog
from newsroom.models import Article
from newsroom.prepared import PreparedQuery

logger = logging.getLogger(__name__)
PENDING = Comment.Status.PENDING
Action = ModerationLog.Action


def enabled():
    return any((settings.COMMENTS_BACKLOG_ARTICLE, settings.COMMENTS_BACKLOG_SITE,
                settings.COMMENTS_BACKLOG_MINUTES, settings.COMMENTS_BACKLOG_CLOSE))


def site_backlog():
    """Pending comments on the whole site, counted up to the limit (the site is past it or not)."""
    limit = settings.COMMENTS_BACKLOG_SITE
    # Unordered: the model's default order (tree_id, lft) would sort every pending row first.
    return Comment.objects.filter(status=PENDING).order_by()[:limit].count() if limit else 0


def backlogs(article, limit):
    """The article's switches as they are now, its pending count and oldest pending time, and
    the site's pending count up to `limit` (site_backlog), as one row."""
    pending = Comment.objects.filter(status=PENDING).order_by()  # unordered, as site_backlog
    theirs = pending.filter(article_id=article)
    return Article.objects.filter(pk=article).order_by().values(
        "backlog_premoderated", "backlog_closed",
        pending=CountOf(theirs.values("pk")),
        oldest=Subquery(theirs.order_by("created_at").values("created_at")[:1]),
        site=CountOf(pending.values("pk")[:limit]) if limit else Value(0),
    )


BACKLOGS = PreparedQuery(backlogs, shape=("limit",), article=int)


def after_post(article):
    """A comment was posted or edited into an article's discussion: switch it if needed. The
    article's backlog and the site's are read in one query (every post pays for it)."""
    if enabled() or article.backlog_premoderated or article.backlog_closed:
        backlog = BACKLOGS.first(article=article.pk, limit=settings.COMMENTS_BACKLOG_SITE)
        if backlog is not None:  # the article may have been deleted since
            # As the article is now: another request may have switched it since this one
            # read it (then nothing is switched again: no UPDATE, no transaction).
            settle(article.pk, backlog["site"], backlog["backlog_premoderated"], backlog["backlog_closed"],
                   backlog=backlog)


def after_decisions():
    """Moderators decided: the switched discussions whose backlog has cleared switch back
    (also when the limits were turned off meanwhile)."""
    switched = list(Article.objects.filter(Q(backlog_premoderated=True) | Q(backlog_closed=True))
                    .order_by("id").values_list("id", "backlog_premoderated", "backlog_closed"))
    if switched:
        site = site_backlog()
        for article_id, premoderated, closed in switched:
            settle(article_id, site, premoderated, closed)


def recheck():
    """The worker's timer (notifications/periodic.py). The backlog ages and clears with nobody
    posting or deciding (the oldest comment passes COMMENTS_BACKLOG_MINUTES, authors delete
    what waits, the site's backlog drops elsewhere, a limit is turned off), and a discussion
    should follow it all the same. Only the discussions that could switch are compared with
    the limits again: every one the site switched (to switch back), and, with the age limit
    on, those whose oldest pending comment has passed it (from the partial index of pending
    comments); the others switch when someone posts, as before."""
    candidates = Q(backlog_premoderated=True) | Q(backlog_closed=True)
    if settings.COMMENTS_BACKLOG_MINUTES:
        old = timezone.now() - timedelta(minutes=settings.COMMENTS_BACKLOG_MINUTES)
        candidates |= Q(pk__in=Comment.objects.filter(status=PENDING, created_at__lte=old).values("article_id"))
    state = list(Article.objects.filter(candidates).order_by("id")
                 .values_list("id", "backlog_premoderated", "backlog_closed"))
    if state:
        site = site_backlog()
        for article_id, premoderated, closed in state:
            settle(article_id, site, premoderated, closed)


def settle(article_id, site, premoderated, closed, backlog=None):
    """Compare the article's backlog (and the site's, `site`) with the limits and switch what
    must change from the state it was read in (`premoderated`, `closed`); the switch itself
    checks that state again, in the database. `backlog`: the article's pending count and
    oldest pending time, if the caller has read them already."""
    if backlog is None:
        backlog = Comment.objects.filter(article_id=article_id, status=PENDING).aggregate(
            pending=Count("id"), oldest=Min("created_at"))
    pending, oldest = backlog["pending"], backlog["oldest"]
    age = timezone.now() - oldest if oldest else timedelta(0)
    article_limit, site_limit = settings.COMMENTS_BACKLOG_ARTICLE, settings.COMMENTS_BACKLOG_SITE
    minutes, close = settings.COMMENTS_BACKLOG_MINUTES, settings.COMMENTS_BACKLOG_CLOSE
    why = []
    if article_limit and pending >= article_limit:
        why.append(f"{pending} comments wait on this article (the limit is {article_limit})")
    if site_limit and site >= site_limit:
        why.append(f"{site} or more comments wait on the site (the limit is {site_limit})")
    if minutes and age >= timedelta(minutes=minutes):
        why.append(f"its oldest pending comment has waited {age_in_words(age)} "
                   f"(the limit is {minutes} minutes)")
    cleared = (
        (not article_limit or pending <= article_limit // 2)
        and (not site_limit or site <= site_limit // 2)
        and (not minutes or age <= timedelta(minutes=minutes) / 2)
    )
    now = f"{pending} comment{'s' if pending != 1 else ''} wait{'s' if pending == 1 else ''} on this article"
    if why and not premoderated:
        switch(article_id, "backlog_premoderated", True, Action.PREMODERATE, "; ".join(why) + ".")
    elif cleared and premoderated:
        switch(article_id, "backlog_premoderated", False, Action.UNPREMODERATE,
               f"The backlog has cleared: {now}.")
    if close and pending >= close and not closed:
        switch(article_id, "backlog_closed", True, Action.CLOSE,
               f"{pending} comments wait on this article (the limit to close is {close}).")
    elif (not close or pending <= close // 2) and closed:
        switch(article_id, "backlog_closed", False, Action.REOPEN, f"The backlog has cleared: {now}.")


def switch(article_id, field, on, action, note):
    """Set the article's `field` to `on` if it is not already, logging it once."""
    with transaction.atomic():
        if Article.objects.filter(pk=article_id, **{field: not on}).update(**{field: on}):
            versions.articles_changed([article_id])  # the notice, and the form (closed or open)
            actions.log_about(action, article_id=article_id, note=note)
            logger.info("article %s: %s by the site: %s", article_id, action.label.lower(), note)


def age_in_words(age):
    minutes = int(age.total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} minutes"
    return f"{minutes // 60} hours"
