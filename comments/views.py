from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from comments import actions, discussion, thread
from comments.errors import CommentError
from comments.forms import CommentForm, EditForm, GuestCommentForm
from comments.models import Comment
from newsroom.models import Article


def public_comment(pk):
    """A comment on a published article; whether it is shown is for the caller to decide."""
    return get_object_or_404(
        Comment.objects.select_related("article", "author"),
        pk=pk, article__in=Article.objects.published(),
    )


def chosen_parent(form):
    """The parent named by the form's hidden field, on the inline reply form."""
    parent_id = form.cleaned_data.get("parent")
    if not parent_id:
        return None
    parent = Comment.objects.filter(pk=parent_id).first()
    if parent is None:
        raise CommentError("The comment you replied to does not exist.")
    return parent


def post_page(request, article, parent=None):
    """The comment page and the reply page: show the form, or post what it holds."""
    if not request.user.is_authenticated and not settings.COMMENTS_ALLOW_GUESTS:
        return redirect_to_login(request.get_full_path())
    form_class = CommentForm if request.user.is_authenticated else GuestCommentForm
    data = request.POST if request.method == "POST" else None  # an empty POST is still a POST
    form = form_class(data, initial={"parent": parent and parent.pk})
    status, retry_after = 200, None
    if request.method == "POST" and not form.is_valid():
        status = 400
    elif request.method == "POST":
        try:
            comment = actions.post_comment(
                article=article,
                body=form.cleaned_data["body"],
                parent=parent or chosen_parent(form),
                author=request.user if request.user.is_authenticated else None,
                guest_name=form.cleaned_data.get("guest_name", ""),
                guest_email=form.cleaned_data.get("guest_email", ""),
                ip_address=request.META.get("REMOTE_ADDR") or None,
            )
        except CommentError as error:
            form.add_error(None, error.message)
            status = error.status
            retry_after = getattr(error, "retry_after", None)
        else:
            if not comment.is_visible:
                messages.info(request, "Thank you. Your comment will appear once a moderator has approved it.")
                return redirect(article.get_absolute_url() + "#comments")
            return redirect(thread.location(comment))
    context = {"article": article, "parent": parent, "form": form}
    response = render(request, "comments/post.html", context, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def post(request, article_id):
    return post_page(request, get_object_or_404(Article.objects.published(), pk=article_id))


def reply(request, pk):
    parent = public_comment(pk)
    if not parent.is_visible:
        raise Http404("This comment is no longer shown.")
    if parent.replies_locked:
        return render(request, "comments/error.html",
                      {"message": "A moderator has closed replies to this comment."}, status=403)
    return post_page(request, parent.article, parent)


def detail(request, pk):
    """A comment's own page: the comments above it for context, then its whole subtree."""
    comment = public_comment(pk)
    page = discussion.comment_page(comment, user=request.user)
    if page is None:
        raise Http404("This comment is not shown.")
    return render(request, "comments/detail.html",
                  {"comment": comment, "article": comment.article, "thread": page})


def own_comment(request, pk):
    comment = get_object_or_404(Comment.objects.select_related("article"), pk=pk)
    if not comment.is_author(request.user):
        raise PermissionDenied("This is not your comment.")
    return comment


@login_required
def edit(request, pk):
    comment = own_comment(request, pk)
    if not comment.can_edit(request.user):
        messages.error(request, f"Comments can be edited only in their first {settings.COMMENTS_EDIT_WINDOW_MINUTES} minutes.")
        return redirect(thread.location(comment))
    form = EditForm(request.POST if request.method == "POST" else None, initial={"body": comment.body})
    if request.method == "POST" and form.is_valid():
        try:
            comment = actions.edit_comment(comment, request.user, form.cleaned_data["body"])
        except CommentError as error:
            form.add_error(None, error.message)
        else:
            if not comment.is_visible:
                messages.info(request, "Your comment will appear again once a moderator has approved it.")
            return redirect(thread.location(comment))
    return render(request, "comments/edit.html", {"comment": comment, "form": form},
                  status=400 if form.errors else 200)


@login_required
def delete(request, pk):
    comment = own_comment(request, pk)
    if request.method == "POST":
        actions.delete_comment(comment, request.user)
        messages.info(request, "Your comment was deleted.")
        return redirect(thread.location(comment))
    return render(request, "comments/delete.html", {"comment": comment})


@require_POST
@login_required
def recommend(request):
    """One form wraps the whole discussion; the button pressed names the comment and action."""
    action = "recommend" if "recommend" in request.POST else "withdraw"
    pk = request.POST.get(action, "")
    if not pk.isdigit():
        return render(request, "comments/error.html", {"message": "No comment was chosen."}, status=400)
    comment = public_comment(int(pk))
    try:
        if action == "recommend":
            actions.recommend(comment, request.user)
        else:
            actions.withdraw_recommendation(comment, request.user)
    except CommentError as error:
        return render(request, "comments/error.html", {"message": error.message}, status=error.status)
    return redirect(thread.location(comment))
