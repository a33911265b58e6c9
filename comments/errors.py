"""Why a comment was refused, in words for the person who wrote it, with the HTTP status."""


class CommentError(Exception):
    status = 400

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class DiscussionClosed(CommentError):
    status = 403


class RateLimited(CommentError):
    status = 429

    def __init__(self, retry_after, doing="posting"):
        super().__init__(
            f"You are {doing} faster than we allow. "
            f"Please wait {retry_after} second{'s' if retry_after != 1 else ''} and try again."
        )
        self.retry_after = retry_after


class MayBreakRules(CommentError):
    """The abuse score is high: the writer is shown the rules and their text to edit, and may
    post it anyway (it then waits for a moderator). Not a refusal: the page answers 200."""

    status = 200
    message = "This may break our community rules."

    def __init__(self, scores):
        super().__init__(self.message)
        self.scores = scores


class NotAllowed(CommentError):
    """The person may not do this to the comment (not theirs, too late, or a moderator's
    decision came first): answered with the site's own 403 page, never a traceback."""

    status = 403


class NoSuchComment(CommentError):
    """A comment the person may not see is answered exactly as one that does not exist, so
    nobody can map pending and removed comments by asking for them."""

    status = 404

    def __init__(self, message="This comment does not exist."):
        super().__init__(message)
