class ReadOnly:
    """Records nobody adds, edits or deletes in the admin: comments are what readers wrote
    (moderators decide about them, through comments/moderation.py), the log is the record."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
