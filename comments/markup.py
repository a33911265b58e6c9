"""A comment's markup: the one place that writes it, for every page that shows a comment (the
article's discussion, a comment's own page, and the comment quoted above a reply, flag,
removal or deletion form).

Built in plain Python, in one pass over a thread: a template loop costs ~0.1 ms a comment,
more than a 1,000-comment page may take (make bench). Names and placeholders are escaped
here (html.escape: what django.utils.html.escape does, without its lazy-string wrapper);
bodies were sanitised when they were saved; times are digits and month names.

A thread's markup is the same for every reader, so it can be cached (comments/discussion.py):
what differs per signed-in reader (their recommend buttons, Edit and Delete on their own
comments, moderators' buttons) is not in it. `Markup.slots` says where those go, and
`Controls` writes them, cheaply, into a copy for that reader.

Times are written absolute ("1 Jun 2021, 14:05", in the site's time zone) inside
`<time datetime>`; static/js/comments.js turns them into "3 minutes ago" in the browser, so a
page never changes by itself as time passes and stays cacheable.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from html import escape, unescape
from urllib.parse import quote_plus

from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dates import MONTHS_3
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe

from comments.models import Comment, edit_window

PLACEHOLDERS = {
    Comment.Status.DELETED: "This comment was deleted by its author.",
    Comment.Status.REMOVED: "This comment was removed by a moderator.",
    Comment.Status.FLAGGED: "This comment is hidden until a moderator has reviewed it.",
}
HIDDEN_PLACEHOLDER = "This comment is not shown."
STAFF_TITLE = "A member of the site’s staff"
AUTHOR_TITLE = "One of this article’s authors"


def placeholder(comment):
    return PLACEHOLDERS.get(comment.status, HIDDEN_PLACEHOLDER)


def name(comment):
    """Who wrote the comment, as every page shows it: inside <bdi>, so a name in a
    right-to-left script cannot reorder the text beside it, and for the newsroom with a mark
    drawn from the account, never from the name (newsroom/names.py keeps "staff" out of
    readers' names): "Author" for one of the article's own authors, else "Staff" for staff,
    linked to their author page when they have one."""
    return f"<bdi>{escape(comment.display_name)}</bdi>{newsroom_mark(comment)}"


def newsroom_mark(comment):
    if comment.by_article_author:
        label, title = "Author", AUTHOR_TITLE
    elif comment.author_is_staff:
        label, title = "Staff", STAFF_TITLE
    else:
        return ""
    if not comment.author_page:
        return f' <span class="staff-mark" title="{title}">{label}</span>'
    page = escape(reverse("author", args=[comment.author_page]))
    return f' <a class="staff-mark" href="{page}" title="{title}">{label}</a>'



@lru_cache(maxsize=32)
def month_names(language):
    with translation.override(language):
        return [""] + [str(MONTHS_3[number]).title() for number in range(1, 13)]


# "00:00" to "23:59", written once: formatting the hour and minute of every comment costs more.
CLOCK_FACE = [f"{hour:02d}:{minute:02d}" for hour in range(24) for minute in range(60)]


class Clock:
    """Formats times for one piece of markup: the zone and month names are looked up once,
    and each day's part of the text is written once (a thread's comments share few days).
    It also keeps each name it is shown, escaped (`names`): a page's threads share their
    commenters."""

    def __init__(self):
        zone = timezone.get_current_timezone()
        self.zone = None if timezone.get_current_timezone_name() == "UTC" else zone
        self.months = month_names(translation.get_language())
        self.days = {}
        self.names = {}

    def time(self, moment):
        """<time datetime="2021-06-01T14:05Z">1 Jun 2021, 14:05</time>: the machine time to
        the minute in UTC (the shortest valid form), the readable one in the site's zone
        (format_date(moment, "j M Y, H:i"), about 20 times faster). Times read from the
        database are in UTC already: no conversion is paid for them on a UTC site."""
        utc = moment if moment.tzinfo is UTC else moment.astimezone(UTC)
        local = utc if self.zone is None else utc.astimezone(self.zone)
        days = (utc.toordinal(), local.toordinal())
        day = self.days.get(days)
        if day is None:
            day = self.days[days] = (
                f'<time datetime="{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T',
                f'{local.day} {self.months[local.month]} {local.year}, ',
            )
        return (f'{day[0]}{CLOCK_FACE[utc.hour * 60 + utc.minute]}Z">{day[1]}'
                f'{CLOCK_FACE[local.hour * 60 + local.minute]}</time>')


def comment_url_prefix():
    """"/comments/": comment links are built by joining it with the id, because a reverse()
    per link would be the single largest cost of rendering a long thread."""
    return reverse("comments:detail", args=[0]).removesuffix("0/")


@dataclass(frozen=True)
class Markup:
    """Markup the same for every reader, and where each shown comment's per-reader controls
    go: `slots` holds (offset in html, comment id, author id, replies locked, created at as
    seconds since the epoch, picked): plain numbers, which the cache pickles several times
    faster than datetimes."""

    html: str
    slots: tuple = ()

    def __str__(self):
        return self.html


def pick_note(comment):
    """An editors' pick's mark, with the reason they gave, above its words ("" if not one)."""
    if not comment.pick_reason:
        return ""
    return (f'<p class="comment__pick"><strong>Editors’ pick</strong> '
            f'<span>{escape(comment.pick_reason)}</span></p>')


# A comment whose words may run past about twelve lines on a phone (some 40 characters a
# line; each paragraph or line break starts a new one) gets a "Read more" fold: the stylesheet
# cuts its words at twelve lines until the fold is opened, and prints them whole. Short ones,
# most, carry no fold at all.
FOLD_AT = 480
FOLD = "<details><summary><span>Read more</span><span>Show less</span></summary></details>"


def hearts(count):
    """"3 ♥", which screen readers read as "3 recommendations"."""
    counted = "recommendation" if count == 1 else "recommendations"
    return f' <span>{count} <i aria-hidden="true">♥</i><b>{counted}</b></span>'


def comments(nodes, *, accepts_comments, prefix=None, clock=None, everything=False, start=0):
    """The <li> of each shown comment (in tree order, with `depth` and `cut_off` set by
    comments.thread.shown), replies nested in an <ol> under the comment they answer: one flat
    loop, no recursion. A page of many threads passes one Clock for all of them: making one
    costs more than writing a short thread. `everything` is the moderators' view (never
    cached, never public): comments not shown to the public are written out too, with their
    status, instead of a placeholder (except those their authors deleted). `start`: where
    the markup will begin in the piece it goes into, for the slots' offsets.

    The loop runs once per comment of a page (1,000 and more), so what most comments do not
    need (a fold, a pick's note, a newsroom mark, recommendations) is tested inline before
    any call, and each name is escaped once.

    A reply past the first level of indentation says whom it answers ("in reply to <name>"),
    since past a few levels the indentation stops growing. The action row is Reply, Link, the
    recommendations, the reader's own controls (the slot), then Flag, set apart by the
    stylesheet."""
    prefix = escape(prefix or comment_url_prefix())
    clock = clock or Clock()
    parts, slots = [], []
    length = start
    previous = None
    escaped = clock.names  # display name: the same, escaped
    above = []  # the escaped name of the comment shown at each depth above this one (None: hidden)
    for node in nodes:
        pk, depth = node.id, node.depth
        if previous is None:
            opening = ""
        elif depth > previous:
            opening = "<ol>" * (depth - previous)
        else:
            opening = "</li>" + "</ol></li>" * (previous - depth)
        previous = depth
        link = f"{prefix}{pk}/"
        del above[depth:]
        if not node.is_visible and not (everything and node.status != Comment.Status.DELETED):
            above.append(None)
            part = (f'{opening}<li id="comment-{pk}" class="comment comment--gone">'
                    f'<p class="comment__placeholder">{escape(placeholder(node))}</p>')
        else:
            shown_name = escaped.get(node.display_name)
            if shown_name is None:
                shown_name = escaped[node.display_name] = escape(node.display_name)
            answered = above[-1] if depth > 1 and above else None
            above.append(shown_name)
            replying = f" <span>in reply to <bdi>{answered}</bdi></span>" if answered else ""
            edited = f' · <a href="{link}history/">edited</a>' if node.edited else ""
            body = node.body_html
            fold = FOLD if len(body) + 40 * body.count("\n") > FOLD_AT else ""
            who = (f"<bdi>{shown_name}</bdi>{newsroom_mark(node)}"
                   if node.by_article_author or node.author_is_staff else f"<bdi>{shown_name}</bdi>")
            note = pick_note(node) if node.pick_reason else ""
            if node.is_visible:
                reply = "" if node.replies_locked or not accepts_comments else f'<a href="{link}reply/">Reply</a> '
                part = (f'{opening}<li id="comment-{pk}" class="comment"><article>'
                        f'<header><b>{who}</b>{replying} '
                        f'{clock.time(node.created_at)}{edited}</header>'
                        f'{note}<div>{body}</div>{fold}<footer>'
                        f'{reply}<a href="{link}">Link</a>'
                        f'{hearts(node.recommend_count) if node.recommend_count else ""}')
                after = f' <a href="{link}flag/">Flag</a></footer></article>'
            else:  # the moderators' view: what the public does not see, marked as such
                part = (f'{opening}<li id="comment-{pk}" class="comment comment--hidden"><article>'
                        f'<header><b>{who}</b>{replying} {clock.time(node.created_at)}'
                        f'{edited} <span class="comment__status">'
                        f'{escape(Comment.Status(node.status).label)}: not shown to readers</span></header>'
                        f'{note}<div>{body}</div>{fold}<footer><a href="{link}">Link</a>')
                after = "</footer></article>"
            parts.append(part)
            length += len(part)
            slots.append((length, pk, node.author_id, node.replies_locked, node.created_at.timestamp(),
                          bool(node.pick_reason)))
            part = after
        if node.cut_off:
            part += f'<a class="comment__more" href="{link}">Continue this thread →</a>'
        parts.append(part)
        length += len(part)
    if previous is not None:
        parts.append("</li>" + "</ol></li>" * previous)
    return Markup("".join(parts), tuple(slots))


def thread(nodes, *, accepts_comments, prefix=None, clock=None, everything=False):
    """One thread of the article's discussion (its <li class="thread">), with a toggle that
    hides its replies when it has any (its "Hide" / "Show" are the stylesheet's: the summary
    says whether it is open to screen readers already, and the words cost bytes in every
    thread)."""
    replies = sum(1 for node in nodes[1:] if node.is_visible or everything)
    if not replies:
        head, tail = '<li class="thread"><ol>', "</ol></li>\n"
    else:
        counted = f"({replies} {'reply' if replies == 1 else 'replies'})"
        root = nodes[0]
        whose = f"<bdi>{escape(root.display_name)}</bdi>" if root.is_visible else "a removed comment"
        head = f'<li class="thread"><details open><summary>the thread of {whose} {counted}</summary><ol>'
        tail = "</ol></details></li>\n"
    inner = comments(nodes, accepts_comments=accepts_comments, prefix=prefix, clock=clock,
                     everything=everything, start=len(head))
    return Markup(f"{head}{inner.html}{tail}", inner.slots)


NO_NEWSROOM_REPLIES = "Nobody from the newsroom has written in this discussion yet."


def answers(pairs, *, accepts_comments, prefix=None):
    """Comments each shown under the comment it answers (quoted, a placeholder if that is
    not shown; nothing above a new thread): [(comment, answered or None)] as <li>s."""
    prefix = prefix or comment_url_prefix()
    parts, slots, length = [], [], 0
    for node, parent in pairs:
        above = "" if parent is None else quote(parent, link=True, prefix=prefix)
        head = f'<li class="answer">{above}<ol class="comments">'
        inner = comments([node], accepts_comments=accepts_comments, prefix=prefix)
        slots.extend((offset + length + len(head), *rest) for offset, *rest in inner.slots)
        part = f"{head}{inner.html}</ol></li>\n"
        parts.append(part)
        length += len(part)
    return Markup("".join(parts), tuple(slots))


class Controls:
    """What one signed-in reader sees beside each comment besides the shared markup: a button
    to recommend (or withdraw a recommendation), Edit and Delete on their own comments, and
    moderators' buttons with what they see of each comment (its status, flags and why it is
    hidden: `facts`, from thread.moderators_facts). They post with the one form around the
    discussion."""

    def __init__(self, user, *, recommended=frozenset(), moderator=False, facts=None, prefix=None):
        self.user_id = user.pk
        # Edit is offered only while the comment may still be edited: written after this.
        self.editable_after = (timezone.now() - edit_window()).timestamp()
        self.recommended = recommended
        self.moderator = moderator
        self.facts = facts or {}
        self.prefix = escape(prefix or comment_url_prefix())
        if moderator:
            self.desk = escape(reverse("admin:comments_comment_changelist"))

    def __call__(self, pk, author_id, replies_locked, created_at, picked):
        facts = self.facts.get(pk)
        if facts and facts.status != Comment.Status.PUBLISHED:
            own = ""  # not shown to readers: nothing to recommend, edit or delete here
        elif author_id == self.user_id:
            link = f"{self.prefix}{pk}/"
            own = f' <a href="{link}delete/">Delete</a>'
            if created_at > self.editable_after:
                # static/js/comments.js takes the link away when the window closes.
                until = ((datetime.fromtimestamp(created_at, UTC) + edit_window())
                         .isoformat(timespec="seconds").replace("+00:00", "Z"))
                own = f' <a href="{link}edit/" data-until="{until}">Edit</a>{own}'
        elif pk in self.recommended:
            own = (f' <button class="link-button" name="withdraw" value="{pk}" '
                   f'aria-pressed="true">Recommended</button>')
        else:
            own = (f' <button class="link-button" name="recommend" value="{pk}" '
                   f'aria-pressed="false">Recommend</button>')
        if self.moderator:
            own += self.moderation_buttons(pk, replies_locked, picked)
        return own

    def moderation_buttons(self, pk, replies_locked, picked):
        """The buttons whose decision applies to the comment as it is now (Approve on a
        pending or hidden comment, or a shown one with flags no moderator has decided about;
        Restore on a removed one; Pick on a shown one...), then its flags, the machine's
        scores and their reason, and why it is hidden."""
        from comments.moderation import DECISIONS
        from comments.models import Flag

        facts = self.facts.get(pk)
        status = facts.status if facts else Comment.Status.PUBLISHED
        action = f"{self.prefix}moderate/"
        buttons = []
        for name in ("approve", "remove", "restore"):
            applies = status in DECISIONS[name].applies_to
            if name == "approve" and status == Comment.Status.PUBLISHED:
                applies = bool(facts and facts.flags and not facts.reviewed)
            if applies:
                buttons.append(f'<button class="link-button" formaction="{action}" name="{name}" '
                               f'value="{pk}">{DECISIONS[name].label}</button>')
        lock = ("unlock", "Unlock replies") if replies_locked else ("lock", "Lock replies")
        buttons.append(f'<button class="link-button" formaction="{action}" name="{lock[0]}" value="{pk}">{lock[1]}</button>')
        if picked or status == Comment.Status.PUBLISHED:  # only what readers see is picked
            pick = ("unpick", "Unpick") if picked else ("pick", "Pick")
            buttons.append(f'<button class="link-button" formaction="{action}" name="{pick[0]}" value="{pk}">{pick[1]}</button>')
        about = []
        if facts and facts.flags:
            labels = dict(Flag.Reason.choices)
            reasons = ", ".join(f"{labels.get(reason, reason)}{f' ×{n}' if n > 1 else ''}"
                                for reason, n in facts.flag_reasons)
            about.append(f'<span class="comment__flags">{facts.flags} flag{pluralize(facts.flags)}'
                         f'{": " + escape(reasons) if reasons else ""}</span>')
        if facts and (facts.spam is not None or facts.abuse is not None):
            scores = " · ".join(f"{name} {round(value * 100)}" for name, value in
                                [("spam", facts.spam), ("abuse", facts.abuse)] if value is not None)
            reason = f": {escape(facts.score_reason)}" if facts.score_reason else ""
            about.append(f'<span class="comment__scores">{scores}{reason}</span>')
        if facts and facts.why:
            about.append(f'<span class="comment__why">{escape(facts.why)}</span>')
        if facts and facts.username:
            about.append(f'<a href="{self.desk}?author={escape(quote_plus(facts.username))}">Their history</a>')
        about.append(f'<a href="{self.desk}{pk}/change/">In the desk</a>')
        return f' <span class="comment__moderate">{" ".join(buttons + about)}</span>'


    def write_into(self, markup):
        """The markup with this reader's controls in their places."""
        parts, start, html = [], 0, markup.html
        for offset, *slot in markup.slots:
            parts.append(html[start:offset])
            parts.append(self(*slot))
            start = offset
        parts.append(html[start:])
        return "".join(parts)


