"""Signed tokens in the links the site mails: confirming an address, unsubscribing.

Each kind has its own salt, so a token made for one purpose is refused by the other. A
confirmation token names the account and the address it was sent to and expires after
EMAIL_CONFIRMATION_DAYS; an unsubscribe token names the account and what to stop, and does
not expire (a mail may be read years later, and stopping mail harms no one).
"""

from django.conf import settings
from django.core import signing

CONFIRM_SALT = "notifications.confirm-email"
UNSUBSCRIBE_SALT = "notifications.unsubscribe"
# What an unsubscribe link stops: reply mails, or every digest (all the discussions followed).
REPLIES, DIGESTS = "replies", "digests"


class InvalidToken(Exception):
    """A token that was forged, cut short or made for something else."""


class ExpiredToken(InvalidToken):
    pass


def confirmation(user, email):
    return signing.dumps([user.pk, email], salt=CONFIRM_SALT, compress=True)


def read_confirmation(token):
    """(user id, address) from a confirmation token; raises InvalidToken or ExpiredToken."""
    try:
        user_id, email = signing.loads(
            token, salt=CONFIRM_SALT, max_age=settings.EMAIL_CONFIRMATION_DAYS * 86400,
        )
    except signing.SignatureExpired:
        raise ExpiredToken() from None
    except (signing.BadSignature, ValueError, TypeError):
        raise InvalidToken() from None
    if not isinstance(user_id, int) or not isinstance(email, str):
        raise InvalidToken()
    return user_id, email


def unsubscribe(user, what):
    return signing.dumps([user.pk, what], salt=UNSUBSCRIBE_SALT)


def read_unsubscribe(token):
    """(user id, what) from an unsubscribe token; raises InvalidToken."""
    try:
        user_id, what = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        raise InvalidToken() from None
    if not isinstance(user_id, int) or what not in (REPLIES, DIGESTS):
        raise InvalidToken()
    return user_id, what
