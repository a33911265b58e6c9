"""The moderation log (read-only), the word lists, and the per-person controls."""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.text import Truncator

from comments import moderation
from comments.admin.readonly import ReadOnly
from comments.models import Commenter, ModerationLog, Word


class SubjectFilter(admin.SimpleListFilter):
    title = "about"
    parameter_name = "about"
    conditions = {"comment": {"comment__isnull": False}, "article": {"article__isnull": False},
                  "person": {"person__isnull": False}}

    def lookups(self, request, model_admin):
        return [("comment", "A comment"), ("article", "A discussion"), ("person", "A person")]

    def queryset(self, request, queryset):
        condition = self.conditions.get(self.value())
        return queryset.filter(**condition) if condition else queryset


@admin.register(ModerationLog)
class ModerationLogAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("created_at", "who", "action", "subject", "reason", "short_note", "status_before", "status_after")
    list_filter = (SubjectFilter, "action", "reason", ("moderator", admin.RelatedOnlyFieldListFilter),
                   ("created_at", admin.DateFieldListFilter))
    list_select_related = ("moderator", "comment", "article", "person")
    search_fields = ("note", "moderator__username", "=comment__id", "person__username")
    search_help_text = "Words of the note, a moderator's username, a comment's number, or the username a decision was about."
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    fields = readonly_fields = ("created_at", "who", "action", "subject", "reason", "note",
                                "status_before", "status_after")

    @admin.display(description="by", ordering="moderator__username")
    def who(self, entry):
        return entry.moderator or "the site's rules"

    @admin.display(description="about")
    def subject(self, entry):
        """The comment, the discussion or the person the entry is about."""
        if entry.article_id:
            return format_html('Discussion: <a href="{}?article={}">{}</a>', reverse("admin:comments_comment_changelist"),
                               entry.article_id, Truncator(entry.article.headline).chars(60))
        if entry.person_id:
            return format_html('Person: <a href="{}?{}"><bdi>{}</bdi> ({})</a>', reverse("admin:comments_comment_changelist"),
                               urlencode({"author": entry.person.username}), entry.person.public_name,
                               entry.person.username)
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

    # Every change of a person's controls goes to the moderation log, in the same transaction.
    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            before = Commenter.objects.filter(pk=obj.pk).first() if change else None
            super().save_model(request, obj, form, change)
            moderation.person_changed(before, obj, request.user)

    def delete_model(self, request, obj):
        with transaction.atomic():
            moderation.person_changed(obj, None, request.user)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for person in queryset.select_related("user"):
                moderation.person_changed(person, None, request.user)
            super().delete_queryset(request, queryset)

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
