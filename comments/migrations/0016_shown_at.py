"""When each comment was shown to readers (Comment.shown_at), for the unread replies count.
Comments shown today are taken as shown when they were written: what the count read before."""

from django.db import migrations, models


def shown_when_written(apps, schema_editor):
    Comment = apps.get_model("comments", "Comment")
    Comment.objects.filter(status="published").update(shown_at=models.F("created_at"))


class Migration(migrations.Migration):

    dependencies = [
        ('comments', '0015_queues_by_priority'),
    ]

    operations = [
        migrations.AddField(
            model_name='comment',
            name='shown_at',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(shown_when_written, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name='comment',
            index=models.Index(condition=models.Q(('shown_at__isnull', False)), fields=['shown_at'], name='comment_shown_at'),
        ),
    ]
