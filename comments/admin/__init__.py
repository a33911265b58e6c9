"""The moderators' admin: comments (comment.py), the log, word lists and people (others.py)."""

from comments.admin import comment, others  # noqa: F401  (registers the model admins)
