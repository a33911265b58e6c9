"""The moderation log (read-only), the word lists, and the per-person controls."""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.text import Truncator

from comments.admin.readonly import ReadOnly
from comments.models import Commenter, ModerationLog, Word


@admin.register(ModerationLog)
class ModerationLogAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("created_at", "who", "action", "comment_link", "reason", "short_note", "status_before", "status_after")
    list_filter = ("action", "reason", ("moderator", admin.RelatedOnlyFieldListFilter),
                   ("created_at", admin.DateFieldListFilter))
    list_select_related = ("moderator", "comment")
    search_fields = ("note", "moderator__username", "=comment__id")
    search_help_text = "Words of the note, a moderator's username, or a comment's number."
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    fields = readonly_fields = ("created_at", "who", "action", "comment_link", "reason", "note",
                                "status_before", "status_after")

    @admin.display(description="by", ordering="moderator__username")
    def who(self, entry):
        return entry.moderator or "the site's rules"

    @admin.display(description="comment")
    def comment_link(self, entry):
        return format_html('<a href="{}">#{}</a> {}', reverse("admin:comments_comment_change", args=[entry.comment_id]),
                           entry.comment_id, Truncator(entry.comment.body).chars(60))

    @admin.display(description="note")
    def short_note(self, entry):
        return Truncator(entry.note).chars(80)


@admin.register(Word)
class WordAdmin(admin.ModelAdmin):
    list_display = ("text", "kind", "created_at")
    list_filter = ("kind",)
    search_fields = ("normalised",)
    fields = ("text", "kind")
    show_full_result_count = False
    list_per_page = 200


class CommenterAddForm(forms.ModelForm):
    username = forms.CharField(max_length=150, help_text="The account these decisions are about.")

    class Meta:
        model = Commenter
        fields = ("username", "banned", "suspended_until", "premoderate", "trusted", "note")

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise forms.ValidationError("There is no account with that username.")
        if Commenter.objects.filter(user=user).exists():
            raise forms.ValidationError("That person already has controls: change them instead.")
        self.instance.user = user
        return username


@admin.register(Commenter)
class CommenterAdmin(admin.ModelAdmin):
    list_display = ("person", "banned", "suspended_until", "premoderate", "trusted", "updated_at")
    list_filter = ("banned", "premoderate", "trusted")
    list_select_related = ("user",)
    search_fields = ("user__username", "user__display_name", "user__email")
    show_full_result_count = False
    fields = ("banned", "suspended_until", "premoderate", "trusted", "note")

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = CommenterAddForm
            kwargs["fields"] = CommenterAddForm.Meta.fields
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        return self.fields if obj else CommenterAddForm.Meta.fields

    def get_readonly_fields(self, request, obj=None):
        return ("person", "comments") if obj else ()

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": CommenterAddForm.Meta.fields})]
        return [(None, {"fields": ("person", "comments")}), ("Decisions", {"fields": self.fields})]

    @admin.display(description="person", ordering="user__username")
    def person(self, commenter):
        user = commenter.user
        suspended = " (suspended now)" if commenter.suspended_until and commenter.suspended_until > timezone.now() else ""
        return format_html("<bdi>{}</bdi> ({}){}", user.public_name, user.username, suspended)

    @admin.display(description="their comments")
    def comments(self, commenter):
        return format_html('<a href="{}?{}">All comments by <bdi>{}</bdi></a>',
                           reverse("admin:comments_comment_changelist"), urlencode({"author": commenter.user.username}),
                           commenter.user.public_name)
