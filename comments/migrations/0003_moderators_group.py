"""The "Moderators" group: exactly what moderating comments needs, nothing else.

Moderators read comments, flags, earlier versions and the log; decide about comments (the
custom "moderate_comment" permission: approve, remove, spam, restore, lock); keep the word lists
and the per-person controls; and read articles, for the admin's article filter. They cannot
edit or delete comments, articles, accounts or anything else.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Moderators"
PERMISSIONS = {
    "comments": [
        "view_comment", "moderate_comment",
        "view_flag", "view_moderationlog", "view_commentrevision",
        "add_word", "change_word", "delete_word", "view_word",
        "add_commenter", "change_commenter", "delete_commenter", "view_commenter",
    ],
    "newsroom": ["view_article"],
}


def make_group(apps, schema_editor):
    # Permissions are normally made after all migrations have run; make them now.
    for label in PERMISSIONS:
        config = apps.get_app_config(label)
        config.models_module = True
        create_permissions(config, apps=apps, verbosity=0)
        config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.set([
        Permission.objects.get(content_type__app_label=label, codename=codename)
        for label, codenames in PERMISSIONS.items()
        for codename in codenames
    ])


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("comments", "0002_moderation"),
        ("newsroom", "0002_article_comment_count_and_more"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(make_group, remove_group)]
