"""The mail the site sends readers: address confirmation, reply notifications, digests.

Headers carry nothing a reader wrote: the subjects are the site's own words, the only address
is the recipient's own (never with a name beside it); names and comment text go in the plain
text body only, where a line break is just a line break. Links are absolute, on SITE_URL (the
worker that writes them answers no request). Notification mail carries RFC 8058's one-click
unsubscribe headers.
"""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse

from comments import thread
from notifications import tokens

EXCERPT = 600  # characters of each comment quoted in a digest


def absolute(path):
    return settings.SITE_URL + path


def one_line(text):
    """Text for a header: one line, without control characters, whatever was configured."""
    return " ".join("".join(c if c.isprintable() else " " for c in str(text)).split())


def message(user, subject, template, context, *, unsubscribe=None):
    context = {
        "site_name": settings.SITE_NAME, "user": user,
        "settings_url": absolute(reverse("notifications:settings")), **context,
    }
    headers = {"Auto-Submitted": "auto-generated"}
    if unsubscribe:
        url = absolute(reverse("notifications:unsubscribe", args=[tokens.unsubscribe(user, unsubscribe)]))
        context["unsubscribe_url"] = url
        # RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click" to the URL, no cookies.
        headers["List-Unsubscribe"] = f"<{url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return EmailMessage(
        subject=one_line(f"{settings.SITE_NAME}: {subject}"),
        body=render_to_string(template, context),
        to=[user.email],
        headers=headers,
    )


def quoted(text, limit=None):
    if limit and len(text) > limit:
        text = text[:limit].rstrip() + " […]"
    return "\n".join(f"> {line}".rstrip() for line in text.splitlines())


def confirmation(user, email):
    url = absolute(reverse("notifications:confirm", args=[tokens.confirmation(user, email)]))
    mail = message(user, "confirm your email address", "notifications/mail/confirm.txt",
                   {"confirm_url": url, "days": settings.EMAIL_CONFIRMATION_DAYS})
    mail.to = [email]  # the address being confirmed, which the account may have changed since
    return mail


def reply(notification):
    comment = notification.comment
    return message(
        notification.recipient, "a reply to your comment", "notifications/mail/reply.txt",
        {"comment": comment, "article": comment.article, "text": quoted(comment.body),
         "url": absolute(thread.location(comment))},
        unsubscribe=tokens.REPLIES,
    )


def digest(user, notifications):
    """One mail for these notifications (each says whether it `is_reply` to the person)."""
    articles = {}
    for notification in notifications:
        comment = notification.comment
        articles.setdefault(comment.article, []).append(
            {"comment": comment, "text": quoted(comment.body, EXCERPT),
             "url": absolute(thread.location(comment)), "is_reply": notification.is_reply}
        )
    count = len(notifications)
    return message(
        user, f"your digest, {count} new comment{'s' if count != 1 else ''}",
        "notifications/mail/digest.txt", {"articles": list(articles.items())},
        unsubscribe=tokens.DIGESTS,
    )
