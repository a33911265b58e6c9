from django.db import migrations, models

# A reply renumbers lft and rght of about half of its thread's rows. While an index held lft
# (comment_tree_order), PostgreSQL wrote each of those row versions into every index of the
# table (ten of them): most of a reply's database time. With lft and rght in no index, it
# can rewrite the rows in place, without touching any index (a HOT update), provided the
# page has room for the new version: the fillfactor leaves 30% of each page free for that.
# The room is made as pages are written; for rows already stored, `VACUUM FULL
# comments_comment` (it locks the table while it runs) or pg_repack applies it at once.
# Threads are then found by (tree_id, level): the root is level 0, a page reads its levels
# up to the deepest it shows, and rows are sorted by lft after they are read.
FILLFACTOR = 70


def leave_room(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE comments_comment SET (fillfactor = {FILLFACTOR})")


def fill_pages(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE comments_comment RESET (fillfactor)")


class Migration(migrations.Migration):

    dependencies = [
        ('comments', '0009_scores'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='comment',
            name='comment_tree_order',
        ),
        migrations.AddIndex(
            model_name='comment',
            index=models.Index(fields=['tree_id', 'level'], name='comment_tree_level'),
        ),
        migrations.RunPython(leave_room, fill_pages),
    ]
