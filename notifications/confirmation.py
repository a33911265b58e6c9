"""Confirming that an account's email address is its owner's.

Sign-up and a change of address on the account page send a signed link that expires
(notifications/tokens.py), which confirms the address it was sent to, if it is still the
account's. Opening it shows a page with a button; the POST of that button confirms (a GET
changes nothing, so a mail scanner that fetches every link confirms no one). Notifications go
to confirmed addresses only. A new account's comments wait for a
moderator until it has confirmed an address once, or, with COMMENTS_UNCONFIRMED_EMAIL=refuse,
it cannot post until then (comments/rules.py asks `awaiting`).
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from newsroom.models import User
from newsroom.prepared import PreparedQuery
from newsroom.ratelimit import retry_after
from notifications import tokens
from notifications.models import NotificationSettings
from notifications.queue import after_commit

HOLD_REASON = "New account: its email address is not confirmed yet."


def start(user, *, new_account=False):
    """Send the account a link to confirm its current address (after the transaction that
    set it commits). A new account waits for it before its comments are shown. False when the
    queue refused the mail (logged): the page then says so, and how to ask for a new link."""
    NotificationSettings.objects.get_or_create(
        user=user, defaults={"awaiting_first_confirmation": new_account},
    )
    if user.email:
        return after_commit("send_confirmation", user.pk, user.email) is not False
    return True


def resend(user):
    """Send the link again: (the seconds to wait when asked too often, else 0; whether the
    queue took the mail)."""
    wait = retry_after({f"confirm-resend:user:{user.pk}": settings.EMAIL_CONFIRMATION_RESEND_LIMITS})
    if wait:
        return wait, False
    return 0, start(user)


def awaiting(user):
    """Whether this account has never confirmed an address since it signed up (asked before
    every post: compiled once per process)."""
    return AWAITING.first(user=user.pk) is not None


AWAITING = PreparedQuery(
    lambda user: NotificationSettings.objects.filter(user_id=user, awaiting_first_confirmation=True)
    .order_by().values("pk")[:1],
    user=int,
)


def is_confirmed(user):
    mail_settings = NotificationSettings.objects.filter(user=user).select_related("user").first()
    return bool(mail_settings and mail_settings.email_confirmed)


@dataclass
class Outcome:
    status: int
    title: str
    message: str
    confirmed: bool = False


INVALID = Outcome(400, "This link does not work",
                  "The link is not one the site sent, or it was cut short when copied. Open it "
                  "straight from the email, or ask for a new one on your notification settings page.")
EXPIRED = Outcome(400, "This link has expired",
                  f"Confirmation links work for {settings.EMAIL_CONFIRMATION_DAYS} days. Sign in and "
                  "ask for a new one on your notification settings page.")
REPLACED = Outcome(400, "This link is for an old address",
                   "Your account uses another email address now. Confirm that one with the link "
                   "sent to it, or ask for a new one on your notification settings page.")


def check(token):
    """What a confirmation link would do, changing nothing (the page a GET shows: a mail
    scanner that fetches links must not confirm anyone's address). Returns (user, email, None)
    for a link that would confirm, or (None, None, Outcome) to show instead."""
    try:
        user_id, email = tokens.read_confirmation(token)
    except tokens.ExpiredToken:
        return None, None, EXPIRED
    except tokens.InvalidToken:
        return None, None, INVALID
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return None, None, INVALID
    if user.email.lower() != email.lower():
        return None, None, REPLACED
    mail_settings = NotificationSettings.objects.filter(user=user).first()
    if mail_settings and mail_settings.email_confirmed and not mail_settings.awaiting_first_confirmation:
        return None, None, already_confirmed(email)
    return user, email, None


def already_confirmed(email):
    return Outcome(200, "Your address is confirmed", f"{email} was already confirmed. "
                   "Nothing needed doing.", confirmed=True)


def confirm(token):
    """Confirm the address a token names (a POST from the page `check` answered): the Outcome,
    for the page that says so. A forged, expired or outdated token changes nothing; a used one
    changes nothing again."""
    user, email, outcome = check(token)
    if outcome:
        return outcome
    with transaction.atomic():
        mail_settings, _ = NotificationSettings.objects.select_for_update().get_or_create(user=user)
        if mail_settings.email_confirmed and not mail_settings.awaiting_first_confirmation:
            return already_confirmed(email)  # a second tab got there first
        mail_settings.confirmed_email = user.email
        mail_settings.awaiting_first_confirmation = False
        mail_settings.save(update_fields=["confirmed_email", "awaiting_first_confirmation"])
    # What waited only for this is shown now (under the threads' locks, as every decision).
    from comments import moderation  # which imports the rules, which import this module

    released = moderation.release_held(user, HOLD_REASON, "Its author confirmed their email address.")
    shown = f" Your {released} waiting comment{'s are' if released != 1 else ' is'} now shown." if released else ""
    return Outcome(200, "Your address is confirmed",
                   f"Thank you: {email} is confirmed. Notifications will come to it.{shown}", confirmed=True)
