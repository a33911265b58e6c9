from django import forms
from django.conf import settings

from comments.models import Flag, ModerationLog
from newsroom import names


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
    # Set on the form shown again with "This may break our community rules": sending it once
    # more posts the text as it then is (to the pending queue if its abuse score is still high).
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def confirming(self):
        """This form again, bound to what was sent and marked as seen the rules."""
        data = self.data.copy()
        data["confirmed"] = "1"
        again = type(self)(data, initial=self.initial)
        again.is_valid()
        return again


class GuestCommentForm(CommentForm):
    guest_name = forms.CharField(label="Your name", max_length=60)
    guest_email = forms.EmailField(
        label="Email (optional, never shown)", required=False, max_length=254
    )
    field_order = ["guest_name", "guest_email", "body"]

    def clean_guest_name(self):
        # A guest may not pass for staff either (newsroom/names.py).
        return names.validate(self.cleaned_data["guest_name"])


class EditForm(forms.Form):
    body = CommentForm.base_fields["body"]
    confirmed = CommentForm.base_fields["confirmed"]
    confirming = CommentForm.confirming


class FlagForm(forms.Form):
    reason = forms.ChoiceField(
        label="What is wrong with this comment?",
        choices=Flag.Reason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Please choose a reason.",
                        "invalid_choice": "Please choose one of the reasons."},
    )
    note = forms.CharField(
        label="Anything a moderator should know? (needed for “Other”)",
        required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self):
        data = super().clean()
        if data.get("reason") == Flag.Reason.OTHER and not data.get("note", "").strip():
            self.add_error("note", "Please say what is wrong with the comment.")
        return data


class PickForm(forms.Form):
    pick_reason = forms.CharField(
        label="Why is it picked? Readers see this beside it.", max_length=200,
        help_text="For example “a first-hand account” or “the best counter-argument”.",
        error_messages={"required": "Please say why this comment is picked: readers see the reason."},
    )


class RemoveForm(forms.Form):
    reason = forms.ChoiceField(
        label="Why is it removed?", choices=[("", "Choose a reason…"), *ModerationLog.Reason.choices],
        error_messages={"required": "Please choose a reason."},
    )
    note = forms.CharField(label="Note for the moderation log", required=False, max_length=1000,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        data = super().clean()
        if data.get("reason") == ModerationLog.Reason.OTHER and not data.get("note", "").strip():
            self.add_error("note", "Please say what the reason is.")
        return data