def picks_strip(nodes, *, more_link, prefix=None):
    """The editors' picks above the discussion: each with its reason, its words, its author
    and a link to it; `more_link` leads to all of them (the "Picks" order)."""
    items = "".join(f"<li>{pick_note(node)}{quote(node, link=True, prefix=prefix)}</li>" for node in nodes)
    return mark_safe(
        f'<section class="picks" aria-labelledby="picks-heading"><h3 id="picks-heading">'
        f'Editors’ picks</h3><ol class="picks__list">{items}</ol>'
        f'<p class="picks__more"><a href="{escape(more_link)}">All editors’ picks</a></p></section>'
    )


REMOVED_VERSION = "A moderator removed this version."


def history(comment, revisions, *, controls=None):
    """A comment's earlier versions, oldest first, each with when it was written, then the
    version shown now: an <ol>. A version a moderator removed keeps its place and time, not
    its words. `controls(revision)` adds a moderator's button to each version still shown."""
    clock = Clock()
    items = []
    for revision in revisions:
        if revision.removed_at:
            words = f'<p class="comment__placeholder">{REMOVED_VERSION}</p>'
        else:
            words = f'<div class="comment__body">{revision.body_html}</div>'
            if controls:
                words += controls(revision)
        items.append(f'<li class="version"><p class="meta">Written {clock.time(revision.written_at)}</p>'
                     f'{words}</li>')
    items.append(f'<li class="version version--current"><p class="meta">Now, since '
                 f'{clock.time(comment.edited_at or comment.created_at)}</p>'
                 f'<div class="comment__body">{comment.body_html}</div></li>')
    return mark_safe(f'<ol class="versions">{"".join(items)}</ol>')


