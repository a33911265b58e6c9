from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST

from comments import actions, discussion, in_place, markup, moderation, ratelimit, rules, thread
from comments.errors import CommentError, MayBreakRules, NoSuchComment, NotAllowed
from comments.forms import CommentForm, EditForm, GuestCommentForm, RemoveForm
from comments.models import Comment
from comments.visibility import missing, public_comment, shown_comment
from newsroom.models import Article


def error_page(request, message, status=400, retry_after=None):
    response = render(request, "comments/error.html", {"message": message}, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def answers_errors(view):
    """A CommentError raised in the view (refused, missing, too many, lost a race to a
    moderator) becomes the site's error page with its status: never Django's bare page."""

    @wraps(view)
    def answering(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except CommentError as error:
            retry_after = getattr(error, "retry_after", None)
            if in_place.wanted(request):
                return in_place.refused([error.message], status=error.status, retry_after=retry_after)
            return error_page(request, error.message, error.status, retry_after)

    return answering


def chosen_parent(request, form):
    """The parent named by the form's hidden field, on the inline reply form. A hidden one is
    refused exactly as a missing one (post_comment checks again, under the lock)."""
    parent_id = form.cleaned_data.get("parent")
    if not parent_id:
        return None
    parent = Comment.objects.filter(pk=parent_id).first()
    if parent is None or not parent.is_visible:
        ratelimit.probe(request.META.get("REMOTE_ADDR"))
        raise CommentError(actions.NO_PARENT)
    return parent


HELD = "Thank you. Your comment will appear once a moderator has approved it."


def posted_in_place(request, comment):
    if not comment.is_visible:
        return in_place.answer("held", message=HELD)
    article = comment.article
    article.refresh_from_db(fields=["comment_count"])
    return in_place.answer(
        "posted", id=comment.pk, parent=comment.parent_id, location=thread.location(comment),
        count=article.comment_count, html=discussion.one_comment(comment, user=request.user),
    )


def refused_in_place(form, nudge, status, retry_after):
    if nudge:
        return in_place.answer("nudge", html=render_to_string("comments/_nudge.html"))
    return in_place.refused(in_place.form_errors(form), status=status, retry_after=retry_after)


def post_page(request, article, parent=None):
    """The comment page and the reply page: show the form, or post what it holds."""
    if not request.user.is_authenticated and not settings.COMMENTS_ALLOW_GUESTS:
        return redirect_to_login(request.get_full_path())
    form_class = CommentForm if request.user.is_authenticated else GuestCommentForm
    data = request.POST if request.method == "POST" else None  # an empty POST is still a POST
    form = form_class(data, initial={"parent": parent and parent.pk})
    status, retry_after, nudge = 200, None, False
    if request.method == "POST" and not form.is_valid():
        status = 400
    elif request.method == "POST":
        try:
            parent = parent or chosen_parent(request, form)
            comment = actions.post_comment(
                article=article,
                body=form.cleaned_data["body"],
                parent=parent,
                author=request.user if request.user.is_authenticated else None,
                guest_name=form.cleaned_data.get("guest_name", ""),
                guest_email=form.cleaned_data.get("guest_email", ""),
                ip_address=request.META.get("REMOTE_ADDR") or None,
                confirmed=form.cleaned_data["confirmed"],
            )
        except MayBreakRules:
            form, nudge = form.confirming(), True
        except CommentError as error:
            form.add_error(None, error.message)
            status = error.status
            retry_after = getattr(error, "retry_after", None)
        else:
            if in_place.wanted(request):
                return posted_in_place(request, comment)
            if not comment.is_visible:
                messages.info(request, HELD)
                return redirect(article.get_absolute_url() + "#comments")
            return redirect(thread.location(comment))
    if data is not None and in_place.wanted(request):
        return refused_in_place(form, nudge, status, retry_after)
    # A refused POST shows the form with the refusal as its error (what they wrote stays).
    refusal = "" if data is not None else rules.refusal(request.user, rules.standing(request.user))
    context = {"article": article, "parent": parent, "form": form, "refusal": refusal, "nudge": nudge}
    response = render(request, "comments/post.html", context, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def activity(request, article_id):
    """What an open discussion page polls (static/js/comments.js) to say "N new comments": the
    public count and the discussion's version, a few bytes the same for everyone, so the page
    cache and shared caches answer it, and a 304 from the versions when nothing moved."""
    article = get_object_or_404(Article.objects.published().values("comment_count", "discussion_version"),
                                pk=article_id)
    return JsonResponse({"count": article["comment_count"], "version": article["discussion_version"]})


def post(request, article_id):
    return post_page(request, get_object_or_404(Article.objects.published(), pk=article_id))


@answers_errors
def reply(request, pk):
    parent = shown_comment(request, pk)
    if not parent.is_visible:  # its author or a moderator: they know it is there
        raise NoSuchComment("This comment is not shown, so it takes no replies.")
    if parent.replies_locked:
        raise NotAllowed("A moderator has closed replies to this comment.")
    return post_page(request, parent.article, parent)


@answers_errors
def detail(request, pk):
    """A comment's own page: the comments above it for context, then its whole subtree. A
    hidden comment appears here only as the placeholder above replies that are shown."""
    comment = public_comment(request, pk)
    page = discussion.comment_page(comment, user=request.user)
    if page is None:
        raise missing(request)
    return render(request, "comments/detail.html",
                  {"comment": comment, "article": comment.article, "thread": page})


@answers_errors
def history(request, pk):
    """The earlier versions of an edited comment, oldest first, with when each was written:
    those readers saw, a version a moderator removed as a placeholder. Moderators remove a
    version here (with a reason, logged); the text stays for them in the admin."""
    comment = shown_comment(request, pk)
    moderator = moderation.can_moderate(request.user)
    form = RemoveForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        chosen = request.POST.get("remove_version", "")
        if not moderator:
            raise NotAllowed("Only moderators can do that.")
        if not chosen.isdigit() or len(chosen) > 18:
            raise CommentError("No version was chosen.")
        if form.is_valid():
            if moderation.remove_version(comment, int(chosen), request.user, **form.cleaned_data):
                messages.success(request, "That version is no longer shown to readers.")
            return redirect("comments:history", pk=comment.pk)
    revisions = comment.revisions.filter(was_shown=True).order_by("written_at", "pk")
    controls = None
    if moderator:
        def controls(revision):
            return (f' <button class="link-button" name="remove_version" value="{revision.pk}">'
                    f"Remove this version</button>")
    return render(request, "comments/history.html", {
        "comment": comment, "article": comment.article, "form": form, "moderator": moderator,
        "versions": markup.history(comment, revisions, controls=controls),
    }, status=400 if form.errors else 200)


def own_comment(request, pk):
    comment = shown_comment(request, pk)
    if not comment.is_author(request.user):
        raise NotAllowed("This is not your comment.")
    return comment


@login_required
@answers_errors
def edit(request, pk):
    comment = own_comment(request, pk)
    refusal = comment.edit_refusal(request.user)
    if refusal:
        messages.error(request, refusal)
        return redirect(thread.location(comment))
    form = EditForm(request.POST if request.method == "POST" else None, initial={"body": comment.body})
    nudge = False
    if request.method == "POST" and form.is_valid():
        try:
            comment = actions.edit_comment(comment, request.user, form.cleaned_data["body"],
                                           confirmed=form.cleaned_data["confirmed"])
        except MayBreakRules:
            form, nudge, status = form.confirming(), True, 200
        except NotAllowed:
            raise  # a moderator decided first: the site's 403 page says so
        except CommentError as error:  # the posting rules: a banned word, a banned person…
            form.add_error(None, error.message)
            status = error.status
        else:
            if not comment.is_visible:
                messages.info(request, "Your comment will appear again once a moderator has approved it.")
            return redirect(thread.location(comment))
    else:
        status = 400 if form.errors else 200
    return render(request, "comments/edit.html", {"comment": comment, "form": form, "nudge": nudge},
                  status=status)


@login_required
@answers_errors
def delete(request, pk):
    comment = own_comment(request, pk)
    if request.method == "POST":
        comment = actions.delete_comment(comment, request.user)
        if comment.withdrawn_at:
            messages.info(request, "Your comment is withdrawn. A moderator had already removed it, "
                                   "so it stays removed.")
        else:
            messages.info(request, "Your comment was deleted.")
        return redirect(thread.location(comment))
    return render(request, "comments/delete.html", {"comment": comment})


@require_POST
@login_required
@answers_errors
def recommend(request):
    """One form wraps the whole discussion; the button pressed names the comment and action."""
    action = "recommend" if "recommend" in request.POST else "withdraw"
    pk = request.POST.get(action, "")
    if not pk.isdigit() or len(pk) > 18:
        raise CommentError("No comment was chosen.")
    comment = shown_comment(request, int(pk))
    if action == "recommend":
        actions.recommend(comment, request.user)
    else:
        actions.withdraw_recommendation(comment, request.user)
    if in_place.wanted(request):
        return in_place.answer("done", id=comment.pk, html=discussion.one_comment(comment, user=request.user))
    return redirect(thread.location(comment))
