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

    def __init__(self, retry_after):
        super().__init__(
            "You are posting faster than we allow. "
            f"Please wait {retry_after} second{'s' if retry_after != 1 else ''} and try again."
        )
        self.retry_after = retry_after
