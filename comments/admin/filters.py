"""List filters for the comment changelist that stay cheap with 100,000 comments.

None of them lists every article or every person: the article is picked with the admin's
autocomplete (typed, searched on the server), the author by typing a username, a guest by
the link from their comment.
"""

import ipaddress

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.db.models import Q
from django.db.models.functions import Lower

from comments import moderation
from comments.models import Comment
from newsroom.models import Article


def clean_id(value):
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 19 else None


class OwnFormFilter(admin.SimpleListFilter):
    """A filter drawn as a small GET form that keeps the changelist's other parameters."""

    def lookups(self, request, model_admin):
        return ()

    def has_output(self):
        return True

    def hidden_params(self, changelist):
        skip = {self.parameter_name, "p", "e"}
        return [(key, value) for key, value in changelist.params.items() if key not in skip]

    def choices(self, changelist):
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": self.all_label,
            "hidden": self.hidden_params(changelist),
        }


class QueueFilter(admin.SimpleListFilter):
    """The moderator's queues; the same links are shown as tabs above the list."""

    title = "queue"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _) in moderation.QUEUES.items()]

    def queryset(self, request, queryset):
        queue = moderation.QUEUES.get(self.value())
        return queue[1](queryset) if queue else queryset


class ArticleFilter(OwnFormFilter):
    title = "article"
    parameter_name = "article"
    all_label = "All articles"
    template = "admin/comments/filters/article.html"

    class Form(forms.Form):
        pass

    def form(self, model_admin):
        field = forms.ModelChoiceField(
            queryset=Article.objects.all(), required=False,
            widget=AutocompleteSelect(Comment._meta.get_field("article"), model_admin.admin_site,
                                      attrs={"data-width": "15rem"}),  # select2 reads it
        )
        form = self.Form(data={"article": clean_id(self.value()) or ""})
        form.fields["article"] = field
        return form

    def choices(self, changelist):
        for choice in super().choices(changelist):
            choice["form"] = self.form(changelist.model_admin)
            yield choice

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        article_id = clean_id(self.value())
        return queryset.filter(article_id=article_id) if article_id else queryset.none()


class ThreadFilter(OwnFormFilter):
    """One thread (a top-level comment and its replies), shown as a tree. Reached by the
    "thread" link of each row; only shown in the sidebar while it is in use."""

    title = "thread"
    parameter_name = "thread"
    all_label = "All threads"
    template = "admin/comments/filters/thread.html"

    def has_output(self):
        return self.value() is not None

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        tree_id = clean_id(self.value())
        return queryset.filter(tree_id=tree_id) if tree_id else queryset.none()


class AuthorFilter(OwnFormFilter):
    title = "author (username)"
    parameter_name = "author"
    all_label = "Anyone"
    template = "admin/comments/filters/text.html"

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        username = self.value().strip()
        return queryset.filter(author__username=username) if username else queryset


class GuestIdentityFilter(OwnFormFilter):
    """One guest's comments, known by what they gave or came from (guests have no account):
    their email address, or without one the address they wrote from. Reached from the author
    column of a guest's comment (their history, comments/admin/history.py); only shown in the
    sidebar while in use. Each reads its own index (`comment_guest_email`, `comment_ip_address`)."""

    all_label = "Anyone"
    template = "admin/comments/filters/guest.html"

    def has_output(self):
        return self.value() is not None

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        return guest_comments(queryset, **{self.parameter_name: self.value().strip()})


class GuestEmailFilter(GuestIdentityFilter):
    title = "guest's email"
    parameter_name = "guest_email"


class GuestAddressFilter(GuestIdentityFilter):
    title = "guest's IP address"
    parameter_name = "guest_ip"


def guest_comments(queryset, *, guest_email=None, guest_ip=None):
    """The comments of the guest known by this email address (compared as the index holds it:
    lower case) or IP address; none for a value that is neither."""
    queryset = queryset.filter(author=None)
    if guest_email is not None:
        if not guest_email:
            return queryset.none()
        return queryset.alias(guest_address=Lower("guest_email")).filter(
            guest_address=guest_email.lower()).exclude(guest_email="")
    try:
        return queryset.filter(ip_address=str(ipaddress.ip_address(guest_ip)))
    except ValueError:
        return queryset.none()


class YesNoFilter(admin.SimpleListFilter):
    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(self.condition)
        if self.value() == "no":
            return queryset.exclude(self.condition)
        return queryset


class HasFlagsFilter(YesNoFilter):
    title = "has flags"
    parameter_name = "flags"
    condition = Q(flag_count__gt=0)


class GuestFilter(YesNoFilter):
    title = "guest"
    parameter_name = "guest"
    condition = Q(author__isnull=True)
