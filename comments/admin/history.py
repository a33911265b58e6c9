"""A commenter's history in the desk, above the list of their comments (`?author=username`,
one click from any of their comments: the author column, a comment's page, and the
moderators' view of the article page): who they are and what moderators have decided about
them, how many of their comments are in each state, the flags on their comments and those
they raised, and the latest decisions about them and their comments. The list under it is the
changelist itself, so its bulk actions act on their comments. Five small queries, through the
author's index, whatever the size of the table."""

from dataclasses import dataclass

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils.http import urlencode

from comments.models import Comment, Commenter, Flag, ModerationLog
from newsroom.models import User

LATEST_DECISIONS = 20


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
    user: object
    standing: str
    controls_url: str
    statuses: list  # [(status label, how many of their comments)]
    flags_on_theirs: int
    flags_raised: int
    decisions: list  # the latest ModerationLog entries about them or their comments
    decisions_url: str


def history(username):
    """The history of the account with this username, or None."""
    user = User.objects.filter(username=username).first()
    if user is None:
        return None
    person = Commenter.objects.filter(user=user).first()
    rows = (Comment.objects.filter(author=user).values_list("status")
            .annotate(n=Count("id"), flags=Sum("flag_count")).order_by())
    by_status = {status: (n, flags or 0) for status, n, flags in rows}
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
