"""The "Moderators" group: exactly what moderating comments needs, nothing else.

Moderators read comments, flags, earlier versions and the log; decide about comments (the
custom "moderate_comment" permission: approve, remove, spam, restore, lock); keep the word lists
and the per-person controls; and read articles, for the admin's article filter. They cannot
edit or delete comments, articles, accounts or anything else.

Made by a data migration; load_demo and the tests call it again, since a flushed database
(the browser tests flush after each test) loses the group but gets its permissions back.
"""

from django.apps import apps as installed_apps

MODERATORS = "Moderators"
PERMISSIONS = {
    "comments": [
        "view_comment", "moderate_comment",
        "view_flag", "view_moderationlog", "view_commentrevision",
        "add_word", "change_word", "delete_word", "view_word",
        "add_commenter", "change_commenter", "delete_commenter", "view_commenter",
    ],
    "newsroom": ["view_article"],
}


def moderators_group(apps=installed_apps):
    """The group with exactly its permissions (`apps`: a migration's historical models)."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=MODERATORS)
    group.permissions.set([
        Permission.objects.get(content_type__app_label=label, codename=codename)
        for label, codenames in PERMISSIONS.items()
        for codename in codenames
    ])
    return group
