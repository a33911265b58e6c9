from django.db import migrations, models
from django.db.models import Exists, OuterRef, Q


def existing_replies(apps, schema_editor):
    """Set for the discussions where the newsroom already wrote (the rule of
    comments/thread.py's by_the_newsroom, written out with the historical models)."""
    Article = apps.get_model("newsroom", "Article")
    Comment = apps.get_model("comments", "Comment")
    bylines = Article.authors.through.objects.filter(article_id=OuterRef("article_id"),
                                                     author__user_id=OuterRef("author_id"))
    by_newsroom = (Comment.objects.filter(article_id=OuterRef("pk"), status="published")
                   .filter(Q(author__is_staff=True) | Exists(bylines)))
    Article.objects.update(has_newsroom_replies=Exists(by_newsroom))


class Migration(migrations.Migration):

    dependencies = [
        ("newsroom", "0011_article_backlog"),
        ("comments", "0017_desk_tree_and_flags_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="has_newsroom_replies",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.RunPython(existing_replies, migrations.RunPython.noop),
    ]
