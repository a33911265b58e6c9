"""The "Moderators" group (see comments/permissions.py)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from comments.permissions import MODERATORS, PERMISSIONS, moderators_group


def make_group(apps, schema_editor):
    # Permissions are normally made after all migrations have run; make them now.
    for label in PERMISSIONS:
        config = apps.get_app_config(label)
        config.models_module = True
        create_permissions(config, apps=apps, verbosity=0)
        config.models_module = None
    moderators_group(apps)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=MODERATORS).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("comments", "0002_moderation"),
        ("newsroom", "0002_article_comment_count_and_more"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(make_group, remove_group)]
