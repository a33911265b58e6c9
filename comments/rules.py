"""Who may write, and whether a new or edited comment is shown at once or waits for a moderator.

The rules, in order (comments/actions.post_comment applies them to a new comment, and
edit_comment to every edit, so an approved comment cannot be edited into one that would
have waited):
1. A banned or suspended person cannot post; nor can anybody use a banned word.
2. Guests always wait.
3. A suspect word makes the comment wait (staff excepted).
4. Staff and trusted people skip the rest (their comments are scored all the same).
5. A pre-moderated article (by its editor, or by the site while moderators catch up with its
   backlog, comments/capacity.py), a person set to "always pre-moderate", and a new account that has
   fewer than COMMENTS_NEW_ACCOUNT_HOLD published comments all make the comment wait.
6. A spam or abuse score at its threshold (COMMENTS_SPAM_HOLD, COMMENTS_ABUSE_HOLD; the
   scores come from comments/triage, computed before the lock) makes the comment wait. After the
   holds a moderator set up (which keep their own reason; the scores are on the comment),
   before the email confirmation's, which confirming the address releases.
7. A new account that has not confirmed its email address yet waits too, or, with
   COMMENTS_UNCONFIRMED_EMAIL=refuse, cannot post until it has (notifications/confirmation.py).
"""

from django.conf import settings
from django.utils import timezone
from django.utils.dateformat import format as format_date

from comments import words
from comments.errors import CommentError, DiscussionClosed
from comments.models import Comment, Commenter
from newsroom.prepared import PreparedQuery
from notifications import confirmation


UNCONFIRMED_REFUSED = ("Please confirm your email address first: open the link we mailed you, or ask "
                       "for a new one on your notification settings page.")


def standing(user):
    """The moderators' decisions about this person, or None."""
    if user is None or not user.is_authenticated:
        return None
    found = STANDING.objects(user=user.pk)
    return found[0] if found else None


# Read before every post and every comment form (compiled once per process).
STANDING = PreparedQuery(lambda user: Commenter.objects.filter(user_id=user).order_by(), user=int)


def refusal(author, person=None):
    """Why this person may not post now, in words for them; "" if they may. The pages that
    would show them a comment form show this instead (so nobody writes a comment only to
    have it refused), and posting and editing refuse with it."""
    if author is None or not author.is_authenticated:  # guests: the other rules apply
        return ""
    if person and person.banned:
        return "This account cannot post comments. A moderator has banned it from commenting."
    if not author.is_active:
        return "This account cannot post comments."
    if person and person.is_suspended:
        until = format_date(timezone.localtime(person.suspended_until), "j F Y, H:i")
        return f"Your account is suspended from commenting until {until}."
    if settings.COMMENTS_UNCONFIRMED_EMAIL == "refuse" and not author.is_staff and confirmation.awaiting(author):
        return UNCONFIRMED_REFUSED
    return ""


def check_author(author, person=None):
    """Raise DiscussionClosed when this person may not post now."""
    why = refusal(author, person)
    if why:
        raise DiscussionClosed(why)


def check(author, body, person=None):
    """Raise (DiscussionClosed, CommentError) when this person may not write this text now."""
    check_author(author, person)
    check_words(body)


def check_words(body):
    word = words.banned_word(body)
    if word:
        raise CommentError(
            f"Your comment contains “{word}”, which is not allowed here. "
            "Please rephrase it and post again."
        )


def status_for(article, author, body, person=None, scores=None):
    """(status, why it waits) for a new or edited comment whose text passed check(), with its
    scores (comments/triage.Scores; None or None scores: not scored, today's rules alone)."""
    if author is None:
        return Comment.Status.PENDING, "Guest comments always wait for a moderator."
    if not author.is_staff:
        word = words.suspect_word(body)
        if word:
            return Comment.Status.PENDING, f"Contains the suspect word “{word}”."
    if author.is_staff or (person and person.trusted):
        return Comment.Status.PUBLISHED, ""
    if article.premoderate_comments:
        return Comment.Status.PENDING, "The article is pre-moderated."
    if article.backlog_premoderated:
        return Comment.Status.PENDING, "The article is pre-moderated while moderators catch up."
    if person and person.premoderate:
        return Comment.Status.PENDING, "This person's comments are always pre-moderated."
    first = settings.COMMENTS_NEW_ACCOUNT_HOLD
    if first and Comment.objects.filter(author=author, status=Comment.Status.PUBLISHED).count() < first:
        return Comment.Status.PENDING, f"New account: its first {first} comments wait for approval."
    why = score_hold(scores)
    if why:
        return Comment.Status.PENDING, why
    if confirmation.awaiting(author):
        return Comment.Status.PENDING, confirmation.HOLD_REASON
    return Comment.Status.PUBLISHED, ""


def may_break_rules(scores, author, person=None):
    """Whether to ask the writer, before posting, if they mean it: the abuse score would hold
    the comment. Staff and trusted people are never held, so never asked."""
    if scores is None or scores.abuse is None or scores.abuse < settings.COMMENTS_ABUSE_HOLD:
        return False
    return author is None or not (author.is_staff or (person and person.trusted))


def score_hold(scores):
    """Why the machine's scores hold a comment ("" if they do not): the site's rule, with the
    reason a moderator can check."""
    if scores is None:
        return ""
    because = f" ({scores.reason})" if scores.reason else ""
    if scores.spam is not None and scores.spam >= settings.COMMENTS_SPAM_HOLD:
        return f"Scored as likely spam, {scores.spam:.2f}{because}."
    if scores.abuse is not None and scores.abuse >= settings.COMMENTS_ABUSE_HOLD:
        return f"Scored as likely abuse, {scores.abuse:.2f}{because}."
    return ""
