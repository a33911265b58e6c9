"""Render every comment's body_html again with cmark-gfm (newsroom.text), which replaced
Python-Markdown: a few ordinary comments come out differently (a numbered or bulleted list
straight after a line of text is now a list, a line starting with '#word' keeps its '#'), and
old and new comments should read the same way. Only rows whose HTML changes are written, and
their discussions' and threads' versions move, so no cached page or thread keeps the old HTML."""

from django.db import migrations

BATCH = 1000


def render_again(apps, schema_editor):
    from comments import versions
    from newsroom.text import render_comment

    Comment = apps.get_model("comments", "Comment")
    last, articles, trees = 0, set(), set()
    while True:
        rows = list(Comment.objects.filter(pk__gt=last).order_by("pk")
                    .values_list("pk", "article_id", "tree_id", "body", "body_html")[:BATCH])
        if not rows:
            break
        changed = []
        for pk, article_id, tree_id, body, old_html in rows:
            html = render_comment(body)
            if html != old_html:
                changed.append(Comment(pk=pk, body_html=html))
                articles.add(article_id)
                trees.add(tree_id)
        Comment.objects.bulk_update(changed, ["body_html"])
        last = rows[-1][0]
    if articles:  # never on a new, empty database
        versions.articles_changed(articles)
        versions.threads_changed(trees)


class Migration(migrations.Migration):
    dependencies = [("comments", "0004_comment_thread_version")]

    operations = [migrations.RunPython(render_again, migrations.RunPython.noop, elidable=True)]
