"""A commenter's history in the desk, above the list of their comments (`?author=username`,
one click from any of their comments: the author column, a comment's page, and the
moderators' view of the article page): who they are and what moderators have decided about
them, how many of their comments are in each state, the flags on their comments and those
they raised, and the latest decisions about them and their comments. The list under it is the
changelist itself, so its bulk actions act on their comments. Five small queries, through the
author's index, whatever the size of the table.

Guests have no account: their history is keyed by what identifies them, the email address
they gave (`?guest_email=`) or, without one, the address they wrote from (`?guest_ip=`), read
through those columns' indexes: the names they used, their comments by state, the flags on
them and the decisions about them (a guest raises no flags and has no controls)."""

from dataclasses import dataclass

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils.http import urlencode

from comments.admin.filters import guest_comments
from comments.models import Comment, Commenter, Flag, ModerationLog
from newsroom.models import User

LATEST_DECISIONS = 20
GUEST_NAMES_SHOWN = 5


def standing(person):
    """What moderators decided about a person (a Commenter, or None), in a few words."""
    if person is None:
        return "no restrictions"
    return ", ".join(label for on, label in [
        (person.banned, "banned"), (person.is_suspended, "suspended"),
        (person.premoderate, "always pre-moderated"), (person.trusted, "trusted"),
    ] if on) or "no restrictions"


def controls_url(user, person):
    """Where the person's controls are changed (or first set)."""
    if person is not None:
        return reverse("admin:comments_commenter_change", args=[user.pk])
    return reverse("admin:comments_commenter_add") + "?" + urlencode({"username": user.username})


@dataclass
class History:
    user: object  # None for a guest
    standing: str
    controls_url: str
    statuses: list  # [(status label, how many of their comments)]
    flags_on_theirs: int
    flags_raised: int
    decisions: list  # the latest ModerationLog entries about them or their comments
    decisions_url: str
    guest: str = ""  # for a guest: what they are known by ("the email address …")
    guest_names: tuple = ()


def for_request(query):
    """The history a changelist's query asks for (?author=, ?guest_email=, ?guest_ip=), or None."""
    if query.get("author", "").strip():
        return history(query["author"].strip())
    for key in ("guest_email", "guest_ip"):
        if query.get(key, "").strip():
            return guest_history(**{key: query[key].strip()})
    return None


def guest_query(comment):
    """The changelist query of a guest comment's writer's history ("" if nothing identifies them)."""
    if comment.guest_email:
        return urlencode({"guest_email": comment.guest_email.lower()})
    if comment.ip_address:
        return urlencode({"guest_ip": comment.ip_address})
    return ""


def counted(comments):
    """{status: (how many, flags on them)} of these comments, in one query."""
    rows = comments.values_list("status").annotate(n=Count("id"), flags=Sum("flag_count")).order_by()
    return {status: (n, flags or 0) for status, n, flags in rows}


def guest_history(*, guest_email=None, guest_ip=None):
    """The history of the guest known by this email or IP address, or None if none wrote."""
    theirs = guest_comments(Comment.objects.all(), guest_email=guest_email, guest_ip=guest_ip)
    names = tuple(theirs.exclude(guest_name="").order_by("guest_name").values_list("guest_name", flat=True)
                  .distinct()[:GUEST_NAMES_SHOWN + 1])
    by_status = counted(theirs)
    if not by_status:
        return None
    decisions = list(ModerationLog.objects.filter(comment__in=theirs.values("pk"))
                     .select_related("moderator", "comment").order_by("-created_at", "-id")[:LATEST_DECISIONS])
    known_by = f"the email address {guest_email}" if guest_email is not None else f"the IP address {guest_ip}"
    return History(
        user=None, standing="", controls_url="",
        statuses=[(label, by_status[status][0]) for status, label in Comment.Status.choices if status in by_status],
        flags_on_theirs=sum(flags for _, flags in by_status.values()), flags_raised=0,
        decisions=decisions,
        decisions_url=reverse("admin:comments_moderationlog_changelist"),
        guest=known_by, guest_names=names,
    )


def history(username):
    """The history of the account with this username, or None."""
    user = User.objects.filter(username=username).first()
    if user is None:
        return None
    person = Commenter.objects.filter(user=user).first()
    by_status = counted(Comment.objects.filter(author=user))
    decisions = list(
        ModerationLog.objects.filter(Q(person=user) | Q(comment__in=Comment.objects.filter(author=user).values("pk")))
        .select_related("moderator", "comment").order_by("-created_at", "-id")[:LATEST_DECISIONS]
    )
    return History(
        user=user, standing=standing(person), controls_url=controls_url(user, person),
        statuses=[(label, by_status[status][0]) for status, label in Comment.Status.choices if status in by_status],
        flags_on_theirs=sum(flags for _, flags in by_status.values()),
        flags_raised=Flag.objects.filter(user=user).count(),
        decisions=decisions,
        decisions_url=reverse("admin:comments_moderationlog_changelist") + "?" + urlencode({"q": user.username}),
    )
