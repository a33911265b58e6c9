from django.db import migrations

# Whether one comment has the words of a search (comments/admin/search.py), asked comment by
# comment: what the admin's list uses when so many comments match that walking the list in
# its own order finds a page sooner than reading every match. A function (not inlined: its
# body reads a table) keeps PostgreSQL from turning it into a join it would plan from its
# estimate of the matches, which for phrases is far too low. PostgreSQL only, as the table.
HAS_WORDS = """
CREATE FUNCTION comment_has_words(comment bigint, query tsquery) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT words @@ query FROM comment_search WHERE comment_id = comment $$;
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(HAS_WORDS)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS comment_has_words(bigint, tsquery)")


class Migration(migrations.Migration):

    dependencies = [
        ('comments', '0010_tree_index_without_lft'),
    ]

    operations = [
        migrations.RunPython(create, drop),
    ]
