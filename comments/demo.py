"""The seed article's discussion, as the page showed it: names, guests and who answers whom."""

from datetime import timedelta

from django.utils.text import slugify

from comments import actions, moderation, tree, triage, words
from comments.models import Comment, Flag, ModerationLog, Word
from newsroom.models import User
from newsroom.text import render_comment

FIRST_COMMENT_AFTER = timedelta(minutes=40)
BETWEEN_COMMENTS = timedelta(minutes=7)


def commenter(name):
    user, created = User.objects.get_or_create(
        username=slugify(name) or "commenter", defaults={"display_name": name}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def load_seed_discussion(article, seed_comments):
    """Add the discussion once; returns the comments by their number on the page."""
    if article.comments.exists():
        return {}
    saved = {}
    for seed in seed_comments:
        parent = saved.get(seed.parent)
        author = commenter(seed.author) if seed.author else None
        # Outside the lock, as actions.post_comment does: the moderators' queues show the scores.
        body_html, scores = render_comment(seed.body), triage.score(seed.body, author)
        with tree.locked(parent.tree_id if parent else None):
            if parent is not None:
                parent.refresh_from_db()
            saved[seed.number] = actions.save_new(Comment(
                article=article,
                parent=parent,
                author=author,
                body=seed.body,
                body_html=body_html,
                spam_score=scores.spam, abuse_score=scores.abuse, score_reason=scores.reason,
                status=Comment.Status.PUBLISHED,
                created_at=article.published_at + FIRST_COMMENT_AFTER + seed.number * BETWEEN_COMMENTS,
            ))
    return saved


# What the demo moderator does to the seed discussion, by comment number on the page.
REMOVALS = {
    0: (ModerationLog.Reason.HATE, "Dehumanising slur against a people (“zio satanic slaves”)."),
    27: (ModerationLog.Reason.VIOLENCE, "Says it is “necessary to eliminate” a group of people."),
    30: (ModerationLog.Reason.VIOLENCE, "Calls to “kill them all”, and insults (“those bitches”)."),
}
PENDING = 33  # a guest's comment: guests always wait for a moderator
FLAGGED = (29, Flag.Reason.ABUSE, "Calls people stupid.")
SPAM = (
    "Best Deals",
    "Cheap replica watches and bags!!! 90% off today only, free shipping worldwide: "
    "http://example.com/deals",
)
# Word lists to start from; moderators keep them in the admin.
WORDS = [("zio", Word.Kind.BANNED), ("kill them all", Word.Kind.SUSPECT),
         ("eliminate them", Word.Kind.SUSPECT), ("bitches", Word.Kind.SUSPECT)]


def moderate_seed_discussion(article, seed_comments, moderator, reader):
    """A moderator's first pass over the seed discussion, so every queue has something in it.
    Safe to run again: comments a moderator already decided about are left alone."""
    by_number = {}
    for seed in seed_comments:
        found = Comment.objects.filter(article=article, body=seed.body).order_by("pk").first()
        if found:
            by_number[seed.number] = found
    for number, (reason, note) in REMOVALS.items():
        comment = by_number.get(number)
        if comment and comment.reviewed_at is None:
            moderation.decide(comment, "remove", moderator, reason=reason, note=note)
    pending = by_number.get(PENDING)
    if pending and pending.status == Comment.Status.PUBLISHED and pending.reviewed_at is None \
            and not pending.moderation_log.exists():
        actions.hold(pending, "Guest comments always wait for a moderator.", status_before=pending.status)
        actions.set_status(pending, Comment.Status.PENDING)
    number, reason, note = FLAGGED
    flagged = by_number.get(number)
    if flagged and not Flag.objects.filter(comment=flagged, user=reader).exists():
        moderation.flag(flagged, reader, reason, note)
    add_spam(article, moderator)
    for text, kind in WORDS:
        Word.objects.get_or_create(normalised=words.normalise(text), defaults={"text": text, "kind": kind})


def add_spam(article, moderator):
    name, body = SPAM
    if Comment.objects.filter(article=article, guest_name=name).exists():
        return
    body_html, scores = render_comment(body), triage.score(body, None, ip_address="203.0.113.7")
    with tree.locked(None):
        comment = actions.save_new(Comment(
            article=article, guest_name=name, body=body, body_html=body_html,
            spam_score=scores.spam, abuse_score=scores.abuse, score_reason=scores.reason,
            status=Comment.Status.PENDING,
            ip_address="203.0.113.7", created_at=article.published_at + timedelta(days=1),
        ))
    moderation.decide(comment, "spam", moderator)
