"""Decisions in the comment admin: the buttons of a comment's page and the bulk actions.

All of them call comments/moderation.py, which keeps the public count and writes the log.
Removing asks for a reason: on the comment's page in the same form, for a bulk removal on an
intermediate page that posts back to the action.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse

from comments import moderation
from comments.admin.filters import clean_id
from comments.errors import CommentError
from comments.models import Comment, ModerationLog
from newsroom.text import strip_nul


class ReasonForm(forms.Form):
    reason = forms.ChoiceField(
        choices=[("", "Choose a reason…"), *ModerationLog.Reason.choices], required=False,
    )
    note = forms.CharField(
        required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text="Optional; needed for “Other”. Kept in the moderation log.",
    )


class Decisions:
    """Mixed into CommentAdmin."""

    def has_moderate_permission(self, request):
        return moderation.can_moderate(request.user)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        reason_form = ReasonForm(auto_id="moderate_%s")
        for field in reason_form.fields.values():
            field.widget.attrs["form"] = "moderate-form"  # the form sits outside the change form
        extra_context = {
            **(extra_context or {}),
            "can_moderate": self.has_moderate_permission(request),
            "reason_form": reason_form,
            "decisions": moderation.DECISIONS.values(),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        return [
            path("<path:object_id>/moderate/", self.admin_site.admin_view(self.moderate_view),
                 name="comments_comment_moderate"),
            *super().get_urls(),
        ]

    def moderate_view(self, request, object_id):
        """The decision buttons of the change page."""
        if not self.has_moderate_permission(request):
            raise PermissionDenied
        comment_id = clean_id(object_id)
        comment = get_object_or_404(Comment, pk=comment_id) if comment_id else None
        if comment is None:
            return HttpResponseRedirect(reverse("admin:comments_comment_changelist"))
        back = HttpResponseRedirect(reverse("admin:comments_comment_change", args=[comment.pk]))
        if request.method != "POST":
            return back
        action = strip_nul(request.POST.get("action", ""))
        form = ReasonForm(request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else request.POST.get("reason", "")
        note = form.cleaned_data["note"] if form.is_valid() else request.POST.get("note", "")
        try:
            if action in ("lock", "unlock"):
                entry = moderation.set_replies_locked(comment, action == "lock", request.user,
                                                      reason=reason, note=note)
                done = "Replies locked." if action == "lock" else "Replies unlocked."
            else:
                entry = moderation.decide(comment, action, request.user, reason=reason, note=note)
                done = f"Comment {moderation.DECISIONS[action].past}."
        except CommentError as error:
            self.message_user(request, error.message, messages.ERROR)
            return back
        if entry is None:
            self.message_user(request, "Nothing changed: that does not apply to this comment now.", messages.WARNING)
        else:
            self.message_user(request, done, messages.SUCCESS)
        return back

    def _decide(self, request, queryset, action, reason="", note=""):
        try:
            done, skipped = moderation.decide_many(queryset.order_by("pk"), action, request.user,
                                                   reason=reason, note=note)
        except CommentError as error:
            self.message_user(request, error.message, messages.ERROR)
            return
        past = moderation.DECISIONS[action].past
        message = f"{done} comment{'s' if done != 1 else ''} {past}."
        if skipped:
            message += f" {skipped} skipped: the action does not apply to their status."
        self.message_user(request, message, messages.SUCCESS if done else messages.WARNING)

    @admin.action(description="Approve selected comments", permissions=["moderate"])
    def approve(self, request, queryset):
        self._decide(request, queryset, "approve")

    @admin.action(description="Remove selected comments (asks for a reason)…", permissions=["moderate"])
    def remove(self, request, queryset):
        """An intermediate page asks for the reason; its form posts back to this action."""
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        error = None
        if form.is_bound and form.is_valid():
            reason, note = form.cleaned_data["reason"], form.cleaned_data["note"]
            try:
                moderation.clean_reason(reason, note, required=True)
            except CommentError as problem:
                error = problem.message
            else:
                self._decide(request, queryset, "remove", reason, note)
                return None
        return TemplateResponse(request, "admin/comments/comment/remove.html", {
            **self.admin_site.each_context(request),
            "title": "Why are these comments removed?",
            "opts": self.model._meta,
            "comments": queryset.select_related("author")[:200],
            "count": queryset.count(),
            "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across") == "1",
            "form": form,
            "error": error,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        })

    @admin.action(description="Mark selected comments as spam", permissions=["moderate"])
    def mark_spam(self, request, queryset):
        self._decide(request, queryset, "spam")

    @admin.action(description="Restore selected comments (undo remove or spam)", permissions=["moderate"])
    def restore(self, request, queryset):
        self._decide(request, queryset, "restore")

    @admin.action(description="Lock replies under selected comments", permissions=["moderate"])
    def lock_replies(self, request, queryset):
        done = sum(bool(moderation.set_replies_locked(c, True, request.user)) for c in queryset.order_by("pk"))
        self.message_user(request, f"Replies locked under {done} comment{'s' if done != 1 else ''}.")

    @admin.action(description="Unlock replies under selected comments", permissions=["moderate"])
    def unlock_replies(self, request, queryset):
        done = sum(bool(moderation.set_replies_locked(c, False, request.user)) for c in queryset.order_by("pk"))
        self.message_user(request, f"Replies unlocked under {done} comment{'s' if done != 1 else ''}.")
