"""Staff see every notification with its state, attempts and last error, and can send a
failed one again; readers' settings and follows are there for support questions."""

from datetime import timedelta

from django.contrib import admin, messages
from django.db.models import Q
from django.utils import timezone

from notifications import tasks
from notifications.models import Follow, Notification, NotificationSettings
from notifications.queue import after_commit

N = Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "recipient", "kind", "comment_id", "state", "attempts", "sent_at", "last_error")
    list_filter = ("state", "kind", "created_at")
    list_select_related = ("recipient",)
    search_fields = ("recipient__username", "recipient__email")
    readonly_fields = [field.name for field in Notification._meta.fields]
    show_full_result_count = False
    actions = ["send_again"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Send again (failed ones, and ones stuck for over an hour)", permissions=["view"])
    def send_again(self, request, queryset):
        # Stuck: a worker stopped while sending, or the task was never queued (the queue was
        # unreachable when the comment was shown).
        stuck = Q(state__in=[N.State.PENDING, N.State.SENDING], created_at__lt=timezone.now() - timedelta(hours=1),
                  next_attempt_at__isnull=True)
        failed = queryset.filter(Q(state=N.State.FAILED) | stuck)
        again = list(failed.values_list("pk", "kind", "recipient_id"))
        Notification.objects.filter(pk__in=[pk for pk, _, _ in again]).update(
            state=N.State.PENDING, next_attempt_at=None, attempts=0)
        for pk, kind, recipient_id in again:
            if kind == Notification.Kind.REPLY:
                after_commit("send_reply", pk)
        for recipient_id in {r for _, kind, r in again if kind == Notification.Kind.DIGEST}:
            tasks.schedule_digest(recipient_id)
        messages.success(request, f"{len(again)} notifications will be sent again (only failed or stuck ones are).")


@admin.register(NotificationSettings)
class NotificationSettingsAdmin(admin.ModelAdmin):
    list_display = ("user", "confirmed_email", "awaiting_first_confirmation", "reply_mails", "digest")
    list_select_related = ("user",)
    search_fields = ("user__username", "user__email")
    readonly_fields = ("confirmed_email", "awaiting_first_confirmation", "digest_due_at")
    raw_id_fields = ("user",)


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    list_display = ("user", "article", "scope", "created_at")
    list_select_related = ("user", "article")
    search_fields = ("user__username",)
    raw_id_fields = ("user", "article")
