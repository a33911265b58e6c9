from django import forms
from django.conf import settings


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Your comment",
        max_length=settings.COMMENTS_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Paragraphs, *emphasis*, > quotes, lists and links work. Be kind.",
        error_messages={
            "required": "Please write something before posting.",
            "max_length": "Comments can be at most %(limit_value)s characters (this one has %(show_value)s).",
        },
    )
    # Set by the reply link's inline form; the reply page passes its parent in the URL.
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)


class GuestCommentForm(CommentForm):
    guest_name = forms.CharField(label="Your name", max_length=60)
    guest_email = forms.EmailField(
        label="Email (optional, never shown)", required=False, max_length=254
    )
    field_order = ["guest_name", "guest_email", "body"]


class EditForm(forms.Form):
    body = CommentForm.base_fields["body"]