def quote(comment, *, link=False, prefix=None, to_author=False):
    """A comment shown above something about it (the comments above one on its own page, the
    comment a reply answers, or one being flagged, removed or deleted): its words, name and
    time; a placeholder when it is not shown, except `to_author` (their own list of their
    comments, which says what became of each). `link` links the time to the comment's page."""
    if not comment.is_visible and not to_author:
        return mark_safe(f'<div class="comment-context"><p class="comment__placeholder">'
                         f'{escape(placeholder(comment))}</p></div>')
    when = Clock().time(comment.created_at)
    if link:
        when = f'<a href="{escape(prefix or comment_url_prefix())}{comment.pk}/">{when}</a>'
    return mark_safe(f'<blockquote class="comment-context"><div class="comment__body">'
                     f'{comment.body_html}</div><footer class="meta">'
                     f'{name(comment)}, {when}</footer></blockquote>')


SNIPPET = 160  # characters of a comment's words on its line above a comment's own page


def ancestors(comments, *, prefix=None):
    """The comments above one on its own page, oldest first, a compact line each (who wrote
    it and the start of its words, cut to one line by the stylesheet) that opens on the whole
    comment, so the comment the page is about comes first into view: an <ol>."""
    items = []
    for comment in comments:
        if not comment.is_visible:
            items.append(f'<li><p class="comment__placeholder">{escape(placeholder(comment))}</p></li>')
            continue
        words = " ".join(unescape(strip_tags(comment.body_html)).split())
        words = words if len(words) <= SNIPPET else f"{words[:SNIPPET - 1]}…"
        items.append(f'<li><details><summary><b>{name(comment)}</b> <span>{escape(words)}</span>'
                     f'</summary>{quote(comment, link=True, prefix=prefix)}</details></li>')
    return mark_safe(f'<ol class="ancestors">{"".join(items)}</ol>')
